// @ts-check
/** The appbar of the trends, team and study pages (and the home page's links to them): who is
 * signed in, and the team link for coaches and admins. Someone not signed in goes to sign in. */

import { byId, signedIn as signedInPerson } from "./common.js";

/** @typedef {import("./common.js").Me} Me */

/**
 * The signed-in person (common.js `signedIn`), with the team link for coaches and admins.
 * @returns {Promise<Me | null>} null when the page is leaving for /signin
 */
export async function signedIn() {
  const user = await signedInPerson();
  if (user) showTeamLink(user);
  return user;
}

/** @param {Me} user */
export function showTeamLink(user) {
  const team = document.getElementById("team-link");
  if (team) team.hidden = !(user.role === "coach" || user.role === "admin");
}

/** @param {unknown} problem */
export function showError(problem) {
  const box = byId("page-error");
  box.textContent = problem instanceof Error ? problem.message : String(problem);
  box.hidden = false;
}

/**
 * An SVG chart drawn by the server (app/insights/trends_render.py: every text in it is escaped
 * there), as a node.
 * @param {string} svg
 * @returns {Element | null}
 */
export function svgNode(svg) {
  if (!svg) return null;
  // The server's inline SVG carries no xmlns (HTML does not need it); XML parsing does.
  const xml = svg.startsWith("<svg ") && !svg.includes("xmlns=") ? `<svg xmlns="http://www.w3.org/2000/svg" ${svg.slice(5)}` : svg;
  const doc = new DOMParser().parseFromString(xml, "image/svg+xml");
  const root = doc.documentElement;
  if (root.nodeName !== "svg") return null;
  return document.importNode(root, true);
}

/** How long the trends and team pages wait before asking again while figures are being computed. */
export const PENDING_RETRY_MS = 4000;

/**
 * Say how many calls' figures the server is still computing (after an upgrade, all of them once).
 * @param {number} pending
 */
export function showPending(pending) {
  const box = byId("pending");
  box.hidden = pending === 0;
  box.textContent = pending
    ? `Working out the figures of ${pending} more call${pending === 1 ? "" : "s"}: this page fills in by itself.`
    : "";
}
