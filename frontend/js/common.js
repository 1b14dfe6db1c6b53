// @ts-check
/** Small helpers every page shares: DOM building, the call id and token from the URL, the HTTP API. */

import { WORDING } from "./wording.js";

/**
 * @typedef {"interviewer" | "customer"} Speaker
 *
 * @typedef {object} CallLinks
 * @property {string} [capture]
 * @property {string} [buddy]
 * @property {string} [viewer]
 * @property {string} [report]
 *
 * @typedef {object} Call
 * @property {string} id
 * @property {string} title
 * @property {string} interviewer
 * @property {string | null} [customer]
 * @property {boolean} [recording_consent]
 * @property {string} [status]
 * @property {number | string | null} [created_at]  Unix seconds
 * @property {number | string | null} [ended_at]
 * @property {CallLinks} [links]
 * @property {Record<string, string>} [tokens]
 */

/**
 * The element with this id, or an error that names it (a page bug, not a user problem).
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new (...args: never[]) => T} [type]
 * @returns {T}
 */
export function byId(id, type) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing element #${id}`);
  if (type && !(node instanceof type)) throw new Error(`#${id} is not a ${type.name}`);
  return /** @type {T} */ (node);
}

/**
 * Build an element. `attrs` keys starting with "on" become listeners; `class` and `text` are shortcuts.
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]  strings, numbers, booleans (true: the bare attribute), listeners
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = String(value);
    else if (key === "text") node.textContent = String(value);
    else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2).toLowerCase(), /** @type {EventListener} */ (value));
    } else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child);
  }
  return node;
}

/**
 * Seconds as m:ss, or h:mm:ss past an hour.
 * @param {number | null | undefined} seconds
 */
export function formatClock(seconds) {
  const total = Math.max(0, Math.floor(Number(seconds) || 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** The role token the page was opened with (`?token=`), or "". */
export function pageToken() {
  return new URLSearchParams(location.search).get("token") ?? "";
}

/**
 * The call's report page; a page opened with a link passes its token on, so someone without an
 * account can read the report of the call they were on.
 * @param {string} callId
 * @param {string} token
 */
export function reportUrl(callId, token) {
  const path = `/report/${encodeURIComponent(callId)}`;
  return token ? `${path}?token=${encodeURIComponent(token)}` : path;
}

/**
 * The call's shared debrief page, with the page's token like `reportUrl`.
 * @param {string} callId
 * @param {string} token
 */
export function debriefUrl(callId, token) {
  const path = `/debrief/${encodeURIComponent(callId)}`;
  return token ? `${path}?token=${encodeURIComponent(token)}` : path;
}

/** The call id from a page path such as /capture/{id} or /buddy/{id}. */
export function pageCallId() {
  const parts = location.pathname.split("/").filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] ?? "");
}

/**
 * ws:// or wss:// URL on this server for a path and query.
 * @param {string} path
 * @param {Record<string, string>} query
 */
export function socketUrl(path, query) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  // A page opened by a signed-in member has no token: the socket goes with the session cookie.
  const qs = new URLSearchParams(Object.entries(query).filter(([, value]) => value)).toString();
  return `${scheme}//${location.host}${path}${qs ? `?${qs}` : ""}`;
}

/**
 * @typedef {object} Me
 * @property {string} email
 * @property {string} name
 * @property {"admin" | "coach" | "member"} role
 *
 * @typedef {object} SessionInfo
 * @property {boolean} signed_in
 * @property {Me | null} [user]
 * @property {string | null} [csrf]   sent back as X-CSRF-Token on requests that change something
 * @property {string | null} [setup]  set while the server has no accounts yet
 */

/** @type {Promise<SessionInfo> | null} */
let sessionInfo = null;

/**
 * Who is signed in (asked once per page load). A server without accounts says so in `setup`.
 * @returns {Promise<SessionInfo>}
 */
