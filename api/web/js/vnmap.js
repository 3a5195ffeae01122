// Vietnam as an SVG drawn from the API's province layer (data/provinces.geojson): no map
// tiles, so it works offline. Hoàng Sa and Trường Sa are in that layer and are labelled.
// Layers of points, lines and polygons go on top; a click reports its longitude/latitude.
import { api, el } from "./core.js";

const NS = "http://www.w3.org/2000/svg";
const K = 100; // SVG units per degree of latitude
const LON0 = 101.5;
const LAT0 = 24.0;
const COS = Math.cos((16 * Math.PI) / 180); // a plate carrée squeezed at Vietnam's mid latitude
const HOME = { x: 0, y: 0, w: (118.5 - LON0) * K * COS, h: (LAT0 - 6.0) * K };

let provincesOnce = null;
/** The province layer, fetched once per page load. */
export function provinces() {
  if (!provincesOnce) provincesOnce = api("GET", "/provinces").catch((e) => { provincesOnce = null; throw e; });
  return provincesOnce;
}

export function project(lon, lat) {
  return [(lon - LON0) * K * COS, (LAT0 - lat) * K];
}

export function unproject(x, y) {
  return [x / (K * COS) + LON0, LAT0 - y / K];
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  return node;
}

function ringPath(ring) {
  return ring.map(([lon, lat], i) => `${i ? "L" : "M"}${project(lon, lat).map((v) => v.toFixed(1)).join(",")}`).join("") + "Z";
}

function geometryPath(geometry) {
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
  return polygons.map((poly) => poly.map(ringPath).join("")).join("");
}

function bboxCentre(geometry) {
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  for (const poly of polygons) for (const [lon, lat] of poly[0]) {
    minX = Math.min(minX, lon); maxX = Math.max(maxX, lon); minY = Math.min(minY, lat); maxY = Math.max(maxY, lat);
  }
  return [(minX + maxX) / 2, (minY + maxY) / 2];
}

const ARCHIPELAGOS = { "Hoàng Sa": "Quần đảo Hoàng Sa (Việt Nam)", "Trường Sa": "Quần đảo Trường Sa (Việt Nam)" };

/**
 * A map in `container`. `onPick(lon, lat)` is called on a click that was not a drag.
 * Returns {layer(name), point, line, polygon, circle, clear, svg}.
 */
