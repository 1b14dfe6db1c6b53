"""`secondear worker`: takes decode jobs off Redis Streams, decodes them, answers the server.

Any number of workers, on any machine, share the consumer group `workers`: each job goes to one.
Finals are taken before partials. A job is acknowledged only after its answer is on the server's
replies stream, so a worker killed mid-decode leaves the job pending; every worker claims jobs
pending longer than `decode_claim_seconds` (XAUTOCLAIM), and a live worker keeps the jobs it is
decoding fresh (XCLAIM to itself) so a slow decode is never taken over. Partials that waited past
`partial_max_lag` are answered "dropped" without decoding; finals are never dropped.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis
from redis.exceptions import RedisError, ResponseError

from app.audio.asr import BatchTranscriber, Transcriber, Transcription
from app.scale import wire
from app.scale.remote import process_id
from app.settings import Settings

log = logging.getLogger(__name__)

BLOCK_MS = 200
RETRY_SECONDS = 0.5
HEARTBEAT_KEY = f"{wire.PREFIX}:worker:"
HEARTBEAT_TTL_SECONDS = 10


@dataclass
class WorkerStats:
    finals: int = 0
    partials: int = 0
    dropped_partials: int = 0
    claimed: int = 0
    batches: int = 0
    decode_seconds: float = 0.0


class Worker:
    def __init__(self, settings: Settings, transcriber: Transcriber, *, name: str | None = None) -> None:
        assert settings.redis_url, "a worker needs SECONDEAR_REDIS_URL"
        self.settings = settings
        self.transcriber = transcriber
        self.name = name or process_id("worker")
        self.redis = redis.Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=2)
        self.stats = WorkerStats()
        self._groups_ready = False
        self._last_claim = 0.0
        self._last_beat = 0.0
        # The jobs being decoded now, kept fresh by the heartbeat thread: {stream: [message ids]}.
        self._busy: dict[str, list[bytes]] = {}
        self._busy_lock = threading.Lock()

    # --- the loop -------------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        keeper = threading.Thread(target=self._keep_fresh, args=(stop,), name="secondear-keep", daemon=True)
        keeper.start()
        log.info("worker %s: taking decode jobs from %s", self.name, self.settings.redis_url)
        while not stop.is_set():
            try:
                self.step()
            except (RedisError, OSError) as exc:
                # Redis is down or restarted (its streams and groups gone): make them again.
                log.warning("worker %s: Redis error (%s); retrying", self.name, exc)
                self._groups_ready = False
                stop.wait(RETRY_SECONDS)
        keeper.join(timeout=2)
        self.redis.close()

    def step(self) -> bool:
        """Take and decode what is there (claimed jobs of dead workers first); False when idle."""
        if not self._groups_ready:
            self._ensure_groups()
        self._beat()
        now = time.monotonic()
        if now - self._last_claim >= self.settings.decode_claim_seconds / 2:
            self._last_claim = now
            for stream in (wire.FINALS, wire.PARTIALS):
                claimed = self._claim(stream)
                if claimed:
                    self.stats.claimed += len(claimed)
                    log.info("worker %s: took over %d jobs of a silent worker", self.name, len(claimed))
                    self._process(stream, claimed)
                    return True
        batch = self.settings.worker_batch_size
        got = self._read({wire.FINALS: ">"}, batch, block=None)
        if not got:
            got = self._read({wire.FINALS: ">", wire.PARTIALS: ">"}, 1, block=BLOCK_MS)
        # Finals first, whichever stream answered.
        got.sort(key=lambda item: item[0] != wire.FINALS)
        for stream, messages in got:
            self._process(stream, messages)
        return bool(got)

    # --- Redis ----------------------------------------------------------------------------------
    def _ensure_groups(self) -> None:
        for stream in (wire.FINALS, wire.PARTIALS):
            try:
                self.redis.xgroup_create(stream, wire.GROUP, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
        self._groups_ready = True

    def _read(
        self, streams: dict[Any, Any], count: int, block: int | None
    ) -> list[tuple[str, list[tuple[bytes, wire.Fields]]]]:
        raw: Any = self.redis.xreadgroup(wire.GROUP, self.name, streams, count=count, block=block)
        return [(s.decode() if isinstance(s, bytes) else s, list(m)) for s, m in (raw or [])]

    def _claim(self, stream: str) -> list[tuple[bytes, wire.Fields]]:
        idle_ms = int(self.settings.decode_claim_seconds * 1000)
        batch = max(self.settings.worker_batch_size, 1)
        reply = self.redis.xautoclaim(stream, wire.GROUP, self.name, idle_ms, "0-0", count=batch)
        # [next id, [(id, fields)], [deleted ids]]; a deleted entry (trimmed partial) has no fields.
        return [(mid, fields) for mid, fields in reply[1] if fields]

    def _answer(self, stream: str, message_id: bytes, job: wire.WireJob, result: Transcription | None,
                seconds: float) -> None:  # fmt: skip
        answer = wire.WireResult(job.id, result, seconds, self.name)
        pipe = self.redis.pipeline(transaction=True)
        pipe.xadd(job.reply_to, answer.fields(), maxlen=wire.REPLIES_MAXLEN, approximate=True)
        pipe.expire(job.reply_to, wire.REPLIES_TTL_SECONDS)
        pipe.xack(stream, wire.GROUP, message_id)
        pipe.xdel(stream, message_id)
        pipe.execute()

    def _beat(self) -> None:
        now = time.monotonic()
        if now - self._last_beat >= 1.0:
            self._last_beat = now
            self.redis.set(HEARTBEAT_KEY + self.name, str(self.stats.finals), ex=HEARTBEAT_TTL_SECONDS)

    def _keep_fresh(self, stop: threading.Event) -> None:
        """Reset the idle time of the jobs being decoded, so no other worker claims them."""
        period = self.settings.decode_claim_seconds / 3
        while not stop.wait(period):
            with self._busy_lock:
                busy = {s: list(ids) for s, ids in self._busy.items() if ids}
            for stream, ids in busy.items():
                # On an error the main loop sees the same trouble and reconnects.
                with contextlib.suppress(RedisError, OSError):
                    self.redis.xclaim(stream, wire.GROUP, self.name, 0, list[Any](ids), justid=True)

    # --- decoding -------------------------------------------------------------------------------
    def _process(self, stream: str, messages: Sequence[tuple[bytes, wire.Fields]]) -> None:
        jobs: list[tuple[bytes, wire.WireJob]] = []
        for message_id, fields in messages:
            try:
                jobs.append((message_id, wire.WireJob.parse(fields)))
            except (KeyError, ValueError, TypeError):
                log.exception("worker %s: an unreadable job %r; dropping it", self.name, message_id)
                self.redis.xack(stream, wire.GROUP, message_id)
        if stream == wire.PARTIALS:
            fresh = []
            for message_id, job in jobs:
                if job.waited > self.settings.partial_max_lag:
                    self.stats.dropped_partials += 1
                    self._answer(stream, message_id, job, None, 0.0)
                else:
                    fresh.append((message_id, job))
            jobs = fresh
        if not jobs:
            return
        with self._busy_lock:
            self._busy[stream] = [mid for mid, _ in jobs]
        try:
            if len(jobs) > 1 and isinstance(self.transcriber, BatchTranscriber):
                self._decode_batch(stream, jobs)
            else:
                for message_id, job in jobs:
                    self._decode_one(stream, message_id, job)
        finally:
            with self._busy_lock:
                self._busy.pop(stream, None)

    def _decode_one(self, stream: str, message_id: bytes, job: wire.WireJob) -> None:
        started = time.monotonic()
        result: Transcription | None
        try:
            result = self.transcriber.transcribe(job.audio, job.request)
        except Exception:
            log.exception("worker %s: decoding %s failed", self.name, job.id)
            result = None
        spent = time.monotonic() - started
        self._count(job, spent)
        self._answer(stream, message_id, job, result, spent)

    def _decode_batch(self, stream: str, jobs: list[tuple[bytes, wire.WireJob]]) -> None:
        """Several calls' finals in one batch (CTranslate2 batches the encoder and the decoder)."""
        assert isinstance(self.transcriber, BatchTranscriber)
        started = time.monotonic()
        try:
            results = self.transcriber.transcribe_batch([j.audio for _, j in jobs], jobs[0][1].request)
        except Exception:
            log.exception("worker %s: a batch of %d failed; decoding one by one", self.name, len(jobs))
            for message_id, job in jobs:
                self._decode_one(stream, message_id, job)
            return
        spent = time.monotonic() - started
        self.stats.batches += 1
        for (message_id, job), result in zip(jobs, results, strict=True):
            self._count(job, spent / len(jobs))
            self._answer(stream, message_id, job, result, spent)

    def _count(self, job: wire.WireJob, seconds: float) -> None:
        if job.request.kind == "final":
            self.stats.finals += 1
        else:
            self.stats.partials += 1
        self.stats.decode_seconds += seconds
