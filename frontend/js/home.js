// @ts-check
/** Home: the signed-in member's calls, the form that starts a new one, the colleagues to invite and
 * the role links to hand out. Someone not signed in is sent to the sign-in page. */

import { absoluteUrl, api, byId, callEnded, copyText, currentSession, el, toast } from "./common.js";

/** @typedef {import("./common.js").Call & {access?: "owner" | "buddy" | "viewer"}} Call */

/** The call shown in the "ready" card: the one invitations and report links are for. */
/** @type {Call | null} */
let createdCall = null;

const ROLES = [
  { key: "capture", name: "Interviewer", what: "Captures the call's audio and shows the buddy's whispers." },
  { key: "buddy", name: "Buddy", what: "Live transcript, nudges, and whispers to the interviewer." },
  { key: "viewer", name: "Viewer", what: "Follows the call read-only." },
  { key: "report", name: "Report", what: "Talk share, questions and follow-ups, during or after the call." },
];

/**
 * @param {Call} call
 * @param {Record<string, string>} links
 */
function showCreated(call, links) {
  createdCall = call;
  byId("members").replaceChildren();
  byId("invite-status").textContent = "";
  byId("share-status").replaceChildren();
  const section = byId("created");
  const list = byId("created-links");
  byId("created-title").textContent = `“${call.title}” is ready`;
  list.replaceChildren();
  for (const role of ROLES) {
    const path = links[role.key];
    if (!path) continue;
    const url = absoluteUrl(path);
    const inputId = `link-${role.key}`;
    const field = /** @type {HTMLInputElement} */ (
      el("input", { type: "text", id: inputId, value: url, readonly: true, "aria-label": `${role.name} link` })
    );
    field.addEventListener("focus", () => field.select());
    list.append(
      el(
        "li",
        {},
        el("strong", { text: role.name }),
        " ",
        el("span", { class: "hint", text: `· ${role.what}` }),
        el(
          "div",
          { class: "link-row" },
          field,
          el("button", {
            type: "button",
            class: "btn btn-small",
            text: "Copy",
            "aria-label": `Copy the ${role.name.toLowerCase()} link`,
            onclick: async () => {
              const ok = await copyText(url, field);
              toast(ok ? `${role.name} link copied` : "Press Ctrl+C to copy the selected link");
            },
          }),
          el("a", { class: "btn btn-small", href: path, target: "_blank", rel: "noopener", text: "Open" }),
        ),
      ),
    );
  }
  section.hidden = false;
  section.focus();
}

/**
 * The server sends Unix seconds; an ISO string is accepted too.
 * @param {string | number | null | undefined} value
 */
