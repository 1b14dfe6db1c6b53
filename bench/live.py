"""Live-call benchmark: N synthetic calls streamed at once, in real time, into one server.

    .venv/bin/python -m bench.live --calls 4 --duration 120

Each call streams a two-track synthetic interview (made by ../shared/tools/synth_calls.py from
../shared/data/annomi-dev.jsonl, generated into bench/out/calls when missing) the way the
capture page does: 100 ms frames on two sockets. A buddy socket per call timestamps events.

Measured:
- end of speech -> final: from the moment the audio at a final's `end` was sent, to the final
  reaching the buddy;
- end of speech -> nudge: for text nudges from the end of their utterance, for timing nudges
  from the call time the rule fired;
- the server's CPU (its process, % of one core) and the speech engine's queue lag over time
  (from /healthz), with the slope of the lag: it must not grow.

Targets on 2 cores: 1 call, nudge p95 <= 1.5 s; 4 calls, final p95 <= 2.5 s, lag not growing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from websockets.asyncio.client import connect

from app.commands.replay import read_stereo, stream_track, ws_base
from nlp.types import SPEAKERS

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
RATE = 16000


@dataclass
class CallRun:
    """One streamed call: when each bit of audio left, and when each event arrived."""

    index: int
    call: dict[str, Any]
    source: Path
    t0: float = 0.0
    sent: dict[str, tuple[list[int], list[float]]] = field(
        default_factory=lambda: {s: ([], []) for s in SPEAKERS}
    )
    events: list[tuple[float, dict[str, Any]]] = field(default_factory=list)

    def on_frame(self, track: str, end_sample: int, wall: float) -> None:
        samples, walls = self.sent[track]
        samples.append(end_sample)
        walls.append(wall)

    def sent_at(self, call_time: float) -> float | None:
        """Wall time by which audio up to `call_time` had been sent on both tracks."""
        target = int(call_time * RATE)
        times = []
        for samples, walls in self.sent.values():
            i = bisect_left(samples, target)
            if i < len(samples):
                times.append(walls[i])
        return min(times) if times else None


def ensure_calls(folder: Path, count: int, turns: int) -> list[Path]:
    found = sorted(p.parent for p in folder.glob("*/call.wav"))
    if len(found) >= count:
        return found
    tool, data = SHARED / "tools" / "synth_calls.py", SHARED / "data" / "annomi-dev.jsonl"
    if not tool.is_file() or not data.is_file():
        sys.exit(f"bench.live: no calls in {folder} and {tool} or {data} is missing")
    print(f"generating {count} synthetic calls into {folder} (espeak-ng, sox) ...", file=sys.stderr)
    subprocess.run(
        [
            sys.executable,
            str(tool),
            str(data),
            str(folder),
            "--calls",
            str(max(count, 2)),
            "--max-turns",
            str(turns),
        ],
        check=True,
    )
    return sorted(p.parent for p in folder.glob("*/call.wav"))


def trimmed(path: Path, seconds: float, out: Path) -> Path:
    import soundfile as sf

    tracks = read_stereo(path)
    n = min(len(tracks["interviewer"]), int(seconds * RATE))
    stereo = np.stack([tracks["interviewer"][:n], tracks["customer"][:n]], axis=1)
    sf.write(out, stereo, RATE, subtype="PCM_16")
    return out


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def watch_events(run: CallRun, base: str, stop: asyncio.Event) -> None:
    url = f"{ws_base(base)}/ws/calls/{run.call['id']}/events?token={run.call['tokens']['buddy']}"
    async with connect(url, max_size=1 << 24) as ws:
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            run.events.append((time.monotonic(), json.loads(raw)))


async def watch_server(
    base: str, pid: int | None, samples: list[dict[str, float]], stop: asyncio.Event
) -> None:
    start = time.monotonic()
    last_cpu = cpu_seconds(pid) if pid else 0.0
    last = start
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        while not stop.is_set():
            await asyncio.sleep(1.0)
            now = time.monotonic()
            row = {"t": now - start, "lag": float((await client.get("/healthz")).json()["queue_lag"])}
            if pid:
                cpu = cpu_seconds(pid)
                row["cpu"] = 100 * (cpu - last_cpu) / (now - last)
                last_cpu = cpu
            last = now
            samples.append(row)


def pct(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def fmt(v: float | None, unit: str = " s") -> str:
    return "-" if v is None else f"{v:.2f}{unit}"


def latencies(runs: list[CallRun]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"final": [], "nudge_text": [], "nudge_timing": []}
    for run in runs:
        finals: dict[str, float] = {}
        for wall, m in run.events:
            if m["type"] == "transcript.final":
                finals[m["id"]] = m["end"]
                sent = run.sent_at(m["end"])
                if sent is not None:
                    out["final"].append(wall - sent)
            elif m["type"] == "nudge":
                if m.get("utterance_id") in finals:
                    sent = run.sent_at(finals[m["utterance_id"]])
                    if sent is not None:
                        out["nudge_text"].append(wall - sent)
                elif m.get("at") is not None:
                    sent = run.sent_at(m["at"])
                    if sent is not None:
                        out["nudge_timing"].append(wall - sent)
    return out


def bench_member(env: dict[str, str]) -> str:
    """A member account and its API token in the benchmark's own server, as a person would make them."""
    secondear = [sys.executable, "-m", "app"]
    subprocess.run(
        [*secondear, "user", "add", "bench@example.com", "--role", "member"],
        input="bench-password\n", text=True, env=env, cwd=REPO, check=True, capture_output=True,
    )  # fmt: skip
    made = subprocess.run(
        [*secondear, "token", "create", "bench@example.com"],
        text=True, env=env, cwd=REPO, check=True, capture_output=True,
    )  # fmt: skip
    return made.stdout.splitlines()[-1]


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(args.source)
    sources = ensure_calls(folder, args.calls, args.turns)
    tmp = Path(tempfile.mkdtemp(prefix="secondear-bench-"))
    proc = None
    base = args.server
    token = args.token or os.environ.get("SECONDEAR_TOKEN", "")
    if base is not None and not token:
        sys.exit("bench.live: give --token (secondear token create EMAIL) with --server")
    if base is None:
        port = args.port
        log = (tmp / "server.log").open("wb")
        env = {**os.environ, "SECONDEAR_DATA_DIR": str(tmp / "data")}
        token = bench_member(env)
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port), "--log-level", "warning"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                sys.exit(f"bench.live: the server exited: {(tmp / 'server.log').read_text()[-2000:]}")
            await asyncio.sleep(0.2)
    assert base is not None
    auth = {"Authorization": f"Bearer {token}"}
    try:
        runs: list[CallRun] = []
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            for i in range(args.calls):
                src = trimmed(sources[i % len(sources)] / "call.wav", args.duration, tmp / f"call{i}.wav")
                r = await client.post(
                    "/api/calls", json={"title": f"bench {i}", "interviewer": "Bench"}, headers=auth
                )
                r.raise_for_status()
                runs.append(CallRun(i, r.json(), src))
        stop = asyncio.Event()
        server_samples: list[dict[str, float]] = []
        watchers = [asyncio.create_task(watch_events(run, base, stop)) for run in runs]
        monitor = asyncio.create_task(watch_server(base, proc.pid if proc else None, server_samples, stop))
        rng = random.Random(7)
        began = time.monotonic()
        streams = []
        for run in runs:
            # Calls do not start in the same 100 ms: stagger them a little, as real ones are.
            run.t0 = began + 0.5 + rng.uniform(0, 2.0)
            tracks = read_stereo(run.source)
            for s in SPEAKERS:
                streams.append(
                    stream_track(
                        base, run.call["id"], run.call["tokens"]["interviewer"], s, tracks[s],
                        speed=args.speed, t0=run.t0, on_frame=run.on_frame,
                    )
                )  # fmt: skip
        await asyncio.gather(*streams)
        await asyncio.sleep(3.0)  # the last finals and nudges
        stop.set()
        await asyncio.gather(*watchers, monitor, return_exceptions=True)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)

    lat = latencies(runs)
    lags = [s["lag"] for s in server_samples]
    cpus = [s["cpu"] for s in server_samples if "cpu" in s]
    slope = None
    if len(server_samples) > 10:
        ts = np.array([s["t"] for s in server_samples])
        slope = float(np.polyfit(ts, np.array(lags), 1)[0]) * 60  # seconds of lag gained per minute
    quarters = np.array_split(np.array(lags), 4) if len(lags) >= 8 else []
    result = {
        "calls": args.calls,
        "duration_s": args.duration,
        "speed": args.speed,
        "cores": os.cpu_count(),
        "finals": len(lat["final"]),
        "final_p50": pct(lat["final"], 50),
        "final_p95": pct(lat["final"], 95),
        "final_max": max(lat["final"]) if lat["final"] else None,
        "nudges_text": len(lat["nudge_text"]),
        "nudge_text_p50": pct(lat["nudge_text"], 50),
        "nudge_text_p95": pct(lat["nudge_text"], 95),
        "nudges_timing": len(lat["nudge_timing"]),
        "nudge_timing_p95": pct(lat["nudge_timing"], 95),
        "cpu_mean_pct": float(np.mean(cpus)) if cpus else None,
        "cpu_max_pct": float(np.max(cpus)) if cpus else None,
        # Core-seconds the server spent per second of call audio: what one call costs, less
        # sensitive to other load on the machine than the latencies are.
        "cpu_per_call_second": (sum(cpus) / 100) / (args.calls * args.duration / args.speed)
        if cpus
        else None,
        "lag_p50": pct(lags, 50),
        "lag_p95": pct(lags, 95),
        "lag_max": max(lags) if lags else None,
        "lag_by_quarter": [round(float(q.mean()), 3) for q in quarters],
        "lag_slope_s_per_min": slope,
        "lag_over_time": [[round(s["t"], 1), round(s["lag"], 3)] for s in server_samples],
    }
    return result


