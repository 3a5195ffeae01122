// The planner page's stock-levels runs: the list, the form that starts one and follows its
// job, a run's detail (readiness before and after, levels, transfers, charts) and accepting it.
import { api, el, flash, fmtNum, fmtTime, guard, may, newKey, t, table } from "../core.js";
import { bn, charts, field, gapText, kpi, pct, statusBadge, submitRun, TOP } from "./plans_shared.js";

export function levelsList(runs, onOpen) {
  return table(
    [
      { label: "#", value: (r) => el("a", { href: "#", class: "open-run", dataset: { run: r.id }, onclick: (e) => { e.preventDefault(); onOpen(r.id); } }, `#${r.id}`) },
      { label: t("plans.status"), value: (r) => statusBadge(r.status) },
      { label: t("plans.budget"), value: (r) => bn(r.budget_vnd), cls: "num" },
      { label: t("plans.before"), value: (r) => pct(r.served_before), cls: "num" },
      { label: t("plans.after"), value: (r) => pct(r.served_after), cls: "num" },
      { label: t("plans.gap"), value: (r) => gapText(r.gap), cls: "num" },
      { label: t("plans.created"), value: (r) => fmtTime(r.created_at) },
    ],
    runs,
    { empty: t("plans.no_runs") },
  );
}

/** The run's readiness rows by group (tag|value), before and after its levels. */
function readinessRows(run) {
  const before = new Map();
  const after = new Map();
  for (const r of run.readiness || []) (r.stock === "before" ? before : after).set(`${r.tag}|${r.value}`, r);
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  const rows = keys.map((k) => ({ key: k, before: before.get(k), after: after.get(k) }));
  return { before, after, rows };
}

function readinessTable(rows) {
  return table(
    [
      { label: t("plans.group"), value: (r) => (r.key === "all|all" ? t("plans.overall") : `${t(`plans.tag.${r.key.split("|")[0]}`)}: ${r.key.split("|")[1]}`) },
      { label: t("plans.before"), value: (r) => pct(r.before?.served_share), cls: "num" },
      { label: t("plans.after"), value: (r) => pct(r.after?.served_share), cls: "num" },
      { label: t("plans.unmet_after"), value: (r) => fmtNum(r.after?.expected_unmet, 3), cls: "num" },
    ],
    rows,
  );
}

/** The run's biggest level changes and its first transfers, side by side. */
function levelsTables(run) {
  const levels = [...(run.levels || [])].sort((a, b) => Math.abs(b.change) - Math.abs(a.change)).slice(0, TOP);
  const transfers = (run.transfers || []).slice(0, TOP);
  return el("div", { class: "cols" },
    el("div", {},
      el("h4", {}, t("plans.levels_top", { n: Math.min(TOP, (run.levels || []).length), total: fmtNum((run.levels || []).length) })),
      el("div", { id: "levels-table" }, table(
        [
          { label: t("common.depot"), value: (r) => r.depot },
          { label: t("common.item"), value: (r) => r.item },
          { label: t("plans.current"), value: (r) => fmtNum(r.current), cls: "num" },
          { label: "min", value: (r) => fmtNum(r.min), cls: "num" },
          { label: t("plans.target"), value: (r) => fmtNum(r.target), cls: "num" },
          { label: "max", value: (r) => fmtNum(r.max), cls: "num" },
          { label: t("plans.change"), value: (r) => (r.change > 0 ? `+${fmtNum(r.change)}` : fmtNum(r.change)), cls: "num" },
        ],
        levels,
      )),
    ),
    el("div", {},
      el("h4", {}, t("plans.transfers_top", { n: transfers.length, total: fmtNum((run.transfers || []).length) })),
      el("div", { id: "levels-transfers" }, table(
        [
          { label: "#", value: (r) => r.seq, cls: "num" },
          { label: t("plans.from"), value: (r) => r.from_depot },
          { label: t("plans.to"), value: (r) => r.to_depot },
          { label: t("common.item"), value: (r) => r.item },
          { label: t("plans.qty"), value: (r) => fmtNum(r.quantity), cls: "num" },
          { label: t("plans.road_h"), value: (r) => fmtNum(r.road_hours, 1), cls: "num" },
        ],
        transfers,
      )),
    ),
  );
}

