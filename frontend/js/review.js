// @ts-check
/**
 * The coach's review. /review lists the calls of the interviewers the coach coaches, newest first,
 * with the moments nobody reviewed yet; /review/{call} shows each flagged moment with the
 * transcript around it, its clip, and its comments. The coach comments (with a better question),
 * marks a moment reviewed or a good example, and corrects the detectors; the interviewer, on the
 * same page, answers and marks comments as taken on board.
 */

import { api, byId, el, formatClock, signedIn, toast } from "./common.js";
import { commentItem } from "./thread.js";

/**
 * @typedef {import("./thread.js").Comment} Comment
 * @typedef {{speaker: string, time: number | null, text: string, here: boolean}} AroundLine
 * @typedef {{speaker: string, text: string, question: string | null, flags: string[]}} Detected
 * @typedef {{key: string, time: number | null, kind: string, label: string, source: string,
 *   speaker: string | null, text: string, message: string | null, suggestion: string | null,
 *   note: string | null, around: AroundLine[], detected: Detected | null, clip: string | null,
 *   reviewed: boolean, good_example: boolean, allowed_flags: string[],
 *   override: {question: string | null, flags: string[], note: string | null} | null,
 *   comments: Comment[], nudge: {sent: boolean, held_reason: string | null, helpful: boolean | null} | null}} Moment
 * @typedef {{call: {id: string, title: string, interviewer: string, customer: string | null,
 *   created_at: number, recording: boolean}, coach: boolean, moments: Moment[]}} Review
 * @typedef {{id: string, title: string, interviewer: string, created_at: number, status: string,
 *   moments: number, unreviewed: number, first_unreviewed: {key: string, time: number | null, label: string, text: string}[]}} ListedCall
 */

const FLAG_NAMES = /** @type {Record<string, string>} */ ({
  closed_question: "Closed question",
  leading_question: "Leading question",
  hypothetical_question: "Hypothetical question",
  stacked_questions: "Stacked questions",
  compliment_fishing: "Fishing for compliments",
  hot_tip: "Hot tip",
  pitch: "Pitching",
  reflection: "Reflection",
  workaround: "Workaround",
  pain: "Pain",
});

/** @param {string} flag */
const flagName = (flag) => FLAG_NAMES[flag] ?? flag.replace(/_/g, " ");

