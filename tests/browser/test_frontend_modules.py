"""The browser code on its own, in Chromium, without the server: the AudioWorklet's resampling, the
audio track's resume-after-drop buffer, and the buddy pane driven by a scripted events socket.

Pages and modules are served from frontend/ by a small static server on a loopback port (a secure
context, which AudioWorklet needs; Playwright's request routing does not reach worklet
scripts). WebSocket is replaced by a scripted fake
that the test drives, so every message and drop happens exactly when the test says.
"""

from __future__ import annotations

import json
import mimetypes
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from .conftest import REPO, ConsoleWatch

pytestmark = pytest.mark.browser

FRONTEND = REPO / "frontend"
PAGES = {"buddy": "buddy.html", "capture": "capture.html"}

# A WebSocket stand-in. Instances are kept in window.__sockets; the test plays the server with
# serverSend / serverClose and reads what the page sent from `sent`.
FAKE_WEBSOCKET = """
window.__sockets = [];
class FakeWebSocket {
  static CONNECTING = 0; static OPEN = 1; static CLOSING = 2; static CLOSED = 3;
  constructor(url) {
    this.url = url; this.readyState = 0; this.sent = []; this.bufferedAmount = 0;
    window.__sockets.push(this);
    setTimeout(() => {
      if (this.readyState === 0) { this.readyState = 1; this.onopen && this.onopen({}); }
    }, 0);
  }
  send(data) {
    if (typeof data === "string") { this.sent.push(JSON.parse(data)); return; }
    const view = ArrayBuffer.isView(data) ? data : new Uint8Array(data);
    const bytes = view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength);
    this.sent.push(Array.from(new Int16Array(bytes)));
  }
  close(code = 1000, reason = "") {
    if (this.readyState === 3) return;
    this.readyState = 3;
    setTimeout(() => this.onclose && this.onclose({ code, reason }), 0);
  }
  serverSend(message) { this.onmessage && this.onmessage({ data: JSON.stringify(message) }); }
  serverClose(code) { this.readyState = 3; this.onclose && this.onclose({ code, reason: "" }); }
}
window.WebSocket = FakeWebSocket;
"""

CALL = {
    "id": "c1",
    "title": "Scripted call",
    "interviewer": "Dana",
    "customer": "Sam",
    "recording_consent": False,
    "status": "live",
    "created_at": 1_790_000_000.0,
    "ended_at": None,
}


class _Site(BaseHTTPRequestHandler):
    """frontend/ as the server lays it out: /static/<file>, /buddy/{id}, /capture/{id}, and a blank page."""

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        body: bytes | None = None
        kind = "text/html"
        if path.startswith("/static/"):
            file = (FRONTEND / path[len("/static/") :]).resolve()
            if FRONTEND in file.parents and file.is_file():
                body = file.read_bytes()
                guessed = mimetypes.guess_type(file.name)[0] or "text/plain"
                kind = "text/javascript" if file.suffix == ".js" else guessed
        elif path == "/blank":
            # An empty page on the origin, for importing modules; the icon link spares a favicon request.
            body = b"<!doctype html><link rel=icon href='data:,'><title>modules</title>"
        elif (m := re.fullmatch(r"/(buddy|capture)/[^/]+", path)) is not None:
            body = (FRONTEND / PAGES[m.group(1)]).read_bytes()
        elif path.startswith("/api/calls/"):
            body, kind = json.dumps(CALL).encode(), "application/json"
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", kind)
        self.end_headers()
        self.wfile.write(body if body is not None else b"not found")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    site = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{site.server_address[1]}"
    site.shutdown()
    site.server_close()


@pytest.fixture
def offline(launch: Any, console: ConsoleWatch, origin: str) -> Iterator[Any]:
    """A page of the static site with the scripted WebSocket installed; `page.origin` is its base URL."""
    context = launch("offline")
    context.add_init_script(FAKE_WEBSOCKET)
    page = console.watch(context.new_page(), "offline")
    page.origin = origin
    yield page


