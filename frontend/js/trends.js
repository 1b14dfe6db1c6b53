// @ts-check
/** Trends: one interviewer's figures over their calls, a chart per metric with the team's median
 * and the goal band (drawn by the server, as `secondear trends --format html` draws them). */

import { api, byId, el } from "./common.js";
import { PENDING_RETRY_MS, showError, showPending, signedIn, svgNode } from "./insights-nav.js";

/**
 * @typedef {{id: string, name: string, calls: number}} Person
 * @typedef {{recent: number | null, before: number | null, better: boolean | null, text: string}} Change
 * @typedef {{key: string, label: string, goal: {text: string}, latest_text: string, in_goal: boolean | null,
 *   team_text: string, change: Change, chart: string}} Metric
 * @typedef {{id: string, title: string, date: string | null}} CallRef
 * @typedef {{people: Person[], interviewer: {id: string, name: string, calls: CallRef[]}, metrics: Metric[],
 *   recent_calls: number, pending: number}} Trends
 */

/** @param {boolean | null} inGoal */
function goalChip(inGoal) {
  if (inGoal === null) return null;
  return el("span", { class: `goal-chip ${inGoal ? "in" : "off"}`, text: inGoal ? "in goal" : "off goal" });
}

/** @param {Metric} m */
function card(m) {
  const change = m.change;
  const arrow = change.better === null ? "" : change.better ? "▲ " : "▼ ";
  const tone = change.better === null ? "" : change.better ? "better" : "worse";
  return el(
    "article",
    { class: "t-card", "data-metric": m.key },
    el("h2", { text: m.label }),
    el("p", { class: "t-now" }, el("span", { class: "t-value", text: m.latest_text }), goalChip(m.in_goal)),
    el("p", { class: "t-goal", text: `goal ${m.goal.text} · team median ${m.team_text}` }),
    el("p", { class: `t-change ${tone}`, text: arrow + change.text }),
    svgNode(m.chart),
  );
}

/** @param {string} id */
async function show(id) {
  /** @type {Trends} */
  const t = await api(`/api/trends${id ? `?interviewer=${encodeURIComponent(id)}` : ""}`);
  const who = t.interviewer;
  showPending(t.pending);
  if (t.pending) setTimeout(() => show(id).catch(showError), PENDING_RETRY_MS);
  const picker = byId("picker");
  const select = byId("person", HTMLSelectElement);
  picker.hidden = t.people.length < 2;
  select.replaceChildren(
    ...t.people.map((p) => el("option", { value: p.id, selected: p.id === who.id, text: `${p.name} (${p.calls} calls)` })),
  );
  byId("trends-title").textContent = `${who.name}: listening better?`;
  const n = who.calls.length;
  byId("trends-summary").textContent =
    n === 0
      ? "No ended calls yet. Trends appear after the first call ends."
      : `${n} ended call${n === 1 ? "" : "s"}. Each chart shows one call per point; the last ${t.recent_calls} calls are compared with the ${t.recent_calls} before.`;
  byId("key").hidden = n === 0;
  byId("metrics").replaceChildren(...(n ? t.metrics.map(card) : []));
  byId("calls-card").hidden = n === 0;
  byId("calls").replaceChildren(
    ...[...who.calls].reverse().map((c) =>
      el("li", {}, el("a", { href: `/report/${encodeURIComponent(c.id)}`, text: c.title }), el("span", { class: "hint", text: c.date ?? "" })),
    ),
  );
}

async function setup() {
  if (!(await signedIn())) return;
  const select = byId("person", HTMLSelectElement);
  select.addEventListener("change", () => {
    const url = new URL(location.href);
    url.searchParams.set("interviewer", select.value);
    history.replaceState(null, "", url);
    show(select.value).catch(showError);
  });
  show(new URLSearchParams(location.search).get("interviewer") ?? "").catch(showError);
}

setup();
