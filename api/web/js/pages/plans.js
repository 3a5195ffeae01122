// placeholder until the plans page lands
import { el } from "../core.js";
export const labels = { vi: {}, en: {} };
export async function render(view) {
  view.replaceChildren(el("h1", {}, "plans"));
}