def test_worklet_resamples_to_16k_frames_and_keeps_out_what_cannot_be_represented(offline: Any) -> None:
    offline.goto(offline.origin + "/blank")
    result = offline.evaluate(
        """async () => {
          async function run(rate, freq, paused = false) {
            const ctx = new OfflineAudioContext(1, rate * 2, rate);
            await ctx.audioWorklet.addModule("/static/js/pcm-worklet.js");
            const node = new AudioWorkletNode(ctx, "secondear-pcm16",
              { processorOptions: { targetRate: 16000, frameSamples: 1600, paused } });
            const frames = []; let levels = 0;
            node.port.onmessage = (e) => {
              if (e.data.type === "frame") frames.push(new Int16Array(e.data.pcm));
              if (e.data.type === "level") levels += 1;
            };
            const osc = ctx.createOscillator(); osc.frequency.value = freq;
            const gain = ctx.createGain(); gain.gain.value = 0.5;
            osc.connect(gain).connect(node); node.connect(ctx.destination); osc.start();
            await ctx.startRendering();
            await new Promise((r) => setTimeout(r, 300));
            const all = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
            let at = 0; for (const f of frames) { all.set(f, at); at += f.length; }
            const tail = all.subarray(Math.max(0, all.length - 16000));
            let crossings = 0, energy = 0;
            for (let i = 1; i < tail.length; i++) if ((tail[i - 1] < 0) !== (tail[i] < 0)) crossings++;
            for (const v of tail) energy += v * v;
            return { sizes: [...new Set(frames.map((f) => f.length))], total: all.length, crossings,
                     rms: tail.length ? Math.sqrt(energy / tail.length) : 0, levels };
          }
          return { k48: await run(48000, 1000), k44: await run(44100, 1000),
                   alias: await run(48000, 12000), paused: await run(48000, 1000, true) };
        }"""
    )
    tone_rms = 0.5 / 2**0.5 * 32767
    for name in ("k48", "k44"):
        r = result[name]
        assert r["sizes"] == [1600], r  # 100 ms frames
        assert 30_400 <= r["total"] <= 32_000, r  # 2 s at 16 kHz, less the filter's look-ahead
        assert 1990 <= r["crossings"] <= 2010, r  # still a 1 kHz tone: 2000 zero crossings a second
        assert abs(r["rms"] - tone_rms) / tone_rms < 0.03, r
    # 12 kHz cannot exist at 16 kHz; without the low-pass it would fold back to 4 kHz at full level.
    assert result["alias"]["rms"] < 0.01 * tone_rms, result["alias"]
    # Paused: no audio leaves the worklet, but the level meter keeps moving.
    assert result["paused"]["total"] == 0 and result["paused"]["levels"] > 10, result["paused"]


