// @ts-check
/**
 * The interviewer's capture page: two tracks (the interviewer's microphone and the customer's voice
 * from the call's tab or a second input) turned into 16 kHz frames by an AudioWorklet and streamed on
 * one socket per track. Whispers from the buddy (and, if wanted, gentle tips) arrive on the events socket.
 *
 * TEST-ONLY HOOK. Browsers can fake only one microphone, so browser tests feed the customer's track
 * from a file instead:
 *   - open the page with `?token=…&test_customer_wav=<same-origin URL of a WAV>`: pressing Start plays
 *     that file into the customer track (through the same worklet, never to the speakers);
 *   - with `test_customer_wav` or `test_hooks=1` in the URL the page also exposes
 *     `window.__secondearTest` = { useFileForCustomer(url), dropConnections(), status() }.
 * Without those query parameters none of this exists, and a yellow "Test mode" notice shows whenever
 * it is active.
 */

import { SAMPLE_RATE, TrackStreamer } from "./audio-track.js";
import { EventsClient } from "./events.js";
import { ApiError, api, byId, callEnded, debriefUrl, el, formatClock, kindLabel, pageCallId, pageToken, reportUrl, toast } from "./common.js";

/** @typedef {"interviewer" | "customer"} TrackName */
/** @typedef {import("./common.js").Call} Call */
/** @typedef {import("./protocol-types.js").WhisperMark} WhisperMark  a whisper in `state` */
/** @typedef {import("./protocol-types.js").WhisperEvent} WhisperEvent  a whisper as it comes */
/** @typedef {import("./protocol-types.js").Nudge} Nudge  a nudge in `state` */
/** @typedef {import("./protocol-types.js").NudgeEvent} NudgeEvent  a nudge as it comes */
/**
 * A line of the whispers feed; `order` places it when it has no call time.
 * @typedef {{kind: "whisper", item: WhisperMark, order: number} | {kind: "nudge", item: Nudge, order: number}} FeedEntry
 */
/**
 * What a track's worklet posts (pcm-worklet.js).
 * @typedef {{type: "level", rms: number, peak: number} | {type: "frame", pcm: ArrayBuffer} | {type: "flushed"}} WorkletMessage
 */
/** @typedef {"setup" | "live" | "paused" | "stopping" | "ended"} Phase */

const callId = pageCallId();
// The link's token, or "" when a signed-in member opened the page (the session cookie then counts).
const token = pageToken();
const params = new URLSearchParams(location.search);
const testCustomerWav = params.get("test_customer_wav");
const testHooks = testCustomerWav !== null || params.get("test_hooks") === "1";

/** @type {Phase} */
let phase = "setup";
/** @type {AudioContext | null} */
let ctx = null;
/** @type {Promise<AudioContext> | null} */
let ctxReady = null;
/** @type {GainNode | null} */
let sink = null;

/**
 * @typedef {object} TrackSlot
 * @property {MediaStream | null} stream
 * @property {AudioNode | null} source
 * @property {AudioWorkletNode | null} node
 * @property {TrackStreamer | null} streamer
 * @property {HTMLElement} meter
 * @property {HTMLElement} status
 */

/** @type {Record<TrackName, TrackSlot>} */
const tracks = {
  interviewer: { stream: null, source: null, node: null, streamer: null, meter: byId("mic-meter"), status: byId("mic-track-status") },
  customer: { stream: null, source: null, node: null, streamer: null, meter: byId("customer-meter"), status: byId("customer-track-status") },
};

/** Test mode: the customer's voice comes from this file. */
/** @type {ArrayBuffer | null} */
let testFileBytes = null;
/** @type {AudioBufferSourceNode | null} */
let testFileSource = null;

/** @type {Call | null} */
let call = null;
/** @type {(WhisperMark | WhisperEvent)[]} */
let whispers = [];
/** @type {(Nudge | NudgeEvent)[]} */
let nudges = [];