function formatDate(value) {
  if (value === null || value === undefined || value === "") return "";
  const date = new Date(typeof value === "number" ? value * 1000 : value);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** Calls asked for at a time; a full page means there may be older ones. */
const CALLS_PAGE = 50;
/** The last call listed: the next page starts after it. */
let lastCallId = "";

/**
 * @param {Call[]} calls
 * @param {boolean} [more] add them below the calls already listed (the next page)
 */
function renderCalls(calls, more = false) {
  const list = byId("calls");
  const status = byId("calls-status");
  if (!more) list.replaceChildren();
  byId("calls-more-row").hidden = calls.length < CALLS_PAGE;
  if (calls.length === 0 && !more) {
    status.hidden = false;
    status.textContent = "No calls yet. Start one with the form.";
    return;
  }
  status.hidden = true;
  for (const call of calls) {
    const ended = callEnded(call);
    lastCallId = call.id;
    const id = encodeURIComponent(call.id);
    const meta = [call.interviewer && `Interviewer: ${call.interviewer}`, call.customer && `Customer: ${call.customer}`, formatDate(call.created_at)]
      .filter(Boolean)
      .join(" · ");
    // Pages opened from here need no link: the session cookie says who is asking.
    list.append(
      el(
        "li",
        {},
        el(
          "div",
          { class: "call-main" },
          el("div", { class: "title" }, call.title || "Untitled call"),
          el("div", { class: "meta" }, meta),
        ),
        el(
          "div",
          { class: "btn-row" },
          el("span", { class: "pill", "data-state": ended ? "ended" : "live", text: ended ? "Ended" : "Live" }),
          !ended && call.access === "owner"
            ? el("a", { class: "btn btn-small", href: `/capture/${id}`, text: "Capture", "aria-label": `Capture page for ${call.title}` })
            : null,
          call.access === "buddy" || call.access === "viewer"
            ? el("a", { class: "btn btn-small", href: `/buddy/${id}`, text: "Buddy pane", "aria-label": `Buddy pane for ${call.title}` })
            : null,
          el("a", { class: "btn btn-small", href: `/report/${id}`, text: "Report", "aria-label": `Report for ${call.title}` }),
          ended ? el("a", { class: "btn btn-small", href: `/debrief/${id}`, text: "Debrief", "aria-label": `Debrief of ${call.title}` }) : null,
        ),
      ),
    );
  }
}

/** @param {boolean} [more] load the page after the calls already listed */
async function loadCalls(more = false) {
  const status = byId("calls-status");
  const after = more && lastCallId ? `&before=${encodeURIComponent(lastCallId)}` : "";
  try {
    /** @type {Call[] | {calls?: Call[]} | null} */
    const data = await api(`/api/calls?limit=${CALLS_PAGE}${after}`);
    const calls = Array.isArray(data) ? data : (data?.calls ?? []);
    renderCalls(calls, more);
  } catch (error) {
    status.hidden = false;
    status.textContent = error instanceof Error ? error.message : String(error);
  }
}

/**
 * @param {HTMLInputElement} input
 * @param {string} message
 */
function fieldError(input, message) {
  const hint = byId(`${input.id}-error`);
  hint.textContent = message;
  hint.hidden = !message;
  hint.style.color = message ? "var(--critical)" : "";
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

async function invite() {
  const email = byId("invite-email", HTMLInputElement);
  const role = byId("invite-role", HTMLSelectElement);
  const status = byId("invite-status");
  if (!createdCall) return;
  if (!email.value.trim()) {
    status.textContent = "Type the email your colleague signs in with.";
    email.focus();
    return;
  }
  try {
    /** @type {{email: string, name: string, role: string}} */
    const member = await api(`/api/calls/${encodeURIComponent(createdCall.id)}/members`, {
      method: "PUT",
      body: { email: email.value.trim(), role: role.value },
    });
    status.textContent = `${member.name} can now open the call as ${member.role} from their home page.`;
    byId("members").append(el("li", {}, el("strong", { text: member.name }), ` · ${member.email} · ${member.role}`));
    email.value = "";
  } catch (error) {
    status.textContent = error instanceof Error ? error.message : String(error);
  }
}

async function shareReport() {
  const status = byId("share-status");
  if (!createdCall) return;
  try {
    /** @type {{url: string}} */
    const share = await api(`/api/calls/${encodeURIComponent(createdCall.id)}/shares`, { method: "POST" });
    const url = absoluteUrl(share.url);
    const field = /** @type {HTMLInputElement} */ (
      el("input", { type: "text", value: url, readonly: true, "aria-label": "Read-only report link" })
    );
    status.replaceChildren(
      "Anyone with this link can read the report (no audio, no exports) until you revoke it.",
      el("span", { class: "link-row" }, field, el("button", {
        type: "button",
        class: "btn btn-small",
        text: "Copy",
        onclick: async () => toast((await copyText(url, field)) ? "Report link copied" : "Press Ctrl+C to copy the selected link"),
      })),
    );
  } catch (error) {
    status.textContent = error instanceof Error ? error.message : String(error);
  }
}

/** The review inbox link, with the number of coach comments not read yet. */
async function showUnread() {
  try {
    /** @type {{unread: number}} */
    const answer = await api("/api/inbox/unread");
    const count = byId("unread-count");
    count.textContent = String(answer.unread);
    count.hidden = answer.unread === 0;
    byId("inbox-link").setAttribute(
      "aria-label",
      answer.unread ? `Review inbox, ${answer.unread} unread` : "Review inbox, nothing unread",
    );
  } catch {
    // The count is a convenience: the calls still load without it.
  }
}

async function setup() {
  const info = await currentSession();
  if (!info.signed_in || !info.user) {
    location.replace("/signin");
    return;
  }
  const user = info.user;
  byId("account").textContent = `${user.name} (${user.role})`;
  byId("admin-link").hidden = user.role !== "admin";
  byId("review-link").hidden = user.role !== "coach" && user.role !== "admin";
  showUnread();
  const signOut = byId("sign-out", HTMLButtonElement);
  signOut.hidden = false;
  signOut.addEventListener("click", async () => {
    try {
      await api("/api/session", { method: "DELETE" });
    } finally {
      location.replace("/signin");
    }
  });
  byId("invite", HTMLFormElement).addEventListener("submit", (event) => {
    event.preventDefault();
    invite();
  });
  byId("share-report").addEventListener("click", () => shareReport());

  const form = byId("new-call", HTMLFormElement);
  const title = byId("title", HTMLInputElement);
  const interviewer = byId("interviewer", HTMLInputElement);
  const customer = byId("customer", HTMLInputElement);
  const consent = byId("consent", HTMLInputElement);
  const create = byId("create", HTMLButtonElement);
  const pageError = byId("page-error");

  interviewer.value = localStorage.getItem("secondear.interviewer") ?? user.name;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    pageError.hidden = true;
    fieldError(title, title.value.trim() ? "" : "Give the call a title, for example who you are talking to.");
    fieldError(interviewer, interviewer.value.trim() ? "" : "Who is leading the interview?");
    const firstBad = [title, interviewer].find((input) => !input.value.trim());
    if (firstBad) {
      firstBad.focus();
      return;
    }
    create.disabled = true;
    create.textContent = "Starting…";
    try {
      /** @type {Call} */
      const call = await api("/api/calls", {
        method: "POST",
        body: {
          title: title.value.trim(),
          interviewer: interviewer.value.trim(),
          customer: customer.value.trim() || null,
          recording_consent: consent.checked,
        },
      });
      const links = /** @type {Record<string, string>} */ ({ ...(call.links ?? {}) });
      localStorage.setItem("secondear.interviewer", interviewer.value.trim());
      form.reset();
      interviewer.value = localStorage.getItem("secondear.interviewer") ?? "";
      showCreated(call, links);
      await loadCalls();
    } catch (error) {
      pageError.textContent = error instanceof Error ? error.message : String(error);
      pageError.hidden = false;
    } finally {
      create.disabled = false;
      create.textContent = "Start call";
    }
  });

  byId("refresh").addEventListener("click", () => loadCalls());
  byId("calls-more").addEventListener("click", () => loadCalls(true));
  loadCalls();
}

setup();
