// The logistics officer's map: depots (sized by units on hand), hazard sources, active
// closures and hazard zones, open incidents; selecting an incident draws its live plan's
// vehicle routes with their ETAs.
import { api, el, fmtNum, fmtTime, itemName, t } from "../core.js";
import { createMap } from "../vnmap.js";

export const labels = {
  vi: {
    "map.title": "Bản đồ tác chiến",
    "map.depots": "Kho (cỡ theo số lượng tồn)",
    "map.hazards": "Nguồn nguy cơ",
    "map.zones": "Vùng nguy hiểm / đường cấm",
    "map.incidents": "Sự cố đang mở",
    "map.routes": "Tuyến xe của kế hoạch",
    "map.on_hand": "{n} đơn vị tồn kho",
    "map.pick": "Chọn một sự cố để xem tuyến xe của kế hoạch.",
    "map.no_plan": "Sự cố #{id} chưa có kế hoạch đang hiệu lực.",
    "map.plan": "Kế hoạch #{id} ({status}) cho sự cố #{incident}",
    "map.closures": "Đường / nút bị cấm",
    "map.open_dispatch": "Mở trang điều phối",
    "map.eta": "đến {place} lúc {time}",
  },
  en: {
    "map.title": "Operations map",
    "map.depots": "Depots (sized by units on hand)",
    "map.hazards": "Hazard sources",
    "map.zones": "Hazard zones / closures",
    "map.incidents": "Open incidents",
    "map.routes": "Plan's vehicle routes",
    "map.on_hand": "{n} units on hand",
    "map.pick": "Select an incident to see its plan's vehicle routes.",
    "map.no_plan": "Incident #{id} has no live plan.",
    "map.plan": "Plan #{id} ({status}) for incident #{incident}",
    "map.closures": "Closed roads / nodes",
    "map.open_dispatch": "Open the dispatch page",
    "map.eta": "at {place} by {time}",
  },
};

const LIVE = ["draft", "confirmed", "dispatched"];

/** Units on hand per depot, over every page of GET /stock. */
async function onHandByDepot() {
  const totals = {};
  for (let offset = 0; offset < 20000; offset += 1000) {
    const page = await api("GET", "/stock", { query: { limit: 1000, offset } });
    for (const row of page.items) totals[row.depot] = (totals[row.depot] || 0) + row.on_hand;
    if (offset + page.items.length >= page.total || !page.items.length) break;
  }
  return totals;
}

/** A dot that keeps its size on screen whatever the zoom (r in the whole-country view's units). */
function dot(map, layer, lon, lat, r, opts) {
  const node = map.point(layer, lon, lat, { r, ...opts });
  node.style.r = `calc(${r}px / var(--zoom, 1))`;
  return node;
}

function swatch(cls) {
  return el("span", { class: `swatch ${cls}` });
}

/** The route's title: vehicle, depot and each stop's ETA. */
function routeTitle(route) {
  const stops = route.stops
    .filter((s) => s.kind === "delivery" || s.kind === "pickup")
    .map((s) => `${s.kind === "delivery" ? "→" : "⟳"} ${t("map.eta", { place: s.place, time: fmtTime(s.arrival) })}`);
  return [`${route.vehicle} (${route.vehicle_type}, ${fmtNum(route.km, 1)} km)`, ...stops].join("\n");
}

