// @ts-check
/** Admin: the workspace's people and the audit log (who viewed, exported, shared or deleted which call). */

import { api, byId, el, signedIn } from "./common.js";

/**
 * @typedef {{email: string, name: string, role: string, coaches: string[]}} Person
 * @typedef {{at: number, actor: string, action: string, call_id: string | null, detail: string | null}} Entry
 */

/** @param {number} seconds */
function when(seconds) {
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

async function setup() {
  const user = await signedIn();
  if (!user) return;
  const error = byId("page-error");
  if (user.role !== "admin") {
    error.textContent = "Only an admin can see this page.";
    error.hidden = false;
    return;
  }
  try {
    /** @type {Person[]} */
    const people = await api("/api/admin/users");
    const rows = people.map((p) =>
      el("tr", {}, el("td", { text: p.email }), el("td", { text: p.name }), el("td", { text: p.role }), el("td", { text: p.coaches.join(", ") })),
    );
    byId("people").querySelector("tbody")?.replaceChildren(...rows);
    /** @type {Entry[]} */
    const audit = await api("/api/admin/audit");
    const entries = audit.map((e) =>
      el(
        "tr",
        {},
        el("td", { text: when(e.at) }),
        el("td", { text: e.actor }),
        el("td", { text: e.action }),
        el("td", {}, e.call_id ? el("a", { href: `/report/${encodeURIComponent(e.call_id)}`, text: e.call_id }) : ""),
        el("td", { text: e.detail ?? "" }),
      ),
    );
    byId("audit").querySelector("tbody")?.replaceChildren(...entries);
  } catch (problem) {
    error.textContent = problem instanceof Error ? problem.message : String(problem);
    error.hidden = false;
  }
}

setup();