def report(r: dict[str, Any]) -> str:
    lines = [
        f"live benchmark: {r['calls']} call(s) x {r['duration_s']:g} s at {r['speed']:g}x "
        f"on {r['cores']} cores",
        "",
        "| measure | p50 | p95 | max | n |",
        "|---|---|---|---|---|",
        f"| end of speech -> final | {fmt(r['final_p50'])} | {fmt(r['final_p95'])} | {fmt(r['final_max'])} "
        f"| {r['finals']} |",
        f"| end of speech -> text nudge | {fmt(r['nudge_text_p50'])} | {fmt(r['nudge_text_p95'])} | | "
        f"{r['nudges_text']} |",
        f"| timing rule -> nudge | | {fmt(r['nudge_timing_p95'])} | | {r['nudges_timing']} |",
        f"| engine queue lag | {fmt(r['lag_p50'])} | {fmt(r['lag_p95'])} | {fmt(r['lag_max'])} | |",
        "",
        f"server CPU: mean {fmt(r['cpu_mean_pct'], ' %')}, max {fmt(r['cpu_max_pct'], ' %')} of one core; "
        f"{fmt(r['cpu_per_call_second'], ' core-s')} per second of call",
        f"queue lag by quarter of the run: {r['lag_by_quarter']} s; "
        f"slope {fmt(r['lag_slope_s_per_min'], ' s/min')}",
    ]
    targets = []
    if r["calls"] == 1 and r["nudge_text_p95"] is not None:
        targets.append(("1 call: nudge p95 <= 1.5 s", r["nudge_text_p95"] <= 1.5))
    if r["calls"] >= 4 and r["final_p95"] is not None:
        targets.append((f"{r['calls']} calls: final p95 <= 2.5 s", r["final_p95"] <= 2.5))
        q = r["lag_by_quarter"]
        growing = bool(q) and q[-1] > q[1] + 0.5
        targets.append(("lag not growing (last quarter <= second + 0.5 s)", not growing))
    if targets:
        lines += ["", *(f"{'PASS' if ok else 'FAIL'}  {name}" for name, ok in targets)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.live", description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1, help="calls streamed at once (default 1)")
    parser.add_argument("--duration", type=float, default=90.0, help="seconds of each call (default 90)")
    parser.add_argument("--speed", type=float, default=1.0, help="1 = real time (default)")
    parser.add_argument(
        "--source", default=str(REPO / "bench" / "out" / "calls"), help="synthetic calls folder"
    )
    parser.add_argument("--turns", type=int, default=60, help="turns per generated call (default 60)")
    parser.add_argument("--server", help="use this running server instead of starting one (no CPU figures)")
    parser.add_argument("--token", help="with --server: an API token (secondear token create EMAIL)")
    parser.add_argument("--port", type=int, default=8791, help="port of the server started here")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    result = asyncio.run(bench(args))
    print(report(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
