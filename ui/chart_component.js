// A plotly chart drawn in the app's own page (st.components.v2, isolate_styles=False), after
// the page's maps: Streamlit's own chart element would load and run its 4.7 MB plotly chunk
// on the main thread before anything after it on the page, the map included.
//
// data = {figure: {data, layout}, config: {...}, height: px, scripts: [plotly, locale?],
//         locale: "zh-CN" | null, sig: "signature of all the above"} (ui/chart_component.py)
//
// Order: the element keeps the chart's height at once (the page does not jump), waits until
// no map is being built (window.__txMapsPending, ui/element_assets.js, at most WAIT_MS), then
// until the browser is idle, loads plotly once per tab, and draws. A rerun with the same
// signature keeps the chart; another one redraws it in place (Plotly.react).

const CHARTS = new WeakMap(); // parentElement -> {sig, token, div, ro}
const WAIT_MS = 4000; // a map that never settles (an error, say) holds charts no longer

function mapsSettled() {
  return new Promise((resolve) => {
    // Two frames: a map mounted in the same commit as this chart has said it is pending.
    requestAnimationFrame(() => requestAnimationFrame(() => {
      if (MAPS_PENDING.size === 0) { resolve(); return; }
      const done = () => { window.removeEventListener("tx-maps-settled", done); resolve(); };
      window.addEventListener("tx-maps-settled", done);
      setTimeout(done, WAIT_MS);
    }));
  });
}

function idle() {
  return new Promise((resolve) => (window.requestIdleCallback
    ? requestIdleCallback(() => resolve(), {timeout: 1000}) : setTimeout(resolve, 50)));
}

// plotly.js-locales ships CommonJS (module.exports = {...}): read it as such, register once.
function loadLocale(url) {
  if (!ASSETS.has(url)) {
    const p = fetch(url).then((r) => {
      if (!r.ok) throw new Error("could not load " + url);
      return r.text();
    }).then((text) => {
      const module = {exports: {}};
      new Function("module", "exports", text)(module, module.exports);
      const locale = module.exports;
      // Its short months are bare numerals ("一"): a date axis would read "一 2025".
      const months = Array.from({length: 12}, (_, i) => (i + 1) + "月");
      if (locale.format) locale.format = Object.assign({}, locale.format, {months, shortMonths: months});
      window.Plotly.register(locale);
    });
    p.catch(() => ASSETS.delete(url));
    ASSETS.set(url, p);
  }
  return ASSETS.get(url);
}

async function draw(st, data, token) {
  await mapsSettled();
  await idle();
  if (st.token !== token) return;
  const t0 = performance.now();
  await loadJs(data.scripts[0]);
  if (data.scripts[1]) await loadLocale(data.scripts[1]);
  if (st.token !== token) return;
  const config = Object.assign({}, data.config, {responsive: true},
                               data.locale ? {locale: data.locale} : {});
  await window.Plotly.react(st.div, data.figure.data || [], data.figure.layout || {}, config);
  if (!st.ro) {
    // plotly's "responsive" follows the window only; the sidebar folding changes the column.
    let width = st.div.clientWidth;
    st.ro = new ResizeObserver(() => {
      if (st.div && st.div.clientWidth !== width) {
        width = st.div.clientWidth;
        window.Plotly.Plots.resize(st.div);
      }
    });
    st.ro.observe(st.div);
  }
  const now = performance.now();
  st.div.dataset.drawnAt = String(Math.round(now));
  log("chart-drawn", {loadMs: Math.round(now - t0)});
}

export default function (component) {
  const {data, parentElement} = component;
  let st = CHARTS.get(parentElement);
  if (!st) { st = {}; CHARTS.set(parentElement, st); }
  if (st.sig !== data.sig) {
    st.sig = data.sig;
    st.token = {};
    const token = st.token;
    if (!st.div) {
      st.div = document.createElement("div");
      st.div.className = "tx-chart";
      parentElement.appendChild(st.div);
    }
    st.div.style.cssText = "width:100%;height:" + data.height + "px;";
    draw(st, data, token).catch((err) => {
      log("chart-error", {e: String(err)});
      console.error("tx_chart:", err);
      if (st.token !== token) return;
      st.div.textContent = "Chart failed: " + err;
    });
  }
  const token = st.token;
  return () => {
    if (st.token !== token) return; // a newer call owns the element
    if (st.ro) st.ro.disconnect();
    if (st.div && window.Plotly) window.Plotly.purge(st.div);
    if (st.div) st.div.remove();
    st.div = st.ro = st.sig = st.token = null;
  };
}
