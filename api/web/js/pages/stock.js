// The depot manager's stock page (issue 14): one depot's stock per item with its alerts,
// a KPI strip of alert counts, an item's stock card (lots and running balance) and the
// transfers on their way in (both in stock_card.js). Filters and the open item live in the
// hash (#/stock?depot=..).
import { api, el, fmtNum, itemName, state, t } from "../core.js";
import { drawCard, drawInbound, labels as cardLabels, loadCard, tOr } from "./stock_card.js";

/** Alert kinds in the order the KPI strip shows them, with their traffic-light colour. */
const KINDS = [
  ["below_min", "red"],
  ["expired", "red"],
  ["calibration_overdue", "red"],
  ["expiring", "amber"],
  ["calibration_due", "amber"],
  ["over_capacity", "amber"],
  ["quarantined", "blue"],
  ["unserviceable", "blue"],
];
const COLOUR = Object.fromEntries(KINDS);
const RANK = { red: 3, amber: 2, blue: 1 };
const CONDITIONS = ["serviceable", "unserviceable", "in_repair", "quarantined"];

export const labels = {
  vi: {
    "stock.title": "Tồn kho",
    "stock.depot": "Kho",
    "stock.search": "Tìm vật tư (mã hoặc tên)",
    "stock.category": "Nhóm",
    "stock.condition": "Tình trạng",
    "stock.code": "Mã",
    "stock.name": "Tên vật tư",
    "stock.unit": "ĐVT",
    "stock.on_hand": "Tồn",
    "stock.reserved": "Đã giữ",
    "stock.available": "Khả dụng",
    "stock.unusable": "Không dùng được",
    "stock.min": "Tối thiểu",
    "stock.target": "Mục tiêu",
    "stock.alerts": "Cảnh báo",
    "stock.shown": "{shown} / {total} dòng",
    "stock.open": "Bấm vào một dòng để xem thẻ kho.",
    "stock.depot_alerts": "Cảnh báo của kho",
    "alert.below_min": "Dưới mức tối thiểu",
    "alert.expiring": "Sắp hết hạn",
    "alert.expired": "Hết hạn",
    "alert.calibration_due": "Sắp đến hạn hiệu chuẩn",
    "alert.calibration_overdue": "Quá hạn hiệu chuẩn",
    "alert.over_capacity": "Vượt sức chứa",
    "alert.quarantined": "Cách ly",
    "alert.unserviceable": "Hỏng / đang sửa",
    "cond.serviceable": "Dùng được",
    "cond.unserviceable": "Hỏng",
    "cond.in_repair": "Đang sửa",
    "cond.quarantined": "Cách ly",
    "cat.decontamination": "Tiêu tẩy",
    "cat.detection": "Trinh sát, phát hiện",
    "cat.leak_control": "Chặn rò rỉ",
    "cat.medical": "Y tế",
    "cat.oil_spill": "Ứng phó tràn dầu",
    "cat.protective_clothing": "Quần áo phòng hộ",
    "cat.pumps_power": "Bơm, nguồn điện",
    "cat.respiratory": "Bảo vệ hô hấp",
    "cat.shelter": "Lều, nhà bạt",
    ...cardLabels.vi,
  },
  en: {
    "stock.title": "Stock",
    "stock.depot": "Depot",
    "stock.search": "Find an item (code or name)",
    "stock.category": "Category",
    "stock.condition": "Condition",
    "stock.code": "Code",
    "stock.name": "Item",
    "stock.unit": "Unit",
    "stock.on_hand": "On hand",
    "stock.reserved": "Reserved",
    "stock.available": "Available",
    "stock.unusable": "Unusable",
    "stock.min": "Min",
    "stock.target": "Target",
    "stock.alerts": "Alerts",
    "stock.shown": "{shown} / {total} rows",
    "stock.open": "Click a row to open its stock card.",
    "stock.depot_alerts": "Depot alerts",
    "alert.below_min": "Below min",
    "alert.expiring": "Expiring",
    "alert.expired": "Expired",
    "alert.calibration_due": "Calibration due",
    "alert.calibration_overdue": "Calibration overdue",
    "alert.over_capacity": "Over capacity",
    "alert.quarantined": "Quarantined",
    "alert.unserviceable": "Unserviceable / in repair",
    "cond.serviceable": "Serviceable",
    "cond.unserviceable": "Unserviceable",
    "cond.in_repair": "In repair",
    "cond.quarantined": "Quarantined",
    "cat.decontamination": "Decontamination",
    "cat.detection": "Detection",
    "cat.leak_control": "Leak control",
    "cat.medical": "Medical",
    "cat.oil_spill": "Oil spill",
    "cat.protective_clothing": "Protective clothing",
    "cat.pumps_power": "Pumps and power",
    "cat.respiratory": "Respiratory",
    "cat.shelter": "Shelter",
    ...cardLabels.en,
  },
};