export function currentSession() {
  if (!sessionInfo) {
    /** @type {Promise<SessionInfo>} */
    const asked = api("/api/session");
    sessionInfo = asked.catch(() => ({ signed_in: false }));
  }
  return sessionInfo;
}

/**
 * The signed-in person, shown in the appbar's `#account`; someone not signed in is sent to sign in.
 * @returns {Promise<Me | null>} null when the page is leaving for /signin
 */
export async function signedIn() {
  const info = await currentSession();
  if (!info.signed_in || !info.user) {
    location.replace("/signin");
    return null;
  }
  const user = info.user;
  const account = document.getElementById("account");
  if (account && !account.textContent) account.textContent = `${user.name} (${user.role})`;
  return user;
}

/** @param {SessionInfo} info  the answer of signing in, so the next requests carry its CSRF token */
export function rememberSession(info) {
  sessionInfo = Promise.resolve(info);
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {number} status
   */
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/**
 * Call the HTTP API. Errors carry the server's `detail`, written for people. The answer is the
 * server's JSON, typed as the caller's variable says (the server's schema vouches for it).
 * @template [T=unknown]
 * @param {string} path
 * @param {{method?: string, body?: unknown, token?: string}} [options]
 * @returns {Promise<T>}
 */
export async function api(path, options = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const method = options.method ?? "GET";
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const signingIn = path === "/api/session" && method === "POST";
  if (!options.token && !signingIn && !SAFE_METHODS.has(method)) {
    // The session cookie goes with the request; the CSRF token proves this page sent it.
    const csrf = (await currentSession()).csrf;
    if (csrf) headers["X-CSRF-Token"] = csrf;
  }
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError("Can't reach SecondEar. Check your connection and try again.", 0);
  }
  const text = await response.text();
  /** @type {unknown} */
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const said = data && typeof data === "object" ? /** @type {{detail?: unknown}} */ (data).detail : null;
    const detail = typeof said === "string" ? said : `The server answered ${response.status}.`;
    throw new ApiError(detail, response.status);
  }
  return /** @type {T} */ (data);
}

/** @param {string} kind  a flag or nudge kind; its name as the live cards and the report give it */
export function kindLabel(kind) {
  return WORDING[kind]?.title ?? kind.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
}

/** Flags that describe something good or an opportunity, shown in a different tone. */
export const POSITIVE_FLAGS = new Set(["reflection", "workaround", "pain"]);

/**
 * The label for a speaker: the role, and the person's name where the call has one.
 * @param {string} speaker
 * @param {Partial<Call> | null | undefined} call
 */
export function speakerLabel(speaker, call) {
  if (speaker === "interviewer") return call?.interviewer ? `Interviewer · ${call.interviewer}` : "Interviewer";
  if (speaker === "customer") return call?.customer ? `Customer · ${call.customer}` : "Customer";
  return speaker;
}

/** @param {Partial<Call> | null | undefined} call */
export function callEnded(call) {
  if (!call) return false;
  return Boolean(call.ended_at) || call.status === "ended";
}

/**
 * A short message that disappears by itself; also read out by screen readers.
 * @param {string} message
 */
export function toast(message) {
  let region = document.getElementById("toasts");
  if (!region) {
    region = el("div", { id: "toasts", class: "toast-region", role: "status", "aria-live": "polite" });
    document.body.append(region);
  }
  const item = el("div", { class: "toast", text: message });
  region.append(item);
  setTimeout(() => item.remove(), 3200);
}

/**
 * Copy text to the clipboard, falling back to selecting it in a field when the API is refused.
 * @param {string} text
 * @param {HTMLInputElement} [field]
 */
export async function copyText(text, field) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (field) {
      field.focus();
      field.select();
    }
    return false;
  }
}

/**
 * Absolute URL for a path on this server.
 * @param {string} path
 */
export function absoluteUrl(path) {
  return new URL(path, location.origin).toString();
}
