// Reading a dispatch plan: its head (status, KPIs, notes and the status buttons), the
// vehicle timeline, pick lists, routes, fulfilment against the bound and unmet demand.
// Items show their code with their name from the catalogue (GET /items, fetched once).
import { api, el, flash, fmtMinutes, fmtNum, fmtTime, guard, itemName, may, newKey, t, table } from "../core.js";

/** One Idempotency-Key per action, kept until it succeeds so a retry reuses it. */
export const keys = {};
export function keyFor(action) {
  if (!keys[action]) keys[action] = newKey();
  return keys[action];
}

/** The item catalogue by code, fetched once per page load (a failed fetch is retried). */
let catalogue = new Map();
let loading = null;
export function loadCatalogue() {
  if (!loading) {
    loading = api("GET", "/items")
      .then((items) => {
        catalogue = new Map(items.map((i) => [i.code, i]));
      })
      .catch(() => {
        loading = null;
      });
  }
  return loading;
}

/** An item's name in the current language, or the plan's own name for it. */
function nameOf(code, fallback) {
  const item = catalogue.get(code);
  return item ? itemName(item) : fallback || "";
}

/** The item code with its name as a second line (and as the title). */
function itemCell(code, fallback, ...extra) {
  const name = nameOf(code, fallback);
  return [el("span", { title: name }, code, ...extra), name && name !== code ? el("div", { class: "hint item-name" }, name) : null];
}

function kpi(value, label) {
  return el("div", { class: "kpi" }, el("b", {}, value), el("span", {}, label));
}

/** Horizontal bars per vehicle: loading at the depot, then on the road to its last drop. */
function timeline(plan) {
  const required = {};
  for (const f of plan.fulfilment) required[`${f.incident}/${f.item}`] = new Date(f.required_by).getTime();
  const spans = plan.routes.map((route) => {
    const start = new Date(route.stops[0].departure || route.stops[0].arrival).getTime();
    const pickup = route.stops.filter((s) => s.kind === "pickup").at(-1);
    const loaded = pickup ? new Date(pickup.departure).getTime() : start;
    const drops = route.stops.filter((s) => s.kind === "delivery");
    const end = drops.length ? Math.max(...drops.map((s) => new Date(s.arrival).getTime())) : loaded;
    const late = drops.some((s) => s.cargo.some((c) => new Date(s.arrival).getTime() > (required[`${s.incident}/${c.item}`] ?? Infinity)));
    return { route, start, loaded, end, late, drops };
  });
  if (!spans.length) return el("p", { class: "hint" }, t("common.none"));
  const t0 = Math.min(...spans.map((s) => s.start));
  const t1 = Math.max(...spans.map((s) => s.end), t0 + 60000);
  const pct = (ms) => `${(((ms - t0) / (t1 - t0)) * 100).toFixed(2)}%`;
  const width = (a, b) => `${Math.max(0.5, ((b - a) / (t1 - t0)) * 100).toFixed(2)}%`;
  const lanes = spans.map((s) =>
    el(
      "div",
      { class: "lane", dataset: { vehicle: s.route.vehicle } },
      el("div", { class: "lane-label", title: s.route.vehicle_type }, s.route.vehicle),
      el(
        "div",
        { class: "bar-area" },
        s.loaded > s.start
          ? el("div", { class: "bar load", style: `left:${pct(s.start)};width:${width(s.start, s.loaded)}`, title: `${fmtTime(s.route.stops[0].departure)} – ${fmtTime(new Date(s.loaded).toISOString())}` })
          : null,
        el(
          "div",
          {
            class: `bar${s.late ? " late" : ""}`,
            style: `left:${pct(s.loaded)};width:${width(s.loaded, s.end)}`,
            title: s.drops.map((d) => `${d.place}: ${fmtTime(d.arrival)}`).join("\n"),
          },
          s.drops.length ? fmtTime(new Date(s.end).toISOString(), "time") : "",
        ),
      ),
    ),
  );
  const axis = el(
    "div",
    { class: "lane axis" },
    el("div", {}),
    el("div", { class: "axis-ends" }, el("span", {}, fmtTime(new Date(t0).toISOString())), el("span", {}, fmtTime(new Date(t1).toISOString()))),
  );
  return el("div", { class: "timeline", id: "vehicle-timeline" }, lanes, axis);
}

