// @ts-check
/** Studies: the list (/studies) and one study (/studies/{id}): its interviews (calls and imported
 * transcripts), what they say together (clusters with quotes linked to the reports, repeated
 * phrases, evidence apart from stated preference) and the problem statement, edited and saved. */

import { api, byId, el, formatClock, toast } from "./common.js";
import { showError, signedIn } from "./insights-nav.js";

/**
 * @typedef {{interview: string, text: string, start?: number, basis?: string, link?: string}} Quote
 * @typedef {{label: string, kind: "pain" | "workaround", interviews: string[], quotes: Quote[]}} Cluster
 * @typedef {{name: string, call_id?: string, transcript_id?: string, link: string | null}} Source
 * @typedef {{text: string, quotes: Quote[], edited: boolean, draft: string | null}} Problem
 * @typedef {{clusters: Cluster[], phrases: {text: string, interviews: string[]}[], problem_statement: Problem | null,
 *   behaviour: {past: Quote[], stated: Quote[]}, sources: Source[]}} Synthesis
 * @typedef {{id: string, title: string, url: string, interviews: number, problem_statement?: string | null,
 *   calls?: {id: string, title: string, interviewer: string, date: string, report: string}[],
 *   transcripts?: {id: string, name: string}[]}} Study
 */

const studyId = decodeURIComponent(location.pathname.split("/")[2] ?? "");
const base = `/api/studies/${encodeURIComponent(studyId)}`;

/** @param {Quote} q */
function quoteItem(q) {
  const at = q.start === undefined ? "" : ` ${formatClock(q.start)}`;
  const from = q.link
    ? el("a", { href: q.link, class: "quote-from", text: `${q.interview}${at}` })
    : el("span", { class: "quote-from", text: `${q.interview}${at}` });
  return el("li", {}, el("q", { text: q.text }), from);
}

/** @param {Cluster} c */
function cluster(c) {
  return el(
    "article",
    { class: `cluster ${c.kind}` },
    el("h3", { text: c.label }),
    el("p", { class: "hint", text: `${c.kind === "pain" ? "Pain" : "Workaround"} · in ${c.interviews.length} interviews: ${c.interviews.join(", ")}` }),
    el("ul", { class: "quotes-list" }, ...c.quotes.map(quoteItem)),
  );
}

async function loadSynthesis() {
  const status = byId("synthesis-status");
  status.hidden = false;
  status.textContent = "Working out what the interviews say… (the first time after a change takes a few seconds)";
  /** @type {Synthesis} */
  const s = await api(`${base}/synthesis`);
  status.textContent = s.clusters.length
    ? ""
    : s.sources.length < 2
      ? "Add at least two interviews: a cluster is what several customers said."
      : "No pain or workaround came up in two interviews or more yet.";
  status.hidden = s.clusters.length > 0;
  byId("clusters").replaceChildren(...s.clusters.map(cluster));
  byId("phrases").replaceChildren(
    ...s.phrases.map((p) => el("li", { title: p.interviews.join(", ") }, `“${p.text}” `, el("span", { class: "hint", text: `×${p.interviews.length}` }))),
  );
  const none = () => el("li", { class: "hint", text: "None in these interviews yet." });
  byId("past").replaceChildren(...(s.behaviour.past.length ? s.behaviour.past.map(quoteItem) : [none()]));
  byId("stated").replaceChildren(...(s.behaviour.stated.length ? s.behaviour.stated.map(quoteItem) : [none()]));
  if (!s.phrases.length) byId("phrases").replaceChildren(none());
  const ps = s.problem_statement;
  const problem = byId("problem", HTMLTextAreaElement);
  if (document.activeElement !== problem) problem.value = ps?.text ?? "";
  byId("problem-reset").hidden = !ps?.edited;
  byId("problem-quotes").replaceChildren(...(ps?.quotes ?? []).map(quoteItem));
  byId("problem-quotes-label").hidden = !ps?.quotes.length;
}