def test_track_resends_exactly_what_the_server_missed_after_a_drop(offline: Any) -> None:
    offline.goto(offline.origin + "/blank")
    result = offline.evaluate(
        """async () => {
          const { TrackStreamer } = await import("/static/js/audio-track.js");
          const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
          const until = async (f) => { for (let i = 0; i < 400 && !f(); i++) await tick(10); return f(); };
          const states = [];
          const s = new TrackStreamer({ callId: "c1", track: "customer", token: "tok",
                                        onStatus: (st) => states.push(st.state) });
          let next = 0;  // sample values count up, so any loss, repeat or reordering shows
          const push = (n) => { for (let i = 0; i < n; i++) {
            const f = new Int16Array(1600); for (let j = 0; j < 1600; j++) f[j] = (next++ % 30000);
            s.push(f); } };
          const binary = (ws) => ws.sent.filter((m) => Array.isArray(m)).flat();
          s.start();
          await until(() => window.__sockets.length === 1 && window.__sockets[0].readyState === 1);
          const a = window.__sockets[0];
          const hello = a.sent[0];
          push(3);                                  // before `ready`: held, not sent
          const sentBeforeReady = binary(a).length;
          // The server already holds 2 s of this track (the page was reloaded mid-call).
          a.serverSend({ type: "ready", track: "customer", received_samples: 32000 });
          push(7);
          const firstSocket = binary(a);
          a.serverSend({ type: "ack", received_samples: 32000 + 8000 });
          const heldAfterAck = s.chunks.length;
          // The network drops; the server had received 12 000 of the 16 000 samples sent.
          a.serverClose(1006);
          push(5);                                  // said while offline: buffered
          await until(() => window.__sockets.length === 2 && window.__sockets[1].readyState === 1);
          const b = window.__sockets[1];
          b.serverSend({ type: "ready", track: "customer", received_samples: 32000 + 12000 });
          const resent = binary(b);
          const finished = s.finish(3000);
          await tick(0);
          const endSent = b.sent.some((m) => m && m.type === "end");
          b.serverSend({ type: "ack", received_samples: 32000 + 24000 });
          await tick(20);
          const waitsForFlush = s.state !== "ended";  // every sample is in, the last words are not yet
          b.serverSend({ type: "ack", received_samples: 32000 + 24000, flushed: true });
          const complete = await finished;
          const server = firstSocket.slice(0, 12000).concat(resent);
          let exact = server.length === 24000;
          for (let i = 0; exact && i < server.length; i++) exact = server[i] === i % 30000;
          return { hello, sentBeforeReady, firstSocket: firstSocket.length, heldAfterAck,
                   resent: resent.length, exact, endSent, waitsForFlush, complete, callSeconds: s.callSeconds,
                   states: [...new Set(states)], url: a.url };
        }"""
    )
    assert result["hello"] == {"type": "hello", "sample_rate": 16000, "format": "pcm16le"}
    assert "/ws/calls/c1/audio?track=customer&token=tok" in result["url"]
    assert result["sentBeforeReady"] == 0
    assert result["firstSocket"] == 16000
    assert result["heldAfterAck"] == 5  # the 5 acknowledged frames were let go
    assert result["resent"] == 12000  # 4 000 lost in the drop + 8 000 said while offline
    assert result["exact"], "the server's copy must be the audio, sample for sample"
    assert result["endSent"] and result["waitsForFlush"] and result["complete"]
    assert result["callSeconds"] == pytest.approx((32000 + 24000) / 16000)
    assert {"connecting", "live", "reconnecting", "ended"} <= set(result["states"])


def test_socket_backoff_is_capped_and_fatal_codes_stop_retrying(offline: Any) -> None:
    offline.goto(offline.origin + "/blank")
    result = offline.evaluate(
        """async () => {
          const { ReconnectingSocket } = await import("/static/js/socket.js");
          const delays = []; let fatal = null;
          const tick = (ms) => new Promise((r) => setTimeout(r, ms));
          const s = new ReconnectingSocket({ url: () => "ws://x/", minDelayMs: 2, maxDelayMs: 16,
            fatalCodes: new Set([4401]),
            onState: (state, d) => { if (d.retryInMs !== undefined) delays.push(d.retryInMs);
                                     if (state === "fatal") fatal = d.code; } });
          s.start();
          const opened = (i) => window.__sockets[i] && window.__sockets[i].readyState === 1;
          for (let i = 0; i < 8; i++) {
            for (let j = 0; j < 100 && !opened(i); j++) await tick(5);
            window.__sockets[i].serverClose(1006);
          }
          for (let j = 0; j < 100 && window.__sockets.length < 9; j++) await tick(5);
          for (let j = 0; j < 100 && window.__sockets[8].readyState !== 1; j++) await tick(5);
          window.__sockets[8].serverClose(4401);
          await tick(100);
          return { delays, fatal, sockets: window.__sockets.length };
        }"""
    )
    delays = result["delays"]
    assert len(delays) == 8
    assert delays[0] <= 3 and max(delays) <= 16 * 1.25  # grows from the minimum, never past the cap
    assert delays[-1] >= 16 * 0.75
    assert result["fatal"] == 4401 and result["sockets"] == 9  # no retry after a wrong token


