// @ts-check
/**
 * A WebSocket that comes back by itself: capped exponential backoff with jitter, a keepalive ping,
 * and a watchdog that replaces a socket that has gone silent (a dropped Wi-Fi link can leave a socket
 * "open" for minutes before the browser notices).
 */

/**
 * @typedef {"connecting" | "open" | "reconnecting" | "closed" | "fatal"} SocketState
 *
 * @typedef {object} SocketOptions
 * @property {() => string} url  Called before every attempt, so the URL may change between attempts.
 * @property {(ws: WebSocket) => void} [onOpen]
 * @property {(message: object) => void} [onJson]  Every text message that is a JSON object, parsed; the
 *   caller narrows it to its socket's messages (protocol-types.js) and ignores types it does not know.
 * @property {(state: SocketState, detail: {code?: number, reason?: string, retryInMs?: number}) => void} [onState]
 * @property {ReadonlySet<number>} [fatalCodes]  Close codes after which trying again cannot help.
 * @property {number} [minDelayMs]
 * @property {number} [maxDelayMs]
 * @property {number} [pingEveryMs]
 * @property {number} [silentAfterMs]  No message for this long: the socket is treated as dead.
 */

export class ReconnectingSocket {
  /** @param {SocketOptions} options */
  constructor(options) {
    this.options = options;
    /** @type {WebSocket | null} */
    this.ws = null;
    this.attempt = 0;
    this.stopped = false;
    /** @type {SocketState} */
    this.state = "connecting";
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.retryTimer = null;
    /** @type {ReturnType<typeof setInterval> | null} */
    this.pingTimer = null;
    this.lastHeard = 0;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  /** True when a message sent now goes out on an open socket. */
  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  /** @param {unknown} message */
  sendJson(message) {
    if (!this.isOpen || !this.ws) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  /** @param {ArrayBufferView | ArrayBuffer} data */
  sendBinary(data) {
    if (!this.isOpen || !this.ws) return false;
    this.ws.send(data);
    return true;
  }

  /** Bytes the browser still has to send on the current socket. */
  get bufferedAmount() {
    return this.ws ? this.ws.bufferedAmount : 0;
  }

  /**
   * Close for good: no more reconnects.
   * @param {number} [code]
   * @param {string} [reason]
   */
  close(code = 1000, reason = "") {
    this.stopped = true;
    this.clearTimers();
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.onclose = null;
      ws.onmessage = null;
      ws.onerror = null;
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, reason);
    }
    this.setState("closed", { code, reason });
  }

  /** Drop the current socket and try again now (used by the watchdog and by tests). */
  reconnectNow() {
    if (this.stopped) return;
    this.dropSocket();
    this.clearTimers();
    this.connect();
  }

  // ---- internals ----

  connect() {
    if (this.stopped) return;
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting", {});
    /** @type {WebSocket} */
    let ws;
    try {
      ws = new WebSocket(this.options.url());
    } catch {
      this.scheduleRetry();
      return;
    }
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => {
      this.lastHeard = Date.now();
      this.startPing();
      this.options.onOpen?.(ws);
    };
    ws.onmessage = (event) => {
      this.lastHeard = Date.now();
      if (typeof event.data !== "string") return;
      /** @type {unknown} */
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message && typeof message === "object") this.options.onJson?.(message);
    };
    ws.onerror = () => {
      // The close event that always follows carries what we need.
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.clearTimers();
      const fatal = this.options.fatalCodes?.has(event.code) ?? false;
      if (this.stopped) {
        this.setState("closed", { code: event.code, reason: event.reason });
      } else if (fatal) {
        this.stopped = true;
        this.setState("fatal", { code: event.code, reason: event.reason });
      } else {
        this.scheduleRetry(event.code, event.reason);
      }
    };
  }

  /** The socket said hello: the next drop starts the backoff from the bottom again. */
  markHealthy() {
    this.attempt = 0;
    this.setState("open", {});
  }

  /**
   * @param {number} [code]
   * @param {string} [reason]
   */
  scheduleRetry(code, reason) {
    if (this.stopped) return;
    const min = this.options.minDelayMs ?? 500;
    const max = this.options.maxDelayMs ?? 10_000;
    const base = Math.min(max, min * 2 ** this.attempt);
    // Jitter keeps a room full of browsers from reconnecting in lockstep after a server restart.
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.attempt += 1;
    this.setState("reconnecting", { code, reason, retryInMs: delay });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  startPing() {
    const every = this.options.pingEveryMs ?? 10_000;
    const silentAfter = this.options.silentAfterMs ?? 30_000;
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > silentAfter) {
        this.dropSocket();
        this.clearTimers();
        this.scheduleRetry();
        return;
      }
      this.sendJson({ type: "ping" });
    }, every);
  }

  dropSocket() {
    if (!this.ws) return;
    const ws = this.ws;
    this.ws = null;
    ws.onclose = null;
    ws.onmessage = null;
    ws.onerror = null;
    ws.onopen = null;
    try {
      ws.close(4000, "reconnecting");
    } catch {
      // Already closing.
    }
  }

  clearTimers() {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.retryTimer = null;
    this.pingTimer = null;
  }

  /**
   * @param {SocketState} state
   * @param {{code?: number, reason?: string, retryInMs?: number}} detail
   */
  setState(state, detail) {
    this.state = state;
    this.options.onState?.(state, detail);
  }
}
