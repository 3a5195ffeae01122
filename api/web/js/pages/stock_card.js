// The stock page's lower half: one item's stock card at a depot (its lots and its
// movements with the running balance) and the transfers on their way into the depot.
import { api, el, fmtNum, fmtTime, itemName, t } from "../core.js";

export const labels = {
  vi: {
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
    "mv.receipt": "Nhập",
    "mv.issue": "Xuất",
    "mv.transfer_out": "Chuyển đi",
    "mv.transfer_in": "Chuyển đến",
    "mv.count": "Kiểm kê",
    "mv.write_off": "Thanh lý",
    "mv.reversal": "Đảo bút toán",
  },
  en: {
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
export function tOr(key, fallback) {
  const text = t(key);
  return text === key ? fallback : text;
}

const heads = (labels) => el("thead", {}, el("tr", {}, labels.map(([label, cls]) => el("th", { class: cls }, label))));

/** The in-transit transfers into a depot, drawn as a table into box. */
export async function drawInbound(box, depot) {
  const page = await api("GET", "/transfers", {
    query: { depot, direction: "inbound", status: "in_transit", limit: 200 },
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
  const titles = ["#", t("stock.from"), t("common.item"), t("stock.lot"), t("stock.quantity"), t("stock.shipped_at"), t("stock.shipped_by"), t("stock.reference")];
  box.replaceChildren(el("table", { class: "grid", id: "stock-inbound" }, heads(titles.map((h) => [h])), el("tbody", {}, trs)));
}

/** An item's stock at a depot and its latest 200 movements (the tail when there are more). */
export async function loadCard(depot, code) {
  const path = `/stock/${encodeURIComponent(depot)}/${encodeURIComponent(code)}`;
  const first = await api("GET", "/movements", { query: { depot, item: code, limit: 200 } });
  const [detail, moves] = await Promise.all([
    api("GET", path),
    first.total > first.items.length
      ? api("GET", "/movements", { query: { depot, item: code, limit: 200, offset: first.total - 200 } })
      : Promise.resolve(first),
  ]);
  return { detail, moves };
}

function lotTable(lots) {
  const rows = lots.map((lot) =>
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
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 7, class: "empty" }, t("common.none"))));
  return el(
    "table",
    { class: "grid", id: "stock-lots" },
    heads([[t("stock.lot")], [t("stock.expiry")], [t("stock.calibration")], [t("stock.condition")], [t("stock.status")], [t("stock.on_hand"), "num"], [t("stock.reserved"), "num"]]),
    el("tbody", {}, rows),
  );
}

function movementTable(moves) {
  const rows = moves.items.map((m) =>
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
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 9, class: "empty" }, t("common.none"))));
  const columns = ["posted_at", "kind", "lot", "counterpart", "reference"].map((k) => [t(`stock.${k}`)]);
  columns.push([t("stock.in"), "num"], [t("stock.out"), "num"], [t("stock.balance"), "num"], [t("stock.actor")]);
  return el("table", { class: "grid", id: "stock-movements" }, heads(columns), el("tbody", {}, rows));
}

function totals(detail) {
  const policy = detail.policy;
  return el(
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
  );
}

/** Fill box with an item's stock card: its totals, its lots and its movements. */
export function drawCard(box, { code, item, detail, moves, onClose }) {
  box.replaceChildren(
    el(
      "div",
      { class: "stock-card-head" },
      el("h2", {}, t("stock.card", { name: `${code} · ${itemName(item)}` })),
      el("button", { type: "button", class: "secondary", id: "stock-card-close", onclick: onClose }, t("stock.close")),
    ),
    totals(detail),
    el("h2", {}, t("stock.lots")),
    lotTable(detail.lots),
    el("h2", {}, t("stock.movements")),
    moves.total > moves.items.length ? el("p", { class: "hint" }, t("stock.earlier", { shown: moves.items.length, total: moves.total })) : null,
    el("div", { class: "stock-scroll" }, movementTable(moves)),
  );
}
