// @ts-check
/**
 * The shared debrief after a call. Several people edit at once: each save sends the version it
 * started from and the fields; the server merges them field by field onto what the others saved
 * and answers the new version. Saves go out a moment after typing stops; other people's saves
 * come in by polling about once a second. A field typed here since the last save is never
 * replaced by what comes in: it goes out with the next save.
 */

import { api, byId, currentSession, el, formatClock, pageCallId, pageToken, reportUrl } from "./common.js";

/**
 * @typedef {{text: string, time: number | null, quote: boolean}} Point
 * @typedef {{change: string, metric: string, by_when: string}} NextTest
 * @typedef {{pains: Point[], assumed: string, surprised: string, next_test: NextTest, problem: string,
 *   workarounds: Point[], questions: {opening: string, count: number, example: string, time: number | null}[]}} Debrief
 * @typedef {{version: number, changed: boolean, debrief?: Debrief, saved_by?: string, conflicts?: string[],
 *   can_edit?: boolean, flagged?: {time: number | null, label: string, text: string}[],
 *   call?: {id: string, title: string, status: string}}} Answer
 * @typedef {Record<string, string | boolean>} Values  field path ("pains.0.text", "assumed") -> value
 */

// Typing pauses this long before a save goes out.
const SAVE_AFTER_MS = 600;
// How often the page asks for other people's saves.
const POLL_MS = 1000;
const PAINS = 3;

const callId = pageCallId();
const token = pageToken();
const form = byId("debrief", HTMLFormElement);
const state = byId("save-state");

/** @type {Debrief | null} what the server holds at `version` */
let base = null;
let version = 0;
let canEdit = false;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let saveTimer;
let saving = false;
let failed = false;

/** @param {"saved" | "saving" | "editing" | "error" | "read"} kind @param {string} text */
function show(kind, text) {
  state.dataset.state = kind;
  state.textContent = text;
}

/** @param {Debrief} d @returns {Values} */
function valuesOf(d) {
  /** @type {Values} */
  const out = {
    assumed: d.assumed,
    surprised: d.surprised,
    problem: d.problem,
    "next_test.change": d.next_test.change,
    "next_test.metric": d.next_test.metric,
    "next_test.by_when": d.next_test.by_when,
  };
  d.pains.forEach((p, i) => {
    out[`pains.${i}.text`] = p.text;
    out[`pains.${i}.quote`] = p.quote;
  });
  return out;
}

/** @returns {NodeListOf<HTMLInputElement | HTMLTextAreaElement>} */
function inputs() {
  return form.querySelectorAll("[data-field]");
}

/** @returns {Values} what the page shows now */
function onPage() {
  /** @type {Values} */
  const out = {};
  for (const input of inputs()) {
    const path = input.dataset.field ?? "";
    out[path] = input instanceof HTMLInputElement && input.type === "checkbox" ? input.checked : input.value;
  }
  return out;
}

/** @param {Values} values @returns {Record<string, unknown>} the fields as the server takes them */
function edits(values) {
  return {
    pains: Array.from({ length: PAINS }, (_, i) => ({
      text: values[`pains.${i}.text`],
      quote: values[`pains.${i}.quote`],
      time: base?.pains[i]?.time ?? null,
    })),
    assumed: values.assumed,
    surprised: values.surprised,
    problem: values.problem,
    next_test: {
      change: values["next_test.change"],
      metric: values["next_test.metric"],
      by_when: values["next_test.by_when"],
    },
  };
}

/** @param {Values} values  set on the page, field by field */
function put(values) {
  for (const input of inputs()) {
    const value = values[input.dataset.field ?? ""];
    if (value === undefined) continue;
    if (input instanceof HTMLInputElement && input.type === "checkbox") input.checked = Boolean(value);
    else if (input.value !== value) input.value = String(value);
  }
}

function painFields() {
  const holder = byId("pains");
  holder.replaceChildren(
    ...Array.from({ length: PAINS }, (_, i) =>
      el(
        "div",
        { class: "pain", "data-pain": i },
        el("label", { for: `pain-${i}`, class: "pain-label" }, `Pain ${i + 1}`, el("span", { class: "chip pain-time", id: `pain-${i}-time`, hidden: true })),
        el("textarea", { id: `pain-${i}`, "data-field": `pains.${i}.text`, rows: 2, maxlength: 4000 }),
        el(
          "label",
          { class: "check", for: `pain-${i}-quote` },
          el("input", { type: "checkbox", id: `pain-${i}-quote`, "data-field": `pains.${i}.quote` }),
          el("span", { text: "The customer's own words" }),
        ),
      ),
    ),
  );
}

/** @param {Debrief} d */
function showMoments(d) {
  d.pains.forEach((p, i) => {
    const chip = byId(`pain-${i}-time`);
    chip.hidden = p.time === null;
    chip.textContent = p.time === null ? "" : `at ${formatClock(p.time)}`;
  });
}

