// The planner's page: today's readiness and its trend to the procurement horizon, the
// stock-levels runs (start one, follow its job, read and accept it) and the procurement
// runs (start one with an optional budget-cut what-if, read its years, charts, workbook).
// The runs live in plans_levels.js and plans_procurement.js, their shared parts in
// plans_shared.js; this file keeps the page, the readiness and its trend, and the labels.
import { api, el, fmtNum, fmtTime, may, t, table } from "../core.js";
import { levelsForm, levelsList, renderLevelsRun } from "./plans_levels.js";
import { procurementForm, procurementList, renderProcurementRun } from "./plans_procurement.js";
import { charts, kpi, pct } from "./plans_shared.js";

// ---- readiness ------------------------------------------------------------------------
async function renderReadiness(section) {
  const today = await api("GET", "/readiness");
  const types = (today.by || []).filter((r) => r.tag === "type");
  section.replaceChildren(
    el("h2", {}, t("plans.readiness")),
    el(
      "div",
      { class: "kpis" },
      kpi("readiness-served", pct(today.served_share), t("plans.served")),
      kpi("readiness-unmet", fmtNum(today.expected_unmet, 3), t("plans.unmet")),
      kpi("readiness-late", fmtNum(today.expected_late, 1), t("plans.late")),
      kpi("readiness-full", `${fmtNum(today.expected_time_to_full_h, 1)} h`, t("plans.time_to_full")),
      kpi("readiness-scenarios", fmtNum(today.scenarios), t("plans.scenarios")),
    ),
    el("p", { class: "hint" }, t("plans.computed_at", { at: fmtTime(today.computed_at) })),
    el(
      "details",
      {},
      el("summary", {}, t("plans.by_type")),
      table(
        [
          { label: t("plans.type"), value: (r) => r.value },
          { label: t("plans.scenarios"), value: (r) => fmtNum(r.scenarios), cls: "num" },
          { label: t("plans.served"), value: (r) => pct(r.served_share), cls: "num" },
          { label: t("plans.unmet"), value: (r) => fmtNum(r.expected_unmet, 3), cls: "num" },
        ],
        types,
      ),
    ),
    el("div", { id: "readiness-trend" }),
  );
}

/** The trend: the last finished procurement run's readiness per year (table and chart). */
async function renderTrend(box, runs) {
  const done = runs.filter((r) => r.status === "succeeded").sort((a, b) => b.id - a.id);
  if (!done.length) {
    box.replaceChildren(el("h3", {}, t("plans.trend")), el("p", { class: "hint" }, t("plans.trend_none")));
    return;
  }
  const run = await api("GET", `/procurement/runs/${done[0].id}`);
  const rows = [
    { year: t("plans.today"), served_share: run.readiness_today?.served_share, expected_unmet: run.readiness_today?.expected_unmet },
    ...(run.readiness || []),
  ];
  const chart = (run.charts || []).filter((p) => p.endsWith("/readiness.png"));
  box.replaceChildren(
    el("h3", {}, t("plans.trend_of", { id: run.id, label: run.label || "", first: run.first_year, last: run.last_year })),
    el(
      "div",
      { class: "cols" },
      table(
        [
          { label: t("plans.year"), value: (r) => r.year },
          { label: t("plans.served"), value: (r) => pct(r.served_share), cls: "num" },
          { label: t("plans.unmet"), value: (r) => fmtNum(r.expected_unmet, 3), cls: "num" },
        ],
        rows,
      ),
      charts(chart, "trend-chart"),
    ),
  );
}