const ui = {
  status: byId("status"),
  title: byId("call-title"),
  pageError: byId("page-error"),
  ended: byId("ended"),
  reportLink: byId("report-link", HTMLAnchorElement),
  debriefLink: byId("debrief-link", HTMLAnchorElement),
  consent: byId("consent", HTMLInputElement),
  micSelect: byId("mic-select", HTMLSelectElement),
  micAllow: byId("mic-allow", HTMLButtonElement),
  sourceTab: byId("source-tab", HTMLInputElement),
  sourceDevice: byId("source-device", HTMLInputElement),
  sourceRoom: byId("source-room", HTMLInputElement),
  roomSource: byId("room-source"),
  tabSource: byId("tab-source"),
  deviceSource: byId("device-source"),
  shareTab: byId("share-tab", HTMLButtonElement),
  tabStatus: byId("tab-status"),
  customerSelect: byId("customer-select", HTMLSelectElement),
  start: byId("start", HTMLButtonElement),
  pause: byId("pause", HTMLButtonElement),
  stop: byId("stop", HTMLButtonElement),
  startError: byId("start-error"),
  clock: byId("clock"),
  eventsStatus: byId("events-status"),
  showNudges: byId("show-nudges", HTMLInputElement),
  whispers: byId("whispers"),
  whispersEmpty: byId("whispers-empty"),
  compact: byId("compact-toggle", HTMLButtonElement),
  stopDialog: byId("stop-dialog", HTMLDialogElement),
  stopConfirm: byId("stop-confirm", HTMLButtonElement),
  stopCancel: byId("stop-cancel", HTMLButtonElement),
  recordingConsent: byId("recording-consent"),
};

// ---------------------------------------------------------------- audio graph

/** One AudioContext for both tracks, so they share a clock. */
function audioContext() {
  if (!ctxReady) {
    ctxReady = (async () => {
      const context = new AudioContext({ latencyHint: "interactive" });
      await context.audioWorklet.addModule("/static/js/pcm-worklet.js");
      // The worklets must be pulled by the graph to run; a silent gain keeps them connected without
      // playing the call back through the speakers.
      sink = context.createGain();
      sink.gain.value = 0;
      sink.connect(context.destination);
      ctx = context;
      return context;
    })();
  }
  return ctxReady.then(async (context) => {
    if (context.state === "suspended") await context.resume();
    return context;
  });
}

/**
 * Route a source into a track's worklet, replacing what fed it before.
 * @param {TrackName} name
 * @param {MediaStream | null} stream
 * @param {(context: AudioContext) => AudioNode} [makeSource]
 */
async function attachInput(name, stream, makeSource) {
  const context = await audioContext();
  const slot = tracks[name];
  if (!slot.node) {
    const node = new AudioWorkletNode(context, "secondear-pcm16", {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      processorOptions: { targetRate: SAMPLE_RATE, frameSamples: 1600, paused: phase !== "live" },
    });
    node.port.onmessage = (event) => onWorkletMessage(name, event.data);
    node.connect(/** @type {GainNode} */ (sink));
    slot.node = node;
  }
  if (slot.source) slot.source.disconnect();
  if (slot.stream && slot.stream !== stream) for (const t of slot.stream.getTracks()) t.stop();
  slot.stream = stream;
  slot.source = stream ? context.createMediaStreamSource(stream) : makeSource ? makeSource(context) : null;
  slot.source?.connect(slot.node);
}

/**
 * @param {TrackName} name
 * @param {WorkletMessage} data
 */
function onWorkletMessage(name, data) {
  const slot = tracks[name];
  if (data.type === "level") {
    // A perceptual-ish scale: speech at normal level fills about two thirds of the bar.
    const db = 20 * Math.log10(Math.max(1e-5, data.rms));
    const pct = Math.max(0, Math.min(100, ((db + 60) / 55) * 100));
    const fill = /** @type {HTMLElement} */ (slot.meter.firstElementChild);
    fill.style.width = `${pct.toFixed(0)}%`;
    slot.meter.setAttribute("aria-valuenow", pct.toFixed(0));
  } else if (data.type === "frame") {
    if (slot.streamer && (phase === "live" || phase === "stopping")) slot.streamer.push(new Int16Array(data.pcm));
  } else if (data.type === "flushed") {
    flushWaiters.get(name)?.();
  }
}

/** @type {Map<TrackName, () => void>} */
const flushWaiters = new Map();

