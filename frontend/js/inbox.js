// @ts-check
/**
 * The interviewer's review inbox: the comments their coach left on moments of their calls, newest
 * call first. They answer, mark comments taken on board, and open the moment on the review page.
 * What the page showed counts as read (the home page's count goes down).
 */

import { api, byId, el, formatClock, signedIn } from "./common.js";
import { commentItem } from "./thread.js";

/**
 * @typedef {import("./thread.js").Comment} Comment
 * @typedef {{key: string, label: string, time: number | null, comments: Comment[]}} InboxMoment
 * @typedef {{id: string, title: string, created_at: number, moments: InboxMoment[]}} InboxCall
 */

/** @type {InboxCall[]} */
let calls = [];

/** @param {unknown} problem */
function fail(problem) {
  const error = byId("page-error");
  error.textContent = problem instanceof Error ? problem.message : String(problem);
  error.hidden = false;
}

/** @param {string} key */
function anchor(key) {
  return `m-${key.replace(/[^a-z0-9]+/gi, "-")}`;
}

function render() {
  const unread = calls.flatMap((c) => c.moments.flatMap((m) => m.comments)).filter((c) => c.read === false).length;
  byId("inbox-empty").hidden = calls.length > 0;
  byId("inbox-summary").textContent = unread === 1 ? "1 new comment." : unread ? `${unread} new comments.` : calls.length ? "Nothing new." : "";
  byId("inbox").replaceChildren(
    ...calls.map((call) =>
      el(
        "section",
        { class: "card", "aria-label": call.title },
        el("h2", {}, el("a", { href: `/review/${encodeURIComponent(call.id)}`, text: call.title })),
        ...call.moments.map((m) =>
          el(
            "div",
            { class: "inbox-moment" },
            el(
              "p",
              { class: "comment-head" },
              el("span", { class: "chip", text: m.time === null ? "–" : formatClock(m.time) }),
              el("strong", { text: m.label }),
              el("a", { href: `/review/${encodeURIComponent(call.id)}#${anchor(m.key)}`, text: "Open the moment" }),
            ),
            el(
              "ul",
              { class: "thread" },
              ...m.comments
                .filter((c) => !c.parent)
                .map((c) => commentItem(c, m.comments, m.key, { callId: call.id, canAnswer: true, onChange: render, onError: fail })),
            ),
          ),
        ),
      ),
    ),
  );
}

async function setup() {
  const user = await signedIn();
  if (!user) return;
  try {
    /** @type {{calls: InboxCall[], unread: number}} */
    const answer = await api("/api/inbox");
    calls = answer.calls;
    render();
    const seen = calls.flatMap((c) => c.moments.flatMap((m) => m.comments)).filter((c) => c.read === false).map((c) => c.id);
    // Shown now, so read: the "New" marks stay until the next visit.
    if (seen.length) await api("/api/inbox/read", { method: "POST", body: { ids: seen } });
  } catch (problem) {
    fail(problem);
  }
}

setup();
