// The shell: login, the header, and routing by the URL's #fragment to one page module.
import { api, el, register, setLang, setToken, state, t, ZONE, fmtTime } from "./core.js";
import * as stock from "./pages/stock.js";
import * as mapPage from "./pages/map.js";
import * as dispatch from "./pages/dispatch.js";
import * as plans from "./pages/plans.js";

const PAGES = { stock, map: mapPage, dispatch, plans };
for (const page of Object.values(PAGES)) if (page.labels) register(page.labels);

/** The first page for a role: each user lands on their main job. */
function homeOf(role) {
  return { depot_manager: "stock", logistics_officer: "dispatch", planner: "plans" }[role] || "stock";
}

function parseHash() {
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  return { page: path || "", params: new URLSearchParams(query || "") };
}

function labelHeader() {
  document.querySelectorAll("[data-label]").forEach((node) => {
    node.textContent = t(node.dataset.label);
  });
  document.getElementById("lang").textContent = state.lang === "vi" ? "EN" : "VI";
  const who = document.getElementById("who");
  if (state.me) {
    who.textContent = `${state.me.name} · ${t(`role.${state.me.role}`)}`;
    who.hidden = false;
  } else who.hidden = true;
  document.getElementById("nav").hidden = !state.me;
  document.getElementById("logout").hidden = !state.me;
}

function renderLogin(view, params) {
  const input = el("input", { name: "token", id: "token", type: "password", autocomplete: "off", required: true });
  const submit = el("button", { type: "submit", id: "login-submit" }, t("login.submit"));
  const form = el(
    "form",
    { class: "card login", id: "login-form" },
    el("h1", {}, t("login.title")),
    params.get("expired") ? el("div", { class: "problem", role: "alert" }, t("login.expired")) : null,
    el("label", { for: "token" }, t("login.token")),
    input,
    el("p", { class: "hint" }, t("login.help")),
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    setToken(input.value.trim());
    try {
      state.me = await api("GET", "/me", { login: true });
      location.hash = `#/${homeOf(state.me.role)}`;
      if (parseHash().page === homeOf(state.me.role)) route();
    } catch {
      setToken(null);
      form.querySelectorAll(".problem").forEach((n) => n.remove());
      input.insertAdjacentElement("afterend", el("div", { class: "problem", role: "alert", "data-field": "token" }, t("login.refused")));
    } finally {
      submit.disabled = false;
    }
  });
  view.replaceChildren(form);
  input.focus();
}

/** Each navigation's turn: a page render that a newer navigation replaced (a quick second
 * hashchange, the language button) must stop writing to the view, or a slow first render
 * would paint over the page the user asked for last. */
let turns = 0;

async function route() {
  const view = document.getElementById("view");
  const turn = String(++turns);
  view.dataset.turn = turn;
  const live = () => view.dataset.turn === turn;
  const { page, params } = parseHash();
  if (!state.token) {
    state.me = null;
    labelHeader();
    renderLogin(view, page === "login" ? params : new URLSearchParams());
    return;
  }
  if (!state.me) {
    try {
      state.me = await api("GET", "/me");
    } catch {
      if (!live()) return;
      labelHeader();
      renderLogin(view, parseHash().params);
      return;
    }
  }
  if (!PAGES[page]) {
    location.hash = `#/${homeOf(state.me.role)}`;
    return;
  }
  labelHeader();
  document.querySelectorAll("#nav a[data-page]").forEach((a) => a.classList.toggle("active", a.dataset.page === page));
  view.replaceChildren(el("p", { class: "loading" }, t("common.loading")));
  view.dataset.page = page;
  try {
    await PAGES[page].render(view, params, live);
  } catch (error) {
    if (!live() || (error && error.status === 401)) return;
    view.replaceChildren(el("div", { class: "problem", role: "alert" }, `${t("common.error")}: ${error.message}`));
    console.error(error);
  }
}

function tick() {
  document.getElementById("clock").textContent = `${fmtTime(new Date().toISOString(), "time")} (${ZONE.split("/")[1].replaceAll("_", " ")})`;
}

document.getElementById("lang").addEventListener("click", () => {
  setLang(state.lang === "vi" ? "en" : "vi");
  tick();
  route();
});
document.getElementById("logout").addEventListener("click", () => {
  setToken(null);
  state.me = null;
  location.hash = "#/login";
});
window.addEventListener("hashchange", route);
setLang(state.lang);
tick();
setInterval(tick, 30000);
route();

