// A folium map drawn in the app's own page (st.components.v2, isolate_styles=False).
//
// data = {js: [url], css: [url], slots: {url: slot}, styles: "css text", headScripts: "js",
//         html: "body html", script: "folium's map script", mapVar: "map_<key>_0",
//         height: px, report: "feature" | "click", sig: "signature of all the above"}
// (made by ui/map_component.py).
//
// Assets: loadAll (ui/element_assets.js, put before this text): Leaflet and its plugins are
// requested once per browser tab, all at the same time. A map being built is in
// window.__txMapsPending until it holds ink (or waits, hidden, for a size): charts wait for it.
// Rerun: Streamlit calls the default export again only when the data (or theme) changed; the
// cleanup it returns is called only on unmount. A call with the same signature keeps the map;
// another signature removes the old map (map.remove()) before building the new one.

const STATE = new WeakMap(); // parentElement -> {sig, token, map, root, ro, api}

// Run folium's script in the global scope (not this module's), inside a function so that its
// `var`s and `let`s do not become globals: a second build with the same renumbered names
// would otherwise fail with "Identifier 'layer_control_..' has already been declared".
function runScript(code, root, mapVar) {
  mapVar = mapVar || "null";
  const slot = (window.__txRun = {root, map: null, error: null, done: false});
  const onError = (ev) => { slot.error = ev.error || new Error(ev.message); };
  window.addEventListener("error", onError);
  const el = document.createElement("script");
  el.textContent =
    "(function (__txRoot) {\n" + code + "\n;window.__txRun.map = " + mapVar + ";" +
    "window.__txRun.done = true;\n})(window.__txRun.root);\n//# sourceURL=tx-" + mapVar + ".js";
  document.head.appendChild(el); // an inline classic script runs at once, synchronously
  el.remove();
  window.removeEventListener("error", onError);
  window.__txRun = null;
  if (!slot.done) throw slot.error || new Error("the map script did not finish");
  return slot.map;
}

function teardown(st) {
  mapSettled(st.token);
  if (st.ro) st.ro.disconnect();
  if (st.map) { try { st.map.remove(); } catch (e) { log("remove-failed", {e: String(e)}); } }
  if (st.root) st.root.remove();
  if (st.note) st.note.remove();
  if (st.map || st.root) log("teardown", {sig: st.sig && st.sig.slice(0, 8)});
  st.ro = st.map = st.root = st.note = null;
}

function wireClicks(map, st, report) {
  // A layer's click fires before the map's (Leaflet fires the canvas target, then the map):
  // the layer's feature is noted, and one value is sent once the event is over.
  let pending = null;
  const flush = () => {
    const p = pending;
    pending = null;
    if (!p) return;
    const code = p.feature && p.feature.properties ? p.feature.properties.code : undefined;
    if (report === "feature" && (code === undefined || code === null)) return; // a click off the townships says nothing
    const value = {code: code === undefined ? null : code, lat: p.lat, lng: p.lng,
                   at: Date.now()}; // "at": a second click on the same place is a new value
    log("click", value);
    st.api.setTriggerValue("clicked", value); // this rerun only (an event)
    st.api.setStateValue("last", value); // kept across reruns
  };
  const note = (latlng, feature) => {
    if (!pending) { pending = {}; setTimeout(flush, 0); }
    if (latlng) { pending.lat = latlng.lat; pending.lng = latlng.lng; }
    if (feature) pending.feature = feature;
  };
  const onLayerClick = (e) => note(e.latlng, (e.propagatedFrom || e.sourceTarget || {}).feature);
  const hook = (layer) => {
    if (layer.feature && !layer.__txClick) { layer.__txClick = true; layer.on("click", onLayerClick); }
  };
  map.eachLayer(hook);
  map.on("layeradd", (e) => hook(e.layer));
  map.on("click", (e) => note(e.latlng, null));
}

async function build(parentElement, st, data, token) {
  const t0 = performance.now();
  await loadAll(data);
  if (st.token !== token) return; // superseded while loading
  const t1 = performance.now();
  const root = document.createElement("div");
  root.className = "tx-map-root";
  // isolation: folium's legend (z-index 9999) and Leaflet's panes (400) and controls (1000)
  // stay in their own stacking context instead of covering Streamlit's menus and dialogs.
  root.style.cssText = "position:relative;width:100%;height:" + data.height +
    "px;isolation:isolate;overflow:hidden;";
  if (data.styles) {
    const style = document.createElement("style");
    style.textContent = data.styles;
    root.appendChild(style);
  }
  const body = document.createElement("div");
  body.style.cssText = "position:absolute;inset:0;";
  body.innerHTML = data.html; // scripts in html would not run; folium puts none there
  root.appendChild(body);
  parentElement.appendChild(root);
  st.root = root;
  // Hidden (an inactive st.tabs panel, a collapsed expander): Leaflet would fit the bounds
  // to a 0 x 0 map (zoom 0, a wrong centre) and invalidateSize cannot mend the view later.
  // Build once the wrapper has a size.
  if (!root.clientWidth || !root.clientHeight) {
    log("waiting-for-size");
    mapSettled(token); // a hidden map does not hold the page's charts back
    await new Promise((resolve) => {
      const ro = (st.ro = new ResizeObserver(() => {
        if (root.clientWidth && root.clientHeight) { ro.disconnect(); resolve(); }
      })); // in st.ro: a teardown while waiting disconnects it
      ro.observe(root);
    });
    if (st.token !== token) return;
  }
  if (data.headScripts) runScript(data.headScripts, root, null);
  const map = runScript(data.script, root, data.mapVar);
  st.map = map;
  root.txMap = map; // for tests and devtools
  const t2 = performance.now();
  wireClicks(map, st, data.report);
  // The container may be 0 wide (hidden tab, collapsed expander) or change size later.
  st.ro = new ResizeObserver(() => map.invalidateSize({pan: false}));
  st.ro.observe(root);
  map.whenReady(() => requestAnimationFrame(() => {
    // Canvas redraws are queued in requestAnimationFrame as layers are added; this callback
    // comes after them in the same frame: the map holds ink.
    const now = performance.now();
    if (window.__txMapDrawn === undefined) {
      window.__txMapDrawn = now;
      performance.mark("tx-map-drawn");
    }
    root.dataset.drawnAt = String(Math.round(now));
    mapSettled(token);
    log("drawn", {assetsMs: Math.round(t1 - t0), scriptMs: Math.round(t2 - t1),
                  totalMs: Math.round(now - t0)});
  }));
}

export default function (component) {
  const {data, parentElement, setStateValue, setTriggerValue} = component;
  window.__txCalls = (window.__txCalls || 0) + 1;
  let st = STATE.get(parentElement);
  if (!st) { st = {}; STATE.set(parentElement, st); }
  st.api = {setStateValue, setTriggerValue}; // the latest call's functions
  log("call", {sig: data.sig.slice(0, 8), same: st.sig === data.sig});
  if (st.sig !== data.sig) {
    teardown(st);
    st.sig = data.sig;
    st.token = {};
    const token = st.token;
    MAPS_PENDING.add(token);
    build(parentElement, st, data, token).catch((err) => {
      log("error", {e: String(err)});
      mapSettled(token);
      console.error("tx_map:", err);
      if (st.token !== token) return;
      const note = (st.note = document.createElement("pre"));
      note.className = "tx-map-error";
      note.textContent = "Map failed: " + err;
      parentElement.appendChild(note);
    });
  }
  const token = st.token;
  return () => {
    log("cleanup", {current: st.token === token});
    if (st.token !== token) return; // an older build: already replaced
    teardown(st);
    st.sig = st.token = null;
  };
}
