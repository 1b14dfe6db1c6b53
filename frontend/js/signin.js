// @ts-check
/** Sign-in: email and password; then on to the home page. A server without accounts says how to add one. */

import { api, byId, currentSession, rememberSession } from "./common.js";

/** @typedef {import("./common.js").SessionInfo} SessionInfo */

async function setup() {
  // The form is wired before asking who is signed in: a click during that round trip must not
  // submit the form natively (a GET that would put the password in the address).
  const form = byId("signin", HTMLFormElement);
  const email = byId("email", HTMLInputElement);
  const password = byId("password", HTMLInputElement);
  const button = byId("signin-button", HTMLButtonElement);
  const error = byId("signin-error");
  email.focus();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    if (!email.value.trim() || !password.value) {
      error.textContent = "Type your email and your password.";
      error.hidden = false;
      return;
    }
    button.disabled = true;
    button.textContent = "Signing in…";
    try {
      /** @type {SessionInfo} */
      const session = await api("/api/session", {
        method: "POST",
        body: { email: email.value.trim(), password: password.value },
      });
      rememberSession(session);
      location.replace("/");
    } catch (problem) {
      error.textContent = problem instanceof Error ? problem.message : String(problem);
      error.hidden = false;
      password.value = "";
      password.focus();
    } finally {
      button.disabled = false;
      button.textContent = "Sign in";
    }
  });
  const info = await currentSession();
  if (info.signed_in) {
    location.replace("/");
    return;
  }
  byId("setup").hidden = !info.setup;
}

setup();