/**
 * Ask a worklet for its last partial frame, and wait for it (at most 500 ms).
 * @param {TrackName} name
 * @returns {Promise<void>}
 */
function flushWorklet(name) {
  const node = tracks[name].node;
  if (!node) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 500);
    flushWaiters.set(name, () => {
      clearTimeout(timer);
      flushWaiters.delete(name);
      resolve();
    });
    node.port.postMessage({ type: "flush" });
  });
}

// ---------------------------------------------------------------- devices

/** @param {unknown} error */
function mediaErrorText(error) {
  const name = error instanceof DOMException ? error.name : "";
  if (name === "NotAllowedError") return "The browser blocked access. Allow it in the address bar, then try again.";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "That input was not found. Is it plugged in?";
  if (name === "NotReadableError") return "Another app is using that input. Close it and try again.";
  return error instanceof Error ? error.message : String(error);
}

/** @param {string} [deviceId] */
async function openInput(deviceId) {
  return navigator.mediaDevices.getUserMedia({
    audio: {
      deviceId: deviceId ? { exact: deviceId } : undefined,
      echoCancellation: true,
      noiseSuppression: true,
      autoGainControl: true,
    },
  });
}

async function refreshDevices() {
  const devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "audioinput");
  const micId = tracks.interviewer.stream?.getAudioTracks()[0]?.getSettings().deviceId ?? ui.micSelect.value;
  const customerId = ui.customerSelect.value;
  ui.micSelect.replaceChildren();
  ui.customerSelect.replaceChildren(el("option", { value: "", text: "Choose an input…" }));
  // Until the page may use a microphone, browsers hide the names (and ids) of the inputs.
  const labelled = devices.some((d) => d.label);
  if (!labelled) {
    ui.micSelect.append(el("option", { value: "", text: "Default microphone" }));
  } else {
    devices.forEach((device, i) => {
      const label = device.label || `Input ${i + 1}`;
      ui.micSelect.append(el("option", { value: device.deviceId, text: label }));
      ui.customerSelect.append(el("option", { value: device.deviceId, text: label }));
    });
  }
  if (micId) ui.micSelect.value = micId;
  if (customerId) ui.customerSelect.value = customerId;
  ui.micAllow.textContent = labelled ? "Test the microphone" : "Allow microphone and test it";
  ui.micAllow.hidden = labelled && tracks.interviewer.stream !== null;
  return labelled;
}

async function useMicrophone() {
  try {
    const stream = await openInput(ui.micSelect.value || undefined);
    await attachInput("interviewer", stream);
    await refreshDevices();
    tracks.interviewer.status.textContent = phase === "setup" ? "Ready: speak to see the level" : "Sending";
    return true;
  } catch (error) {
    tracks.interviewer.status.textContent = mediaErrorText(error);
    return false;
  }
}

async function shareTab() {
  /** @type {MediaStream} */
  let stream;
  try {
    stream = await navigator.mediaDevices.getDisplayMedia(
      // Chrome's options beyond the standard ones: this tab left out, its sound kept playing.
      /** @type {Parameters<MediaDevices["getDisplayMedia"]>[0]} */ ({
        video: { displaySurface: "browser" },
        audio: { suppressLocalAudioPlayback: false },
        selfBrowserSurface: "exclude",
        surfaceSwitching: "include",
        systemAudio: "include",
      }),
    );
  } catch (error) {
    ui.tabStatus.textContent =
      error instanceof DOMException && error.name === "NotAllowedError" ? "Sharing was cancelled." : mediaErrorText(error);
    return false;
  }
  const audio = stream.getAudioTracks();
  for (const video of stream.getVideoTracks()) video.stop(); // only the sound is needed
  if (audio.length === 0) {
    ui.tabStatus.textContent = "That share has no sound. Share again, pick a tab and switch on “Also share tab audio”.";
    return false;
  }
  audio[0].addEventListener("ended", () => {
    ui.tabStatus.textContent = "Tab sharing stopped. Share the tab again to keep capturing the customer.";
    if (phase === "live" || phase === "paused") showStartError("The customer's tab is no longer shared. Click “Choose the call's tab…” to share it again.");
  });
  await attachInput("customer", new MediaStream(audio));
  ui.tabStatus.textContent = `Sharing the sound of “${audio[0].label || "the call tab"}”.`;
  ui.shareTab.textContent = "Share a different tab…";
  return true;
}

