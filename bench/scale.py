"""Scale-out benchmark: the Redis decode path against in-process decoding, in the same run.

    .venv/bin/python -m bench.scale --calls 1 4 --duration 60 --workers 1
    .venv/bin/python -m bench.scale --throughput --duration 300 --workers 1 2   # calls at p95 <= 2.5 s
    .venv/bin/python -m bench.scale --batch          # batching gain of one worker, CPU
    .venv/bin/python -m bench.scale --calls 4 --duration 300 --workers --slots 1 2   # decode slots

For each number of calls, the same synthetic calls (bench/live.py) are streamed in real time into
(a) one embedded server (decoding in itself) and (b) one server with SECONDEAR_REDIS_URL and
`--workers` decode worker processes, on a Redis started here. Measured by the outside client, as in
bench.live: end of speech -> final p50/p95/max, and the overhead of (b) over (a).

`--throughput`: for in-process decoding (the baseline) and for each number of `--workers`, the
calls of `--calls` (default 1 2 3 4 6 8) are run in turn until final p95 goes over `--target`; the
table says how many calls each held.

`--batch`: four finals' audio decoded one after the other and as one batch by the same Whisper
model (what a worker with SECONDEAR_WORKER_BATCH_SIZE > 1 does when several calls' finals wait).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench import live

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(900):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            sys.exit(f"bench.scale: a process exited: {log.read_text()[-2000:]}")
        time.sleep(0.2)
    sys.exit("bench.scale: the server did not start")


def member_token(data_dir: Path) -> str:
    """A member and an API token written straight into the bench server's database: what
    `secondear user add` and `secondear token create` do (bench.live runs them), without two more
    Python starts per mode, which the short form in CI cannot afford."""
    import secrets

    from app.auth.passwords import hash_password
    from app.db.accounts import Accounts
    from app.db.engine import migrate, open_engine
    from app.settings import Settings

    data_dir.mkdir(parents=True, exist_ok=True)
    engine = open_engine(Settings(data_dir=data_dir).resolved_database_url())
    try:
        migrate(engine)
        accounts = Accounts(engine)
        user = accounts.add_user(
            email="bench@example.com",
            name="Bench",
            role="member",
            password_hash=hash_password(secrets.token_hex()),
        )
        return accounts.create_api_token(user.id)
    finally:
        engine.dispose()


def run_mode(
    args: argparse.Namespace, calls: int, redis_workers: int, slots: int | None = None
) -> dict[str, Any]:
    """One bench.live run against a server started here; redis_workers 0: embedded decoding, with
    `slots` decodes at once (None: the setting's default)."""
    tmp = Path(tempfile.mkdtemp(prefix="secondear-scale-"))
    procs: list[subprocess.Popen[bytes]] = []
    env = {**os.environ, "SECONDEAR_DATA_DIR": str(tmp / "data")}
    if slots is not None:
        env["SECONDEAR_DECODE_SLOTS"] = str(slots)
    try:
        token = member_token(tmp / "data")
        if redis_workers:
            redis_port = _free_port()
            procs.append(
                subprocess.Popen(
                    [shutil.which("redis-server") or "redis-server", "--port", str(redis_port), "--save", "",
                     "--appendonly", "no"],
                    stdout=subprocess.DEVNULL,
                )
            )  # fmt: skip
            env["SECONDEAR_REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
            for k in range(redis_workers):
                log = (tmp / f"worker{k}.log").open("wb")
                procs.append(
                    subprocess.Popen([sys.executable, "-m", "app", "worker", "--log-level", "warning"],
                                     cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
                )  # fmt: skip
        port = _free_port()
        log_path = tmp / "server.log"
        server = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port), "--log-level", "warning"],
            cwd=REPO, env=env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        procs.append(server)
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, server, log_path)
        if redis_workers:
            # Workers load Whisper on their own: wait until they all beat.
            for _ in range(900):
                health = httpx.get(f"{url}/healthz", timeout=5).json()
                if (health.get("redis") or {}).get("workers", 0) >= redis_workers:
                    break
                time.sleep(0.2)
        ns = argparse.Namespace(
            source=args.source,
            calls=calls,
            turns=60,
            duration=args.duration,
            speed=1.0,
            server=url,
            port=port,
            token=token,
        )
        return asyncio.run(live.bench(ns))
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def batch_gain(clips: int = 4, repeats: int = 3) -> dict[str, Any]:
    """Seconds to decode `clips` finals one by one, and as one batch, with the same model."""
    import numpy as np

    from app.audio.asr import final_request, load_transcriber
    from app.settings import Settings

    settings = Settings()
    transcriber = load_transcriber(settings)
    rng = np.random.default_rng(3)
    sources = live.ensure_calls(Path(live.REPO / "bench" / "out" / "calls"), 1, 60)
    tracks = live.read_stereo(sources[0] / "call.wav")
    speech = tracks["customer"].astype(np.float32) / 32768
    starts = rng.integers(0, max(1, len(speech) - 8 * 16000), clips)
    audios = [speech[s : s + int(rng.uniform(3, 8) * 16000)] for s in starts]
    request = final_request(settings, window=False)
    transcriber.transcribe(audios[0], request)  # warm
    live_request = final_request(settings)  # what a live final uses: a window cut to the audio
    one_by_one, one_by_one_live, batched = [], [], []
    for _ in range(repeats):
        t = time.monotonic()
        for a in audios:
            transcriber.transcribe(a, request)
        one_by_one.append(time.monotonic() - t)
        t = time.monotonic()
        for a in audios:
            transcriber.transcribe(a, live_request)
        one_by_one_live.append(time.monotonic() - t)
        t = time.monotonic()
        transcriber.transcribe_batch(audios, request)
        batched.append(time.monotonic() - t)
    return {
        "clips": clips,
        "one_by_one_s": min(one_by_one),
        "one_by_one_short_window_s": min(one_by_one_live),
        "batch_s": min(batched),
    }


