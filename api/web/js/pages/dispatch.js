// The logistics officer's dispatch page: declare an incident (click the map or type the
// coordinates), request a plan, read its pick lists, routes, ETAs against the bound and
// unmet demand, then confirm, dispatch and deliver it. Every write is keyed and guarded.
import {
  api,
  ApiError,
  clearProblems,
  el,
  flash,
  fmtMinutes,
  fmtNum,
  fmtTime,
  guard,
  may,
  newKey,
  showProblem,
  t,
  table,
} from "../core.js";
import { createMap } from "../vnmap.js";

export const labels = {
  vi: {
    "dispatch.title": "Điều phối ứng phó sự cố",
    "dispatch.declare_title": "Khai báo sự cố",
    "dispatch.pick_hint": "Bấm lên bản đồ để lấy toạ độ, hoặc gõ vĩ độ / kinh độ.",
    "dispatch.lat": "Vĩ độ",
    "dispatch.lon": "Kinh độ",
    "dispatch.type": "Loại sự cố",
    "dispatch.level": "Cấp độ",
    "dispatch.template": "Mẫu nhu cầu",
    "dispatch.template_default": "(mặc định theo loại và cấp)",
    "dispatch.size": "Hệ số quy mô",
    "dispatch.description": "Mô tả",
    "dispatch.declare": "Khai báo",
    "dispatch.declared": "Đã khai báo sự cố #{id} ({province}).",
    "dispatch.viewer": "Vai trò của bạn chỉ được xem; không khai báo sự cố.",
    "dispatch.bad_lat": "Vĩ độ phải là số từ -90 đến 90.",
    "dispatch.bad_lon": "Kinh độ phải là số từ -180 đến 180.",
    "dispatch.incident": "Sự cố #{id}: {type} · {level} · {time}",
    "dispatch.request_plan": "Lập kế hoạch điều phối",
    "dispatch.plan": "Kế hoạch #{id}",
    "dispatch.status": "Trạng thái",
    "dispatch.confirm": "Xác nhận (giữ hàng)",
    "dispatch.dispatch": "Xuất kho / lên đường",
    "dispatch.deliver": "Đã giao",
    "dispatch.cancel": "Huỷ kế hoạch",
    "dispatch.done": "Kế hoạch #{id}: {status}.",
    "dispatch.pick_lists": "Phiếu xuất kho",
    "dispatch.routes": "Tuyến xe",
    "dispatch.timeline": "Lịch trình xe",
    "dispatch.fulfilment": "Đáp ứng nhu cầu (so với mốc sớm nhất có thể)",
    "dispatch.unmet": "Nhu cầu chưa đáp ứng",
    "dispatch.lot": "Lô",
    "dispatch.qty": "Số lượng",
    "dispatch.vehicle": "Xe",
    "dispatch.stop": "Điểm dừng",
    "dispatch.arrival": "Đến",
    "dispatch.departure": "Rời",
    "dispatch.cargo": "Hàng",
    "dispatch.required_by": "Cần trước",
    "dispatch.bound": "Sớm nhất có thể",
    "dispatch.last_arrival": "Đến cuối",
    "dispatch.met": "Đáp ứng",
    "dispatch.within_bound": "Trong mốc",
    "dispatch.reason": "Lý do",
    "dispatch.met_units": "đơn vị đáp ứng",
    "dispatch.on_time": "đúng hạn",
    "dispatch.unmet_units": "chưa đáp ứng",
    "dispatch.vehicles": "xe",
    "dispatch.within_share": "trong mốc",
    "dispatch.last": "đến cuối",
  },
  en: {
    "dispatch.title": "Incident dispatch",
    "dispatch.declare_title": "Declare an incident",
    "dispatch.pick_hint": "Click the map to take its coordinates, or type the latitude / longitude.",
    "dispatch.lat": "Latitude",
    "dispatch.lon": "Longitude",
    "dispatch.type": "Incident type",
    "dispatch.level": "Level",
    "dispatch.template": "Demand template",
    "dispatch.template_default": "(default for type and level)",
    "dispatch.size": "Size factor",
    "dispatch.description": "Description",
    "dispatch.declare": "Declare",
    "dispatch.declared": "Incident #{id} declared ({province}).",
    "dispatch.viewer": "Your role may only look; it declares no incidents.",
    "dispatch.bad_lat": "The latitude must be a number from -90 to 90.",
    "dispatch.bad_lon": "The longitude must be a number from -180 to 180.",
    "dispatch.incident": "Incident #{id}: {type} · {level} · {time}",
    "dispatch.request_plan": "Request a dispatch plan",
    "dispatch.plan": "Plan #{id}",
    "dispatch.status": "Status",
    "dispatch.confirm": "Confirm (reserve stock)",
    "dispatch.dispatch": "Dispatch",
    "dispatch.deliver": "Delivered",
    "dispatch.cancel": "Cancel plan",
    "dispatch.done": "Plan #{id}: {status}.",
    "dispatch.pick_lists": "Pick lists",
    "dispatch.routes": "Vehicle routes",
    "dispatch.timeline": "Vehicle timeline",
    "dispatch.fulfilment": "Demand met (against the earliest possible arrival)",
    "dispatch.unmet": "Unmet demand",
    "dispatch.lot": "Lot",
    "dispatch.qty": "Quantity",
    "dispatch.vehicle": "Vehicle",
    "dispatch.stop": "Stop",
    "dispatch.arrival": "Arrives",
    "dispatch.departure": "Leaves",
    "dispatch.cargo": "Cargo",
    "dispatch.required_by": "Required by",
    "dispatch.bound": "Earliest possible",
    "dispatch.last_arrival": "Last arrival",
    "dispatch.met": "Met",
    "dispatch.within_bound": "Within bound",
    "dispatch.reason": "Reason",
    "dispatch.met_units": "units met",
    "dispatch.on_time": "on time",
    "dispatch.unmet_units": "unmet",
    "dispatch.vehicles": "vehicles",
    "dispatch.within_share": "within bound",
    "dispatch.last": "last arrival",
  },
};