/** @param {Answer} answer */
function showContext(answer) {
  const d = /** @type {Debrief} */ (answer.debrief);
  const empty = (/** @type {string} */ text) => el("li", { class: "hint", text });
  byId("workarounds").replaceChildren(
    ...(d.workarounds.length
      ? d.workarounds.map((w) => el("li", {}, w.time === null ? "" : el("span", { class: "chip", text: formatClock(w.time) }), ` “${w.text}”`))
      : [empty("None heard.")]),
  );
  byId("questions").replaceChildren(
    ...(d.questions.length
      ? d.questions.map((q) => el("li", {}, el("strong", { text: `“${q.opening} …”` }), ` ${q.count} times, e.g. ${q.example}`))
      : [empty("No question opening was used more than once.")]),
  );
  const flagged = answer.flagged ?? [];
  byId("flagged").replaceChildren(
    ...(flagged.length
      ? flagged.map((m) => el("li", {}, m.time === null ? "" : el("span", { class: "chip", text: formatClock(m.time) }), ` ${m.label}`, m.text ? `: ${m.text}` : ""))
      : [empty("Nothing was flagged.")]),
  );
}

/**
 * Take a newer version in. Fields unchanged here since `sent` (what the last save sent; else
 * since the version the page holds) take the new words; fields typed since keep them.
 * @param {Answer} answer
 * @param {Values | null} sent
 */
function adopt(answer, sent) {
  if (!answer.debrief) return;
  const before = sent ?? (base ? valuesOf(base) : onPage());
  const now = onPage();
  const incoming = valuesOf(answer.debrief);
  /** @type {Values} */
  const take = {};
  for (const [path, value] of Object.entries(incoming)) {
    if (now[path] === before[path]) take[path] = value;
  }
  base = answer.debrief;
  version = answer.version;
  put(take);
  showMoments(answer.debrief);
  showContext(answer);
  const conflict = byId("conflict");
  if (answer.conflicts?.length) {
    conflict.textContent = `Someone else changed ${answer.conflicts.join(", ")} at the same time; your words were kept. Have a look together.`;
    conflict.hidden = false;
  }
}

function dirty() {
  if (!base) return false;
  const was = valuesOf(base);
  const now = onPage();
  return Object.keys(was).some((path) => was[path] !== now[path]);
}

async function save() {
  if (saving || !canEdit) return;
  if (!dirty()) {
    show("saved", "Saved");
    return;
  }
  saving = true;
  show("saving", "Saving…");
  const sent = onPage();
  try {
    /** @type {Answer} */
    const answer = await api(`/api/calls/${encodeURIComponent(callId)}/debrief`, {
      method: "PUT",
      body: { base: version, edits: edits(sent) },
      token,
    });
    adopt(answer, sent);
    failed = false;
    byId("page-error").hidden = true;
  } catch (problem) {
    failed = true;
    show("error", "Not saved");
    const error = byId("page-error");
    error.textContent = `Not saved yet: ${problem instanceof Error ? problem.message : String(problem)} Your words stay on this page; SecondEar tries again.`;
    error.hidden = false;
  } finally {
    saving = false;
  }
  if (dirty()) schedule(failed ? 3000 : SAVE_AFTER_MS);
  else show("saved", "Saved");
}

/** @param {number} [delay] */
function schedule(delay = SAVE_AFTER_MS) {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(save, delay);
}

async function poll() {
  if (!saving && document.visibilityState === "visible") {
    try {
      /** @type {Answer} */
      const answer = await api(`/api/calls/${encodeURIComponent(callId)}/debrief?since=${version}`, { token });
      // A save that started meanwhile carries the newer version back itself.
      if (answer.changed && !saving) {
        adopt(answer, null);
        if (!dirty()) show(canEdit ? "saved" : "read", canEdit ? "Saved" : "Read only");
      }
    } catch {
      // The next poll tries again; a lost connection shows when a save fails.
    }
  }
  setTimeout(poll, POLL_MS);
}

async function setup() {
  painFields();
  const link = byId("report-link", HTMLAnchorElement);
  link.href = reportUrl(callId, token);
  if (!token) {
    const info = await currentSession();
    if (info.user) byId("account").textContent = `${info.user.name} (${info.user.role})`;
  }
  try {
    /** @type {Answer} */
    const answer = await api(`/api/calls/${encodeURIComponent(callId)}/debrief`, { token });
    canEdit = Boolean(answer.can_edit);
    byId("call-title").textContent = answer.call?.title ?? "Debrief";
    document.title = `Debrief: ${answer.call?.title ?? ""} · SecondEar`;
    base = null;
    adopt(answer, null);
    put(valuesOf(/** @type {Debrief} */ (answer.debrief)));
    for (const input of inputs()) input.disabled = !canEdit;
    byId("read-only").hidden = canEdit;
    show(canEdit ? "saved" : "read", canEdit ? "Saved" : "Read only");
  } catch (problem) {
    const error = byId("page-error");
    error.textContent = problem instanceof Error ? problem.message : String(problem);
    error.hidden = false;
    show("error", "Not loaded");
    return;
  }
  form.addEventListener("input", () => {
    show("editing", "Editing…");
    schedule();
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  // Leaving with words not saved yet: save now, and ask the browser to warn.
  window.addEventListener("beforeunload", (event) => {
    if (dirty()) {
      save();
      event.preventDefault();
    }
  });
  setTimeout(poll, POLL_MS);
}

setup();