def _state(role: str, **extra: Any) -> dict[str, Any]:
    base = {
        "type": "state",
        "seq": 10,
        "call_time": 5.0,
        "sent_at": 0,
        "call": CALL,
        "role": role,
        "transcript": [],
        "nudges": [],
        "flags": [],
        "notes": [],
        "whispers": [],
        "talk": None,
    }
    return {**base, **extra}


FINAL = {
    "type": "transcript.final",
    "seq": 12,
    "call_time": 9.0,
    "sent_at": 0,
    "id": "u1",
    "speaker": "interviewer",
    "start": 6.0,
    "end": 8.0,
    "text": "Do you use Excel for this?",
    "question": "closed",
    "flags": ["closed_question"],
    "message": None,
    "suggestion": None,
}
NUDGE = {
    "type": "nudge",
    "seq": 16,
    "call_time": 9.1,
    "sent_at": 0,
    "id": "n1",
    "kind": "closed_question",
    "severity": "info",
    "title": "Closed question",
    "message": "That question can be answered with a yes or a no.",
    "evidence": "Do you use Excel for this?",
    "suggestion": 'Ask it open: "How do you handle that today?"',
    "utterance_id": "u1",
    "at": 8.0,
    "helpful": None,
}


def _send(page: Any, index: int, message: dict[str, Any]) -> None:
    page.evaluate("([i, m]) => window.__sockets[i].serverSend(m)", [index, message])


def _sent(page: Any, index: int) -> list[Any]:
    return list(page.evaluate("(i) => window.__sockets[i].sent", index))


