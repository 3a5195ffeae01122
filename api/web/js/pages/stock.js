// The depot manager's stock page (issue 14): one depot's stock per item with its alerts,
// a KPI strip of alert counts, an item's stock card (lots and running balance) and the
// transfers on their way in. Filters and the open item live in the hash (#/stock?depot=..).
import { api, el, fmtNum, fmtTime, itemName, state, t } from "../core.js";

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
    "stock.card": "Thẻ kho: {name}",
    "stock.close": "Đóng",
    "stock.lots": "Lô / số sê-ri",
    "stock.lot": "Lô",
    "stock.expiry": "Hạn dùng",
    "stock.calibration": "Hạn hiệu chuẩn",
    "stock.status": "Trạng thái",
    "stock.movements": "Nhập xuất (số dư lũy kế)",
    "stock.posted_at": "Thời điểm",
    "stock.kind": "Loại",
    "stock.counterpart": "Đối ứng",
    "stock.reference": "Chứng từ",
    "stock.in": "Nhập",
    "stock.out": "Xuất",
    "stock.balance": "Số dư",
    "stock.actor": "Người ghi",
    "stock.earlier": "Chỉ hiện {shown} dòng gần nhất trong {total}.",
    "stock.inbound": "Hàng đang chuyển đến kho",
    "stock.from": "Từ kho",
    "stock.quantity": "Số lượng",
    "stock.shipped_at": "Xuất đi lúc",
    "stock.shipped_by": "Người gửi",
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
    "mv.receipt": "Nhập",
    "mv.issue": "Xuất",
    "mv.transfer_out": "Chuyển đi",
    "mv.transfer_in": "Chuyển đến",
    "mv.count": "Kiểm kê",
    "mv.write_off": "Thanh lý",
    "mv.reversal": "Đảo bút toán",
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
    "stock.card": "Stock card: {name}",
    "stock.close": "Close",
    "stock.lots": "Lots / serials",
    "stock.lot": "Lot",
    "stock.expiry": "Expiry",
    "stock.calibration": "Calibration due",
    "stock.status": "Status",
    "stock.movements": "Movements (running balance)",
    "stock.posted_at": "Posted",
    "stock.kind": "Kind",
    "stock.counterpart": "Counterpart",
    "stock.reference": "Reference",
    "stock.in": "In",
    "stock.out": "Out",
    "stock.balance": "Balance",
    "stock.actor": "By",
    "stock.earlier": "Only the latest {shown} of {total} lines are shown.",
    "stock.inbound": "Inbound transfers (in transit)",
    "stock.from": "From depot",
    "stock.quantity": "Quantity",
    "stock.shipped_at": "Shipped",
    "stock.shipped_by": "Shipped by",
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
    "mv.receipt": "Receipt",
    "mv.issue": "Issue",
    "mv.transfer_out": "Transfer out",
    "mv.transfer_in": "Transfer in",
    "mv.count": "Count",
    "mv.write_off": "Write-off",
    "mv.reversal": "Reversal",
  },
};

/** A label, or the raw value when no label is registered for it. */
function tOr(key, fallback) {
  const text = t(key);
  return text === key ? fallback : text;
}

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

let renders = 0;

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

