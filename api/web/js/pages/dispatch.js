// The logistics officer's dispatch page: declare an incident (click the map or type the
// coordinates), request a plan, read its pick lists, routes, ETAs against the bound and
// unmet demand, then confirm, dispatch and deliver it. Every write is keyed and guarded.
// The plan itself (its tables, timeline and status buttons) is drawn by dispatch_plan.js.
import { api, ApiError, clearProblems, el, flash, fmtNum, fmtTime, guard, may, showProblem, t } from "../core.js";
import { createMap } from "../vnmap.js";
import { drawPlan, keyFor, keys, loadCatalogue } from "./dispatch_plan.js";

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
    "dispatch.legs": "Chặng",
    "dispatch.mode.road": "Đường bộ",
    "dispatch.mode.offroad": "Ngoài đường",
    "dispatch.mode.ferry": "Phà",
    "dispatch.mode.sea": "Tàu",
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
    "dispatch.legs": "Legs",
    "dispatch.mode.road": "Road",
    "dispatch.mode.offroad": "Off-road",
    "dispatch.mode.ferry": "Ferry",
    "dispatch.mode.sea": "Boat",
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

/** The incident form: its inputs, its template list kept to the type and level, and its
 * submit button (none for a role that may not declare). */
function incidentForm(templates, canDeclare) {
  const types = [...new Set(templates.map((x) => x.incident_type))];
  const levelOrder = ["facility", "provincial", "national"];
  const levels = [...new Set(templates.map((x) => x.level))].sort((a, b) => levelOrder.indexOf(a) - levelOrder.indexOf(b));
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
  return { form, lat, lon, type, level, template, size, description, declare };
}

/** `live()` (from the shell) is false once a newer navigation replaced this render. */
export async function render(view, params, live) {
  const [templates, depots] = await Promise.all([api("GET", "/scenario-templates"), api("GET", "/depots"), loadCatalogue()]);
  if (!live()) return;
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
  const { form, lat, lon, type, level, template, size, description, declare } = incidentForm(templates, canDeclare);
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

  function renderPlan() {
    drawRoutes();
    planBox.hidden = !plan;
    if (!plan) {
      planBox.replaceChildren();
      return;
    }
    drawPlan(planBox, plan, {
      update(next) {
        plan = next;
        renderPlan();
      },
    });
  }

  // ---- #/dispatch?incident=ID -----------------------------------------------------------
  const wanted = params.get("incident");
  if (wanted) {
    incident = await api("GET", `/incidents/${encodeURIComponent(wanted)}`);
    plan = await livePlan(incident.id);
    if (!live()) return;
    marker(incident.lon, incident.lat);
    showIncident();
    renderPlan();
  }
}
