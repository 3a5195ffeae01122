// The planner's page: today's readiness and its trend to the procurement horizon, the
// stock-levels runs (start one, follow its job, read and accept it) and the procurement
// runs (start one with an optional budget-cut what-if, read its years, charts, workbook).
import {
  api,
  blobUrl,
  clearProblems,
  el,
  flash,
  fmtNum,
  fmtTime,
  followJob,
  guard,
  may,
  newKey,
  showProblem,
  t,
  table,
} from "../core.js";

/** How many rows of a run's levels and transfers the page shows (the API has them all). */
const TOP = 15;

const pct = (share) => (share === null || share === undefined ? "" : `${fmtNum(Number(share) * 100, 1)} %`);
const bn = (vnd) => (vnd === null || vnd === undefined ? "" : `${fmtNum(Number(vnd) / 1e9, 2)} ${t("plans.bn")}`);
const gapText = (gap) => (gap === null || gap === undefined ? "" : `${fmtNum(Number(gap) * 100, 3)} %`);

function kpi(id, value, label) {
  return el("div", { class: "kpi", id }, el("b", {}, value), el("span", {}, label));
}

function field(name, label, attrs = {}) {
  const input = el("input", { name, id: `${attrs.prefix || ""}${name}`, ...attrs, prefix: null });
  return el("label", { for: input.id }, label, input);
}

function statusBadge(status) {
  const colour = { succeeded: "green", accepted: "blue", failed: "red", running: "amber", queued: "grey" }[status] || "grey";
  return el("span", { class: `badge ${colour}` }, t(`plans.status.${status}`));
}

/** Charts fetched with the token; a chart that fails leaves its alt text and a note. */
function charts(paths, idPrefix) {
  const box = el("div", { class: "plans-charts" });
  for (const path of paths || []) {
    const name = path.split("/").pop().replace(/\.png$/, "");
    const img = el("img", { class: "chart", id: `${idPrefix}-${name}`, alt: t(`plans.chart.${name}`) });
    box.append(el("figure", {}, img, el("figcaption", {}, t(`plans.chart.${name}`))));
    blobUrl(path)
      .then((src) => {
        img.src = src;
      })
      .catch((error) => {
        img.after(el("div", { class: "problem" }, `${t("common.error")}: ${error.message}`));
      });
  }
  return box;
}

/** A <progress> and a line of the job's last log entry, updated by followJob. */
function jobBox(id) {
  const bar = el("progress", { id, max: 1, value: 0 });
  const line = el("span", { class: "job-line", id: `${id}-line` });
  const box = el("div", { class: "job-box" }, bar, line);
  const tick = (job) => {
    bar.value = Number(job.progress || 0);
    bar.dataset.status = job.status;
    const last = job.log && job.log.length ? job.log[job.log.length - 1].line : "";
    line.textContent = `${t(`plans.status.${job.status}`)} · ${fmtNum((job.progress || 0) * 100)} %${last ? ` · ${last}` : ""}`;
  };
  return { box, tick };
}

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

