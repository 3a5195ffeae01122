// placeholder until the dispatch page lands
import { el } from "../core.js";
export const labels = { vi: {}, en: {} };
export async function render(view) {
  view.replaceChildren(el("h1", {}, "dispatch"));
}
