// @ts-check
/**
 * The call's event stream (/ws/calls/{id}/events): transcript, talk time, nudges, whispers.
 *
 * The first message on every connection is `state`, the whole call so far, so a reconnect simply
 * re-renders from it. Events carry an increasing `seq`; anything at or below the last seen one is a
 * repeat and is skipped. Types this page does not know are ignored (the server may be newer).
 */

import { ReconnectingSocket } from "./socket.js";
import { socketUrl } from "./common.js";
import { CLOSE_CODES } from "./protocol-types.js";

/** @type {Record<number, string>} */
const CLOSE_MESSAGES = {
  [CLOSE_CODES.BAD_TOKEN]: "This link is not valid. Ask for a new link from the call's home page.",
  [CLOSE_CODES.NO_CALL]: "This call does not exist.",
};

/**
 * @typedef {import("./socket.js").SocketState} SocketState
 * @typedef {import("./protocol-types.js").State} State
 * @typedef {import("./protocol-types.js").ServerEvent} ServerEvent
 *
 * @typedef {object} EventsOptions
 * @property {string} callId
 * @property {string} token
 * @property {(state: State) => void} onState         the `state` snapshot (first message, and after reconnects)
 * @property {(event: ServerEvent) => void} onEvent   every later event, already de-duplicated
 * @property {(state: SocketState, message?: string) => void} [onConnection]
 */

export class EventsClient {
  /** @param {EventsOptions} options */
  constructor(options) {
    this.options = options;
    this.lastSeq = -Infinity;
    this.socket = new ReconnectingSocket({
      url: () => socketUrl(`/ws/calls/${encodeURIComponent(options.callId)}/events`, { token: options.token }),
      fatalCodes: new Set([CLOSE_CODES.BAD_MESSAGE, CLOSE_CODES.BAD_TOKEN, CLOSE_CODES.NOT_ALLOWED, CLOSE_CODES.NO_CALL]),
      onJson: (message) => this.handle(message),
      onState: (state, detail) => {
        if (state === "open") return;
        const message =
          state === "fatal" ? (CLOSE_MESSAGES[detail.code ?? 0] ?? detail.reason ?? "Disconnected.") : undefined;
        options.onConnection?.(state, message);
      },
    });
  }

  start() {
    this.socket.start();
  }

  /**
   * Send a buddy action (flag, note, whisper, rate). False when offline: the caller tells the user.
   * @param {Record<string, unknown>} message
   */
  send(message) {
    return this.socket.sendJson(message);
  }

  get isOpen() {
    return this.socket.isOpen;
  }

  close() {
    this.socket.close();
  }

  /** @param {object} raw  a parsed message; its `type` says which (types this page does not know pass through) */
  handle(raw) {
    const message = /** @type {ServerEvent} */ (raw);
    if (typeof message.type !== "string") return;
    if (message.type === "state") {
      this.lastSeq = typeof message.seq === "number" ? message.seq : -Infinity;
      this.socket.markHealthy();
      this.options.onConnection?.("open");
      this.options.onState(message);
      return;
    }
    if (message.type === "pong") return;
    if (typeof message.seq === "number" && message.type !== "error") {
      if (message.seq <= this.lastSeq) return;
      this.lastSeq = message.seq;
    }
    this.options.onEvent(message);
  }
}
