// @ts-check
/**
 * The buddy pane: live transcript with partials, talk share and monologue, nudge cards with one-click
 * whispers and ratings, follow-ups, flags and notes. Opened with the viewer token it is read-only:
 * every write control is removed, not just disabled.
 *
 * Keyboard: F flags the moment (outside text fields); Ctrl+Enter (or Cmd+Enter) in the note box saves.
 */

import { EventsClient } from "./events.js";
import {
  POSITIVE_FLAGS,
  byId,
  callEnded,
  debriefUrl,
  el,
  formatClock,
  kindLabel,
  pageCallId,
  pageToken,
  reportUrl,
  speakerLabel,
  toast,
} from "./common.js";

const callId = pageCallId();
// The link's token, or "" when a signed-in member opened the page (the session cookie then counts).
const token = pageToken();

import { DEFAULT_TALK_SHARE_TARGET } from "./protocol-types.js";

/** @typedef {import("./protocol-types.js").Call} Call */
/** @typedef {import("./protocol-types.js").Final} Final */
/** @typedef {import("./protocol-types.js").PartialEvent} PartialEvent */
/** @typedef {import("./protocol-types.js").Nudge} Nudge */
/** @typedef {import("./protocol-types.js").Talk} Talk */
/** @typedef {import("./protocol-types.js").State} State */
/** @typedef {import("./protocol-types.js").ServerEvent} ServerEvent */
/**
 * A moment the buddy marked: a flag or a note, as `state` lists them or as they come.
 * @typedef {(import("./protocol-types.js").FlagMark & {kind: "flag"})
 *   | (import("./protocol-types.js").NoteMark & {kind: "note"})} Moment
 */

const ui = {
  title: byId("call-title"),
  status: byId("status"),
  roleBadge: byId("role-badge"),
  clock: byId("clock"),
  flag: byId("flag", HTMLButtonElement),
  pageError: byId("page-error"),
  ended: byId("ended"),
  reportLink: byId("report-link", HTMLAnchorElement),
  debriefLink: byId("debrief-link", HTMLAnchorElement),
  gauge: byId("gauge"),
  gaugeFill: byId("gauge-fill"),
  shareValue: byId("share-value"),
  shareOverall: byId("share-overall"),
  overBadge: byId("over-badge"),
  monologue: byId("monologue"),
  monologueValue: byId("monologue-value"),
  speakingNow: byId("speaking-now"),
  transcript: byId("transcript"),
  transcriptEmpty: byId("transcript-empty"),
  jump: byId("jump", HTMLButtonElement),
  nudges: byId("nudges"),
  nudgesEmpty: byId("nudges-empty"),
  nudgeCount: byId("nudge-count"),
  followups: byId("followups"),
  nudgesMore: byId("nudges-more", HTMLButtonElement),
  followupsMore: byId("followups-more", HTMLButtonElement),
  followupsEmpty: byId("followups-empty"),
  noteForm: byId("note-form", HTMLFormElement),
  noteText: byId("note-text", HTMLTextAreaElement),
  whisperForm: byId("whisper-form", HTMLFormElement),
  whisperText: byId("whisper-text", HTMLInputElement),
  moments: byId("moments"),
  momentsEmpty: byId("moments-empty"),
};

/** Everything the pane shows, rebuilt from `state` on every (re)connect. */
const model = {
  /** @type {Call | null} */ call: null,
  role: "viewer",
  /** @type {Final[]} */ transcript: [],
  /** @type {Map<string, PartialEvent>} speaker -> newest partial */ partials: new Map(),
  /** @type {Nudge[]} */ nudges: [],
  /** @type {Moment[]} */ moments: [],
  /** @type {Set<string>} nudge ids already whispered */ whispered: new Set(),
  /** @type {Map<string, boolean>} */ ratings: new Map(),
  /** @type {Talk | null} */ talk: null,
  /** the interviewer's share to stay under: the server's setting, from `state` */
  shareGoal: DEFAULT_TALK_SHARE_TARGET,
  talkAt: 0,
  callTime: 0,
};

