// @ts-check
/**
 * A comment thread on one moment, shared by the coach's review page and the interviewer's inbox:
 * the coach's comment (with a better question), the answers under it, and for the interviewer a
 * reply box and "taken on board".
 */

import { api, el, toast } from "./common.js";

/**
 * @typedef {{id: string, moment: string, parent: string | null, author: string, mine: boolean,
 *   body: string, suggestion: string | null, created_at: number, taken: boolean, read?: boolean}} Comment
 * @typedef {{callId: string, canAnswer: boolean, onChange: () => void, onError: (problem: unknown) => void}} ThreadOptions
 */

/** @param {number} seconds */
function when(seconds) {
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/**
 * @param {Comment} root
 * @param {Comment[]} all  every comment on the moment (the answers are found among them)
 * @param {string} moment
 * @param {ThreadOptions} options
 */
export function commentItem(root, all, moment, options) {
  const answers = all.filter((c) => c.parent === root.id);
  const path = `/api/calls/${encodeURIComponent(options.callId)}/review/comments`;
  /** @type {(HTMLElement | null)[]} */
  const parts = [one(root)];
  for (const a of answers) parts.push(el("div", { class: "reply" }, one(a)));
  if (options.canAnswer && !root.mine) {
    const taken = el(
      "button",
      { type: "button", class: root.taken ? "btn btn-small" : "btn btn-small btn-primary", "aria-pressed": String(root.taken) },
      root.taken ? "Taken on board ✓" : "Mark as taken on board",
    );
    taken.addEventListener("click", async () => {
      try {
        /** @type {{taken: boolean}} */
        const answer = await api(`${path}/${encodeURIComponent(root.id)}/taken`, { method: "PUT", body: { taken: !root.taken } });
        root.taken = answer.taken;
        toast(root.taken ? "Marked as taken on board. Your coach sees it." : "No longer marked as taken on board.");
        options.onChange();
      } catch (problem) {
        options.onError(problem);
      }
    });
    const id = `answer-${root.id}`;
    const text = el("textarea", { id, rows: 2, maxlength: 4000 });
    const form = el(
      "form",
      { class: "review-form" },
      el("label", { for: id, text: "Your answer" }),
      text,
      el("div", { class: "btn-row" }, el("button", { type: "submit", class: "btn btn-small" }, "Send answer"), taken),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = /** @type {HTMLTextAreaElement} */ (text).value.trim();
      if (!body) return;
      try {
        /** @type {Comment} */
        const added = await api(path, { method: "POST", body: { moment, body, parent: root.id } });
        all.push(added);
        toast("Answer sent to your coach.");
        options.onChange();
      } catch (problem) {
        options.onError(problem);
      }
    });
    parts.push(form);
  } else if (root.taken) {
    parts.push(el("p", { class: "hint", text: "The interviewer has taken this on board ✓" }));
  }
  return el("li", { class: "comment", "data-comment": root.id }, ...parts);
}

/** @param {Comment} c */
function one(c) {
  return el(
    "div",
    {},
    el(
      "div",
      { class: "comment-head" },
      el("strong", { text: c.mine ? "You" : c.author }),
      el("span", { text: when(c.created_at) }),
      c.read === false ? el("span", { class: "new-badge", text: "New" }) : null,
    ),
    el("p", { class: "comment-body", text: c.body }),
    c.suggestion ? el("p", { class: "better-question" }, el("strong", { text: "A better question: " }), c.suggestion) : null,
  );
}