def test_buddy_pane_renders_the_stream_and_resyncs_after_a_drop(offline: Any) -> None:
    page = offline
    page.goto(page.origin + "/buddy/c1?token=tok")
    page.wait_for_function("() => window.__sockets.length === 1 && window.__sockets[0].readyState === 1")
    assert "/ws/calls/c1/events?token=tok" in page.evaluate("() => window.__sockets[0].url")
    _send(page, 0, _state("buddy"))
    page.locator("#status[data-state='live']").wait_for()

    # A partial is shown in progress, labelled; the final replaces it.
    partial = {
        "type": "transcript.partial",
        "seq": 11,
        "call_time": 7.0,
        "sent_at": 0,
        "speaker": "interviewer",
    }
    _send(page, 0, {**partial, "start": 6.0, "end": 7.0, "text": "Do you use"})
    page.locator(".utt.partial", has_text="Do you use").wait_for()
    assert "Interviewer · Dana" in page.locator(".utt.partial .speaker-tag").inner_text()
    _send(page, 0, FINAL)
    page.locator(".utt:not(.partial)", has_text="Excel").wait_for()
    assert page.locator(".utt.partial").count() == 0
    assert page.locator(".utt .chip", has_text="Closed question").count() == 1

    # Messages this page does not know, and repeats of old ones, change nothing and break nothing.
    _send(page, 0, {"type": "shiny.new.thing", "seq": 14, "call_time": 9.2, "sent_at": 0, "x": 1})
    _send(page, 0, {**FINAL, "seq": 12})
    assert page.locator(".utt").count() == 1

    # Talk share and the monologue timer.
    talk = {
        "type": "talk",
        "seq": 15,
        "call_time": 10.0,
        "sent_at": 0,
        "interviewer_share_rolling": 0.62,
        "interviewer_share": 0.55,
        "window_seconds": 10.0,
        "speaking": ["interviewer"],
        "monologue_seconds": 50.0,
        "talk_seconds": {"interviewer": 6.2, "customer": 3.8},
    }
    _send(page, 0, talk)  # seq 15
    assert page.locator("#share-value").inner_text() == "62%"
    assert page.locator("#over-badge").is_visible()  # above the goal says so in words, not only colour
    assert "too long" in page.locator("#monologue-value").inner_text()

    # A nudge card; one click whispers its suggestion, the rating buttons toggle.
    _send(page, 0, NUDGE)
    card = page.locator(".nudge[data-kind='closed_question']")
    card.wait_for()
    assert "Do you use Excel for this?" in card.locator(".evidence").inner_text()
    card.get_by_role("button", name="Whisper to interviewer").click()
    card.locator(".done-note").wait_for()
    card.get_by_role("button", name="Not helpful").click()
    page.keyboard.press("f")
    page.get_by_label("Note", exact=True).fill("Ask about Mondays")
    page.get_by_label("Note", exact=True).press("Control+Enter")
    page.get_by_label("Whisper to the interviewer").fill("Slow down a little")
    page.get_by_label("Whisper to the interviewer").press("Enter")
    sent = [m for m in _sent(page, 0) if m.get("type") != "ping"]
    assert sent == [
        {"type": "whisper", "text": NUDGE["suggestion"], "nudge_id": "n1"},
        {"type": "rate", "nudge_id": "n1", "helpful": False},
        {"type": "flag"},
        {"type": "note", "text": "Ask about Mondays"},
        {"type": "whisper", "text": "Slow down a little"},
    ]

    # The socket drops: the pane says so, reconnects, and rebuilds itself from `state` without repeats.
    page.evaluate("() => window.__sockets[0].serverClose(1006)")
    page.locator("#status[data-state='reconnecting']").wait_for()
    page.wait_for_function("() => window.__sockets.length === 2 && window.__sockets[1].readyState === 1")
    whisper = {"id": "w1", "at": 9.0, "text": NUDGE["suggestion"], "nudge_id": "n1", "by": "buddy"}
    nudge = {k: v for k, v in NUDGE.items() if k not in ("type", "seq", "call_time", "sent_at")}
    final = {k: v for k, v in FINAL.items() if k not in ("type", "seq", "call_time", "sent_at")}
    _send(
        page,
        1,
        _state(
            "buddy",
            seq=20,
            transcript=[final],
            nudges=[{**nudge, "helpful": False}],
            whispers=[whisper],
            flags=[{"id": "f1", "at": 9.5, "note": None, "by": "buddy"}],
            notes=[{"id": "o1", "at": 9.6, "text": "Ask about Mondays", "by": "buddy"}],
            talk={k: v for k, v in talk.items() if k not in ("type", "seq", "call_time", "sent_at")},
        ),
    )
    page.locator("#status[data-state='live']").wait_for()
    assert page.locator(".utt").count() == 1
    assert page.locator(".nudge").count() == 1
    assert page.locator(".nudge .done-note").count() == 1  # still marked as whispered
    assert page.locator(".nudge button[aria-pressed='true']").inner_text() == "Not helpful"
    assert page.locator("#moments li").count() == 2

    # The call ends: whispering stops (flags, notes and ratings still count), the report is one click away.
    _send(
        page,
        1,
        {
            "type": "call.ended",
            "seq": 21,
            "call_time": 12.0,
            "sent_at": 0,
            "call": {**CALL, "status": "ended"},
        },
    )
    page.locator("#ended:not([hidden])").wait_for()
    assert page.locator("#whisper-form").count() == 0
    assert page.get_by_role("button", name="Whisper to interviewer").count() == 0
    assert page.locator("#flag").is_visible() and page.locator("#note-form").is_visible()
    # Opened with a link, the page passes its token on: the report needs it without an account.
    assert page.locator("#report-link").get_attribute("href") == "/report/c1?token=tok"


