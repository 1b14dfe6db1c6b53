"""`secondear replay CALL.wav --server URL --call ID --token T`: stream a stereo recording into a
live call as the capture page would: two audio sockets (left = interviewer, right = customer
unless `--interviewer-channel right`), 100 ms frames at real time x `--speed`.

It creates nothing: the call and its interviewer token come from `POST /api/calls` (or the
home page). `--call` also takes the whole capture link, token and server included. Like the
capture page it keeps what the server has not acknowledged and, after a dropped connection
or a server restart, resends from the server's `ready.received_samples`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np
import numpy.typing as npt

from app.cli import UsageError
from nlp.types import SPEAKERS, Speaker

RATE = 16000
MIN_FRAME = RATE // 100  # the server refuses frames under 10 ms
# Close codes after which trying again cannot help (docs/protocol.md).
FATAL = {
    4400: "bad audio",
    4401: "wrong token",
    4403: "not the interviewer's token",
    4404: "no such call, or the token is not this call's interviewer link",
}
ENDED = 4409


class ReplayError(Exception):
    """The server refused the stream for good."""


@dataclass
class TrackProgress:
    sent: int = 0
    acked: int = 0
    total: int = 0
    reconnects: int = 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("audio", type=Path, help="a stereo recording (WAV, FLAC, MP3, M4A, ...)")
    parser.add_argument(
        "--server", help="the server, e.g. http://127.0.0.1:8000 (not needed with a capture link)"
    )
    parser.add_argument("--call", required=True, help="the call id, or its whole capture link")
    parser.add_argument("--token", help="the call's interviewer token (the capture link holds it)")
    parser.add_argument("--speed", type=float, default=1.0, help="1 = real time (default), 2 = twice as fast")
    parser.add_argument("--interviewer-channel", choices=["left", "right"], default="left")
    parser.add_argument(
        "--frame-ms", type=int, default=100, help="audio per message, 10-500 ms (default 100)"
    )
    parser.add_argument("--end", action="store_true", help="end the call when the recording is done")
    parser.add_argument("--quiet", action="store_true", help="print no transcript, only errors")


def target(server: str | None, call: str, token: str | None) -> tuple[str, str, str]:
    """(http base URL, call id, token) from the arguments; a capture link may carry all three."""
    if "/capture/" in call:
        link = urlsplit(call)
        call_id = link.path.rstrip("/").rsplit("/", 1)[-1]
        token = token or next(iter(parse_qs(link.query).get("token", [])), None)
        if link.scheme and link.netloc:
            server = server or f"{link.scheme}://{link.netloc}"
        call = call_id
    if not server:
        raise UsageError("give --server URL (or the whole capture link as --call)")
    if not token:
        raise UsageError("give --token (the interviewer token of the call), or the capture link as --call")
    if "://" not in server:
        server = f"http://{server}"
    return server.rstrip("/"), call, token


def read_stereo(path: Path, interviewer_channel: str = "left") -> dict[Speaker, npt.NDArray[np.int16]]:
    """Both tracks of a stereo file as 16 kHz PCM16; a mono file is an error (two voices needed)."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    import av
    from faster_whisper.audio import decode_audio

    try:
        with av.open(str(path)) as container:
            channels = container.streams.audio[0].codec_context.channels
    except (av.error.FFmpegError, IndexError) as exc:
        raise UsageError(f"{path}: not an audio file this tool can read ({exc})") from exc
    if channels < 2:
        raise UsageError(f"{path}: mono audio; replay needs two tracks (left and right channel)")
    left, right = decode_audio(str(path), sampling_rate=RATE, split_stereo=True)
    first, second = (left, right) if interviewer_channel == "left" else (right, left)
    return {"interviewer": _pcm16(first), "customer": _pcm16(second)}


def _pcm16(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.int16]:
    out: npt.NDArray[np.int16] = (np.clip(samples, -1.0, 32767 / 32768) * 32768).round().astype("<i2")
    return out


def ws_base(http_base: str) -> str:
    return "ws" + http_base[4:] if http_base.startswith("http") else http_base