async function useCustomerDevice() {
  const id = ui.customerSelect.value;
  if (!id) return false;
  try {
    await attachInput("customer", await openInput(id));
    tracks.customer.status.textContent = "Ready";
    return true;
  } catch (error) {
    tracks.customer.status.textContent = mediaErrorText(error);
    return false;
  }
}

async function syncSourceChoice() {
  const tab = ui.sourceTab.checked;
  ui.tabSource.hidden = !tab;
  ui.deviceSource.hidden = !ui.sourceDevice.checked;
  ui.roomSource.hidden = !ui.sourceRoom.checked;
  // The list of inputs needs the microphone permission; ask for it when that list is wanted.
  if (ui.sourceDevice.checked && navigator.mediaDevices && !(await refreshDevices())) await useMicrophone();
}

// ---------------------------------------------------------------- test hook (see the header comment)

/** @param {string} url */
async function useFileForCustomer(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`test audio ${url}: ${response.status}`);
  testFileBytes = await response.arrayBuffer();
  byId("test-mode").hidden = false;
  ui.tabStatus.textContent = "Test mode: a test audio file stands in for the customer.";
  if (phase === "live") await playTestFile();
}

async function playTestFile() {
  if (!testFileBytes) return;
  const context = await audioContext();
  const buffer = await context.decodeAudioData(testFileBytes.slice(0));
  await attachInput("customer", null, (c) => {
    const source = c.createBufferSource();
    source.buffer = buffer;
    testFileSource = source;
    return source;
  });
  testFileSource?.start();
}

if (testHooks) {
  /** @type {Window & {__secondearTest?: object}} */ (window).__secondearTest = {
    useFileForCustomer,
    /** Drop both audio sockets at once, as a network blip would; they reconnect and resend. */
    dropConnections() {
      for (const slot of Object.values(tracks)) slot.streamer?.simulateDrop();
    },
    status() {
      return {
        phase,
        tracks: Object.fromEntries(
          Object.entries(tracks).map(([name, slot]) => [
            name,
            slot.streamer
              ? { state: slot.streamer.state, produced: slot.streamer.produced, acked: slot.streamer.acked, lost: slot.streamer.lostSamples }
              : null,
          ]),
        ),
      };
    },
  };
}

// ---------------------------------------------------------------- capture lifecycle

/** @param {string} message */
function showStartError(message) {
  ui.startError.textContent = message;
  ui.startError.hidden = !message;
}

/**
 * @param {TrackName} name
 * @param {import("./audio-track.js").TrackStatus} status
 */
function showTrackStatus(name, status) {
  const line = tracks[name].status;
  let text;
  switch (status.state) {
    case "connecting":
      text = "Connecting…";
      break;
    case "live":
      text = phase === "paused" ? "Paused" : "Sending";
      if (status.unackedSeconds > 2) text += ` · catching up (${status.unackedSeconds.toFixed(0)} s)`;
      break;
    case "reconnecting":
      text = `Reconnecting… ${status.unackedSeconds.toFixed(0)} s of audio kept, nothing is lost`;
      break;
    case "ended":
      text = "Finished";
      break;
    case "error":
      text = status.message ?? "Stopped.";
      break;
    default:
      text = "Waiting to start";
  }
  if (status.message && status.state === "live") text += ` · ${status.message}`;
  line.textContent = text;
  line.style.color = status.state === "error" ? "var(--critical)" : status.state === "reconnecting" ? "var(--warning)" : "";
  updateStatusPill();
}

function updateStatusPill() {
  const states = Object.values(tracks)
    .filter((slot) => slot.streamer)
    .map((slot) => slot.streamer?.state);
  /** @type {[string, string]} */
  let pill;
  if (phase === "ended") pill = ["ended", "Call ended"];
  else if (phase === "stopping") pill = ["connecting", "Finishing…"];
  else if (states.includes("error")) pill = ["error", "Problem"];
  else if (states.includes("reconnecting")) pill = ["reconnecting", "Reconnecting"];
  else if (phase === "paused") pill = ["paused", "Paused"];
  else if (phase === "live") pill = states.every((s) => s === "live") ? ["live", "Listening"] : ["connecting", "Connecting"];
  else pill = ["idle", "Not started"];
  ui.status.dataset.state = pill[0];
  ui.status.textContent = pill[1];
}