// ---- stock-levels runs ----------------------------------------------------------------
function levelsList(runs, onOpen) {
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

async function renderLevelsRun(box, id, refresh) {
  box.replaceChildren(el("p", { class: "loading" }, t("common.loading")));
  const run = await api("GET", `/stock-levels/runs/${encodeURIComponent(id)}`);
  const before = new Map();
  const after = new Map();
  for (const r of run.readiness || []) (r.stock === "before" ? before : after).set(`${r.tag}|${r.value}`, r);
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  const rows = keys.map((k) => ({ key: k, before: before.get(k), after: after.get(k) }));
  const overallBefore = before.get("all|all");
  const overallAfter = after.get("all|all");
  const levels = [...(run.levels || [])].sort((a, b) => Math.abs(b.change) - Math.abs(a.change)).slice(0, TOP);
  const transfers = (run.transfers || []).slice(0, TOP);

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
  if (run.status === "succeeded" && !run.accepted_at && may("POST /stock-levels/runs/{run_id}/accept")) {
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
    parts.push(holder);
  }
  parts.push(
    el("h4", {}, t("plans.readiness_before_after")),
    el(
      "div",
      { id: "levels-readiness" },
      table(
        [
          { label: t("plans.group"), value: (r) => (r.key === "all|all" ? t("plans.overall") : `${t(`plans.tag.${r.key.split("|")[0]}`)}: ${r.key.split("|")[1]}`) },
          { label: t("plans.before"), value: (r) => pct(r.before?.served_share), cls: "num" },
          { label: t("plans.after"), value: (r) => pct(r.after?.served_share), cls: "num" },
          { label: t("plans.unmet_after"), value: (r) => fmtNum(r.after?.expected_unmet, 3), cls: "num" },
        ],
        rows,
      ),
    ),
    el("div", { class: "cols" },
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
    ),
  );
  if (run.charts && run.charts.length) parts.push(el("h4", {}, t("plans.charts")), charts(run.charts, "levels-chart"));
  box.replaceChildren(...parts);
}

function levelsForm(onStarted) {
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
  const { box, tick } = jobBox("levels-job-progress");
  box.hidden = true;
  form.append(box);
  let key = null;
  let last = "";
  form.addEventListener(
    "submit",
    guard(submit, async () => {
      clearProblems(form);
      const body = {};
      for (const name of ["budget_vnd", "scenarios", "seed", "time_limit_s"]) {
        const raw = form.elements[name].value.trim();
        if (raw !== "") body[name] = Number(raw);
      }
      const text = JSON.stringify(body);
      if (text !== last || !key) key = newKey(); // a retry of the same request keeps its key
      last = text;
      let started;
      try {
        started = await api("POST", "/stock-levels/runs", { body, key });
      } catch (error) {
        showProblem(form, error);
        return;
      }
      key = null;
      box.hidden = false;
      tick({ status: "queued", progress: 0 });
      onStarted(started.run_id);
      let job;
      try {
        job = await followJob(started.job_id, tick);
      } catch (error) {
        showProblem(form, error);
        return;
      }
      if (job.status !== "succeeded") showProblem(form, new Error(job.error || t(`plans.status.${job.status}`)));
      await onStarted(started.run_id, job);
    }),
  );
  return form;
}

// ---- procurement runs -----------------------------------------------------------------
function procurementList(runs, onOpen) {
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

async function renderProcurementRun(box, id) {
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

function procurementForm(onStarted) {
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
  const { box, tick } = jobBox("procurement-job-progress");
  box.hidden = true;
  form.append(box);
  let key = null;
  let last = "";
  form.addEventListener(
    "submit",
    guard(submit, async () => {
      clearProblems(form);
      const body = {};
      const value = (name) => form.elements[name].value.trim();
      if (value("label")) body.label = value("label");
      for (const name of ["first_year", "last_year", "time_limit_s", "readiness_scenarios"]) {
        if (value(name) !== "") body[name] = Number(value(name));
      }
      if (value("percent") !== "" || value("year") !== "") {
        body.what_ifs = {
          budget_cuts: [{ year: value("year") === "" ? Number(body.first_year || year) + 1 : Number(value("year")), percent: Number(value("percent") || 0) }],
        };
      }
      const text = JSON.stringify(body);
      if (text !== last || !key) key = newKey();
      last = text;
      let started;
      try {
        started = await api("POST", "/procurement/runs", { body, key });
      } catch (error) {
        showProblem(form, error);
        return;
      }
      key = null;
      box.hidden = false;
      tick({ status: "queued", progress: 0 });
      onStarted(started.run_id);
      let job;
      try {
        job = await followJob(started.job_id, tick);
      } catch (error) {
        showProblem(form, error);
        return;
      }
      if (job.status !== "succeeded") showProblem(form, new Error(job.error || t(`plans.status.${job.status}`)));
      await onStarted(started.run_id, job);
    }),
  );
  return form;
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