/** @type {EventsClient} */
let events;

// After the call a buddy may still flag, note and rate (the report takes them); whispers stop.
const canWrite = () => model.role === "buddy";
const canWhisper = () => canWrite() && !callEnded(model.call);

// ---------------------------------------------------------------- transcript

let followTranscript = true;

/** @param {Final | (PartialEvent & {id?: string, flags?: string[]})} utt */
function utteranceNode(utt, partial = false) {
  const speaker = utt.speaker === "customer" ? "customer" : "interviewer";
  /** @type {string[]} */
  const flags = Array.isArray(utt.flags) ? utt.flags : [];
  return el(
    "li",
    {
      class: `utt speaker-${speaker}${partial ? " partial" : ""}`,
      id: !partial && utt.id ? `utt-${utt.id}` : undefined,
      "aria-label": partial ? `${speakerLabel(speaker, model.call)}, still speaking` : undefined,
    },
    el(
      "div",
      { class: "utt-head" },
      el("span", { class: "speaker-tag", text: speakerLabel(speaker, model.call) }),
      typeof utt.start === "number" ? el("span", { class: "utt-time", text: formatClock(utt.start) }) : null,
      ...flags.map((f) =>
        el("span", { class: `chip ${POSITIVE_FLAGS.has(f) ? "chip-good" : "chip-warn"}`, text: kindLabel(String(f)) }),
      ),
    ),
    el("div", { class: "utt-text", text: String(utt.text ?? "") }),
  );
}

function renderTranscript() {
  const items = [...model.transcript].sort((a, b) => (a.start ?? 0) - (b.start ?? 0)).map((u) => utteranceNode(u));
  const partials = [...model.partials.values()].sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
  for (const p of partials) items.push(utteranceNode(p, true));
  ui.transcript.replaceChildren(...items);
  ui.transcriptEmpty.hidden = items.length > 0;
  if (followTranscript) ui.transcript.scrollTop = ui.transcript.scrollHeight;
}

ui.transcript.addEventListener("scroll", () => {
  const atBottom = ui.transcript.scrollHeight - ui.transcript.scrollTop - ui.transcript.clientHeight < 40;
  followTranscript = atBottom;
  ui.jump.hidden = atBottom;
});
ui.jump.addEventListener("click", () => {
  followTranscript = true;
  ui.transcript.scrollTop = ui.transcript.scrollHeight;
  ui.jump.hidden = true;
});

// ---------------------------------------------------------------- talk time

function renderGoal() {
  byId("target-value").textContent = String(Math.round(model.shareGoal * 100));
  byId("gauge-target").style.left = `${model.shareGoal * 100}%`;
}

function renderTalk() {
  const talk = model.talk;
  if (!talk) return;
  // Shares are null until anyone has spoken.
  const rolling = typeof talk.interviewer_share_rolling === "number" ? talk.interviewer_share_rolling : null;
  const overall = typeof talk.interviewer_share === "number" ? talk.interviewer_share : null;
  const pct = rolling === null ? 0 : Math.round(rolling * 100);
  const over = rolling !== null && rolling > model.shareGoal;
  ui.gaugeFill.style.width = `${Math.max(0, Math.min(100, pct))}%`;
  ui.gauge.dataset.over = String(over);
  ui.gauge.setAttribute("aria-valuenow", String(pct));
  ui.gauge.setAttribute(
    "aria-valuetext",
    rolling === null ? "Nobody has spoken yet" : `${pct}% interviewer${over ? ", above the goal" : ""}`,
  );
  ui.shareValue.textContent = rolling === null ? "–" : `${pct}%`;
  ui.overBadge.hidden = !over;
  ui.shareOverall.textContent = `Whole call: ${overall === null ? "–" : `${Math.round(overall * 100)}%`}`;
  // The window grows from the start of the call up to its full length (3 minutes by default).
  const windowSeconds = Number(talk.window_seconds ?? 180);
  const span = windowSeconds < 60 ? `${Math.round(windowSeconds)} s` : `${Math.round(windowSeconds / 60)} min`;
  byId("gauge-caption").textContent = `Interviewer talk share · last ${span}`;

  /** @type {string[]} */
  const speaking = Array.isArray(talk.speaking) ? talk.speaking : [];
  ui.speakingNow.replaceChildren(
    ...(speaking.length === 0
      ? [document.createTextNode("Nobody is speaking")]
      : [
          document.createTextNode("Speaking now:"),
          ...speaking.map((s) => el("span", { class: `speaker-tag speaker-${s}`, text: s === "customer" ? "Customer" : "Interviewer" })),
        ]),
  );
  renderMonologue();
}