async def stream_track(
    http_base: str,
    call_id: str,
    token: str,
    track: Speaker,
    pcm: npt.NDArray[np.int16],
    *,
    speed: float = 1.0,
    frame_ms: int = 100,
    t0: float | None = None,
    progress: TrackProgress | None = None,
    on_frame: Callable[[Speaker, int, float], None] | None = None,
    max_retries: int = 60,
    mixed: bool = False,
) -> TrackProgress:
    """Stream one track, paced so sample n leaves at `t0 + n / 16000 / speed`; survives drops.

    `mixed`: the track holds both people (one microphone in the room), split by voice on the server.

    `on_frame(track, end_sample, wall_time)` is called as each frame is sent (benchmarks use it).
    """
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    if len(pcm) % MIN_FRAME:
        pcm = np.concatenate([pcm, np.zeros(MIN_FRAME - len(pcm) % MIN_FRAME, dtype=np.int16)])
    data = pcm.astype("<i2").tobytes()
    total = len(pcm)
    frame = max(MIN_FRAME, RATE * frame_ms // 1000)
    state = progress or TrackProgress()
    state.total = total
    start = time.monotonic() if t0 is None else t0
    query = urlencode({"track": track, "token": token, **({"mixed": "1"} if mixed else {})})
    url = f"{ws_base(http_base)}/ws/calls/{call_id}/audio?{query}"
    retries = 0
    while True:
        try:
            async with connect(url, max_size=1 << 20, open_timeout=10) as ws:
                ready = json.loads(await ws.recv())
                if ready.get("type") != "ready":
                    raise ReplayError(f"{track}: {ready.get('message') or ready}")
                position = min(int(ready["received_samples"]), total)
                state.acked = max(state.acked, position)
                retries = 0
                done = asyncio.Event()

                async def read(ws: Any = ws, done: asyncio.Event = done) -> None:
                    async for message in ws:
                        msg = json.loads(message)
                        if msg.get("type") == "ack":
                            state.acked = max(state.acked, int(msg["received_samples"]))
                            # `flushed` answers our `end`: the last words are announced too.
                            if msg.get("flushed") and state.acked >= total:
                                done.set()
                        elif msg.get("type") == "error":
                            print(f"replay {track}: server says: {msg.get('message')}", file=sys.stderr)

                reader = asyncio.create_task(read())
                try:
                    while position < total:
                        delay = start + position / RATE / speed - time.monotonic()
                        if delay > 0:
                            await asyncio.sleep(delay)
                        end = min(total, position + frame)
                        await ws.send(data[position * 2 : end * 2])
                        position = end
                        state.sent = max(state.sent, position)
                        if on_frame is not None:
                            on_frame(track, position, time.monotonic())
                    await ws.send(json.dumps({"type": "end"}))
                    await asyncio.wait_for(done.wait(), timeout=60)
                    return state
                finally:
                    reader.cancel()
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd is not None else None
            if code == ENDED:
                return state
            if code in FATAL:
                reason = exc.rcvd.reason if exc.rcvd is not None else ""
                raise ReplayError(f"{track}: {FATAL[code]}: {reason}") from exc
        except (OSError, InvalidStatus, TimeoutError):
            pass
        retries += 1
        state.reconnects += 1
        if retries > max_retries:
            raise ReplayError(f"{track}: the server stayed unreachable; gave up after {max_retries} tries")
        await asyncio.sleep(min(2.0, 0.2 * retries))


async def show_events(http_base: str, call_id: str, token: str, names: dict[str, str]) -> None:
    """Print finals and nudges as they arrive (the interviewer token may read events)."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    url = f"{ws_base(http_base)}/ws/calls/{call_id}/events?{urlencode({'token': token})}"
    while True:
        try:
            async with connect(url, max_size=1 << 22) as ws:
                async for message in ws:
                    msg = json.loads(message)
                    if msg["type"] == "transcript.final":
                        flags = f"  [{', '.join(msg['flags'])}]" if msg.get("flags") else ""
                        print(f"{msg['start']:7.1f}  {names[msg['speaker']]}: {msg['text']}{flags}")
                    elif msg["type"] == "nudge":
                        print(f"{msg['call_time']:7.1f}  >> nudge {msg['kind']}: {msg['message']}")
        except (ConnectionClosed, OSError):
            await asyncio.sleep(1.0)


async def replay(args: argparse.Namespace) -> int:
    import httpx

    http_base, call_id, token = target(args.server, args.call, args.token)
    tracks = read_stereo(args.audio, args.interviewer_channel)
    if not 10 <= args.frame_ms <= 500:
        raise UsageError("--frame-ms must be 10 to 500")
    if args.speed <= 0:
        raise UsageError("--speed must be above 0")
    duration = max(len(v) for v in tracks.values()) / RATE
    print(
        f"replaying {args.audio.name} ({duration:.1f} s) into call {call_id} at {args.speed:g}x",
        file=sys.stderr,
    )
    viewer = None
    if not args.quiet:
        viewer = asyncio.create_task(show_events(http_base, call_id, token, {s: s for s in SPEAKERS}))
    t0 = time.monotonic() + 0.2
    try:
        results = await asyncio.gather(
            *(
                stream_track(
                    http_base, call_id, token, s, tracks[s], speed=args.speed, frame_ms=args.frame_ms, t0=t0
                )
                for s in SPEAKERS
            )
        )
    except ReplayError as exc:
        print(f"secondear replay: error: {exc}", file=sys.stderr)
        return 1
    finally:
        if viewer is not None:
            await asyncio.sleep(1.0)  # the last finals and nudges
            viewer.cancel()
    if args.end:
        async with httpx.AsyncClient(base_url=http_base, timeout=60) as client:
            r = await client.post(f"/api/calls/{call_id}/end", headers={"Authorization": f"Bearer {token}"})
            if r.status_code != 200:
                print(f"secondear replay: could not end the call: {r.text}", file=sys.stderr)
                return 1
    lost = sum(r.total - r.acked for r in results)
    print(
        f"done: {sum(r.total for r in results) / RATE:.1f} s of audio sent, "
        f"{sum(r.reconnects for r in results)} reconnects, {lost / RATE:.1f} s unacknowledged. "
        f"Report: {http_base}/report/{call_id}",
        file=sys.stderr,
    )
    return 0 if lost == 0 else 1


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(replay(args))
    except KeyboardInterrupt:
        return 130