/** @param {number} n @param {string} word */
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** @param {number} seconds */
function day(seconds) {
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** @param {unknown} problem */
function fail(problem) {
  const error = byId("page-error");
  error.textContent = problem instanceof Error ? problem.message : String(problem);
  error.hidden = false;
}

/** The call id of /review/{id}, or "" on the list. */
function reviewCallId() {
  const parts = location.pathname.split("/").filter(Boolean);
  return parts.length > 1 ? decodeURIComponent(parts[1]) : "";
}

// --------------------------------------------------------------------------------- the list
// Calls shown at first; "Show older calls" adds as many again.
const PAGE = 20;
let shownCalls = PAGE;

async function showList() {
  byId("list-view").hidden = false;
  /** @type {{calls: ListedCall[]}} */
  const answer = await api(`/api/review/calls?limit=${shownCalls}`);
  const more = byId("more-calls", HTMLButtonElement);
  more.hidden = answer.calls.length < shownCalls || shownCalls >= 200;
  more.onclick = () => {
    shownCalls += PAGE;
    showList().catch(fail);
  };
  byId("no-calls").hidden = answer.calls.length > 0;
  showExamples().catch(fail);
  byId("review-calls").replaceChildren(
    ...answer.calls.map((c) =>
      el(
        "li",
        { class: "card" },
        el(
          "div",
          { class: "card-header" },
          el("a", { href: `/review/${encodeURIComponent(c.id)}`, text: c.title }),
          el("span", {
            class: c.unreviewed ? "chip chip-warn" : "chip chip-good",
            text: c.unreviewed ? `${c.unreviewed} of ${c.moments} to review` : c.moments ? "All reviewed" : "Nothing flagged",
          }),
        ),
        el("p", { class: "hint", text: `${c.interviewer} · ${day(c.created_at)}${c.status === "ended" ? "" : " · still live"}` }),
        c.first_unreviewed.length
          ? el(
              "ul",
              { class: "plain-list" },
              ...c.first_unreviewed.map((m) =>
                el(
                  "li",
                  {},
                  el("span", { class: "chip", text: m.time === null ? "–" : formatClock(m.time) }),
                  ` ${m.label}`,
                  m.text ? el("span", { class: "hint", text: `: “${m.text}”` }) : "",
                ),
              ),
            )
          : "",
      ),
    ),
  );
}

/** The good examples the coach collected, under the calls. */
async function showExamples() {
  /** @type {{examples: {call: {id: string, title: string}, interviewer: string, key: string, label: string, time: number | null, text: string}[]}} */
  const answer = await api("/api/review/examples");
  byId("examples-card").hidden = answer.examples.length === 0;
  byId("examples").replaceChildren(
    ...answer.examples.map((x) =>
      el(
        "li",
        {},
        el("span", { class: "chip", text: x.time === null ? "–" : formatClock(x.time) }),
        " ",
        el("a", { href: `/review/${encodeURIComponent(x.call.id)}#m-${x.key.replace(/[^a-z0-9]+/gi, "-")}`, text: `${x.label} · ${x.call.title}` }),
        el("span", { class: "hint", text: ` (${x.interviewer})${x.text ? `: “${x.text}”` : ""}` }),
      ),
    ),
  );
}

// --------------------------------------------------------------------------------- one call
/** @type {Review | null} */
let review = null;
const callId = reviewCallId();

/** @param {Moment} m */
function momentId(m) {
  return `m-${m.key.replace(/[^a-z0-9]+/gi, "-")}`;
}

/**
 * @template [T=unknown]
 * @param {string} path
 * @param {unknown} body
 * @param {string} [method]
 * @returns {Promise<T>}
 */
function send(path, body, method = "PUT") {
  return api(`/api/calls/${encodeURIComponent(callId)}/review${path}`, { method, body });
}

/** @param {Moment} m */
function marks(m) {
  if (!review?.coach) return null;
  const reviewed = el("button", { type: "button", class: "btn btn-small", "aria-pressed": String(m.reviewed) }, m.reviewed ? "Reviewed ✓" : "Mark reviewed");
  const good = el("button", { type: "button", class: "btn btn-small", "aria-pressed": String(m.good_example) }, m.good_example ? "Good example ★" : "Mark as good example");
  reviewed.addEventListener("click", async () => {
    try {
      /** @type {{reviewed: boolean}} */
      const answer = await send("/marks", { moment: m.key, reviewed: !m.reviewed });
      m.reviewed = answer.reviewed;
      render();
    } catch (problem) {
      fail(problem);
    }
  });
  good.addEventListener("click", async () => {
    try {
      /** @type {{good_example: boolean}} */
      const answer = await send("/marks", { moment: m.key, good_example: !m.good_example });
      m.good_example = answer.good_example;
      toast(m.good_example ? "Kept as a good example." : "No longer a good example.");
      render();
    } catch (problem) {
      fail(problem);
    }
  });
  return el("div", { class: "btn-row" }, reviewed, good);
}

/** @param {Moment} m */
function overrideForm(m) {
  const found = m.detected;
  if (!review?.coach || !found) return null;
  const current = m.override ?? { question: found.question, flags: found.flags, note: null };
  // "a closed question" once, whether the form or the flag says it.
  const form = found.question && !found.flags.includes(`${found.question}_question`) ? [found.question === "open" ? "an open question" : "a closed question"] : [];
  const said = [...form, ...found.flags.map((f) => flagName(f).toLowerCase())].join(", ") || "nothing to flag";
  const id = momentId(m);
  /** @type {HTMLElement[]} */
  const boxes = m.allowed_flags.map((flag) =>
    el(
      "label",
      { class: "check", for: `${id}-flag-${flag}` },
      el("input", { type: "checkbox", id: `${id}-flag-${flag}`, value: flag, checked: current.flags.includes(flag) }),
      el("span", { text: flagName(flag) }),
    ),
  );
  const question =
    found.speaker === "interviewer"
      ? el(
          "div",
          { class: "field" },
          el("label", { for: `${id}-question`, text: "The question is" }),
          el(
            "select",
            { id: `${id}-question` },
            ...[
              ["", "not a question"],
              ["open", "open"],
              ["closed", "closed"],
            ].map(([value, text]) => el("option", { value, selected: (current.question ?? "") === value }, text)),
          ),
        )
      : null;
  const note = el("input", { type: "text", id: `${id}-note`, maxlength: 4000, value: current.note ?? "", placeholder: "Why (optional)" });
  const box = el(
    "form",
    { class: "override-form" },
    el("p", { class: "hint", text: `The detectors said: ${said}.${m.override ? " You corrected it." : ""}` }),
    question,
    el("fieldset", {}, el("legend", { text: "This line really is" }), el("div", { class: "flag-choices" }, ...boxes)),
    el("div", { class: "field" }, el("label", { for: `${id}-note`, text: "Note" }), note),
    el("button", { type: "submit", class: "btn btn-small btn-primary" }, "Save the correction"),
  );
  box.addEventListener("submit", async (event) => {
    event.preventDefault();
    const flags = boxes.map((b) => b.querySelector("input")).filter((i) => i?.checked).map((i) => /** @type {HTMLInputElement} */ (i).value);
    const select = box.querySelector("select");
    try {
      /** @type {{question: string | null, flags: string[]}} */
      const answer = await send("/overrides", {
        moment: m.key,
        question: select ? select.value || null : null,
        flags,
        note: /** @type {HTMLInputElement} */ (note).value || null,
      });
      m.override = { question: answer.question, flags: answer.flags, note: /** @type {HTMLInputElement} */ (note).value || null };
      toast("Correction saved. It will help the detectors learn.");
      render();
    } catch (problem) {
      fail(problem);
    }
  });
  return el("details", { class: "override", open: Boolean(m.override) }, el("summary", { text: "Correct the detectors" }), box);
}

/** @param {Moment} m */
function commentForm(m) {
  if (!review?.coach) return null;
  const id = momentId(m);
  const body = el("textarea", { id: `${id}-comment`, rows: 2, maxlength: 4000, required: true });
  const better = el("input", { type: "text", id: `${id}-better`, maxlength: 4000, placeholder: m.suggestion ? `e.g. ${m.suggestion}` : "How would you ask it?" });
  const form = el(
    "form",
    { class: "review-form" },
    el("div", { class: "field" }, el("label", { for: `${id}-comment`, text: "Your comment" }), body),
    el("div", { class: "field" }, el("label", { for: `${id}-better`, text: "A better question (optional)" }), better),
    el("button", { type: "submit", class: "btn btn-small btn-primary" }, "Send to the interviewer"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = /** @type {HTMLTextAreaElement} */ (body).value.trim();
    if (!text) return;
    try {
      /** @type {Comment} */
      const added = await send("/comments", { moment: m.key, body: text, suggestion: /** @type {HTMLInputElement} */ (better).value || null }, "POST");
      m.comments.push(added);
      m.reviewed = true;
      toast("Sent. The interviewer sees it in their review inbox.");
      render();
    } catch (problem) {
      fail(problem);
    }
  });
  return form;
}

/** @param {NonNullable<Moment["nudge"]>} n */
function nudgeText(n) {
  if (!n.sent) return "Noted, not shown live";
  if (n.helpful === true) return "Shown live · the buddy found it helpful";
  if (n.helpful === false) return "Shown live · the buddy found it not helpful";
  return "Shown live to the buddy";
}

/** @param {Moment} m */
function momentCard(m) {
  const head = el(
    "div",
    { class: "comment-head" },
    el("span", { class: "chip", text: m.time === null ? "–" : formatClock(m.time) }),
    el("strong", { text: m.label }),
    m.source === "buddy" ? el("span", { text: "flagged by the buddy" }) : "",
    m.nudge ? el("span", { class: "chip", text: nudgeText(m.nudge) }) : "",
    m.good_example ? el("span", { class: "chip chip-good", text: "Good example" }) : "",
    m.override ? el("span", { class: "chip", text: "Corrected" }) : "",
    m.reviewed ? el("span", { class: "chip chip-good", text: "Reviewed" }) : el("span", { class: "chip chip-warn", text: "Not reviewed" }),
  );
  const around = m.around.length
    ? el(
        "ol",
        { class: "around", "aria-label": "The transcript around this moment" },
        ...m.around.map((line) =>
          el(
            "li",
            { class: line.here ? "here" : "" },
            el("span", { class: `speaker-tag speaker-${line.speaker}`, text: line.speaker === "interviewer" ? "Interviewer" : "Customer" }),
            ` ${line.time === null ? "" : formatClock(line.time)} `,
            line.text,
          ),
        ),
      )
    : null;
  const onThread = {
    callId,
    onChange: () => render(),
    onError: fail,
    canAnswer: !review?.coach,
  };
  const roots = m.comments.filter((c) => !c.parent);
  return el(
    "li",
    { class: `card moment-card${m.reviewed ? " is-reviewed" : ""}`, id: momentId(m) },
    head,
    m.text ? el("p", { class: "moment-words", text: `“${m.text}”` }) : null,
    m.note ? el("p", { text: `Buddy's note: ${m.note}` }) : null,
    m.message ? el("p", { class: "hint", text: m.message }) : null,
    m.suggestion ? el("p", { class: "hint", text: `SecondEar suggested: ${m.suggestion}` }) : null,
    m.clip ? el("audio", { controls: true, preload: "none", src: m.clip, "aria-label": `Listen to the moment at ${formatClock(m.time)}` }) : null,
    around,
    marks(m),
    overrideForm(m),
    roots.length
      ? el("ul", { class: "thread", "aria-label": "Comments" }, ...roots.map((c) => commentItem(c, m.comments, m.key, onThread)))
      : null,
    commentForm(m),
  );
}

function render() {
  if (!review) return;
  const onlyOpen = byId("only-open", HTMLInputElement).checked;
  const shown = review.moments.filter((m) => !onlyOpen || !m.reviewed);
  byId("no-moments").hidden = review.moments.length > 0;
  const open = review.moments.filter((m) => !m.reviewed).length;
  byId("call-lede").textContent = review.coach
    ? `${plural(review.moments.length, "moment")}, ${open} not reviewed yet. Comment on any of them; ${review.call.interviewer} sees your comments in their review inbox.`
    : "Your coach's comments on this call. Answer them, and mark what you have taken on board.";
  byId("moments").replaceChildren(...shown.map(momentCard));
}

async function showCall() {
  byId("call-view").hidden = false;
  review = await api(`/api/calls/${encodeURIComponent(callId)}/review`);
  if (!review) return;
  byId("call-title").textContent = review.call.title;
  document.title = `Review: ${review.call.title} · SecondEar`;
  byId("call-meta").textContent = `${review.call.interviewer} · ${day(review.call.created_at)}${review.call.recording ? "" : " · not recorded, so no clips"}`;
  if (!review.coach) {
    const back = byId("back-link", HTMLAnchorElement);
    back.href = "/inbox";
    back.textContent = "Your review inbox";
  }
  byId("only-open").addEventListener("change", render);
  render();
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
}

async function setup() {
  const user = await signedIn();
  if (!user) return;
  try {
    if (callId) await showCall();
    else if (user.role === "coach" || user.role === "admin") await showList();
    else location.replace("/inbox");
  } catch (problem) {
    fail(problem);
  }
}

setup();