const LIVE = ["draft", "confirmed", "dispatched"];
/** One Idempotency-Key per action, kept until it succeeds so a retry reuses it. */
const keys = {};
function keyFor(action) {
  if (!keys[action]) keys[action] = newKey();
  return keys[action];
}

function field(label, input) {
  return el("div", { class: "field" }, el("label", { for: input.id }, label), input);
}

function options(values, selected) {
  return values.map((v) => el("option", { value: v, selected: v === selected }, v));
}

/** The plan's live plan for an incident, if it has one. */
async function livePlan(incidentId) {
  const plans = await api("GET", `/incidents/${incidentId}/dispatch-plans`);
  return plans.filter((p) => LIVE.includes(p.status) && !p.superseded_by).sort((a, b) => b.id - a.id)[0] || null;
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

export async function render(view, params) {
  const [templates, depots] = await Promise.all([api("GET", "/scenario-templates"), api("GET", "/depots")]);
  const types = [...new Set(templates.map((x) => x.incident_type))];
  const levelOrder = ["facility", "provincial", "national"];
  const levels = [...new Set(templates.map((x) => x.level))].sort((a, b) => levelOrder.indexOf(a) - levelOrder.indexOf(b));
  const canDeclare = may("POST /incidents");
  const canPlan = may("POST /incidents/{incident_id}/dispatch-plans");

  let incident = null;
  let plan = null;

  const mapBox = el("div", { id: "dispatch-map" });
  const side = el("div", { class: "dispatch-side" });
  const incidentBox = el("div", { id: "incident", class: "card", hidden: true });
  const planBox = el("section", { id: "plan", hidden: true });
  view.replaceChildren(el("h1", {}, t("dispatch.title")), el("div", { class: "cols" }, mapBox, side), planBox);

  // ---- the form ---------------------------------------------------------------------
  const lat = el("input", { id: "f-lat", name: "lat", inputmode: "decimal", autocomplete: "off", size: 10 });
  const lon = el("input", { id: "f-lon", name: "lon", inputmode: "decimal", autocomplete: "off", size: 10 });
  const type = el("select", { id: "f-type", name: "incident_type" }, options(types, "chemical_release"));
  const level = el("select", { id: "f-level", name: "level" }, options(levels, "provincial"));
  const template = el("select", { id: "f-template", name: "template" });
  const size = el("input", { id: "f-size", name: "size", type: "number", step: "0.1", min: "0.1", max: "20", value: "1" });
  const description = el("input", { id: "f-description", name: "description", maxlength: 1000 });
  function fillTemplates() {
    const fits = templates.filter((x) => x.incident_type === type.value && x.level === level.value);
    template.replaceChildren(
      el("option", { value: "" }, t("dispatch.template_default")),
      ...fits.map((x) => el("option", { value: x.template }, `${x.template}${x.default ? " ✓" : ""}`)),
    );
  }
  type.addEventListener("change", fillTemplates);
  level.addEventListener("change", fillTemplates);
  fillTemplates();
  const declare = canDeclare ? el("button", { type: "submit", id: "declare" }, t("dispatch.declare")) : null;
  const form = el(
    "form",
    { id: "incident-form", class: "card", novalidate: true },
    el("h2", {}, t("dispatch.declare_title")),
    el("p", { class: "hint" }, t("dispatch.pick_hint")),
    el("fieldset", { name: "location", class: "row location" }, field(t("dispatch.lat"), lat), field(t("dispatch.lon"), lon)),
    el("div", { class: "row" }, field(t("dispatch.type"), type), field(t("dispatch.level"), level)),
    el("div", { class: "row" }, field(t("dispatch.template"), template), field(t("dispatch.size"), size)),
    field(t("dispatch.description"), description),
    declare || el("p", { class: "hint", id: "read-only" }, t("dispatch.viewer")),
  );
  side.append(form, incidentBox);

  // ---- the map ----------------------------------------------------------------------
  let map = null;
  function marker(lo, la) {
    map.clear("pick");
    map.point("pick", lo, la, { r: 16, cls: "pick" }).style.r = "calc(16px / var(--zoom, 1))";
  }
  map = await createMap(mapBox, {
    height: 480,
    onPick(lo, la) {
      if (!canDeclare) return;
      lat.value = String(la);
      lon.value = String(lo);
      clearProblems(form);
      marker(lo, la);
    },
  });
  for (const d of depots) map.point("depots", d.lon, d.lat, { r: 12, cls: "depot", title: `${d.code} ${d.town}` }).style.r = "calc(12px / var(--zoom, 1))";

  function drawRoutes() {
    map.clear("routes");
    if (!plan) return;
    const points = incident ? [[incident.lon, incident.lat]] : [];
    for (const route of plan.routes) {
      const coords = (route.geometry && route.geometry.geometry && route.geometry.geometry.coordinates) || [];
      const eta = route.stops.filter((s) => s.kind === "delivery").map((s) => `${s.place}: ${fmtTime(s.arrival)}`);
      if (coords.length > 1) map.line("routes", coords, { cls: "route", title: [route.vehicle, ...eta].join("\n") });
      points.push(...coords);
    }
    if (points.length) map.fit(points, 80);
  }

  // ---- declaring ----------------------------------------------------------------------
  let lastBody = null;
  if (declare) {
    form.addEventListener(
      "submit",
      guard(declare, async () => {
        clearProblems(form);
        const la = Number(lat.value.trim().replace(",", "."));
        const lo = Number(lon.value.trim().replace(",", "."));
        if (lat.value.trim() === "" || !Number.isFinite(la) || la < -90 || la > 90) {
          showProblem(form, new ApiError(422, { field: "lat", detail: t("dispatch.bad_lat") }));
          return;
        }
        if (lon.value.trim() === "" || !Number.isFinite(lo) || lo < -180 || lo > 180) {
          showProblem(form, new ApiError(422, { field: "lon", detail: t("dispatch.bad_lon") }));
          return;
        }
        const body = { incident_type: type.value, level: level.value, location: { lat: la, lon: lo } };
        if (template.value) body.template = template.value;
        if (size.value && Number(size.value) !== 1) body.size = Number(size.value);
        if (description.value.trim()) body.description = description.value.trim();
        const text = JSON.stringify(body);
        if (text !== lastBody) delete keys.declare;
        lastBody = text;
        try {
          incident = await api("POST", "/incidents", { body, key: keyFor("declare") });
        } catch (error) {
          showProblem(form, error);
          return;
        }
        delete keys.declare;
        lastBody = null;
        plan = null;
        history.replaceState(null, "", `#/dispatch?incident=${incident.id}`);
        flash(t("dispatch.declared", { id: incident.id, province: incident.province_code || "—" }));
        marker(incident.lon, incident.lat);
        showIncident();
        renderPlan();
      }),
    );
  }

  // ---- the incident and its plan ------------------------------------------------------
  function showIncident() {
    incidentBox.hidden = !incident;
    if (!incident) return;
    const request = canPlan ? el("button", { type: "button", id: "request-plan" }, t("dispatch.request_plan")) : null;
    if (request) {
      request.addEventListener(
        "click",
        guard(request, async () => {
          incidentBox.querySelectorAll(".problem").forEach((n) => n.remove());
          try {
            plan = await api("POST", `/incidents/${incident.id}/dispatch-plans`, { body: {}, key: keyFor(`plan:${incident.id}`) });
            delete keys[`plan:${incident.id}`];
          } catch (error) {
            incidentBox.append(el("div", { class: "problem", role: "alert" }, error.message));
            return;
          }
          renderPlan();
        }),
      );
    }
    incidentBox.replaceChildren(
      el("h2", { id: "incident-title", dataset: { id: incident.id } }, t("dispatch.incident", { id: incident.id, type: incident.incident_type, level: incident.level, time: fmtTime(incident.reported_at) })),
      el(
        "p",
        { class: "hint" },
        `${fmtNum(incident.lat, 4)}, ${fmtNum(incident.lon, 4)} → ${incident.node_id} (${fmtNum(incident.snap_km, 1)} km) · ${incident.template || ""} · ${incident.status}`,
      ),
      request,
    );
  }

  function action(name, route, label) {
    if (!may(`POST /dispatch-plans/{plan_id}/${route}`)) return null;
    const button = el("button", { type: "button", id: `${name}-plan`, class: name === "cancel" ? "secondary" : null }, label);
    button.addEventListener(
      "click",
      guard(button, async () => {
        const id = plan.id;
        try {
          plan = await api("POST", `/dispatch-plans/${id}/${route}`, { key: keyFor(`${route}:${id}`) });
          delete keys[`${route}:${id}`];
          flash(t("dispatch.done", { id, status: plan.status }));
        } catch (error) {
          flash(`${t("common.error")}: ${error.message}`, "bad");
          try {
            plan = await api("GET", `/dispatch-plans/${id}`);
          } catch {
            return;
          }
        }
        renderPlan();
      }),
    );
    return button;
  }

  function renderPlan() {
    drawRoutes();
    planBox.hidden = !plan;
    if (!plan) {
      planBox.replaceChildren();
      return;
    }
    const s = plan.summary;
    const buttons = [];
    if (plan.status === "draft") buttons.push(action("confirm", "confirm", t("dispatch.confirm")));
    if (plan.status === "confirmed") buttons.push(action("dispatch", "dispatch", t("dispatch.dispatch")));
    if (plan.status === "dispatched") buttons.push(action("deliver", "deliver", t("dispatch.deliver")));
    if (["draft", "confirmed"].includes(plan.status)) buttons.push(action("cancel", "cancel", t("dispatch.cancel")));
    const picks = plan.pick_lists.flatMap((list) => list.lines.map((line) => ({ depot: list.depot, ...line })));
    const stops = plan.routes.flatMap((route) =>
      route.stops.filter((st) => st.kind !== "start").map((st) => ({ vehicle: route.vehicle, ...st })),
    );
    planBox.replaceChildren(
      el(
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
        el("div", { class: "actions" }, buttons),
      ),
      el("h2", {}, t("dispatch.timeline")),
      el("div", { class: "card" }, timeline(plan)),
      el("h2", {}, t("dispatch.pick_lists")),
      el(
        "div",
        { id: "pick-lists" },
        table(
          [
            { label: t("common.depot"), value: (r) => r.depot },
            { label: t("common.item"), value: (r) => el("span", { title: r.item_name }, r.item, r.substitute ? ` (→ ${r.for_item})` : "") },
            { label: t("dispatch.lot"), value: (r) => r.lot_no || `#${r.lot_id}` },
            { label: t("dispatch.qty"), value: (r) => fmtNum(r.quantity), cls: "num" },
            { label: t("dispatch.vehicle"), value: (r) => r.vehicle || "" },
          ],
          picks,
        ),
      ),
      el("h2", {}, t("dispatch.routes")),
      el(
        "div",
        { id: "routes" },
        table(
          [
            { label: t("dispatch.vehicle"), value: (r) => r.vehicle },
            { label: t("dispatch.stop"), value: (r) => `${r.kind} · ${r.place}` },
            { label: t("dispatch.arrival"), value: (r) => fmtTime(r.arrival) },
            { label: t("dispatch.departure"), value: (r) => fmtTime(r.departure) },
            { label: t("dispatch.cargo"), value: (r) => r.cargo.map((c) => `${c.item} ×${c.quantity}`).join(", ") },
          ],
          stops,
          { rowClass: (r) => `stop ${r.kind}` },
        ),
        el(
          "p",
          { class: "hint" },
          plan.routes.map((r) => `${r.vehicle}: ${fmtNum(r.km, 1)} km, ${r.crew} crew${r.rest_hours ? `, rest ${fmtMinutes(r.rest_hours * 60)}` : ""}, back ${fmtTime(r.returns_at)}`).join(" · "),
        ),
      ),
      el("h2", {}, t("dispatch.fulfilment")),
      el(
        "div",
        { id: "fulfilment" },
        table(
          [
            { label: t("common.item"), value: (r) => el("span", { title: r.item_name }, r.item) },
            { label: t("dispatch.met"), value: (r) => `${fmtNum(r.met)} / ${fmtNum(r.quantity)}`, cls: "num" },
            { label: t("dispatch.required_by"), value: (r) => fmtTime(r.required_by) },
            { label: t("dispatch.bound"), value: (r) => fmtTime(r.earliest_arrival) },
            { label: t("dispatch.last_arrival"), value: (r) => fmtTime(r.last_arrival) },
            { label: t("dispatch.within_bound"), value: (r) => fmtNum(r.within_bound), cls: "num" },
            { label: t("dispatch.reason"), value: (r) => r.reason },
          ],
          plan.fulfilment,
          { rowClass: (r) => (r.met < r.quantity ? "alert-red" : r.late_hours ? "alert-amber" : r.within_bound < r.met ? "alert-blue" : null) },
        ),
      ),
      el("h2", {}, t("dispatch.unmet")),
      el(
        "div",
        { id: "unmet" },
        table(
          [
            { label: t("common.item"), value: (r) => el("span", { title: r.item_name }, r.item) },
            { label: t("dispatch.qty"), value: (r) => fmtNum(r.quantity), cls: "num" },
            { label: t("dispatch.reason"), value: (r) => r.reason },
          ],
          plan.unmet,
        ),
      ),
    );
  }

  // ---- #/dispatch?incident=ID -----------------------------------------------------------
  const wanted = params.get("incident");
  if (wanted) {
    incident = await api("GET", `/incidents/${encodeURIComponent(wanted)}`);
    plan = await livePlan(incident.id);
    marker(incident.lon, incident.lat);
    showIncident();
    renderPlan();
  }
}
