"""Prometheus figures: of a server (`/metrics`) and of a decode worker (`--metrics-port`).

Counters that code increments as things happen (events sent) live in the default registry; the
rest is read when Prometheus scrapes (live calls, sockets, decode totals, Redis streams), so there
is one place for each number and nothing to keep in step.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, generate_latest, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from app.scale import wire

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from app.calls.manager import CallManager
    from app.scale.worker import Worker

EVENTS_SENT = Counter(
    "secondear_events_sent", "Events a server published to its calls' event sockets, by type.", ["type"]
)


@dataclass
class StreamFigures:
    length: int
    pending: int
    lag_seconds: float
    """Age of the oldest job still on the stream (waiting or being decoded)."""


@dataclass
class ServerFigures:
    live_calls: int = 0
    calls_in_memory: int = 0
    audio_sockets: int = 0
    event_sockets: int = 0
    relayed_sockets: int = 0
    """Events sockets of calls another process runs, served from the call's Redis stream."""
    queue_lag: float = 0.0
    decodes: dict[str, int] = field(default_factory=dict)
    decode_seconds: dict[str, float] = field(default_factory=dict)
    dropped_partials: int = 0
    streams: dict[str, StreamFigures] = field(default_factory=dict)
    workers: int | None = None
    redis_up: bool | None = None


def server_figures(calls: CallManager) -> ServerFigures:
    sessions = calls.active()
    figures = ServerFigures(
        live_calls=sum(1 for s in sessions if not s.ended),
        calls_in_memory=len(sessions),
        audio_sockets=sum(1 for s in sessions for t in s.tracks.values() if t.claim is not None),
        event_sockets=sum(len(s.hub) for s in sessions),
        relayed_sockets=len(calls.relays) if calls.relays is not None else 0,
        queue_lag=calls.queue_lag,
    )
    stats = getattr(calls.services.engine, "stats", None)
    if stats is not None:
        figures.decodes = {"final": stats.finals, "partial": stats.partials}
        figures.decode_seconds = {"final": stats.final_seconds, "partial": stats.partial_seconds}
        figures.dropped_partials = stats.dropped_partials
    return figures


async def stream_figures(redis: aioredis.Redis) -> tuple[dict[str, StreamFigures], int]:
    """Length, pending count and lag of each decode stream, and how many workers beat lately."""
    out: dict[str, StreamFigures] = {}
    for kind, stream in wire.STREAMS.items():
        length = int(await redis.xlen(stream))
        pending = 0
        if length:
            try:
                summary: Any = await redis.xpending(stream, wire.GROUP)
                pending = int(summary["pending"])
            except Exception:  # no group yet: no worker ever started
                pending = 0
        lag = 0.0
        oldest: Any = await redis.xrange(stream, count=1)
        if oldest:
            millis = int(oldest[0][0].split(b"-")[0])
            lag = max(0.0, time.time() - millis / 1000)
        out[kind] = StreamFigures(length, pending, lag)
    workers = 0
    async for _key in redis.scan_iter(match=f"{wire.PREFIX}:worker:*", count=100):
        workers += 1
    return out, workers


class _ServerCollector(Collector):
    def __init__(self, figures: ServerFigures) -> None:
        self.f = figures

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        f = self.f
        yield GaugeMetricFamily(
            "secondear_live_calls", "Live (not ended) calls in this process.", f.live_calls
        )
        yield GaugeMetricFamily("secondear_calls_in_memory", "Calls held in this process.", f.calls_in_memory)
        sockets = GaugeMetricFamily("secondear_sockets", "Open WebSockets by kind.", labels=["kind"])
        sockets.add_metric(["audio"], f.audio_sockets)
        sockets.add_metric(["events"], f.event_sockets)
        sockets.add_metric(["events_relayed"], f.relayed_sockets)
        yield sockets
        yield GaugeMetricFamily(
            "secondear_decode_queue_lag_seconds",
            "How long this process's oldest decode has waited.",
            f.queue_lag,
        )
        decodes = CounterMetricFamily("secondear_decodes", "Decodes done for this process.", labels=["kind"])
        seconds = CounterMetricFamily(
            "secondear_decode_seconds", "Decode wall time for this process.", labels=["kind"]
        )
        for kind, n in f.decodes.items():
            decodes.add_metric([kind], n)
            seconds.add_metric([kind], f.decode_seconds.get(kind, 0.0))
        yield decodes
        yield seconds
        yield CounterMetricFamily(
            "secondear_dropped_partials", "Partials given up (stale or over budget).", f.dropped_partials
        )
        if f.redis_up is not None:
            yield GaugeMetricFamily(
                "secondear_redis_up", "1 when Redis answered this scrape.", int(f.redis_up)
            )
        if f.streams:
            length = GaugeMetricFamily(
                "secondear_stream_length", "Jobs on a decode stream.", labels=["stream"]
            )
            pending = GaugeMetricFamily(
                "secondear_stream_pending", "Jobs a worker took and has not answered.", labels=["stream"]
            )
            lag = GaugeMetricFamily(
                "secondear_stream_lag_seconds", "Age of the oldest job on a decode stream.", labels=["stream"]
            )
            for kind, s in f.streams.items():
                length.add_metric([kind], s.length)
                pending.add_metric([kind], s.pending)
                lag.add_metric([kind], s.lag_seconds)
            yield from (length, pending, lag)
        if f.workers is not None:
            yield GaugeMetricFamily("secondear_workers", "Decode workers seen in the last 10 s.", f.workers)


def render(figures: ServerFigures) -> bytes:
    """The Prometheus text of a server: its counters and the figures read now."""
    registry = CollectorRegistry()
    registry.register(_ServerCollector(figures))
    return generate_latest(REGISTRY) + generate_latest(registry)


class _WorkerCollector(Collector):
    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    def collect(self) -> Iterable[CounterMetricFamily]:
        s = self.worker.stats
        decodes = CounterMetricFamily(
            "secondear_worker_decodes", "Decodes done by this worker.", labels=["kind"]
        )
        decodes.add_metric(["final"], s.finals)
        decodes.add_metric(["partial"], s.partials)
        yield decodes
        yield CounterMetricFamily("secondear_worker_decode_seconds", "Decode wall time.", s.decode_seconds)
        yield CounterMetricFamily("secondear_worker_batches", "Batches of several finals decoded.", s.batches)
        yield CounterMetricFamily(
            "secondear_worker_claimed", "Jobs taken over from workers that went silent.", s.claimed
        )
        yield CounterMetricFamily(
            "secondear_worker_dropped_partials", "Partials too old to be worth decoding.", s.dropped_partials
        )


def serve_worker_metrics(worker: Worker, port: int) -> None:
    registry = CollectorRegistry()
    registry.register(_WorkerCollector(worker))
    start_http_server(port, registry=registry)