export async function render(view, params) {
  // a render that a newer one (another hashchange, the language button) replaced stops
  // touching the view and the hash
  const generation = String(++renders);
  view.dataset.render = generation;
  const live = () => view.dataset.render === generation && view.dataset.page === "stock";
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
    const num = (v) => fmtNum(v);
    const head = el(
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
    const body = shown.map((row) => {
      const item = byCode.get(row.item);
      const alerts = alertsByItem.get(row.item) || [];
      const colour = worst(alerts);
      const policy = policies.get(row.item);
      return el(
        "tr",
        {
          class: [colour ? `alert-${colour}` : "", row.item === filters.item ? "selected" : ""].join(" ").trim() || null,
          dataset: { item: row.item, alerts: [...new Set(alerts.map((a) => a.kind))].join(" ") },
          tabindex: "0",
          onclick: () => openCard(row.item),
          onkeydown: (e) => {
            if (e.key === "Enter") openCard(row.item);
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
    });
    if (!shown.length) body.push(el("tr", {}, el("td", { colspan: 10, class: "empty" }, t("common.none"))));
    tableBox.replaceChildren(el("table", { class: "grid", id: "stock-table" }, el("thead", {}, head), el("tbody", {}, body)));
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

  async function drawInbound() {
    const page = await api("GET", "/transfers", {
      query: { depot: filters.depot, direction: "inbound", status: "in_transit", limit: 200 },
    });
    const trs = page.items.map((tr) =>
      el(
        "tr",
        { dataset: { transfer: tr.id, item: tr.item.code } },
        el("td", {}, String(tr.id)),
        el("td", {}, `${tr.from_depot.code} · ${itemName(tr.from_depot)}`),
        el("td", {}, `${tr.item.code} · ${itemName(tr.item)}`),
        el("td", {}, tr.lot_no || ""),
        el("td", { class: "num" }, `${fmtNum(tr.quantity)} ${tr.unit}`),
        el("td", { class: "time" }, fmtTime(tr.shipped_at)),
        el("td", {}, tr.shipped_by || ""),
        el("td", {}, tr.reference || ""),
      ),
    );
    if (!trs.length) trs.push(el("tr", {}, el("td", { colspan: 8, class: "empty" }, t("common.none"))));
    inboundBox.replaceChildren(
      el(
        "table",
        { class: "grid", id: "stock-inbound" },
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            ["#", t("stock.from"), t("common.item"), t("stock.lot"), t("stock.quantity"), t("stock.shipped_at"), t("stock.shipped_by"), t("stock.reference")].map(
              (h) => el("th", {}, h),
            ),
          ),
        ),
        el("tbody", {}, trs),
      ),
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
    const path = `/stock/${encodeURIComponent(depot)}/${encodeURIComponent(code)}`;
    const first = await api("GET", "/movements", { query: { depot, item: code, limit: 200 } });
    const [detail, moves] = await Promise.all([
      api("GET", path),
      first.total > first.items.length
        ? api("GET", "/movements", { query: { depot, item: code, limit: 200, offset: first.total - 200 } })
        : Promise.resolve(first),
    ]);
    if (!live() || filters.item !== code || filters.depot !== depot) return; // another click won
    const item = byCode.get(code) || { code, name_vi: detail.item_name_vi, name_en: detail.item_name_en };
    const policy = detail.policy;
    const lotRows = detail.lots.map((lot) =>
      el(
        "tr",
        { dataset: { lot: lot.lot_no || "" }, class: lot.status && lot.status !== "usable" ? "alert-amber" : null },
        el("td", {}, lot.lot_no || ""),
        el("td", { class: "expiry" }, lot.expiry_date ? fmtTime(lot.expiry_date, "date") : ""),
        el("td", {}, lot.calibration_due ? fmtTime(lot.calibration_due, "date") : ""),
        el("td", { class: "condition" }, lot.condition ? tOr(`cond.${lot.condition}`, lot.condition) : ""),
        el("td", {}, lot.status || ""),
        el("td", { class: "num" }, fmtNum(lot.on_hand)),
        el("td", { class: "num reserved" }, fmtNum(lot.reserved)),
      ),
    );
    if (!lotRows.length) lotRows.push(el("tr", {}, el("td", { colspan: 7, class: "empty" }, t("common.none"))));
    const moveRows = moves.items.map((m) =>
      el(
        "tr",
        { dataset: { movement: m.movement_id } },
        el("td", { class: "time" }, fmtTime(m.posted_at)),
        el("td", {}, tOr(`mv.${m.kind}`, m.kind)),
        el("td", {}, m.lot_no || ""),
        el("td", {}, m.counterpart || ""),
        el("td", {}, [m.reference, m.note].filter(Boolean).join(" · ")),
        el("td", { class: "num in" }, m.quantity_in ? fmtNum(m.quantity_in) : ""),
        el("td", { class: "num out" }, m.quantity_out ? fmtNum(m.quantity_out) : ""),
        el("td", { class: "num balance" }, fmtNum(m.balance)),
        el("td", {}, m.actor || ""),
      ),
    );
    if (!moveRows.length) moveRows.push(el("tr", {}, el("td", { colspan: 9, class: "empty" }, t("common.none"))));
    const heads = (labels) => el("thead", {}, el("tr", {}, labels.map(([label, cls]) => el("th", { class: cls }, label))));
    cardBox.replaceChildren(
      el(
        "div",
        { class: "stock-card-head" },
        el("h2", {}, t("stock.card", { name: `${code} · ${itemName(item)}` })),
        el("button", { type: "button", class: "secondary", id: "stock-card-close", onclick: closeCard }, t("stock.close")),
      ),
      el(
        "div",
        { class: "stock-totals" },
        [
          ["on_hand", detail.on_hand],
          ["reserved", detail.reserved],
          ["available", detail.available],
          ["unusable", detail.unusable],
          ["min", policy && policy.min_qty],
          ["target", policy && policy.target_qty],
        ].map(([key, value]) =>
          el("div", { class: "kpi", "data-total": key }, el("b", {}, value === null || value === undefined ? "–" : fmtNum(value)), el("span", {}, t(`stock.${key}`))),
        ),
      ),
      el("h2", {}, t("stock.lots")),
      el(
        "table",
        { class: "grid", id: "stock-lots" },
        heads([[t("stock.lot")], [t("stock.expiry")], [t("stock.calibration")], [t("stock.condition")], [t("stock.status")], [t("stock.on_hand"), "num"], [t("stock.reserved"), "num"]]),
        el("tbody", {}, lotRows),
      ),
      el("h2", {}, t("stock.movements")),
      moves.total > moves.items.length ? el("p", { class: "hint" }, t("stock.earlier", { shown: moves.items.length, total: moves.total })) : null,
      el(
        "div",
        { class: "stock-scroll" },
        el(
          "table",
          { class: "grid", id: "stock-movements" },
          heads([
            [t("stock.posted_at")],
            [t("stock.kind")],
            [t("stock.lot")],
            [t("stock.counterpart")],
            [t("stock.reference")],
            [t("stock.in"), "num"],
            [t("stock.out"), "num"],
            [t("stock.balance"), "num"],
            [t("stock.actor")],
          ]),
          el("tbody", {}, moveRows),
        ),
      ),
    );
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
    await Promise.all([load(), drawInbound()]);
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
