// @ts-check
/**
 * Streams one track (interviewer or customer) to /ws/calls/{id}/audio, losing nothing in a short drop.
 *
 * Every frame stays in a buffer until the server acknowledges it (`ack.received_samples`). After a
 * reconnect the server's `ready.received_samples` says how much it already holds, and the buffer is
 * resent from exactly there. Positions are kept in samples relative to where this page started
 * streaming (`base` = the server's count at the first `ready`), so a page reloaded mid-call continues
 * the track instead of overwriting it.
 */

import { ReconnectingSocket } from "./socket.js";
import { socketUrl } from "./common.js";
import { SAMPLE_RATE } from "./protocol-types.js";

export { SAMPLE_RATE };
const MIN_MESSAGE = 160; // 10 ms
const MAX_MESSAGE = 8000; // 500 ms
const SEND_PIECE = 1600; // 100 ms: small enough to keep latency low when catching up
const MAX_SOCKET_BACKLOG = 256 * 1024; // bytes queued in the browser before we hold back

/** Close codes after which reconnecting cannot help (see docs/protocol.md). 4429 is not one: the
 * server may still hold our previous socket for a moment after a drop. */
const FATAL_CODES = new Set([4400, 4401, 4403, 4404, 4409]);

/** @type {Record<number, string>} */
const CLOSE_MESSAGES = {
  4400: "The server could not read the audio. Reload the page to start again.",
  4401: "This capture link is not valid any more. Open the link from the call's home page again.",
  4403: "This link may not send audio. Use the interviewer's capture link.",
  4404: "This call does not exist any more.",
  4409: "This call has ended.",
};

/**
 * @typedef {import("./protocol-types.js").Ready | import("./protocol-types.js").Ack
 *   | import("./protocol-types.js").AudioPong | import("./protocol-types.js").Error} AudioReply
 * @typedef {"idle" | "connecting" | "live" | "reconnecting" | "ended" | "error"} TrackState
 *
 * @typedef {object} TrackStatus
 * @property {TrackState} state
 * @property {number} unackedSeconds  audio held in this page, not yet confirmed by the server
 * @property {number} sentSeconds     call time this track has reached (server clock)
 * @property {string} [message]       a sentence for the interviewer, when something is wrong
 */

export class TrackStreamer {
  /**
   * @param {{callId: string, track: "interviewer" | "customer", token: string,
   *   onStatus?: (status: TrackStatus) => void, maxBufferSeconds?: number, mixed?: boolean}} options
   *   `mixed`: the track holds both people (one microphone in the room), split by voice on the server.
   */
  constructor(options) {
    this.callId = options.callId;
    this.track = options.track;
    this.mixed = options.mixed ?? false;
    this.token = options.token;
    this.onStatus = options.onStatus ?? (() => {});
    this.maxBufferSamples = (options.maxBufferSeconds ?? 300) * SAMPLE_RATE;

    /** @type {{start: number, pcm: Int16Array}[]} */
    this.chunks = [];
    /** Samples produced by this page (relative). */
    this.produced = 0;
    /** Samples confirmed by the server (relative). */
    this.acked = 0;
    /** Next sample to send on the current socket (relative); valid while `ready`. */
    this.sentUpTo = 0;
    /** The server's sample count when this page started; null until the first `ready`. */
    this.base = null;
    this.ready = false;
    this.paused = false;
    /** `pause` went out on the current socket. */
    this.pauseSent = false;
    this.ending = false;
    this.endSent = false;
    /** The server confirmed the last words after our `end` (protocol: ack with `flushed`). */
    this.flushed = false;
    this.lostSamples = 0;
    /** @type {TrackState} */
    this.state = "idle";
    /** @type {string | undefined} */
    this.message = undefined;
    /** @type {(() => void) | null} */
    this.onSettled = null;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.pumpTimer = null;

    this.socket = new ReconnectingSocket({
      url: () =>
        socketUrl(`/ws/calls/${encodeURIComponent(this.callId)}/audio`, {
          track: this.track,
          token: this.token,
          mixed: this.mixed ? "1" : "",
        }),
      fatalCodes: FATAL_CODES,
      pingEveryMs: 3000,
      silentAfterMs: 10_000,
      onOpen: () => {
        this.ready = false;
        this.socket.sendJson({ type: "hello", sample_rate: SAMPLE_RATE, format: "pcm16le" });
      },
      onJson: (message) => this.handle(message),
      onState: (state, detail) => {
        if (state === "open") return;
        this.ready = false;
        if (state === "fatal") {
          const code = detail.code ?? 0;
          this.setState(code === 4409 ? "ended" : "error", CLOSE_MESSAGES[code] ?? detail.reason);
          this.onSettled?.();
        } else if (state === "reconnecting") {
          this.setState("reconnecting", "Connection lost. Reconnecting; your audio is kept meanwhile.");
        } else if (state === "connecting") {
          this.setState("connecting");
        } else if (state === "closed" && this.state !== "error") {
          this.setState("ended");
        }
      },
    });
  }

