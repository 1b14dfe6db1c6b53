// @ts-check
/** The team page (coaches and admins): every interviewer's latest figures side by side, each with a
 * sparkline of their calls and whether it is in the goal, linking to their trends. */

import { api, byId, el } from "./common.js";
import { PENDING_RETRY_MS, showError, showPending, signedIn, svgNode } from "./insights-nav.js";

/**
 * @typedef {{key: string, label: string, goal: string, team_text: string}} Metric
 * @typedef {{text: string, in_goal: boolean | null, spark: string, change: {better: boolean | null, text: string}}} Figure
 * @typedef {{id: string, name: string, calls: number, last_call: string | null, figures: Record<string, Figure>}} Person
 * @typedef {{metrics: Metric[], people: Person[], pending: number}} Team
 */

/**
 * @param {Metric} m
 * @param {Figure} f
 */
function tile(m, f) {
  const chip =
    f.in_goal === null ? null : el("span", { class: `goal-chip ${f.in_goal ? "in" : "off"}`, text: f.in_goal ? "in goal" : "off goal" });
  const better = f.change.better;
  return el(
    "div",
    { class: "tile", "data-metric": m.key, title: `goal ${m.goal} · ${f.change.text}` },
    el("h3", { text: m.label }),
    el("div", { class: "tile-row" }, el("span", { class: "t-value", text: f.text }), chip),
    svgNode(f.spark),
    better === null ? null : el("p", { class: `t-change ${better ? "better" : "worse"}`, text: better ? "better lately" : "worse lately" }),
  );
}

/**
 * @param {Team} team
 * @param {Person} p
 */
function person(team, p) {
  const trends = `/trends?interviewer=${encodeURIComponent(p.id)}`;
  return el(
    "section",
    { class: "card person", "aria-label": p.name },
    el(
      "div",
      { class: "person-head" },
      el("h2", {}, el("a", { href: trends, text: p.name })),
      el("span", { class: "hint", text: p.calls ? `${p.calls} calls · last ${p.last_call}` : "no ended calls yet" }),
      el("a", { class: "btn btn-small btn-ghost", href: trends, text: "Trends →" }),
    ),
    p.calls ? el("div", { class: "tiles" }, ...team.metrics.map((m) => tile(m, p.figures[m.key]))) : null,
  );
}

/** @param {import("./common.js").Me} user */
async function show(user) {
  try {
    /** @type {Team} */
    const team = await api("/api/team");
    showPending(team.pending);
    if (team.pending) setTimeout(() => show(user), PENDING_RETRY_MS);
    const n = team.people.length;
    byId("team-summary").textContent = n
      ? `${n} interviewer${n === 1 ? "" : "s"}: the latest figure of each, its calls as a line, and whether the last 5 calls were better or worse than the 5 before.`
      : user.role === "coach"
        ? "Nobody is assigned to you yet: an admin assigns interviewers with `secondear user coach`."
        : "Nobody has ended a call yet.";
    const median = byId("median");
    median.hidden = n === 0;
    median.replaceChildren(
      el("span", { text: "Team median:" }),
      ...team.metrics.map((m) => el("span", {}, `${m.label} `, el("strong", { text: m.team_text }))),
    );
    byId("people").replaceChildren(...team.people.map((p) => person(team, p)));
  } catch (problem) {
    byId("team-summary").textContent = "";
    showError(problem);
  }
}

async function setup() {
  const user = await signedIn();
  if (user) await show(user);
}

setup();