/** `live()` (from the shell) is false once a newer navigation replaced this render. */
export async function render(view, params, live) {
  const [depots, hazards, closures, incidents, stock] = await Promise.all([
    api("GET", "/depots"),
    api("GET", "/hazard-sources"),
    api("GET", "/network/closures"),
    api("GET", "/incidents"),
    onHandByDepot().catch(() => ({})),
  ]);
  if (!live()) return;
  const open = incidents.filter((i) => i.status === "open");
  const active = closures.filter((c) => c.active);

  const mapBox = el("div", { id: "ops-map" });
  const side = el("div", { class: "map-side" });
  const planBox = el("div", { id: "map-plan", class: "card" }, el("p", { class: "hint" }, t("map.pick")));
  const legend = el(
    "div",
    { class: "legend", id: "map-legend" },
    el("span", {}, swatch("depot"), t("map.depots")),
    el("span", {}, swatch("hazard"), t("map.hazards")),
    el("span", {}, swatch("zone"), t("map.zones")),
    el("span", {}, swatch("incident"), t("map.incidents")),
    el("span", {}, swatch("route"), t("map.routes")),
  );
  view.replaceChildren(el("h1", {}, t("map.title")), legend, el("div", { class: "cols" }, mapBox, side));
  const map = await createMap(mapBox, {});

  for (const c of active) {
    if (c.kind === "zone_circle" && c.centre) map.circle("zones", c.centre[1], c.centre[0], c.radius_km, { title: `#${c.id} ${c.reason}` });
    if (c.kind === "zone_polygon" && c.polygon) {
      const ring = c.polygon.map(([lat, lon]) => [lon, lat]);
      map.polygon("zones", { type: "Polygon", coordinates: [[...ring, ring[0]]] }, { title: `#${c.id} ${c.reason}` });
    }
  }
  for (const h of hazards) {
    dot(map, "hazards", h.lon, h.lat, 9, { cls: "hazard", title: `${h.code} ${itemName(h)} — ${h.hazard_type}`, data: { code: h.code } });
  }
  const most = Math.max(1, ...Object.values(stock));
  for (const d of depots) {
    const units = stock[d.code] || 0;
    const r = 9 + 27 * Math.sqrt(units / most);
    dot(map, "depots", d.lon, d.lat, r, { cls: "depot", title: `${d.code} ${itemName(d)}\n${t("map.on_hand", { n: fmtNum(units) })}`, data: { code: d.code } });
  }

  const list = el("ul", { class: "incident-list", id: "incident-list" });
  async function select(incident) {
    list.querySelectorAll("li").forEach((li) => li.classList.toggle("selected", li.dataset.id === String(incident.id)));
    map.clear("routes");
    const plans = await api("GET", `/incidents/${incident.id}/dispatch-plans`);
    const plan = plans.filter((p) => LIVE.includes(p.status) && !p.superseded_by).sort((a, b) => b.id - a.id)[0];
    if (!plan) {
      planBox.replaceChildren(el("p", { class: "hint" }, t("map.no_plan", { id: incident.id })));
      return;
    }
    const points = [[incident.lon, incident.lat]];
    const rows = [];
    for (const route of plan.routes) {
      const coords = (route.geometry && route.geometry.geometry && route.geometry.geometry.coordinates) || [];
      if (coords.length > 1) map.line("routes", coords, { cls: "route", title: routeTitle(route) });
      points.push(...coords);
      const last = route.stops.filter((s) => s.kind === "delivery").at(-1);
      rows.push(el("li", { class: "route-row" }, el("b", {}, route.vehicle), ` ${fmtNum(route.km, 1)} km · ETA ${last ? fmtTime(last.arrival) : "—"}`));
    }
    planBox.replaceChildren(
      el("h2", {}, t("map.plan", { id: plan.id, status: plan.status, incident: incident.id })),
      el("ul", { id: "map-routes" }, rows),
      el("a", { href: `#/dispatch?incident=${incident.id}` }, t("map.open_dispatch")),
    );
    map.fit(points, 80);
  }
  for (const i of open) {
    const title = `#${i.id} ${i.incident_type} · ${i.level} · ${fmtTime(i.reported_at)}`;
    dot(map, "incidents", i.lon, i.lat, 18, { cls: "incident", title, data: { id: i.id }, onclick: () => select(i) });
    list.append(el("li", { dataset: { id: i.id }, onclick: () => select(i) }, title));
  }
  if (!open.length) list.append(el("li", { class: "hint" }, t("common.none")));

  const closureRows = active
    .filter((c) => c.kind === "edge" || c.kind === "node" || c.kind === "slow")
    .map((c) => el("li", {}, `${c.kind} ${c.edge_id || c.node_id}${c.speed_factor ? ` ×${c.speed_factor}` : ""} — ${c.reason}`));
  side.append(
    el("div", { class: "card" }, el("h2", {}, t("map.incidents")), list),
    planBox,
  );
  if (closureRows.length) side.append(el("div", { class: "card" }, el("h2", {}, t("map.closures")), el("ul", {}, closureRows)));
  const wanted = params.get("incident");
  const first = open.find((i) => String(i.id) === wanted);
  if (first) await select(first);
}
