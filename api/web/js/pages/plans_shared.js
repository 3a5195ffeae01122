// What the planner page's parts share: number formats, KPI tiles, form fields, status
// badges, charts fetched with the token and the run forms' submit-and-follow-the-job.
import { api, blobUrl, clearProblems, el, fmtNum, followJob, guard, newKey, showProblem, t } from "../core.js";

/** How many rows of a run's levels and transfers the page shows (the API has them all). */
export const TOP = 15;

export const pct = (share) => (share === null || share === undefined ? "" : `${fmtNum(Number(share) * 100, 1)} %`);
export const bn = (vnd) => (vnd === null || vnd === undefined ? "" : `${fmtNum(Number(vnd) / 1e9, 2)} ${t("plans.bn")}`);
export const gapText = (gap) => (gap === null || gap === undefined ? "" : `${fmtNum(Number(gap) * 100, 3)} %`);

export function kpi(id, value, label) {
  return el("div", { class: "kpi", id }, el("b", {}, value), el("span", {}, label));
}

export function field(name, label, attrs = {}) {
  const input = el("input", { name, id: `${attrs.prefix || ""}${name}`, ...attrs, prefix: null });
  return el("label", { for: input.id }, label, input);
}

export function statusBadge(status) {
  const colour = { succeeded: "green", accepted: "blue", failed: "red", running: "amber", queued: "grey" }[status] || "grey";
  return el("span", { class: `badge ${colour}` }, t(`plans.status.${status}`));
}

/** Charts fetched with the token; a chart that fails leaves its alt text and a note. */
export function charts(paths, idPrefix) {
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
export function jobBox(id) {
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

/** Wire a run form: post its body (a retry of the same request keeps its key), show the
 * job's progress under the form and call onStarted(runId) then onStarted(runId, job). */
export function submitRun(form, submit, { path, progressId, body: makeBody, onStarted }) {
  const { box, tick } = jobBox(progressId);
  box.hidden = true;
  form.append(box);
  let key = null;
  let last = "";
  form.addEventListener(
    "submit",
    guard(submit, async () => {
      clearProblems(form);
      const body = makeBody();
      const text = JSON.stringify(body);
      if (text !== last || !key) key = newKey(); // a retry of the same request keeps its key
      last = text;
      let started;
      try {
        started = await api("POST", path, { body, key });
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