/** A status button (confirm, dispatch, deliver, cancel) for the plan ctx.plan, if allowed. */
function action(name, route, label, plan, ctx) {
  if (!may(`POST /dispatch-plans/{plan_id}/${route}`)) return null;
  const button = el("button", { type: "button", id: `${name}-plan`, class: name === "cancel" ? "secondary" : null }, label);
  button.addEventListener(
    "click",
    guard(button, async () => {
      const id = plan.id;
      let next;
      try {
        next = await api("POST", `/dispatch-plans/${id}/${route}`, { key: keyFor(`${route}:${id}`) });
        delete keys[`${route}:${id}`];
        flash(t("dispatch.done", { id, status: next.status }));
      } catch (error) {
        flash(`${t("common.error")}: ${error.message}`, "bad");
        try {
          next = await api("GET", `/dispatch-plans/${id}`);
        } catch {
          return;
        }
      }
      ctx.update(next);
    }),
  );
  return button;
}

function buttons(plan, ctx) {
  const list = [];
  if (plan.status === "draft") list.push(action("confirm", "confirm", t("dispatch.confirm"), plan, ctx));
  if (plan.status === "confirmed") list.push(action("dispatch", "dispatch", t("dispatch.dispatch"), plan, ctx));
  if (plan.status === "dispatched") list.push(action("deliver", "deliver", t("dispatch.deliver"), plan, ctx));
  if (["draft", "confirmed"].includes(plan.status)) list.push(action("cancel", "cancel", t("dispatch.cancel"), plan, ctx));
  return list;
}

function planHead(plan, ctx) {
  const s = plan.summary;
  return el(
    "div",
    { class: "card plan-head" },
    el("h2", {}, t("dispatch.plan", { id: plan.id })),
    el("p", {}, `${t("dispatch.status")}: `, el("b", { id: "plan-status", class: `status ${plan.status}`, dataset: { status: plan.status } }, plan.status)),
    el(
      "div",
      {},
      kpi(`${fmtNum(s.met_units)} / ${fmtNum(s.demand_units)}`, t("dispatch.met_units")),
      kpi(fmtNum(s.met_on_time_units), t("dispatch.on_time")),
      kpi(fmtNum(s.unmet_units), t("dispatch.unmet_units")),
      kpi(fmtNum(s.vehicles), t("dispatch.vehicles")),
      kpi(`${fmtNum(s.km, 1)} km`, "km"),
      kpi(plan.solve.within_bound_share === null ? "—" : `${fmtNum(plan.solve.within_bound_share * 100, 1)} %`, t("dispatch.within_share")),
      kpi(fmtTime(s.last_arrival), t("dispatch.last")),
    ),
    plan.solve.notes.length ? el("ul", { class: "notes" }, plan.solve.notes.map((n) => el("li", {}, n))) : null,
    el("div", { class: "actions" }, buttons(plan, ctx)),
  );
}

/**
 * One row per depot, item and vehicle, its lots or serials listed together: a plan that
 * sends 40 breathing sets reads as one line of 40 serials, not 40 lines.
 */
