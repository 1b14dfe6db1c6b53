// @ts-check
/** Home: the list of calls, the form that starts a new one, and the role links to hand out. */

import { absoluteUrl, api, byId, callEnded, copyText, el, toast } from "./common.js";

/** @typedef {import("./common.js").Call} Call */

// Role links are only returned once, when the call is created. Keep them in this browser so the person
// who created a call can find the links again from the list.
const LINKS_KEY = "secondear.links";

/** @returns {Record<string, Record<string, string>>} */
function storedLinks() {
  try {
    return JSON.parse(localStorage.getItem(LINKS_KEY) ?? "{}") ?? {};
  } catch {
    return {};
  }
}

/**
 * @param {string} id
 * @param {Record<string, string>} links
 */
function storeLinks(id, links) {
  const all = storedLinks();
  all[id] = links;
  try {
    localStorage.setItem(LINKS_KEY, JSON.stringify(all));
  } catch {
    // Private browsing: the links are still on screen now.
  }
}

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

/** @param {Call[]} calls */
function renderCalls(calls) {
  const list = byId("calls");
  const status = byId("calls-status");
  list.replaceChildren();
  if (calls.length === 0) {
    status.hidden = false;
    status.textContent = "No calls yet. Start one with the form.";
    return;
  }
  status.hidden = true;
  const links = storedLinks();
  for (const call of calls) {
    const ended = callEnded(call);
    const mine = links[call.id] ?? {};
    const meta = [call.interviewer && `Interviewer: ${call.interviewer}`, call.customer && `Customer: ${call.customer}`, formatDate(call.created_at)]
      .filter(Boolean)
      .join(" · ");
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
          !ended && mine.capture
            ? el("a", { class: "btn btn-small", href: mine.capture, text: "Capture", "aria-label": `Capture page for ${call.title}` })
            : null,
          mine.buddy
            ? el("a", { class: "btn btn-small", href: mine.buddy, text: "Buddy pane", "aria-label": `Buddy pane for ${call.title}` })
            : null,
          el("a", {
            class: "btn btn-small",
            href: (call.links && call.links.report) || `/report/${encodeURIComponent(call.id)}`,
            text: "Report",
            "aria-label": `Report for ${call.title}`,
          }),
        ),
      ),
    );
  }
}

async function loadCalls() {
  const status = byId("calls-status");
  try {
    /** @type {any} */
    const data = await api("/api/calls");
    const calls = Array.isArray(data) ? data : Array.isArray(data?.calls) ? data.calls : [];
    renderCalls(calls);
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

function setup() {
  const form = byId("new-call", HTMLFormElement);
  const title = byId("title", HTMLInputElement);
  const interviewer = byId("interviewer", HTMLInputElement);
  const customer = byId("customer", HTMLInputElement);
  const consent = byId("consent", HTMLInputElement);
  const create = byId("create", HTMLButtonElement);
  const pageError = byId("page-error");

  interviewer.value = localStorage.getItem("secondear.interviewer") ?? "";

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
      storeLinks(call.id, links);
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
  loadCalls();
}

setup();