function renderMonologue() {
  const talk = model.talk;
  let seconds = Number(talk?.monologue_seconds ?? 0);
  const speaking = Boolean(talk && Array.isArray(talk.speaking) && talk.speaking.includes("interviewer"));
  // Between talk messages (about one a second) keep the timer moving while the interviewer speaks.
  if (speaking && seconds > 0) seconds += Math.min(2, (Date.now() - model.talkAt) / 1000);
  const level = seconds >= 45 ? "very-long" : seconds >= 30 ? "long" : seconds > 0 ? "some" : "none";
  ui.monologue.dataset.level = level;
  ui.monologueValue.textContent =
    seconds > 0 ? `${formatClock(seconds)}${level === "very-long" ? " · too long" : level === "long" ? " · long" : ""}` : "–";
}

setInterval(renderMonologue, 500);

// ---------------------------------------------------------------- nudges and follow-ups

/** @param {Nudge} nudge */
function whisperText(nudge) {
  // Coaching suggestions are already instructions ("Ask it open: …"); a follow-up is a bare question.
  if (nudge.suggestion) return nudge.kind === "follow_up" ? `Ask: ${nudge.suggestion}` : String(nudge.suggestion);
  return String(nudge.message ?? nudge.title ?? kindLabel(nudge.kind));
}

/** @param {Nudge} nudge */
function nudgeCard(nudge) {
  const kind = String(nudge.kind ?? "");
  const severity = ["info", "warning", "critical"].includes(nudge.severity) ? nudge.severity : "info";
  const id = String(nudge.id ?? "");
  const whispered = model.whispered.has(id);
  const rating = model.ratings.get(id);
  // A nudge from an older server may lack `at`; its event envelope's call time stands in.
  const at = typeof nudge.at === "number" ? nudge.at : /** @type {{call_time?: number}} */ (nudge).call_time;
  const time = typeof at === "number" ? formatClock(at) : "";
  const titleId = `nudge-${id}-title`;

  /** @type {(Node | null)[]} */
  const actions = [];
  if (canWrite()) {
    actions.push(
      whispered
        ? el("span", { class: "done-note", text: "✓ Whispered to the interviewer" })
        : !canWhisper()
          ? null
          : el(
            "button",
            {
              type: "button",
              class: "btn btn-small btn-primary",
              "aria-label": "Whisper to interviewer",
              "aria-describedby": titleId,
              onclick: () => whisperNudge(nudge),
            },
            "Whisper",
            el("span", { class: "wide-only", text: " to interviewer" }),
          ),
      el(
        "span",
        { class: "rate", role: "group", "aria-label": "Was this nudge helpful?" },
        el("button", {
          type: "button",
          class: "btn btn-small",
          "aria-pressed": String(rating === true),
          text: "Helpful",
          onclick: () => rate(id, true),
        }),
        el("button", {
          type: "button",
          class: "btn btn-small",
          "aria-pressed": String(rating === false),
          text: "Not helpful",
          onclick: () => rate(id, false),
        }),
      ),
    );
  } else if (rating !== undefined) {
    actions.push(el("span", { class: "hint", text: rating ? "Rated helpful" : "Rated not helpful" }));
  }

  return el(
    "li",
    { class: "nudge", "data-kind": kind, "data-severity": severity, "data-nudge-id": id, "aria-labelledby": titleId },
    el(
      "div",
      { class: "nudge-head" },
      el("span", { class: "nudge-kind", id: titleId, text: nudge.title || kindLabel(kind) }),
      kind !== "follow_up" ? el("span", { class: "severity", "data-severity": severity, text: severityLabel(severity) }) : null,
      time ? el("span", { class: "nudge-time", text: time }) : null,
    ),
    nudge.message ? el("p", { class: "nudge-message", text: String(nudge.message) }) : null,
    nudge.evidence ? el("blockquote", { class: "evidence", text: `“${nudge.evidence}”` }) : null,
    nudge.suggestion
      ? el(
          "div",
          { class: "suggestion" },
          el("strong", { text: kind === "follow_up" ? "Ask: " : "Suggestion: " }),
          String(nudge.suggestion),
        )
      : null,
    actions.length ? el("div", { class: "nudge-actions" }, ...actions) : null,
  );
}