/** The accept button: writes the run's levels as the stock policies, after a confirm. */
function acceptBox(run, refresh) {
  const button = el("button", { type: "button", id: "levels-accept" }, t("plans.accept"));
  const key = newKey();
  const holder = el("div", { class: "accept-box" }, button);
  button.addEventListener(
    "click",
    guard(button, async () => {
      if (!confirm(t("plans.accept_confirm", { id: run.id }))) return;
      try {
        const done = await api("POST", `/stock-levels/runs/${run.id}/accept`, { key });
        flash(t("plans.accepted", { id: run.id, n: fmtNum(done.policies_written) }));
        await refresh(run.id);
      } catch (error) {
        holder.querySelectorAll(".problem").forEach((n) => n.remove());
        holder.append(el("div", { class: "problem", role: "alert" }, error.message));
      }
    }),
  );
  return holder;
}

export async function renderLevelsRun(box, id, refresh) {
  box.replaceChildren(el("p", { class: "loading" }, t("common.loading")));
  const run = await api("GET", `/stock-levels/runs/${encodeURIComponent(id)}`);
  const { before, after, rows } = readinessRows(run);
  const overallBefore = before.get("all|all");
  const overallAfter = after.get("all|all");

  const parts = [
    el("h3", {}, t("plans.levels_run", { id: run.id }), " ", statusBadge(run.accepted_at ? "accepted" : run.status)),
    el(
      "div",
      { class: "kpis" },
      kpi("levels-before", pct(overallBefore?.served_share), t("plans.before")),
      kpi("levels-after", pct(overallAfter?.served_share), t("plans.after")),
      kpi("levels-objective", fmtNum(run.objective, 2), t("plans.objective")),
      kpi("levels-bound", fmtNum(run.bound, 2), t("plans.bound")),
      kpi("levels-gap", gapText(run.gap), t("plans.gap")),
      kpi("levels-spent", `${bn(run.spent_vnd)} / ${bn(run.budget_vnd)}`, t("plans.spent")),
      kpi("levels-moved", fmtNum(run.moved_units), t("plans.moved")),
    ),
    el("p", { class: "hint" }, t("plans.run_meta", { by: run.created_by, at: fmtTime(run.created_at), status: run.solve_status || "", method: run.method || "" })),
  ];
  if (run.error) parts.push(el("div", { class: "problem", role: "alert" }, run.error));
  if (run.accepted_at) parts.push(el("p", { class: "hint", id: "levels-accepted" }, t("plans.accepted_by", { by: run.accepted_by, at: fmtTime(run.accepted_at) })));
  if (run.status === "succeeded" && !run.accepted_at && may("POST /stock-levels/runs/{run_id}/accept")) parts.push(acceptBox(run, refresh));
  parts.push(el("h4", {}, t("plans.readiness_before_after")), el("div", { id: "levels-readiness" }, readinessTable(rows)), levelsTables(run));
  if (run.charts && run.charts.length) parts.push(el("h4", {}, t("plans.charts")), charts(run.charts, "levels-chart"));
  box.replaceChildren(...parts);
}

export function levelsForm(onStarted) {
  const submit = el("button", { type: "submit", id: "levels-submit" }, t("plans.start"));
  const form = el(
    "form",
    { id: "levels-form", class: "card", novalidate: true },
    el("h3", {}, t("plans.levels_new")),
    el(
      "div",
      { class: "row" },
      field("budget_vnd", t("plans.budget_vnd"), { type: "number", step: "any", value: 2000000000, prefix: "levels-" }),
      field("scenarios", t("plans.scenarios"), { type: "number", step: 1, value: 200, prefix: "levels-" }),
      field("seed", t("plans.seed"), { type: "number", step: 1, value: 0, prefix: "levels-" }),
      field("time_limit_s", t("plans.time_limit"), { type: "number", step: "any", value: 60, prefix: "levels-" }),
      el("div", {}, submit),
    ),
  );
  const body = () => {
    const values = {};
    for (const name of ["budget_vnd", "scenarios", "seed", "time_limit_s"]) {
      const raw = form.elements[name].value.trim();
      if (raw !== "") values[name] = Number(raw);
    }
    return values;
  };
  return submitRun(form, submit, { path: "/stock-levels/runs", progressId: "levels-job-progress", body, onStarted });
}