function pickLists(plan) {
  const groups = new Map();
  for (const list of plan.pick_lists) {
    for (const line of list.lines) {
      const key = [list.depot, line.item, line.vehicle || "", line.for_item || ""].join("|");
      if (!groups.has(key)) groups.set(key, { ...line, depot: list.depot, quantity: 0, lots: [] });
      const group = groups.get(key);
      group.quantity += Number(line.quantity);
      group.lots.push(line.quantity > 1 ? `${line.lot_no || `#${line.lot_id}`} ×${line.quantity}` : line.lot_no || `#${line.lot_id}`);
    }
  }
  return table(
    [
      { label: t("common.depot"), value: (r) => r.depot },
      { label: t("common.item"), value: (r) => itemCell(r.item, r.item_name, r.substitute ? ` (→ ${r.for_item})` : "") },
      { label: t("dispatch.lot"), value: (r) => r.lots.join(", "), cls: "lots" },
      { label: t("dispatch.qty"), value: (r) => fmtNum(r.quantity), cls: "num" },
      { label: t("dispatch.vehicle"), value: (r) => r.vehicle || "" },
    ],
    [...groups.values()],
  );
}

/** A stop's cargo, one line per item: its code and quantity, then its name. */
function cargo(stop) {
  return stop.cargo.map((c) => {
    const name = nameOf(c.item);
    return el("div", { class: "cargo-line", title: name }, `${c.item} ×${c.quantity}`, name ? el("span", { class: "hint" }, ` · ${name}`) : null);
  });
}

/** How the stop is reached, one line per stretch of one mode (road, off-road, ferry, sea). */
function legs(stop) {
  return (stop.legs || []).map((leg) =>
    el("div", { class: `leg ${leg.mode}` }, `${t(`dispatch.mode.${leg.mode}`)} · ${leg.via} · ${fmtNum(leg.km, 1)} km · ${fmtMinutes(leg.minutes)}`),
  );
}

function routes(plan) {
  const stops = plan.routes.flatMap((route) => route.stops.filter((st) => st.kind !== "start").map((st) => ({ vehicle: route.vehicle, ...st })));
  const crews = plan.routes.map(
    (r) => `${r.vehicle}: ${fmtNum(r.km, 1)} km, ${r.crew} crew${r.rest_hours ? `, rest ${fmtMinutes(r.rest_hours * 60)}` : ""}, back ${fmtTime(r.returns_at)}`,
  );
  return [
    table(
      [
        { label: t("dispatch.vehicle"), value: (r) => r.vehicle },
        { label: t("dispatch.stop"), value: (r) => `${r.kind} · ${r.place}` },
        { label: t("dispatch.legs"), value: legs },
        { label: t("dispatch.arrival"), value: (r) => fmtTime(r.arrival) },
        { label: t("dispatch.departure"), value: (r) => fmtTime(r.departure) },
        { label: t("dispatch.cargo"), value: cargo },
      ],
      stops,
      { rowClass: (r) => `stop ${r.kind}` },
    ),
    el("p", { class: "hint" }, crews.join(" · ")),
  ];
}

function fulfilment(plan) {
  return table(
    [
      { label: t("common.item"), value: (r) => itemCell(r.item, r.item_name) },
      { label: t("dispatch.met"), value: (r) => `${fmtNum(r.met)} / ${fmtNum(r.quantity)}`, cls: "num" },
      { label: t("dispatch.required_by"), value: (r) => fmtTime(r.required_by) },
      { label: t("dispatch.bound"), value: (r) => fmtTime(r.earliest_arrival) },
      { label: t("dispatch.last_arrival"), value: (r) => fmtTime(r.last_arrival) },
      { label: t("dispatch.within_bound"), value: (r) => fmtNum(r.within_bound), cls: "num" },
      { label: t("dispatch.reason"), value: (r) => r.reason },
    ],
    plan.fulfilment,
    { rowClass: (r) => (r.met < r.quantity ? "alert-red" : r.late_hours ? "alert-amber" : r.within_bound < r.met ? "alert-blue" : null) },
  );
}

function unmet(plan) {
  return table(
    [
      { label: t("common.item"), value: (r) => itemCell(r.item, r.item_name) },
      { label: t("dispatch.qty"), value: (r) => fmtNum(r.quantity), cls: "num" },
      { label: t("dispatch.reason"), value: (r) => r.reason },
    ],
    plan.unmet,
  );
}

/** Fill box with the plan; ctx.update(next) takes the plan a status button returned. */
export function drawPlan(box, plan, ctx) {
  box.replaceChildren(
    planHead(plan, ctx),
    el("h2", {}, t("dispatch.timeline")),
    el("div", { class: "card" }, timeline(plan)),
    el("h2", {}, t("dispatch.pick_lists")),
    el("div", { id: "pick-lists" }, pickLists(plan)),
    el("h2", {}, t("dispatch.routes")),
    el("div", { id: "routes" }, routes(plan)),
    el("h2", {}, t("dispatch.fulfilment")),
    el("div", { id: "fulfilment" }, fulfilment(plan)),
    el("h2", {}, t("dispatch.unmet")),
    el("div", { id: "unmet" }, unmet(plan)),
  );
}