/** @param {string} severity */
function severityLabel(severity) {
  return severity === "critical" ? "Important" : severity === "warning" ? "Heads up" : "Tip";
}

/** Lists show the newest few cards; older ones wait behind a "Show earlier" button. */
const VISIBLE_CARDS = 5;

/**
 * @param {HTMLElement} list
 * @param {HTMLButtonElement} button
 */
function updateMore(list, button) {
  const hidden = Math.max(0, list.children.length - VISIBLE_CARDS);
  const expanded = list.classList.contains("show-all");
  button.hidden = hidden === 0;
  button.setAttribute("aria-expanded", String(expanded));
  button.textContent = expanded ? "Show fewer" : `Show ${hidden} earlier`;
}

/**
 * @param {HTMLElement} list
 * @param {HTMLButtonElement} button
 */
function wireMore(list, button) {
  button.addEventListener("click", () => {
    list.classList.toggle("show-all");
    updateMore(list, button);
  });
}

function renderNudges() {
  const coach = model.nudges.filter((n) => n.kind !== "follow_up").reverse();
  const follow = model.nudges.filter((n) => n.kind === "follow_up").reverse();
  ui.nudges.replaceChildren(...coach.map(nudgeCard));
  ui.followups.replaceChildren(...follow.map(nudgeCard));
  ui.nudgesEmpty.hidden = coach.length > 0;
  ui.followupsEmpty.hidden = follow.length > 0;
  ui.nudgeCount.textContent = coach.length ? `${coach.length} so far` : "";
  updateMore(ui.nudges, ui.nudgesMore);
  updateMore(ui.followups, ui.followupsMore);
}

/** @param {Nudge} nudge */
function addNudge(nudge) {
  model.nudges.push(nudge);
  const card = nudgeCard(nudge);
  if (nudge.kind === "follow_up") {
    ui.followups.prepend(card);
    ui.followupsEmpty.hidden = true;
    updateMore(ui.followups, ui.followupsMore);
  } else {
    ui.nudges.prepend(card);
    ui.nudgesEmpty.hidden = true;
    const count = model.nudges.filter((n) => n.kind !== "follow_up").length;
    ui.nudgeCount.textContent = `${count} so far`;
    updateMore(ui.nudges, ui.nudgesMore);
  }
}

/**
 * Re-draw one card in place (after a whisper or a rating) without moving focus off the page.
 * @param {string} id
 */
function refreshCard(id) {
  const nudge = model.nudges.find((n) => String(n.id) === id);
  const old = document.querySelector(`[data-nudge-id="${CSS.escape(id)}"]`);
  if (!nudge || !old) return;
  const hadFocus = old.contains(document.activeElement);
  const focusedText = document.activeElement?.textContent;
  const fresh = nudgeCard(nudge);
  old.replaceWith(fresh);
  if (hadFocus) {
    const buttons = [...fresh.querySelectorAll("button")];
    (buttons.find((b) => b.textContent === focusedText) ?? buttons[0] ?? fresh.querySelector(".done-note"))?.focus?.();
  }
}

/** @param {Record<string, unknown>} message */
function sendOrWarn(message) {
  if (!events.send(message)) {
    toast("Not connected right now. Try again in a moment.");
    return false;
  }
  return true;
}