async function start() {
  showStartError("");
  if (!ui.consent.checked) {
    showStartError("Please confirm that the customer agreed before you start.");
    ui.consent.focus();
    return;
  }
  ui.start.disabled = true;
  try {
    await audioContext();
    if (!tracks.interviewer.stream && !(await useMicrophone())) {
      showStartError(`Your microphone is not available: ${tracks.interviewer.status.textContent}`);
      return;
    }
    // In person, one microphone hears both: only its track streams, split by voice on the server.
    const room = ui.sourceRoom.checked && !testFileBytes;
    if (testFileBytes || room) {
      // test mode: the file is the customer (see the header comment); in person: the microphone is
    } else if (!tracks.customer.source) {
      const ok = ui.sourceDevice.checked ? await useCustomerDevice() : false;
      if (!ok) {
        showStartError(
          ui.sourceDevice.checked
            ? "Choose the customer's audio input first."
            : "Share the call's tab first, so SecondEar can hear the customer.",
        );
        (ui.sourceDevice.checked ? ui.customerSelect : ui.shareTab).focus();
        return;
      }
    }
    if (room) tracks.customer.status.textContent = "Heard through your microphone";
    for (const name of /** @type {TrackName[]} */ (room ? ["interviewer"] : ["interviewer", "customer"])) {
      const slot = tracks[name];
      slot.streamer = new TrackStreamer({ callId, track: name, token, mixed: room, onStatus: (s) => showTrackStatus(name, s) });
      slot.streamer.start();
    }
    phase = "live";
    for (const slot of Object.values(tracks)) slot.node?.port.postMessage({ type: "paused", value: false });
    if (testFileBytes) await playTestFile();
    document.body.classList.add("capturing");
    ui.start.hidden = true;
    ui.pause.disabled = false;
    ui.stop.disabled = false;
    ui.pause.focus();
    window.addEventListener("beforeunload", warnBeforeLeaving);
    updateStatusPill();
  } finally {
    if (phase === "setup") ui.start.disabled = false;
  }
}

/** @param {BeforeUnloadEvent} event */
function warnBeforeLeaving(event) {
  if (phase === "live" || phase === "paused") event.preventDefault();
}

function togglePause() {
  const pausing = phase === "live";
  phase = pausing ? "paused" : "live";
  for (const slot of Object.values(tracks)) {
    slot.node?.port.postMessage({ type: "paused", value: pausing });
    if (pausing) slot.streamer?.pause();
    else slot.streamer?.resume();
  }
  ui.pause.textContent = pausing ? "Resume" : "Pause";
  ui.pause.setAttribute("aria-pressed", String(pausing));
  toast(pausing ? "Paused: SecondEar is not listening" : "Listening again");
  updateStatusPill();
}

/** Finish both tracks without losing the tail, then end the call on the server. */
async function stop() {
  if (phase !== "live" && phase !== "paused") return;
  phase = "stopping";
  ui.pause.disabled = true;
  ui.stop.disabled = true;
  updateStatusPill();
  await Promise.all([flushWorklet("interviewer"), flushWorklet("customer")]);
  const results = await Promise.all(Object.values(tracks).map((slot) => slot.streamer?.finish() ?? true));
  try {
    await api(`/api/calls/${encodeURIComponent(callId)}/end`, { method: "POST", token });
  } catch (error) {
    // The buddy may have ended it first; anything else is worth saying.
    if (!(error instanceof ApiError && error.status === 409)) {
      ui.pageError.textContent = error instanceof Error ? error.message : String(error);
      ui.pageError.hidden = false;
    }
  }
  if (results.includes(false)) {
    ui.pageError.textContent = "The last seconds of audio could not be sent before the call ended.";
    ui.pageError.hidden = false;
  }
  shutDown();
}