/** An alert's traffic light: quarantined or unserviceable stock is blue, a critical one
 * (nothing usable below min, expired, calibration overdue) red, any other amber. */
function colourOf(alert) {
  if (COLOUR[alert.kind] === "blue") return "blue";
  if (alert.severity === "critical" || COLOUR[alert.kind] === "red") {
    return alert.kind === "below_min" && alert.severity !== "critical" ? "amber" : "red";
  }
  return "amber";
}

/** The worst colour among alerts (red > amber > blue), or null. */
function worst(alerts) {
  let best = null;
  for (const a of alerts) {
    const c = colourOf(a);
    if (!best || RANK[c] > RANK[best]) best = c;
  }
  return best;
}

function badge(alert) {
  return el(
    "span",
    { class: `badge ${colourOf(alert)}`, "data-alert": alert.kind, title: alert.message },
    tOr(`alert.${alert.kind}`, alert.kind),
  );
}

/** Keep the page's state in the hash without re-rendering (no hashchange is fired). */
function keepHash(params) {
  if (!location.hash.startsWith("#/stock")) return; // the user has gone to another page
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) query.set(name, value);
  history.replaceState(null, "", `#/stock?${query}`);
}

function defaultDepot(depots) {
  const mine = state.me && state.me.role === "depot_manager" ? state.me.depots || [] : [];
  const known = new Set(depots.map((d) => d.code));
  return mine.find((code) => known.has(code)) || (depots[0] && depots[0].code) || "";
}

function stockHead() {
  return el(
    "tr",
    {},
    el("th", {}, t("stock.code")),
    el("th", {}, t("stock.name")),
    el("th", {}, t("stock.unit")),
    el("th", { class: "num" }, t("stock.on_hand")),
    el("th", { class: "num" }, t("stock.reserved")),
    el("th", { class: "num" }, t("stock.available")),
    el("th", { class: "num" }, t("stock.unusable")),
    el("th", { class: "num" }, t("stock.min")),
    el("th", { class: "num" }, t("stock.target")),
    el("th", {}, t("stock.alerts")),
  );
}

/** One stock row: lit by its worst alert, badged per alert kind; a click opens its card. */
function stockRow(row, { item, alerts, policy, selected, open }) {
  const num = (v) => fmtNum(v);
  const colour = worst(alerts);
  return el(
    "tr",
    {
      class: [colour ? `alert-${colour}` : "", selected ? "selected" : ""].join(" ").trim() || null,
      dataset: { item: row.item, alerts: [...new Set(alerts.map((a) => a.kind))].join(" ") },
      tabindex: "0",
      onclick: () => open(row.item),
      onkeydown: (e) => {
        if (e.key === "Enter") open(row.item);
      },
    },
    el("td", { class: "code" }, colour ? el("span", { class: `light ${colour}` }) : null, row.item),
    el("td", { class: "name" }, item ? itemName(item) : row.item_name),
    el("td", { class: "unit" }, row.unit),
    el("td", { class: "num on-hand" }, num(row.on_hand)),
    el("td", { class: `num reserved${row.reserved ? " held" : ""}` }, num(row.reserved)),
    el("td", { class: "num available" }, num(row.available)),
    el("td", { class: "num unusable" }, num(row.unusable)),
    el("td", { class: "num min" }, policy ? num(policy.min) : ""),
    el("td", { class: "num target" }, policy ? num(policy.target) : ""),
    el("td", { class: "alerts" }, [...new Map(alerts.map((a) => [a.kind, a])).values()].map(badge)),
  );
}