def test_buddy_pane_with_a_viewer_link_has_no_write_controls(offline: Any) -> None:
    page = offline
    page.goto(page.origin + "/buddy/c1?token=viewer-token")
    page.wait_for_function("() => window.__sockets.length === 1 && window.__sockets[0].readyState === 1")
    nudge = {k: v for k, v in NUDGE.items() if k not in ("type", "seq", "call_time", "sent_at")}
    _send(page, 0, _state("viewer", nudges=[nudge]))
    page.locator("#role-badge:not([hidden])").wait_for()
    page.locator(".nudge").wait_for()
    assert page.locator("#flag, #note-form, #whisper-form").count() == 0
    assert page.locator(".nudge button").count() == 0
    page.keyboard.press("f")
    assert [m for m in _sent(page, 0) if m.get("type") != "ping"] == []


def test_buddy_pane_is_keyboard_operable_with_a_visible_focus(offline: Any) -> None:
    page = offline
    page.goto(page.origin + "/buddy/c1?token=tok")
    page.wait_for_function("() => window.__sockets.length === 1 && window.__sockets[0].readyState === 1")
    nudge = {k: v for k, v in NUDGE.items() if k not in ("type", "seq", "call_time", "sent_at")}
    _send(page, 0, _state("buddy", nudges=[nudge]))
    page.locator(".nudge").wait_for()
    seen: list[str] = []
    for _ in range(11):  # every stop on the page, once
        page.keyboard.press("Tab")
        info = page.evaluate(
            """() => {
                const el = document.activeElement; const cs = getComputedStyle(el);
                const label = (el.getAttribute('aria-label') || el.textContent || el.id).trim();
                return { label: label.slice(0, 40),
                         outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2 };
            }"""
        )
        assert info["outline"], f"no visible focus on {info['label']!r}"
        seen.append(info["label"])
    # Every control is reachable, in reading order; the whisper button works from the keyboard.
    assert seen[2:6] == ["Flag moment F", "Whisper to interviewer", "Helpful", "Not helpful"], seen
    assert seen[-1] == "Send", seen
    page.get_by_role("button", name="Whisper to interviewer").focus()
    page.keyboard.press("Enter")
    page.locator(".nudge .done-note").wait_for()


def test_capture_page_shows_whispers_and_gentle_tips_only_when_asked(offline: Any) -> None:
    page = offline
    page.goto(page.origin + "/capture/c1?token=tok")
    page.wait_for_function("() => window.__sockets.length === 1 && window.__sockets[0].readyState === 1")
    assert "/ws/calls/c1/events?token=tok" in page.evaluate("() => window.__sockets[0].url")
    nudge = {k: v for k, v in NUDGE.items() if k not in ("type", "seq", "call_time", "sent_at")}
    whisper = {"id": "w1", "at": 9.0, "text": "Ask what happens on Mondays", "nudge_id": None, "by": "buddy"}
    _send(page, 0, _state("interviewer", nudges=[nudge], whispers=[whisper]))
    page.locator(".whisper-item", has_text="Ask what happens on Mondays").wait_for()
    assert page.locator(".gentle-item").count() == 0  # tips are off unless the interviewer wants them
    assert page.evaluate("() => window.__secondearTest") is None  # no test hook without its parameter

    _send(
        page,
        0,
        {
            "type": "whisper",
            "seq": 11,
            "call_time": 12.0,
            "sent_at": 0,
            "id": "w2",
            "at": 12.0,
            "text": "Great follow-up",
            "nudge_id": None,
            "by": "buddy",
        },
    )
    assert page.locator(".whisper-item").first.inner_text().endswith("Great follow-up")  # newest first
    page.get_by_label("Also show gentle coaching tips").check()
    page.locator(".gentle-item", has_text="How do you handle that today?").wait_for()

    page.get_by_role("button", name="Compact view").click()
    assert page.locator("#mic-select").is_hidden() and page.locator(".whisper-item").first.is_visible()

    _send(
        page,
        0,
        {
            "type": "call.ended",
            "seq": 12,
            "call_time": 13.0,
            "sent_at": 0,
            "call": {**CALL, "status": "ended"},
        },
    )
    page.locator("#ended:not([hidden])").wait_for()
    assert page.get_by_role("button", name="Start listening").is_disabled()