/** @param {Nudge} nudge */
function whisperNudge(nudge) {
  const id = String(nudge.id);
  if (sendOrWarn({ type: "whisper", text: whisperText(nudge), nudge_id: id })) {
    model.whispered.add(id);
    refreshCard(id);
    toast("Whispered to the interviewer");
  }
}

/**
 * @param {string} id
 * @param {boolean} helpful
 */
function rate(id, helpful) {
  if (sendOrWarn({ type: "rate", nudge_id: id, helpful })) {
    model.ratings.set(id, helpful);
    refreshCard(id);
  }
}

// ---------------------------------------------------------------- flags and notes

function renderMoments() {
  const items = [...model.moments].sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
  ui.moments.replaceChildren(
    ...items.map((m) =>
      el(
        "li",
        {},
        el("span", { class: "utt-time", text: formatClock(m.at) }),
        el(
          "span",
          {},
          m.kind === "flag" ? el("strong", { text: "Flagged" }) : el("strong", { text: "Note" }),
          m.kind === "flag" ? (m.note ? `: ${m.note}` : "") : `: ${m.text ?? ""}`,
        ),
      ),
    ),
  );
  ui.momentsEmpty.hidden = items.length > 0;
}

/** @param {string} [note] */
function flagMoment(note) {
  if (!canWrite()) return;
  if (sendOrWarn(note ? { type: "flag", note } : { type: "flag" })) toast(`Moment flagged at ${formatClock(model.callTime)}`);
}

function saveNote() {
  const text = ui.noteText.value.trim();
  if (!text) {
    ui.noteText.focus();
    return;
  }
  if (sendOrWarn({ type: "note", text })) {
    ui.noteText.value = "";
    toast("Note saved");
  }
}

function sendWhisper() {
  const text = ui.whisperText.value.trim();
  if (!text) {
    ui.whisperText.focus();
    return;
  }
  if (sendOrWarn({ type: "whisper", text })) {
    ui.whisperText.value = "";
    toast("Whispered to the interviewer");
  }
}

/** @param {EventTarget | null} target */
function isTyping(target) {
  return (
    target instanceof HTMLInputElement ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement ||
    (target instanceof HTMLElement && target.isContentEditable)
  );
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.repeat) return;
  const plain = !event.ctrlKey && !event.metaKey && !event.altKey;
  if (plain && (event.key === "f" || event.key === "F") && !isTyping(event.target)) {
    event.preventDefault();
    flagMoment();
  }
});

ui.noteText.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    saveNote();
  }
});

// ---------------------------------------------------------------- state and events

function applyRole() {
  if (!canWrite()) for (const node of document.querySelectorAll(".write-only")) node.remove();
  if (!canWhisper()) for (const node of document.querySelectorAll(".whisper-only")) node.remove();
  ui.roleBadge.hidden = model.role !== "viewer";
  if (model.role === "viewer") document.title = `${model.call?.title ?? "Call"} · View only · SecondEar`;
}

function applyCall() {
  const call = model.call;
  if (!call) return;
  ui.title.textContent = call.title ?? "Buddy pane";
  if (model.role !== "viewer") document.title = `${call.title ?? "Call"} · Buddy · SecondEar`;
  if (callEnded(call)) {
    ui.ended.hidden = false;
    ui.reportLink.href = reportUrl(callId, token);
    ui.debriefLink.href = debriefUrl(callId, token);
    setStatus("ended", "Call ended");
  }
}

/**
 * @param {string} state
 * @param {string} text
 */
function setStatus(state, text) {
  if (callEnded(model.call) && state !== "ended") return;
  ui.status.dataset.state = state;
  ui.status.textContent = text;
}

/** @param {{call_time?: number | null}} message  anything that carries the call time */
function noteCallTime(message) {
  if (typeof message.call_time === "number" && message.call_time > model.callTime) {
    model.callTime = message.call_time;
    ui.clock.textContent = formatClock(model.callTime);
  }
}