/** `live()` (from the shell) is false once a newer navigation replaced this render: it then
 * stops touching the view and the hash. */
export async function render(view, params, live) {
  const [depots, items] = await Promise.all([api("GET", "/depots"), api("GET", "/items")]);
  if (!live()) return;
  const byCode = new Map(items.map((i) => [i.code, i]));
  const known = new Set(depots.map((d) => d.code));
  const filters = {
    depot: known.has(params.get("depot")) ? params.get("depot") : defaultDepot(depots),
    q: params.get("q") || "",
    category: params.get("category") || "",
    condition: params.get("condition") || "",
    item: params.get("item") || "",
  };

  const depotSelect = el(
    "select",
    { id: "stock-depot", name: "depot" },
    depots.map((d) => el("option", { value: d.code, selected: d.code === filters.depot }, `${d.code} · ${itemName(d)}`)),
  );
  const search = el("input", { id: "stock-search", name: "q", type: "search", value: filters.q, placeholder: t("stock.search") });
  const categories = [...new Set(items.map((i) => i.category))].sort();
  const categorySelect = el(
    "select",
    { id: "stock-category", name: "category" },
    el("option", { value: "" }, t("common.all")),
    categories.map((c) => el("option", { value: c, selected: c === filters.category }, tOr(`cat.${c}`, c))),
  );
  const conditionSelect = el(
    "select",
    { id: "stock-condition", name: "condition" },
    el("option", { value: "" }, t("common.all")),
    CONDITIONS.map((c) => el("option", { value: c, selected: c === filters.condition }, t(`cond.${c}`))),
  );
  const field = (label, input) => el("label", {}, label, input);
  const kpis = el("div", { id: "stock-kpis", class: "stock-kpis" });
  const depotAlerts = el("div", { id: "stock-depot-alerts" });
  const count = el("span", { id: "stock-count", class: "hint" });
  const tableBox = el("div", { id: "stock-table-box", class: "stock-scroll" });
  const cardBox = el("section", { id: "stock-card", class: "card", hidden: true });
  const inboundBox = el("div", { id: "stock-inbound-box" });

  view.replaceChildren(
    el("h1", {}, t("stock.title")),
    el(
      "form",
      { class: "card row stock-filters", id: "stock-filters", onsubmit: (e) => e.preventDefault() },
      field(t("stock.depot"), depotSelect),
      field(t("stock.search"), search),
      field(t("stock.category"), categorySelect),
      field(t("stock.condition"), conditionSelect),
    ),
    kpis,
    depotAlerts,
    el("div", { class: "card" }, el("div", { class: "stock-head" }, el("span", { class: "hint" }, t("stock.open")), count), tableBox),
    cardBox,
    el("section", { class: "card" }, el("h2", {}, t("stock.inbound")), inboundBox),
  );

  let rows = [];
  let alertsByItem = new Map();
  let policies = new Map();

  function matches(row) {
    const q = filters.q.trim().toLowerCase();
    if (!q) return true;
    const item = byCode.get(row.item) || {};
    return [row.item, item.name_vi, item.name_en, row.item_name].some((s) => s && s.toLowerCase().includes(q));
  }

  function drawTable() {
    // the rows with alerts first (red, amber, blue), each group in catalogue order
    const rank = (row) => RANK[worst(alertsByItem.get(row.item) || [])] || 0;
    const shown = rows.filter(matches).sort((a, b) => rank(b) - rank(a));
    const body = shown.map((row) =>
      stockRow(row, {
        item: byCode.get(row.item),
        alerts: alertsByItem.get(row.item) || [],
        policy: policies.get(row.item),
        selected: row.item === filters.item,
        open: openCard,
      }),
    );
    if (!shown.length) body.push(el("tr", {}, el("td", { colspan: 10, class: "empty" }, t("common.none"))));
    tableBox.replaceChildren(el("table", { class: "grid", id: "stock-table" }, el("thead", {}, stockHead()), el("tbody", {}, body)));
    count.textContent = t("stock.shown", { shown: shown.length, total: rows.length });
  }

  function drawKpis(alerts) {
    kpis.replaceChildren(
      ...KINDS.map(([kind, colour]) => {
        const n = alerts.filter((a) => a.kind === kind).length;
        return el(
          "div",
          { class: `kpi${n ? ` kpi-${colour}` : ""}`, "data-kind": kind },
          el("b", {}, fmtNum(n)),
          el("span", {}, t(`alert.${kind}`)),
        );
      }),
    );
    const general = alerts.filter((a) => !a.item);
    depotAlerts.replaceChildren(
      ...(general.length
        ? [el("div", { class: "card stock-depot-alerts" }, el("b", {}, t("stock.depot_alerts")), el("ul", {}, general.map((a) => el("li", {}, badge(a), a.message))))]
        : []),
    );
  }

  async function openCard(code) {
    filters.item = code;
    if (!live()) return;
    keepHash(filters);
    tableBox.querySelectorAll("tr.selected").forEach((tr) => tr.classList.remove("selected"));
    const row = tableBox.querySelector(`tr[data-item="${CSS.escape(code)}"]`);
    if (row) row.classList.add("selected");
    cardBox.hidden = false;
    cardBox.dataset.item = code;
    cardBox.replaceChildren(el("p", { class: "loading" }, t("common.loading")));
    const depot = filters.depot;
    const { detail, moves } = await loadCard(depot, code);
    if (!live() || filters.item !== code || filters.depot !== depot) return; // another click won
    const item = byCode.get(code) || { code, name_vi: detail.item_name_vi, name_en: detail.item_name_en };
    drawCard(cardBox, { code, item, detail, moves, onClose: closeCard });
  }

  function closeCard() {
    filters.item = "";
    if (live()) keepHash(filters);
    cardBox.hidden = true;
    cardBox.replaceChildren();
    tableBox.querySelectorAll("tr.selected").forEach((tr) => tr.classList.remove("selected"));
  }

  async function load() {
    tableBox.replaceChildren(el("p", { class: "loading" }, t("common.loading")));
    view.dataset.depot = filters.depot;
    const [stockPage, alerts, policyPage] = await Promise.all([
      api("GET", "/stock", {
        query: { depot: filters.depot, category: filters.category, condition: filters.condition, limit: 1000 },
      }),
      api("GET", "/alerts", { query: { depot: filters.depot } }),
      api("GET", "/stock-policies", { query: { depot: filters.depot, limit: 1000 } }),
    ]);
    if (!live()) return;
    rows = stockPage.items;
    alertsByItem = new Map();
    for (const a of alerts) {
      if (!a.item) continue;
      if (!alertsByItem.has(a.item)) alertsByItem.set(a.item, []);
      alertsByItem.get(a.item).push(a);
    }
    policies = new Map(policyPage.items.map((p) => [p.item, p]));
    drawKpis(alerts);
    drawTable();
    view.dataset.loaded = filters.depot;
  }

  const reload = async () => {
    if (!live()) return;
    keepHash(filters);
    delete view.dataset.loaded;
    await Promise.all([load(), drawInbound(inboundBox, filters.depot)]);
    if (filters.item) await openCard(filters.item).catch(closeCard);
  };
  const report = (error) => {
    if (error && error.status === 401) return;
    tableBox.replaceChildren(el("div", { class: "problem", role: "alert" }, `${t("common.error")}: ${error.message}`));
  };

  depotSelect.addEventListener("change", () => {
    filters.depot = depotSelect.value;
    filters.item = "";
    cardBox.hidden = true;
    reload().catch(report);
  });
  categorySelect.addEventListener("change", () => {
    filters.category = categorySelect.value;
    reload().catch(report);
  });
  conditionSelect.addEventListener("change", () => {
    filters.condition = conditionSelect.value;
    reload().catch(report);
  });
  search.addEventListener("input", () => {
    filters.q = search.value;
    if (live()) keepHash(filters);
    drawTable();
  });

  await reload();
}
