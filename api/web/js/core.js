// The dashboard's shared ground: the token, the caller's role, the API client, labels in
// Vietnamese and English, times in Asia/Ho_Chi_Minh, and small DOM helpers. Pages import
// from here and from nowhere else but vnmap.js, so each page stays one file.

export const ZONE = "Asia/Ho_Chi_Minh";
const TOKEN_KEY = "chemdepot.token";
const LANG_KEY = "chemdepot.lang";

export const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  me: null, // {name, role, depots, may}
  lang: localStorage.getItem(LANG_KEY) || "vi",
};

// ---- labels --------------------------------------------------------------------------
const LABELS = { vi: {}, en: {} };

/** Add a page's labels: {vi: {key: text}, en: {key: text}}. */
export function register(labels) {
  for (const lang of ["vi", "en"]) Object.assign(LABELS[lang], labels[lang] || {});
}

/** The label for a key in the current language ({name} placeholders filled from vars). */
export function t(key, vars = {}) {
  const text = LABELS[state.lang][key] ?? LABELS.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

export function setLang(lang) {
  state.lang = lang;
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang;
}

/** An item's or a place's name in the current language: Vietnamese names stay Vietnamese. */
export function itemName(item) {
  if (!item) return "";
  return state.lang === "en" && item.name_en ? item.name_en : item.name_vi || item.name || item.code;
}

// ---- time ----------------------------------------------------------------------------
const FMT = {
  datetime: { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" },
  date: { year: "numeric", month: "2-digit", day: "2-digit" },
  time: { hour: "2-digit", minute: "2-digit" },
};

/** An ISO 8601 moment shown in Vietnam's time, whatever offset the server sent. */
export function fmtTime(iso, kind = "datetime") {
  if (!iso) return "";
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return String(iso);
  const locale = state.lang === "vi" ? "vi-VN" : "en-GB";
  return new Intl.DateTimeFormat(locale, { ...FMT[kind], timeZone: ZONE, hour12: false }).format(moment);
}

/** A number with the current language's grouping (Vietnamese uses dots for thousands). */
export function fmtNum(value, digits = 0) {
  if (value === null || value === undefined || value === "") return "";
  const locale = state.lang === "vi" ? "vi-VN" : "en-GB";
  return Number(value).toLocaleString(locale, { maximumFractionDigits: digits });
}

export function fmtMinutes(minutes) {
  if (minutes === null || minutes === undefined) return "";
  const m = Math.round(Number(minutes));
  return m >= 60 ? `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")}` : `${m} min`;
}

// ---- the API -------------------------------------------------------------------------
/** A refusal from the API: its problem+json body (title, detail, field, errors). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function setToken(token) {
  state.token = token;
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** A fresh Idempotency-Key: one per user action, reused if that action is retried. */
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function url(path, query) {
  const u = new URL(path, location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === "") continue;
    for (const v of Array.isArray(value) ? value : [value]) u.searchParams.append(name, v);
  }
  return u;
}

/**
 * Call the API with the user's token. `key` sends an Idempotency-Key (writes); a 401
 * (expired or revoked token) returns the user to the login page, except for the login
 * form's own check (`login: true`), which shows the refusal beside the token field.
 */
export async function api(method, path, { query, body, key, raw, login } = {}) {
  const headers = { Accept: "application/json" };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers["Idempotency-Key"] = key;
  const response = await fetch(url(path, query), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401 && login) throw new ApiError(401, { title: "Unauthorised", detail: t("login.refused") });
  if (response.status === 401) {
    setToken(null);
    state.me = null;
    location.hash = "#/login?expired=1";
    throw new ApiError(401, { title: "Unauthorised", detail: t("login.expired") });
  }
  if (!response.ok) {
    let problem;
    try {
      problem = await response.json();
    } catch {
      problem = { title: response.statusText, detail: `HTTP ${response.status}` };
    }
    throw new ApiError(response.status, problem);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

/** A binary answer (a chart or a workbook) as an object URL, fetched with the token. */
export async function blobUrl(path, query) {
  const response = await api("GET", path, { query, raw: true });
  return URL.createObjectURL(await response.blob());
}

/** Whether the user's role may call a route: `may("POST /incidents")`. */
export function may(route) {
  return Boolean(state.me && state.me.may.includes(route));
}

// ---- DOM helpers ---------------------------------------------------------------------
/** el("td", {class: "num", onclick: fn}, "text", child): text is never parsed as HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A table from column specs [{label, value: row => text|Node, cls}] and rows. */
export function table(columns, rows, { rowClass, empty } = {}) {
  const head = el("tr", {}, columns.map((c) => el("th", { class: c.cls }, c.label)));
  const body = rows.map((row) =>
    el(
      "tr",
      { class: rowClass ? rowClass(row) : null },
      columns.map((c) => el("td", { class: c.cls }, c.value(row))),
    ),
  );
  if (!rows.length) body.push(el("tr", {}, el("td", { colspan: columns.length, class: "empty" }, empty || t("common.none"))));
  return el("table", { class: "grid" }, el("thead", {}, head), el("tbody", {}, body));
}

/** Which input a problem's field names: `body.location.lat` -> [name="location.lat"] etc. */
function fieldInput(form, field) {
  if (!field) return null;
  const parts = String(field).split(".");
  const candidates = [];
  for (let i = 0; i < parts.length; i++) candidates.push(parts.slice(i).join("."));
  for (const name of candidates) {
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (input) return input;
  }
  return null;
}

/** Clear a form's previous problem messages. */
export function clearProblems(form) {
  form.querySelectorAll(".problem").forEach((n) => n.remove());
  form.querySelectorAll(".invalid").forEach((n) => n.classList.remove("invalid"));
}

/**
 * Show the API's problem message next to the field it names (or at the top of the form
 * when it names none or a field the form does not have).
 */
export function showProblem(form, error) {
  clearProblems(form);
  const problem = error instanceof ApiError ? error.problem : { detail: String(error.message || error) };
  const entries = problem.errors && problem.errors.length
    ? problem.errors.map((e) => ({ field: e.field, message: e.message }))
    : [{ field: problem.field, message: problem.detail || problem.title }];
  for (const { field, message } of entries) {
    const input = fieldInput(form, field);
    const note = el("div", { class: "problem", role: "alert", "data-field": field || "" }, message);
    if (input) {
      input.classList.add("invalid");
      input.insertAdjacentElement("afterend", note);
    } else {
      form.prepend(note);
    }
  }
}

/**
 * Run a button's action once at a time: the button is disabled while the request is in
 * flight, so a double click posts nothing twice (the Idempotency-Key covers a retry).
 */
export function guard(button, action) {
  return async (event) => {
    if (event) event.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    try {
      await action();
    } finally {
      button.disabled = false;
    }
  };
}

/** A short message at the top of the view, e.g. after a write succeeded. */
export function flash(message, kind = "ok") {
  const box = document.getElementById("flash") || el("div", { id: "flash" });
  box.className = `flash ${kind}`;
  box.textContent = message;
  document.getElementById("view").prepend(box);
}

/** A job's progress (stock-levels and procurement runs) until it ends: calls onTick. */
export async function followJob(jobId, onTick, { interval = 1000 } = {}) {
  for (;;) {
    const job = await api("GET", `/jobs/${encodeURIComponent(jobId)}`);
    onTick(job);
    if (!["queued", "running"].includes(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

register({
  vi: {
    "nav.stock": "Kho",
    "nav.map": "Bản đồ",
    "nav.dispatch": "Điều phối",
    "nav.plans": "Kế hoạch",
    "nav.docs": "Tài liệu API",
    "nav.logout": "Đăng xuất",
    "common.none": "Không có",
    "common.loading": "Đang tải…",
    "common.error": "Lỗi",
    "common.all": "Tất cả",
    "common.filter": "Lọc",
    "common.depot": "Kho",
    "common.item": "Vật tư",
    "role.admin": "Quản trị",
    "role.planner": "Cán bộ kế hoạch",
    "role.logistics_officer": "Sĩ quan hậu cần",
    "role.depot_manager": "Chủ nhiệm kho",
    "role.viewer": "Người xem",
    "login.title": "Đăng nhập",
    "login.token": "Mã truy cập (token)",
    "login.help": "Token do quản trị viên cấp: chemdepot tokens issue TÊN hoặc POST /users/{name}/tokens.",
    "login.submit": "Đăng nhập",
    "login.expired": "Phiên đã hết hạn hoặc token bị thu hồi: hãy đăng nhập lại.",
    "login.refused": "Token không hợp lệ.",
  },
  en: {
    "nav.stock": "Stock",
    "nav.map": "Map",
    "nav.dispatch": "Dispatch",
    "nav.plans": "Plans",
    "nav.docs": "API docs",
    "nav.logout": "Log out",
    "common.none": "None",
    "common.loading": "Loading…",
    "common.error": "Error",
    "common.all": "All",
    "common.filter": "Filter",
    "common.depot": "Depot",
    "common.item": "Item",
    "role.admin": "Administrator",
    "role.planner": "Planner",
    "role.logistics_officer": "Logistics officer",
    "role.depot_manager": "Depot manager",
    "role.viewer": "Viewer",
    "login.title": "Log in",
    "login.token": "Access token",
    "login.help": "Tokens are issued by an administrator: chemdepot tokens issue NAME or POST /users/{name}/tokens.",
    "login.submit": "Log in",
    "login.expired": "Your session expired or the token was revoked: log in again.",
    "login.refused": "That token is not valid.",
  },
});