/** @param {State} state */
function onState(state) {
  model.call = state.call ?? model.call;
  model.role = typeof state.role === "string" ? state.role : "viewer";
  model.transcript = Array.isArray(state.transcript) ? state.transcript : [];
  model.partials.clear();
  model.nudges = Array.isArray(state.nudges) ? state.nudges : [];
  /** @type {Moment[]} */
  const flags = Array.isArray(state.flags) ? state.flags.map((f) => ({ ...f, kind: "flag" })) : [];
  /** @type {Moment[]} */
  const notes = Array.isArray(state.notes) ? state.notes.map((n) => ({ ...n, kind: "note" })) : [];
  model.moments = [...flags, ...notes];
  model.whispered = new Set(
    (Array.isArray(state.whispers) ? state.whispers : []).map((w) => w.nudge_id).filter(Boolean).map(String),
  );
  for (const n of model.nudges) if (typeof n.helpful === "boolean") model.ratings.set(String(n.id), n.helpful);
  model.talk = state.talk ?? null;
  model.talkAt = Date.now();
  if (typeof state.talk_share_target === "number") model.shareGoal = state.talk_share_target;
  renderGoal();
  noteCallTime(state);
  for (const u of model.transcript) if (typeof u.end === "number" && u.end > model.callTime) noteCallTime({ call_time: u.end });

  applyRole();
  applyCall();
  renderTranscript();
  renderTalk();
  renderNudges();
  renderMoments();
}

/** @param {ServerEvent} event */
function onEvent(event) {
  noteCallTime(event);
  switch (event.type) {
    case "transcript.partial":
      if (typeof event.text === "string" && event.text.trim()) model.partials.set(event.speaker, event);
      else model.partials.delete(event.speaker);
      renderTranscript();
      break;
    case "transcript.final":
      model.partials.delete(event.speaker);
      model.transcript = model.transcript.filter((u) => !event.id || u.id !== event.id);
      model.transcript.push(event);
      renderTranscript();
      break;
    case "talk":
      model.talk = event;
      model.talkAt = Date.now();
      renderTalk();
      break;
    case "nudge":
      addNudge(event);
      break;
    case "flag":
      model.moments.push({ ...event, kind: "flag" });
      renderMoments();
      break;
    case "note":
      model.moments.push({ ...event, kind: "note" });
      renderMoments();
      break;
    case "whisper":
      if (event.nudge_id && !model.whispered.has(String(event.nudge_id))) {
        model.whispered.add(String(event.nudge_id));
        refreshCard(String(event.nudge_id));
      }
      break;
    case "rating":
      model.ratings.set(String(event.nudge_id), Boolean(event.helpful));
      refreshCard(String(event.nudge_id));
      break;
    case "call.ended":
      {
        const ended = event.call ?? model.call;
        if (ended) model.call = { ...ended, status: "ended", ended_at: ended.ended_at ?? Date.now() / 1000 };
      }
      applyCall();
      applyRole();
      renderNudges();
      break;
    case "error":
      if (event.message) toast(String(event.message));
      break;
    default:
      break; // newer servers may send more; this page ignores what it does not know
  }
}

function setup() {
  ui.flag.addEventListener("click", () => flagMoment());
  ui.noteForm.addEventListener("submit", (event) => {
    event.preventDefault();
    saveNote();
  });
  ui.whisperForm.addEventListener("submit", (event) => {
    event.preventDefault();
    sendWhisper();
  });
  wireMore(ui.nudges, ui.nudgesMore);
  wireMore(ui.followups, ui.followupsMore);
  events = new EventsClient({
    callId,
    token,
    onState,
    onEvent,
    onConnection: (state, message) => {
      if (state === "open") setStatus("live", "Live");
      else if (state === "reconnecting") setStatus("reconnecting", "Reconnecting");
      else if (state === "connecting") setStatus("connecting", "Connecting");
      else if (state === "fatal") {
        setStatus("error", "Disconnected");
        ui.pageError.textContent = message ?? "Disconnected.";
        ui.pageError.hidden = false;
      }
    },
  });
  renderGoal();
  events.start();
}

setup();