Mode = tuple[int, int | None]
"""(Redis workers, in-process decode slots): (0, n) decodes in the server, n at once."""


def modes(args: argparse.Namespace) -> list[Mode]:
    """The in-process modes first (the baseline), then one per number of `--workers`."""
    return [*((0, slots) for slots in (args.slots or [None])), *((w, None) for w in args.workers if w)]


def mode_name(mode: Mode) -> str:
    workers, slots = mode
    if workers:
        return f"Redis, {workers} worker(s)"
    return "in-process" if slots is None else f"in-process, {slots} slot(s)"


def row(calls: int, mode: str, r: dict[str, Any]) -> str:
    return (
        f"| {calls} | {mode} | {r['finals']} | {live.fmt(r['final_p50'])} | "
        f"{live.fmt(r['final_p95'])} | {live.fmt(r['final_max'])} |"
    )


def throughput(args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Calls each mode holds at final p95 <= target: more calls until p95 goes over (or no final)."""
    held: dict[str, int] = {}
    for spec in modes(args):
        mode = mode_name(spec)
        held[mode] = 0
        for calls in args.calls:
            r = run_mode(args, calls, *spec)
            results[f"{calls}:{mode}"] = r
            print(row(calls, mode, r), flush=True)
            if r["final_p95"] is None or r["final_p95"] > args.target:
                break
            held[mode] = calls
    results["throughput"] = held
    print(f"\n| mode | calls at final p95 <= {args.target:g} s |\n|---|---|")
    for mode, calls in held.items():
        print(f"| {mode} | {calls} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--calls", type=int, nargs="+", help="calls at once (default 1 4; with --throughput 1 2 3 4 6 8)"
    )
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of each call (default 60)")
    parser.add_argument(
        "--workers",
        type=int,
        nargs="*",
        default=[1],
        help="decode workers in the Redis mode(s) (default 1; none: no Redis mode)",
    )
    parser.add_argument(
        "--slots",
        type=int,
        nargs="+",
        help="in-process modes with these SECONDEAR_DECODE_SLOTS (default: one mode, the setting's default)",
    )
    parser.add_argument("--throughput", action="store_true", help="calls each mode holds at final p95")
    parser.add_argument("--target", type=float, default=2.5, help="final p95 to hold, seconds (default 2.5)")
    parser.add_argument(
        "--source", default=str(REPO / "bench" / "out" / "calls"), help="synthetic calls folder"
    )
    parser.add_argument("--batch", action="store_true", help="only the batching gain of one worker")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    if args.batch:
        results["batch"] = b = batch_gain()
        print(f"{b['clips']} finals (30 s windows): one by one {b['one_by_one_s']:.2f} s, one batch "
              f"{b['batch_s']:.2f} s (x{b['one_by_one_s'] / b['batch_s']:.2f}); one by one with the live "
              f"short window {b['one_by_one_short_window_s']:.2f} s")  # fmt: skip
    else:
        args.calls = args.calls or ([1, 2, 3, 4, 6, 8] if args.throughput else [1, 4])
        print("| calls | mode | finals | final p50 | final p95 | final max |\n|---|---|---|---|---|---|")
        if args.throughput:
            throughput(args, results)
        else:
            for calls in args.calls:
                for spec in modes(args):
                    r = run_mode(args, calls, *spec)
                    results[f"{calls}:{mode_name(spec)}"] = r
                    print(row(calls, mode_name(spec), r), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