function shutDown() {
  phase = "ended";
  document.body.classList.remove("capturing");
  window.removeEventListener("beforeunload", warnBeforeLeaving);
  for (const slot of Object.values(tracks)) {
    slot.streamer?.close();
    if (slot.stream) for (const t of slot.stream.getTracks()) t.stop();
  }
  testFileSource?.stop();
  ctx?.close();
  showEnded();
}

function showEnded() {
  ui.ended.hidden = false;
  ui.reportLink.href = reportUrl(callId, token);
  ui.debriefLink.href = debriefUrl(callId, token);
  ui.start.hidden = false;
  ui.start.disabled = true;
  ui.pause.disabled = true;
  ui.stop.disabled = true;
  updateStatusPill();
}

// ---------------------------------------------------------------- whispers and tips

const GENTLE_KEY = "secondear.gentle";
const COMPACT_KEY = "secondear.compact";

/** @param {unknown} answer  the call as the API or the events socket gives it (checked to be an object) */
function applyCall(answer) {
  if (!answer || typeof answer !== "object") return;
  const call_ = /** @type {Call} */ (answer);
  call = call_;
  ui.title.textContent = call_.title ?? "Capture";
  document.title = `${call_.title ?? "Capture"} · Capture · SecondEar`;
  ui.recordingConsent.hidden = call_.recording_consent === false;
  if (callEnded(call_) && phase !== "ended") {
    if (phase === "live" || phase === "paused") shutDown();
    else {
      phase = "ended";
      showEnded();
    }
  }
}

/**
 * Call time of a whisper or nudge: `at` in the state snapshot and events, else the envelope's call_time.
 * @param {WhisperMark | Nudge | WhisperEvent | NudgeEvent} item
 * @returns {number | null}
 */
function itemTime(item) {
  if (typeof item.at === "number") return item.at;
  return "call_time" in item && typeof item.call_time === "number" ? item.call_time : null;
}

/** @param {FeedEntry} entry */
function feedItem(entry) {
  const at = itemTime(entry.item);
  const time = at === null ? "" : formatClock(at);
  if (entry.kind === "whisper") {
    return el(
      "li",
      { class: "whisper-item" },
      el("div", { class: "who" }, "Buddy", time ? ` · ${time}` : ""),
      el("div", { class: "text" }, String(entry.item.text ?? "")),
    );
  }
  const nudge = entry.item;
  return el(
    "li",
    { class: "gentle-item" },
    el("div", { class: "hint" }, "Tip · ", kindLabel(String(nudge.kind ?? "")), time ? ` · ${time}` : ""),
    el("div", {}, String(nudge.suggestion || nudge.message || nudge.title || "")),
  );
}

/**
 * @param {WhisperMark | WhisperEvent | Nudge | NudgeEvent} item
 * @param {number} index  its place in the list it came in
 */
function orderOf(item, index) {
  return "seq" in item ? item.seq : index;
}

function renderFeed() {
  /** @type {FeedEntry[]} */
  const entries = whispers.map((w, i) => ({ item: w, kind: /** @type {const} */ ("whisper"), order: orderOf(w, i) }));
  if (ui.showNudges.checked) {
    nudges.forEach((n, i) => entries.push({ item: n, kind: "nudge", order: orderOf(n, i) }));
  }
  entries.sort((a, b) => (itemTime(b.item) ?? b.order) - (itemTime(a.item) ?? a.order));
  ui.whispers.replaceChildren(...entries.map(feedItem));
  ui.whispersEmpty.hidden = entries.length > 0;
}

/** @param {FeedEntry} entry */
function addToFeed(entry) {
  ui.whispers.prepend(feedItem(entry));
  ui.whispersEmpty.hidden = true;
}