// ---- the page -------------------------------------------------------------------------
export async function render(view, params) {
  const readiness = el("section", { id: "readiness", class: "card" }, el("p", { class: "loading" }, t("common.loading")));
  const levelsListBox = el("div", { id: "levels-runs" });
  const levelsDetail = el("div", { id: "levels-detail" });
  const procListBox = el("div", { id: "procurement-runs" });
  const procDetail = el("div", { id: "procurement-detail" });
  const fail = (box) => (error) => {
    if (error && error.status === 401) return;
    box.replaceChildren(el("div", { class: "problem", role: "alert" }, `${t("common.error")}: ${error.message}`));
  };

  const openLevels = (id) => renderLevelsRun(levelsDetail, id, refreshLevels).catch(fail(levelsDetail));
  async function refreshLevels(openId) {
    const runs = await api("GET", "/stock-levels/runs");
    levelsListBox.replaceChildren(levelsList(runs.items, openLevels));
    if (openId) await openLevels(openId);
  }
  let procRuns = [];
  const trendBox = () => document.getElementById("readiness-trend");
  const openProc = (id) => renderProcurementRun(procDetail, id).catch(fail(procDetail));
  async function refreshProc(openId) {
    procRuns = (await api("GET", "/procurement/runs")).items;
    procListBox.replaceChildren(procurementList(procRuns, openProc));
    if (openId) await openProc(openId);
  }

  const levelsStarted = async (id, job) => {
    await refreshLevels(job ? id : null).catch(fail(levelsListBox));
    if (job && job.status === "succeeded") readinessLoad();
  };
  const procStarted = async (id, job) => {
    await refreshProc(job ? id : null).catch(fail(procListBox));
    if (job && job.status === "succeeded" && trendBox()) await renderTrend(trendBox(), procRuns).catch(fail(trendBox()));
  };
  const readinessLoad = () =>
    renderReadiness(readiness)
      .then(() => renderTrend(trendBox(), procRuns))
      .catch(fail(readiness));

  view.replaceChildren(
    el("h1", {}, t("plans.title")),
    readiness,
    el(
      "section",
      { id: "levels", class: "card" },
      el("h2", {}, t("plans.levels")),
      may("POST /stock-levels/runs") ? levelsForm(levelsStarted) : null,
      levelsListBox,
      levelsDetail,
    ),
    el(
      "section",
      { id: "procurement", class: "card" },
      el("h2", {}, t("plans.procurement")),
      may("POST /procurement/runs") ? procurementForm(procStarted) : null,
      procListBox,
      procDetail,
    ),
  );
  await Promise.all([refreshLevels(params.get("levels")), refreshProc(params.get("procurement"))]);
  readinessLoad();
}

