// The planner page's procurement runs: the list, the form (with an optional budget-cut
// what-if) and a run's detail (its years, binding constraints, charts and workbook).
import { api, blobUrl, el, fmtNum, fmtTime, t, table } from "../core.js";
import { bn, charts, field, gapText, kpi, pct, statusBadge, submitRun, TOP } from "./plans_shared.js";

export function procurementList(runs, onOpen) {
  return table(
    [
      { label: "#", value: (r) => el("a", { href: "#", class: "open-run", dataset: { run: r.id }, onclick: (e) => { e.preventDefault(); onOpen(r.id); } }, `#${r.id}`) },
      { label: t("plans.label"), value: (r) => r.label },
      { label: t("plans.status"), value: (r) => statusBadge(r.status) },
      { label: t("plans.horizon"), value: (r) => `${r.first_year}–${r.last_year}` },
      { label: t("plans.shortfall"), value: (r) => fmtNum(r.shortfall, 3), cls: "num" },
      { label: t("plans.cost"), value: (r) => bn(r.cost_vnd), cls: "num" },
      { label: t("plans.created"), value: (r) => fmtTime(r.created_at) },
    ],
    runs,
    { empty: t("plans.no_runs") },
  );
}

export async function renderProcurementRun(box, id) {
  box.replaceChildren(el("p", { class: "loading" }, t("common.loading")));
  const run = await api("GET", `/procurement/runs/${encodeURIComponent(id)}`);
  const cuts = (run.what_ifs?.budget_cuts || []).map((c) => `${c.year}: −${fmtNum(c.percent, 1)} %`).join(", ");
  const parts = [
    el("h3", {}, t("plans.procurement_run", { id: run.id, label: run.label || "" }), " ", statusBadge(run.status)),
    el(
      "div",
      { class: "kpis" },
      kpi("procurement-shortfall", fmtNum(run.shortfall, 3), t("plans.shortfall")),
      kpi("procurement-cost", bn(run.cost_vnd), t("plans.cost")),
      kpi("procurement-gap", gapText(run.gap), t("plans.gap")),
      kpi("procurement-horizon", `${run.first_year}–${run.last_year}`, t("plans.horizon")),
    ),
    el("p", { class: "hint" }, t("plans.run_meta", { by: run.created_by, at: fmtTime(run.created_at), status: run.solve_status || "", method: run.solver || "" })),
  ];
  if (cuts) parts.push(el("p", { class: "hint" }, t("plans.cuts", { cuts })));
  if (run.error) parts.push(el("div", { class: "problem", role: "alert" }, run.error));
  if (run.workbook) {
    const link = el("a", { id: "procurement-workbook", class: "button-link", download: `procurement-run-${run.id}.xlsx`, href: "#", "aria-disabled": "true" }, t("plans.workbook"));
    blobUrl(run.workbook)
      .then((href) => {
        link.href = href;
        link.removeAttribute("aria-disabled");
      })
      .catch((error) => link.after(el("span", { class: "problem" }, error.message)));
    parts.push(el("p", {}, link));
  }
  parts.push(
    el("h4", {}, t("plans.by_year")),
    el("div", { id: "procurement-years" }, table(
      [
        { label: t("plans.year"), value: (r) => r.year },
        { label: t("plans.budget"), value: (r) => bn(r.budget_vnd), cls: "num" },
        { label: t("plans.spend"), value: (r) => bn(r.spend_vnd), cls: "num" },
        { label: t("plans.spend_share"), value: (r) => (r.budget_vnd ? pct(r.spend_vnd / r.budget_vnd) : ""), cls: "num" },
        { label: t("plans.target_units"), value: (r) => fmtNum(r.target_units), cls: "num" },
        { label: t("plans.shortfall_units"), value: (r) => fmtNum(r.shortfall_units), cls: "num" },
        { label: t("plans.served"), value: (r) => pct(r.served_share), cls: "num" },
      ],
      run.years || [],
      { rowClass: (r) => (r.shortfall_units > 0 ? "alert-amber" : null) },
    )),
  );
  if (run.binding && run.binding.length) {
    parts.push(
      el("details", {}, el("summary", {}, t("plans.binding", { n: run.binding.length })),
        el("ul", { class: "binding" }, run.binding.slice(0, TOP).map((b) => el("li", {}, b.text)))),
    );
  }
  if (run.charts && run.charts.length) parts.push(el("h4", {}, t("plans.charts")), charts(run.charts, "procurement-chart"));
  box.replaceChildren(...parts);
}

export function procurementForm(onStarted) {
  const year = new Date().getFullYear();
  const submit = el("button", { type: "submit", id: "procurement-submit" }, t("plans.start"));
  const form = el(
    "form",
    { id: "procurement-form", class: "card", novalidate: true },
    el("h3", {}, t("plans.procurement_new")),
    el(
      "div",
      { class: "row" },
      field("label", t("plans.label"), { type: "text", prefix: "procurement-" }),
      field("first_year", t("plans.first_year"), { type: "number", step: 1, placeholder: String(year), prefix: "procurement-" }),
      field("last_year", t("plans.last_year"), { type: "number", step: 1, value: 2030, prefix: "procurement-" }),
      field("time_limit_s", t("plans.time_limit"), { type: "number", step: "any", value: 60, prefix: "procurement-" }),
      field("readiness_scenarios", t("plans.readiness_scenarios"), { type: "number", step: 1, value: 300, prefix: "procurement-" }),
    ),
    el("fieldset", { class: "row what-if" },
      el("legend", {}, t("plans.what_if")),
      field("year", t("plans.cut_year"), { type: "number", step: 1, placeholder: String(year + 1), prefix: "procurement-cut-" }),
      field("percent", t("plans.cut_percent"), { type: "number", step: "any", placeholder: "10", prefix: "procurement-cut-" }),
      el("div", {}, submit),
    ),
  );
  const body = () => {
    const values = {};
    const value = (name) => form.elements[name].value.trim();
    if (value("label")) values.label = value("label");
    for (const name of ["first_year", "last_year", "time_limit_s", "readiness_scenarios"]) {
      if (value(name) !== "") values[name] = Number(value(name));
    }
    if (value("percent") !== "" || value("year") !== "") {
      values.what_ifs = {
        budget_cuts: [{ year: value("year") === "" ? Number(values.first_year || year) + 1 : Number(value("year")), percent: Number(value("percent") || 0) }],
      };
    }
    return values;
  };
  return submitRun(form, submit, { path: "/procurement/runs", progressId: "procurement-job-progress", body, onStarted });
}
