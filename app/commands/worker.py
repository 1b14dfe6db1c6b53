"""`secondear worker`: a decode worker for servers that share a Redis (docs/scaling.md).

Needs SECONDEAR_REDIS_URL. On a GPU: SECONDEAR_WHISPER_DEVICE=cuda, a bigger
SECONDEAR_WHISPER_MODEL and SECONDEAR_WORKER_BATCH_SIZE=8 (finals of several calls per batch).
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from types import FrameType

from app.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--redis-url", help="Redis to take jobs from (default: SECONDEAR_REDIS_URL)")
    parser.add_argument(
        "--metrics-port",
        type=int,
        help="serve Prometheus metrics of this worker on this port (default: none)",
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])


def run(args: argparse.Namespace) -> int:
    from app.cli import UsageError

    overrides: dict[str, object] = {}
    if args.redis_url:
        overrides["redis_url"] = args.redis_url
    settings = Settings(**overrides)  # type: ignore[arg-type]
    if not settings.redis_url:
        raise UsageError("a worker takes its jobs from Redis: set SECONDEAR_REDIS_URL or --redis-url")
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    import numpy as np

    from app.audio.asr import final_request, load_transcriber
    from app.audio.frames import SAMPLE_RATE
    from app.scale.worker import Worker

    transcriber = load_transcriber(settings)
    # The first decode is slower (allocations); pay for it before the first job does.
    transcriber.transcribe(np.zeros(SAMPLE_RATE, dtype=np.float32), final_request(settings))
    worker = Worker(settings, transcriber)
    if args.metrics_port:
        from app.scale.metrics import serve_worker_metrics

        serve_worker_metrics(worker, args.metrics_port)
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(
        f"SecondEar decode worker {worker.name} on {settings.redis_url} ({settings.whisper_device})",
        flush=True,
    )
    worker.run(stop)
    return 0