export async function createMap(container, { onPick, height = 560 } = {}) {
  const root = svg("svg", { class: "vnmap", viewBox: `${HOME.x} ${HOME.y} ${HOME.w} ${HOME.h}`, role: "img", "aria-label": "Việt Nam" });
  root.style.height = `${height}px`;
  const sea = svg("rect", { x: -5000, y: -5000, width: 20000, height: 20000, class: "sea" });
  const land = svg("g", { class: "provinces" });
  const labels = svg("g", { class: "labels" });
  root.append(sea, land);
  const layers = {};
  const controls = el(
    "div",
    { class: "map-controls" },
    el("button", { type: "button", title: "+", onclick: () => zoom(0.6) }, "+"),
    el("button", { type: "button", title: "−", onclick: () => zoom(1 / 0.6) }, "−"),
    el("button", { type: "button", title: "⟲", onclick: () => setBox({ ...HOME }) }, "⟲"),
  );
  const coords = el("div", { class: "map-coords" });
  const frame = el("div", { class: "map-frame" }, root, controls, coords);
  container.append(frame);

  const layer = await provinces();
  for (const feature of layer.features) {
    const p = feature.properties;
    const name = p.name;
    const path = svg("path", { d: geometryPath(feature.geometry), class: `province ${p.kind || ""}`, "data-code": p.code });
    const title = svg("title");
    title.textContent = p.full_name || name;
    path.append(title);
    land.append(path);
    if (ARCHIPELAGOS[name]) {
      const [x, y] = project(...bboxCentre(feature.geometry));
      const text = svg("text", { x, y: y - 40, class: "archipelago", "text-anchor": "middle" });
      text.textContent = ARCHIPELAGOS[name];
      labels.append(text);
    }
  }
  root.append(labels);

  let box = { ...HOME };
  function setBox(next) {
    box = next;
    root.setAttribute("viewBox", `${box.x} ${box.y} ${box.w} ${box.h}`);
    root.style.setProperty("--zoom", String(HOME.w / box.w));
  }
  function toSvg(event) {
    const rect = root.getBoundingClientRect();
    const scale = Math.max(box.w / rect.width, box.h / rect.height);
    const offX = (rect.width * scale - box.w) / 2;
    const offY = (rect.height * scale - box.h) / 2;
    return [box.x + (event.clientX - rect.left) * scale - offX, box.y + (event.clientY - rect.top) * scale - offY];
  }
  function zoom(factor, centre) {
    const [cx, cy] = centre || [box.x + box.w / 2, box.y + box.h / 2];
    const w = Math.min(HOME.w * 2, Math.max(20, box.w * factor));
    const h = (w / box.w) * box.h;
    setBox({ x: cx - ((cx - box.x) * w) / box.w, y: cy - ((cy - box.y) * h) / box.h, w, h });
  }
  root.addEventListener("wheel", (event) => { event.preventDefault(); zoom(event.deltaY > 0 ? 1.25 : 0.8, toSvg(event)); }, { passive: false });
  let drag = null;
  root.addEventListener("pointerdown", (event) => { drag = { start: toSvg(event), box: { ...box }, moved: false, cx: event.clientX, cy: event.clientY }; });
  root.addEventListener("pointermove", (event) => {
    const [x, y] = toSvg(event);
    const [lon, lat] = unproject(x, y);
    coords.textContent = `${lat.toFixed(4)}, ${lon.toFixed(4)}`;
    if (!drag) return;
    if (Math.abs(event.clientX - drag.cx) + Math.abs(event.clientY - drag.cy) > 4) drag.moved = true;
    if (drag.moved) {
      const rect = root.getBoundingClientRect();
      const scale = Math.max(drag.box.w / rect.width, drag.box.h / rect.height);
      setBox({ ...drag.box, x: drag.box.x - (event.clientX - drag.cx) * scale, y: drag.box.y - (event.clientY - drag.cy) * scale });
    }
  });
  root.addEventListener("pointerup", (event) => {
    const wasDrag = drag && drag.moved;
    drag = null;
    if (wasDrag || !onPick) return;
    const [lon, lat] = unproject(...toSvg(event));
    onPick(Number(lon.toFixed(5)), Number(lat.toFixed(5)));
  });
  root.addEventListener("pointerleave", () => { drag = null; });

  const api_ = {
    svg: root,
    /** A named layer above the provinces (created on first use, in call order). */
    layer(name) {
      if (!layers[name]) {
        layers[name] = svg("g", { class: `layer layer-${name}` });
        root.insertBefore(layers[name], labels);
      }
      return layers[name];
    },
    clear(name) { if (layers[name]) layers[name].replaceChildren(); },
    /** A dot; `r` in screen-independent map units (1 unit ≈ 1.1 km). */
    point(name, lon, lat, { r = 6, cls = "", title, onclick, data } = {}) {
      const [x, y] = project(lon, lat);
      const dot = svg("circle", { cx: x, cy: y, r, class: `pt ${cls}` });
      if (data) for (const [k, v] of Object.entries(data)) dot.setAttribute(`data-${k}`, v);
      if (title) { const tt = svg("title"); tt.textContent = title; dot.append(tt); }
      if (onclick) dot.addEventListener("click", (e) => { e.stopPropagation(); onclick(e); });
      if (onclick) dot.addEventListener("pointerup", (e) => e.stopPropagation());
      api_.layer(name).append(dot);
      return dot;
    },
    /** A line through [lon, lat] pairs. */
    line(name, coordinates, { cls = "", title } = {}) {
      const d = coordinates.map(([lon, lat], i) => `${i ? "L" : "M"}${project(lon, lat).map((v) => v.toFixed(1)).join(",")}`).join("");
      const path = svg("path", { d, class: `ln ${cls}` });
      if (title) { const tt = svg("title"); tt.textContent = title; path.append(tt); }
      api_.layer(name).append(path);
      return path;
    },
    /** A GeoJSON Polygon / MultiPolygon geometry. */
    polygon(name, geometry, { cls = "", title } = {}) {
      const path = svg("path", { d: geometryPath(geometry), class: `pg ${cls}` });
      if (title) { const tt = svg("title"); tt.textContent = title; path.append(tt); }
      api_.layer(name).append(path);
      return path;
    },
    /** A circle of `radiusKm` around a point (a hazard zone). */
    circle(name, lon, lat, radiusKm, { cls = "", title } = {}) {
      const [x, y] = project(lon, lat);
      const ring = svg("ellipse", { cx: x, cy: y, rx: (radiusKm / 111.32) * K, ry: (radiusKm / 111.32) * K, class: `zone ${cls}` });
      if (title) { const tt = svg("title"); tt.textContent = title; ring.append(tt); }
      api_.layer(name).append(ring);
      return ring;
    },
    /** Zoom to show [lon, lat] pairs with a margin. */
    fit(points, marginKm = 30) {
      if (!points.length) return;
      const xy = points.map(([lon, lat]) => project(lon, lat));
      const m = (marginKm / 111.32) * K;
      const xs = xy.map((p) => p[0]);
      const ys = xy.map((p) => p[1]);
      const x = Math.min(...xs) - m;
      const y = Math.min(...ys) - m;
      const w = Math.max(Math.max(...xs) + m - x, 60);
      const h = Math.max(Math.max(...ys) + m - y, 60);
      setBox({ x, y, w, h });
    },
  };
  return api_;
}