export const labels = {
  vi: {
    "plans.title": "Kế hoạch dự trữ",
    "plans.bn": "tỷ đ",
    "plans.readiness": "Mức sẵn sàng hôm nay",
    "plans.served": "Kịch bản đáp ứng đủ, kịp thời",
    "plans.unmet": "Thiếu hụt kỳ vọng (đơn vị)",
    "plans.late": "Trễ kỳ vọng",
    "plans.time_to_full": "Thời gian đến đáp ứng đủ",
    "plans.scenarios": "Số kịch bản",
    "plans.computed_at": "Tính lúc {at}",
    "plans.by_type": "Theo loại sự cố",
    "plans.type": "Loại sự cố",
    "plans.trend": "Xu hướng đến năm 2030",
    "plans.trend_none": "Chưa có lượt kế hoạch mua sắm nào hoàn tất: xu hướng theo năm sẽ hiện ở đây.",
    "plans.trend_of": "Xu hướng theo năm (kế hoạch mua sắm #{id} {label}, {first}–{last})",
    "plans.today": "Hôm nay",
    "plans.year": "Năm",
    "plans.levels": "Mức dự trữ tối ưu",
    "plans.levels_new": "Chạy tối ưu mức dự trữ",
    "plans.levels_run": "Lượt tối ưu #{id}",
    "plans.budget": "Ngân sách",
    "plans.budget_vnd": "Ngân sách (VND)",
    "plans.seed": "Hạt giống ngẫu nhiên",
    "plans.time_limit": "Giới hạn thời gian (giây)",
    "plans.start": "Bắt đầu",
    "plans.before": "Trước",
    "plans.after": "Sau",
    "plans.gap": "Khoảng cách tối ưu",
    "plans.objective": "Hàm mục tiêu",
    "plans.bound": "Cận chứng minh",
    "plans.spent": "Đã chi / ngân sách",
    "plans.moved": "Đơn vị điều chuyển",
    "plans.created": "Tạo lúc",
    "plans.status": "Trạng thái",
    "plans.status.queued": "Đang chờ",
    "plans.status.running": "Đang chạy",
    "plans.status.succeeded": "Hoàn tất",
    "plans.status.failed": "Thất bại",
    "plans.status.accepted": "Đã áp dụng",
    "plans.status.cancelled": "Đã hủy",
    "plans.no_runs": "Chưa có lượt chạy nào",
    "plans.run_meta": "Do {by} tạo lúc {at} · {status} · {method}",
    "plans.accept": "Áp dụng mức dự trữ này",
    "plans.accept_confirm": "Ghi mức min / mục tiêu / max của lượt #{id} thành chính sách tồn kho?",
    "plans.accepted": "Đã áp dụng lượt #{id}: {n} chính sách tồn kho được ghi.",
    "plans.accepted_by": "Đã áp dụng bởi {by} lúc {at}",
    "plans.readiness_before_after": "Mức sẵn sàng trước và sau",
    "plans.group": "Nhóm",
    "plans.overall": "Toàn bộ",
    "plans.tag.type": "Loại",
    "plans.tag.level": "Cấp",
    "plans.tag.zone": "Vùng",
    "plans.tag.all": "Toàn bộ",
    "plans.unmet_after": "Thiếu hụt kỳ vọng sau",
    "plans.levels_top": "Mức dự trữ thay đổi nhiều nhất ({n} / {total})",
    "plans.transfers_top": "Điều chuyển cân bằng kho ({n} / {total})",
    "plans.current": "Hiện có",
    "plans.target": "Mục tiêu",
    "plans.change": "Thay đổi",
    "plans.from": "Từ kho",
    "plans.to": "Đến kho",
    "plans.qty": "Số lượng",
    "plans.road_h": "Giờ đường bộ",
    "plans.charts": "Biểu đồ",
    "plans.chart.by-zone": "Sẵn sàng theo vùng, trước và sau",
    "plans.chart.by-type": "Sẵn sàng theo loại sự cố, trước và sau",
    "plans.chart.by-level": "Sẵn sàng theo cấp, trước và sau",
    "plans.chart.stock-vs-target": "Tồn kho so với mục tiêu theo năm",
    "plans.chart.spend": "Chi tiêu so với ngân sách theo năm",
    "plans.chart.readiness": "Mức sẵn sàng theo năm",
    "plans.procurement": "Mua sắm và sản xuất đến năm 2030",
    "plans.procurement_new": "Lập kế hoạch mua sắm",
    "plans.procurement_run": "Kế hoạch mua sắm #{id} {label}",
    "plans.label": "Nhãn",
    "plans.horizon": "Giai đoạn",
    "plans.first_year": "Năm đầu",
    "plans.last_year": "Năm cuối",
    "plans.readiness_scenarios": "Kịch bản đánh giá sẵn sàng",
    "plans.what_if": "Giả định: cắt giảm ngân sách (tùy chọn)",
    "plans.cut_year": "Năm cắt giảm",
    "plans.cut_percent": "Mức cắt (%)",
    "plans.cuts": "Cắt giảm ngân sách: {cuts}",
    "plans.shortfall": "Thiếu hụt (có trọng số)",
    "plans.cost": "Chi phí",
    "plans.workbook": "Tải bảng tính (XLSX)",
    "plans.by_year": "Theo năm",
    "plans.spend": "Chi tiêu",
    "plans.spend_share": "Tỷ lệ chi / ngân sách",
    "plans.target_units": "Mục tiêu (đơn vị)",
    "plans.shortfall_units": "Thiếu hụt (đơn vị)",
    "plans.binding": "Ràng buộc chặt ({n})",
  },
  en: {
    "plans.title": "Stock planning",
    "plans.bn": "bn VND",
    "plans.readiness": "Readiness today",
    "plans.served": "Scenarios served in full, in time",
    "plans.unmet": "Expected unmet units",
    "plans.late": "Expected late",
    "plans.time_to_full": "Time to full service",
    "plans.scenarios": "Scenarios",
    "plans.computed_at": "Computed at {at}",
    "plans.by_type": "By incident type",
    "plans.type": "Incident type",
    "plans.trend": "Trend to 2030",
    "plans.trend_none": "No procurement run has finished yet: the trend per year will show here.",
    "plans.trend_of": "Trend per year (procurement run #{id} {label}, {first}–{last})",
    "plans.today": "Today",
    "plans.year": "Year",
    "plans.levels": "Stock levels",
    "plans.levels_new": "Optimise stock levels",
    "plans.levels_run": "Stock-levels run #{id}",
    "plans.budget": "Budget",
    "plans.budget_vnd": "Budget (VND)",
    "plans.seed": "Seed",
    "plans.time_limit": "Time limit (s)",
    "plans.start": "Start",
    "plans.before": "Before",
    "plans.after": "After",
    "plans.gap": "Gap",
    "plans.objective": "Objective",
    "plans.bound": "Proven bound",
    "plans.spent": "Spent / budget",
    "plans.moved": "Units moved",
    "plans.created": "Created",
    "plans.status": "Status",
    "plans.status.queued": "Queued",
    "plans.status.running": "Running",
    "plans.status.succeeded": "Finished",
    "plans.status.failed": "Failed",
    "plans.status.accepted": "Accepted",
    "plans.status.cancelled": "Cancelled",
    "plans.no_runs": "No runs yet",
    "plans.run_meta": "By {by} at {at} · {status} · {method}",
    "plans.accept": "Accept these levels",
    "plans.accept_confirm": "Write run #{id}'s min / target / max as the stock policies?",
    "plans.accepted": "Run #{id} accepted: {n} stock policies written.",
    "plans.accepted_by": "Accepted by {by} at {at}",
    "plans.readiness_before_after": "Readiness before and after",
    "plans.group": "Group",
    "plans.overall": "Overall",
    "plans.tag.type": "Type",
    "plans.tag.level": "Level",
    "plans.tag.zone": "Zone",
    "plans.tag.all": "All",
    "plans.unmet_after": "Expected unmet after",
    "plans.levels_top": "Largest level changes ({n} of {total})",
    "plans.transfers_top": "Rebalancing transfers ({n} of {total})",
    "plans.current": "Current",
    "plans.target": "Target",
    "plans.change": "Change",
    "plans.from": "From",
    "plans.to": "To",
    "plans.qty": "Quantity",
    "plans.road_h": "Road hours",
    "plans.charts": "Charts",
    "plans.chart.by-zone": "Readiness by zone, before and after",
    "plans.chart.by-type": "Readiness by incident type, before and after",
    "plans.chart.by-level": "Readiness by level, before and after",
    "plans.chart.stock-vs-target": "Stock against target per year",
    "plans.chart.spend": "Spend against budget per year",
    "plans.chart.readiness": "Readiness per year",
    "plans.procurement": "Procurement and production to 2030",
    "plans.procurement_new": "Plan procurement",
    "plans.procurement_run": "Procurement run #{id} {label}",
    "plans.label": "Label",
    "plans.horizon": "Horizon",
    "plans.first_year": "First year",
    "plans.last_year": "Last year",
    "plans.readiness_scenarios": "Readiness scenarios",
    "plans.what_if": "What-if: budget cut (optional)",
    "plans.cut_year": "Year of the cut",
    "plans.cut_percent": "Cut (%)",
    "plans.cuts": "Budget cuts: {cuts}",
    "plans.shortfall": "Shortfall (weighted)",
    "plans.cost": "Cost",
    "plans.workbook": "Download the workbook (XLSX)",
    "plans.by_year": "Per year",
    "plans.spend": "Spend",
    "plans.spend_share": "Spend / budget",
    "plans.target_units": "Target (units)",
    "plans.shortfall_units": "Shortfall (units)",
    "plans.binding": "Binding constraints ({n})",
  },
};
