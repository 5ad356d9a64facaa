// Shared by the page's own elements (ui/map_component.js, ui/chart_component.js); the Python
// side puts this text before each element's script (components v2 takes one module each).
//
// window.__txAssets (url -> Promise) is kept by the browser tab: each file is requested once
// for every element and every rerun; scripts are inserted with async=false, so files asked
// for together download in parallel and run in order.
// window.__txMapsPending (a Set) holds the maps still being built: charts wait for it to empty
// (event "tx-maps-settled"), so that a map is never held back behind a chart.

const ASSETS = (window.__txAssets = window.__txAssets || new Map());
const LOG = (window.__txLog = window.__txLog || []);
const log = (what, extra) => LOG.push(Object.assign({what, t: Math.round(performance.now())}, extra));

function loadCss(url) {
  if (!ASSETS.has(url)) {
    ASSETS.set(url, new Promise((resolve, reject) => {
      const el = document.createElement("link");
      el.rel = "stylesheet";
      el.href = url;
      el.onload = () => resolve(url);
      el.onerror = () => { ASSETS.delete(url); reject(new Error("could not load " + url)); };
      document.head.appendChild(el);
    }));
  }
  return ASSETS.get(url);
}

// Builds of one plugin that define the same global (leaflet-measure.js and its Chinese build
// leaflet-measure.cn.js both set L.Control.Measure) share a "slot": the build a map needs is
// run again when another build ran since (from the HTTP cache), or the last one loaded wins.
const SLOTS = (window.__txSlots = window.__txSlots || {});

function insertScript(url) {
  return new Promise((resolve, reject) => {
    const el = document.createElement("script");
    el.src = url;
    el.async = false; // fetched in parallel, executed in insertion order
    el.onload = () => resolve(url);
    el.onerror = () => reject(new Error("could not load " + url));
    document.head.appendChild(el);
  });
}

function loadJs(url, slot) {
  if (slot && SLOTS[slot] !== undefined && SLOTS[slot] !== url && ASSETS.has(url)) {
    ASSETS.set(url, ASSETS.get(url).then(() => insertScript(url))); // after the one queued
  }
  if (slot) SLOTS[slot] = url;
  if (!ASSETS.has(url)) {
    const p = insertScript(url);
    p.catch(() => ASSETS.delete(url));
    ASSETS.set(url, p);
  }
  return ASSETS.get(url);
}

function loadAll(data) {
  // All elements are created in this same task: one parallel download.
  const slots = data.slots || {};
  return Promise.all([...data.css.map(loadCss), ...data.js.map((url) => loadJs(url, slots[url]))]);
}

const MAPS_PENDING = (window.__txMapsPending = window.__txMapsPending || new Set());

function mapSettled(token) {
  if (MAPS_PENDING.delete(token) && MAPS_PENDING.size === 0) {
    window.dispatchEvent(new Event("tx-maps-settled"));
  }
}