  start() {
    this.setState("connecting");
    this.socket.start();
  }

  /**
   * New audio from the worklet.
   * @param {Int16Array} pcm
   */
  push(pcm) {
    // Audio made while paused is not sent: the server's clock stands still while paused.
    if (pcm.length === 0 || this.ending || this.paused) return;
    this.chunks.push({ start: this.produced, pcm });
    this.produced += pcm.length;
    this.trimBuffer();
    this.pump();
    this.report();
  }

  /** `pause` goes out once everything made before it is sent: the server drops audio after it. */
  pause() {
    this.paused = true;
    this.pump();
  }

  resume() {
    this.paused = false;
    if (this.pauseSent) this.socket.sendJson({ type: "resume" });
    this.pauseSent = false;
  }

  /**
   * Send what is left, tell the server the track is over, and wait (up to `timeoutMs`) until it has
   * confirmed every sample and transcribed the last words (`ack` with `flushed`). Resolves true when
   * the server holds every sample.
   * @param {number} [timeoutMs]
   * @returns {Promise<boolean>}
   */
  finish(timeoutMs = 8000) {
    this.ending = true;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.onSettled = null;
        const complete = this.acked >= this.produced;
        this.socket.close(1000, "done");
        this.setState("ended");
        resolve(complete);
      };
      const timer = setTimeout(done, timeoutMs);
      this.onSettled = () => {
        if ((this.acked >= this.produced && this.flushed) || this.state === "error" || this.state === "ended") done();
      };
      this.pump();
      this.onSettled();
    });
  }

  /** Drop the socket and reconnect at once: what a network blip does. For tests and the debug hook. */
  simulateDrop() {
    this.socket.reconnectNow();
  }

  /** Stop without waiting for anything. */
  close() {
    this.ending = true;
    this.socket.close(1000, "closed");
  }

  /** Call time this track has reached, in seconds (server clock once known). */
  get callSeconds() {
    return ((this.base ?? 0) + this.produced) / SAMPLE_RATE;
  }

  // ---- internals ----

  /** @param {object} raw  a parsed message of the audio socket */
  handle(raw) {
    const message = /** @type {AudioReply} */ (raw);
    switch (message.type) {
      case "ready": {
        const received = Number(message.received_samples) || 0;
        if (this.base === null) this.base = received;
        let local = received - this.base;
        if (local > this.produced) {
          // The server holds more than this page ever sent (another tab streamed): continue after it.
          this.base = received - this.produced;
          local = this.produced;
        }
        this.dropUpTo(local);
        this.acked = Math.max(this.acked, local);
        const first = this.chunks.length > 0 ? this.chunks[0].start : this.produced;
        // Audio before `first` was dropped while offline for too long; the server cannot get it back.
        this.sentUpTo = Math.max(local, first);
        this.ready = true;
        this.endSent = false;
        this.flushed = false;
        this.socket.markHealthy();
        this.pauseSent = false; // a new socket starts unpaused; pump() sends `pause` again
        this.setState("live");
        this.pump();
        this.onSettled?.();
        break;
      }
      case "ack": {
        if (message.flushed === true && this.endSent) this.flushed = true;
        if (this.base === null) break;
        const local = (Number(message.received_samples) || 0) - this.base;
        if (local > this.acked) {
          this.acked = local;
          this.dropUpTo(local);
          this.report();
        }
        this.onSettled?.();
        break;
      }
      case "error":
        if (message.message) this.message = String(message.message);
        break;
      default:
        // pong and anything newer than this page: nothing to do.
        break;
    }
  }

  /** @param {number} local */
  dropUpTo(local) {
    while (this.chunks.length > 0) {
      const chunk = this.chunks[0];
      if (chunk.start + chunk.pcm.length <= local) this.chunks.shift();
      else break;
    }
  }

  trimBuffer() {
    let held = this.produced - (this.chunks[0]?.start ?? this.produced);
    if (held <= this.maxBufferSamples) return;
    while (held > this.maxBufferSamples && this.chunks.length > 1) {
      const dropped = /** @type {{start: number, pcm: Int16Array}} */ (this.chunks.shift());
      this.lostSamples += dropped.pcm.length;
      held -= dropped.pcm.length;
    }
    this.message = `Offline for too long: ${Math.round(this.lostSamples / SAMPLE_RATE)} s of audio could not be kept.`;
  }

  pump() {
    if (!this.ready || !this.socket.isOpen) return;
    while (this.sentUpTo < this.produced) {
      if (this.socket.bufferedAmount > MAX_SOCKET_BACKLOG) {
        // Let the browser drain its queue; our own buffer keeps the audio meanwhile.
        if (!this.pumpTimer) {
          this.pumpTimer = setTimeout(() => {
            this.pumpTimer = null;
            this.pump();
          }, 100);
        }
        return;
      }
      const piece = this.gather(this.sentUpTo, Math.min(this.produced, this.sentUpTo + SEND_PIECE));
      if (piece.length < MIN_MESSAGE && !this.ending && !this.paused) return; // wait for the next frame
      const message = piece.length < MIN_MESSAGE ? padded(piece) : piece;
      if (message.length > MAX_MESSAGE) throw new Error("piece too long");
      if (!this.socket.sendBinary(message)) return;
      this.sentUpTo += piece.length;
    }
    if (this.paused && !this.pauseSent && this.sentUpTo >= this.produced) {
      this.pauseSent = true;
      this.socket.sendJson({ type: "pause" });
    }
    if (this.ending && this.sentUpTo >= this.produced && !this.endSent) {
      this.endSent = true;
      this.socket.sendJson({ type: "end" });
    }
  }

  /**
   * Samples [from, to) out of the buffered chunks, as one array.
   * @param {number} from
   * @param {number} to
   */
  gather(from, to) {
    const out = new Int16Array(Math.max(0, to - from));
    let filled = 0;
    for (const chunk of this.chunks) {
      const end = chunk.start + chunk.pcm.length;
      if (end <= from) continue;
      if (chunk.start >= to) break;
      const a = Math.max(from, chunk.start) - chunk.start;
      const b = Math.min(to, end) - chunk.start;
      out.set(chunk.pcm.subarray(a, b), filled);
      filled += b - a;
    }
    return out.subarray(0, filled);
  }

  /**
   * @param {TrackState} state
   * @param {string} [message]
   */
  setState(state, message) {
    this.state = state;
    if (message !== undefined) this.message = message;
    else if (state === "live") this.message = this.lostSamples > 0 ? this.message : undefined;
    this.report();
  }

  report() {
    this.onStatus({
      state: this.state,
      unackedSeconds: (this.produced - this.acked) / SAMPLE_RATE,
      sentSeconds: this.callSeconds,
      message: this.message,
    });
  }
}

/** @param {Int16Array} piece */
function padded(piece) {
  const out = new Int16Array(MIN_MESSAGE);
  out.set(piece);
  return out;
}