function connectEvents() {
  const events = new EventsClient({
    callId,
    token,
    onState: (state) => {
      applyCall(state.call);
      whispers = Array.isArray(state.whispers) ? state.whispers : [];
      nudges = Array.isArray(state.nudges) ? state.nudges.filter((n) => n && n.kind !== "follow_up") : [];
      renderFeed();
    },
    onEvent: (event) => {
      switch (event.type) {
        case "whisper":
          whispers.push(event);
          addToFeed({ item: event, kind: "whisper", order: event.seq });
          break;
        case "nudge":
          if (event.kind === "follow_up") break;
          nudges.push(event);
          if (ui.showNudges.checked) addToFeed({ item: event, kind: "nudge", order: event.seq });
          break;
        case "call.ended":
          applyCall({ ...(event.call ?? call ?? {}), status: "ended", ended_at: event.call?.ended_at ?? new Date().toISOString() });
          break;
        default:
          break; // transcripts, talk time and anything newer are for the buddy pane
      }
    },
    onConnection: (state, message) => {
      /** @type {Record<string, [string, string]>} */
      const labels = {
        open: ["live", "Connected"],
        connecting: ["connecting", "Connecting"],
        reconnecting: ["reconnecting", "Reconnecting"],
        fatal: ["error", "Disconnected"],
        closed: ["ended", "Closed"],
      };
      const [dataState, text] = labels[state] ?? ["connecting", state];
      ui.eventsStatus.dataset.state = dataState;
      ui.eventsStatus.textContent = text;
      if (message) {
        ui.pageError.textContent = message;
        ui.pageError.hidden = false;
      }
    },
  });
  events.start();
}

// ---------------------------------------------------------------- wiring

/** @param {boolean} on */
function setCompact(on) {
  document.body.classList.toggle("compact", on);
  ui.compact.setAttribute("aria-pressed", String(on));
  try {
    localStorage.setItem(COMPACT_KEY, on ? "1" : "0");
  } catch {
    // Not persisted; fine.
  }
}

async function setup() {
  ui.showNudges.checked = localStorage.getItem(GENTLE_KEY) === "1";
  setCompact(params.get("view") === "compact" || localStorage.getItem(COMPACT_KEY) === "1");

  ui.micAllow.addEventListener("click", () => useMicrophone());
  ui.micSelect.addEventListener("change", () => useMicrophone());
  ui.sourceTab.addEventListener("change", syncSourceChoice);
  ui.sourceDevice.addEventListener("change", syncSourceChoice);
  ui.sourceRoom.addEventListener("change", syncSourceChoice);
  ui.shareTab.addEventListener("click", () => shareTab());
  ui.customerSelect.addEventListener("change", () => useCustomerDevice());
  ui.start.addEventListener("click", () => start());
  ui.pause.addEventListener("click", togglePause);
  ui.stop.addEventListener("click", () => ui.stopDialog.showModal());
  ui.stopCancel.addEventListener("click", () => ui.stopDialog.close());
  ui.stopConfirm.addEventListener("click", () => {
    ui.stopDialog.close();
    stop();
  });
  ui.compact.addEventListener("click", () => setCompact(!document.body.classList.contains("compact")));
  ui.showNudges.addEventListener("change", () => {
    localStorage.setItem(GENTLE_KEY, ui.showNudges.checked ? "1" : "0");
    renderFeed();
  });
  navigator.mediaDevices?.addEventListener("devicechange", () => refreshDevices());
  ui.tabSource.hidden = !ui.sourceTab.checked;
  ui.deviceSource.hidden = !ui.sourceDevice.checked;
  ui.roomSource.hidden = !ui.sourceRoom.checked;

  setInterval(() => {
    const streamer = tracks.interviewer.streamer;
    if (streamer && phase !== "ended") ui.clock.textContent = formatClock(streamer.callSeconds);
  }, 250);

  if (testCustomerWav) {
    useFileForCustomer(testCustomerWav).catch((error) => {
      ui.pageError.textContent = `Test audio could not be loaded: ${error instanceof Error ? error.message : error}`;
      ui.pageError.hidden = false;
    });
  }

  try {
    applyCall(await api(`/api/calls/${encodeURIComponent(callId)}`, { token }));
  } catch (error) {
    ui.pageError.textContent = error instanceof Error ? error.message : String(error);
    ui.pageError.hidden = false;
    if (error instanceof ApiError && error.status === 404) {
      ui.start.disabled = true;
      return;
    }
  }
  if (navigator.mediaDevices) await refreshDevices();
  else {
    ui.pageError.textContent = "This browser cannot capture audio here. Open the page over https or on this computer.";
    ui.pageError.hidden = false;
  }
  connectEvents();
}

setup();