/** @param {Study} study */
async function loadInterviews(study) {
  const calls = study.calls ?? [];
  const transcripts = study.transcripts ?? [];
  byId("study-summary").textContent = `${study.interviews} interview${study.interviews === 1 ? "" : "s"}`;
  const remove = (/** @type {string} */ path) => async () => {
    try {
      await api(path, { method: "DELETE" });
      await reload();
    } catch (problem) {
      showError(problem);
    }
  };
  byId("interviews").replaceChildren(
    ...calls.map((c) =>
      el(
        "li",
        {},
        el("a", { href: c.report, text: c.title }),
        el("span", { class: "hint", text: `${c.interviewer} · ${c.date}` }),
        el("button", { type: "button", class: "btn btn-small btn-ghost", text: "Remove", "aria-label": `Remove ${c.title}`, onclick: remove(`${base}/calls/${encodeURIComponent(c.id)}`) }),
      ),
    ),
    ...transcripts.map((t) =>
      el(
        "li",
        {},
        el("span", { text: t.name }),
        el("span", { class: "hint", text: "imported transcript" }),
        el("button", { type: "button", class: "btn btn-small btn-ghost", text: "Remove", "aria-label": `Remove ${t.name}`, onclick: remove(`${base}/transcripts/${encodeURIComponent(t.id)}`) }),
      ),
    ),
  );
  const inStudy = new Set(calls.map((c) => c.id));
  /** @type {{id: string, title: string, interviewer: string, status?: string}[]} */
  const visible = await api("/api/calls");
  const pick = byId("call-pick", HTMLSelectElement);
  const options = visible.filter((c) => !inStudy.has(c.id));
  pick.replaceChildren(
    ...(options.length ? options.map((c) => el("option", { value: c.id, text: `${c.title} · ${c.interviewer}` })) : [el("option", { value: "", text: "No other calls to add" })]),
  );
}

async function reload() {
  /** @type {Study} */
  const study = await api(base);
  byId("study-name").textContent = study.title;
  document.title = `${study.title} · SecondEar`;
  byId("export-md", HTMLAnchorElement).href = `${base}/export?format=md`;
  byId("export-csv", HTMLAnchorElement).href = `${base}/export?format=csv`;
  await loadInterviews(study);
  await loadSynthesis();
}

/** @param {string | null} text */
async function saveProblem(text) {
  const status = byId("problem-status");
  status.textContent = "Saving…";
  try {
    await api(`${base}/problem`, { method: "PUT", body: { text } });
    status.textContent = "Saved";
    byId("problem-reset").hidden = !text;
  } catch (problem) {
    status.textContent = problem instanceof Error ? problem.message : String(problem);
  }
}

function setupStudy() {
  byId("study-view").hidden = false;
  const problem = byId("problem", HTMLTextAreaElement);
  /** @type {number | undefined} */
  let timer;
  problem.addEventListener("input", () => {
    clearTimeout(timer);
    byId("problem-status").textContent = "";
    // Saved as it is typed, a moment after the last key.
    timer = window.setTimeout(() => saveProblem(problem.value.trim()), 800);
  });
  byId("problem-save").addEventListener("click", () => {
    clearTimeout(timer);
    saveProblem(problem.value.trim());
  });
  byId("problem-reset").addEventListener("click", async () => {
    await saveProblem(null);
    await loadSynthesis().catch(showError);
  });
  byId("add-call", HTMLFormElement).addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = byId("call-pick", HTMLSelectElement).value;
    if (!id) return;
    try {
      await api(`${base}/calls/${encodeURIComponent(id)}`, { method: "PUT" });
      toast("Call added");
      await reload();
    } catch (problem) {
      showError(problem);
    }
  });
  const file = byId("transcript-file", HTMLInputElement);
  file.addEventListener("change", async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    const status = byId("interviews-status");
    status.textContent = `Reading ${chosen.name}…`;
    try {
      await api(`${base}/transcripts`, { method: "POST", body: { name: chosen.name, text: await chosen.text() } });
      status.textContent = `${chosen.name} imported.`;
      file.value = "";
      await reload();
    } catch (problem) {
      status.textContent = problem instanceof Error ? problem.message : String(problem);
    }
  });
  reload().catch(showError);
}

async function loadList() {
  /** @type {Study[]} */
  const studies = await api("/api/studies");
  byId("studies-status").textContent = studies.length ? "" : "No studies yet: create one, then add the calls about its problem.";
  byId("studies").replaceChildren(
    ...studies.map((s) => el("li", {}, el("a", { href: s.url, text: s.title }), el("span", { class: "hint", text: `${s.interviews} interviews` }))),
  );
}

function setupList() {
  byId("list-view").hidden = false;
  byId("new-study", HTMLFormElement).addEventListener("submit", async (event) => {
    event.preventDefault();
    const title = byId("study-title", HTMLInputElement);
    if (!title.value.trim()) {
      title.focus();
      return;
    }
    try {
      /** @type {Study} */
      const study = await api("/api/studies", { method: "POST", body: { title: title.value.trim() } });
      location.assign(study.url);
    } catch (problem) {
      showError(problem);
    }
  });
  loadList().catch(showError);
}

async function setup() {
  if (!(await signedIn())) return;
  if (studyId) setupStudy();
  else setupList();
}

setup();