def test_buddy_pane_takes_the_talk_share_goal_and_flag_names_from_the_server(offline: Any) -> None:
    # The pane once hard-coded a 30 % goal whatever SECONDEAR_TALK_SHARE_TARGET said, and named
    # flags from a table of its own ("Explaining the product" for what the card calls otherwise).
    page = offline
    page.goto(page.origin + "/buddy/c1?token=tok")
    page.wait_for_function("() => window.__sockets.length === 1 && window.__sockets[0].readyState === 1")
    _send(page, 0, _state("buddy", talk_share_target=0.7))
    page.locator("#status[data-state='live']").wait_for()
    assert page.locator("#target-value").inner_text() == "70"
    talk = {
        "type": "talk",
        "seq": 11,
        "call_time": 10.0,
        "sent_at": 0,
        "interviewer_share_rolling": 0.62,
        "interviewer_share": 0.55,
        "window_seconds": 10.0,
        "speaking": [],
        "monologue_seconds": 0.0,
        "talk_seconds": {"interviewer": 6.2, "customer": 3.8},
    }
    _send(page, 0, talk)
    assert page.locator("#share-value").inner_text() == "62%"
    assert not page.locator("#over-badge").is_visible()  # under this server's goal
    final = {**FINAL, "seq": 12, "flags": ["hot_tip"]}
    _send(page, 0, final)
    page.locator(".utt .chip", has_text="Explaining instead of listening").wait_for()


# --- the page scripts' types -----------------------------------------------------------------------

GENERATED = {"protocol-types.js", "wording.js"}  # written by app/protocol_docs.py
TYPE_TAG = re.compile(r"@(?:type|param|returns?|property|prop|typedef|template|satisfies|this)\s*\{")


def jsdoc_types(source: str) -> Iterator[tuple[int, str]]:
    """(line, type expression) of every JSDoc `@tag {…}` in `source`, nested braces included."""
    for match in TYPE_TAG.finditer(source):
        depth, k = 1, match.end()
        while depth and k < len(source):
            depth += {"{": 1, "}": -1}.get(source[k], 0)
            k += 1
        yield source.count("\n", 0, match.start()) + 1, source[match.end() : k - 1]


def test_jsdoc_types_finds_any_inside_nested_types() -> None:
    found = [t for _, t in jsdoc_types("/** @type {{item: any, n: number}[]} */\n/** @param {Call} c */")]
    assert found == ["{item: any, n: number}[]", "Call"]


def test_page_scripts_type_nothing_as_any() -> None:
    # Their types come from protocol-types.js (generated from app/protocol.py): `any` would let a
    # message the server no longer sends, or a misspelt field, through unnoticed.
    scripts = sorted(p for p in (FRONTEND / "js").glob("*.js") if p.name not in GENERATED)
    assert len(scripts) >= 8
    loose = [
        f"{p.name}:{line}: {{{kind}}}"
        for p in scripts
        for line, kind in jsdoc_types(p.read_text(encoding="utf-8"))
        if re.search(r"\bany\b", kind)
    ]
    assert loose == []


def test_page_scripts_pass_the_type_checker() -> None:
    # `// @ts-check` in every script and frontend/jsconfig.json (strict) only count when something
    # runs them: TypeScript's checker, from Debian's node-typescript (scripts/system-deps.sh).
    tsc = shutil.which("tsc")
    if tsc is None:
        pytest.skip("tsc is not installed (Debian: node-typescript; scripts/system-deps.sh installs it)")
    run = subprocess.run(
        [tsc, "--project", str(FRONTEND / "jsconfig.json")], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr
