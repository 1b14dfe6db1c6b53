"""One live call: its two tracks, the pipeline from speech events to nudges, and persistence.

Audio → `feed` → speech engine → `_on_event` → (finals: tagger) → nudge candidates → policy
→ stored → published to the call's event sockets. Every event a page keeps (finals, nudges,
flags, notes, whispers, ratings, the end of the call) is written first and published second,
so a killed server never forgets what a buddy already saw. Partials and talk events are
fleeting and not stored: a reconnecting page gets the latest talk figures in `state`, and the
next partial replaces a lost one. The audio clock (samples held per track) is checkpointed
twice a second and is what a restarted server resumes from.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from app import protocol
from app.audio.events import Event, Final, Partial, SpeechEnded, SpeechStarted
from app.calls import nudges, recording
from app.calls.hub import Hub
from app.calls.messages import call_payload, mark_payload, nudge_payload, utterance_payload
from app.calls.policy import Decision, HoldReason, NudgePolicy
from app.calls.ports import LiveTrackLike, SpeechEngineLike, TaggerLike
from app.calls.timing import timing_rules
from app.db.repository import CallHistory, Store, new_id
from app.db.tables import CallRow, IntervalRow, MarkRow, NudgeRow, UtteranceRow
from app.protocol import SAMPLE_RATE, CloseCode, Role
from app.settings import Settings
from nlp.live_rules import Cue, LiveTiming
from nlp.types import SPEAKERS, Interval, Speaker, Tag, Utterance

log = logging.getLogger(__name__)

# A restarted server cannot know how many unsaved events (partials, talk) it sent before it
# died; numbering resumes this far above the last saved one so `seq` still only increases.
SEQ_RESTART_GAP = 1000
# Audio counts as flowing (talk events, timing ticks) this long after the last frame.
FLOWING_SECONDS = 2.0
# After a track's socket drops, its open segment is flushed if no reconnect comes this soon.
IDLE_FLUSH_SECONDS = 5.0
FINISH_TIMEOUT = 20.0
# A new audio socket waits this long for the track's previous socket to finish closing.
CLAIM_WAIT_SECONDS = 0.5
CLAIM_WAIT_STEPS = 10


@dataclass
class LiveServices:
    """What every call shares: settings, the store, the speech engine and the tagger."""

    settings: Settings
    store: Store
    engine: SpeechEngineLike
    tagger: TaggerLike
    recordings: Path

    def __post_init__(self) -> None:
        # spaCy is not meant to be called from several threads at once; one tagging thread
        # keeps the event loop free and the pipeline single-threaded.
        self._tag_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="secondear-tag")

    async def tag(self, utterance: Utterance) -> Tag:
        return await asyncio.get_running_loop().run_in_executor(self._tag_pool, self.tagger.tag, utterance)

    def close(self) -> None:
        self._tag_pool.shutdown(wait=False, cancel_futures=True)


@dataclass(eq=False)
class AudioClaim:
    """An audio socket's hold on one track; the session asks it to close by setting `kick`."""

    track: Speaker
    last_seen: float = field(default_factory=time.monotonic)
    kick: asyncio.Event = field(default_factory=asyncio.Event)
    close_code: CloseCode = CloseCode.NORMAL
    close_reason: str = ""

    def close(self, code: CloseCode, reason: str) -> None:
        if not self.kick.is_set():
            self.close_code, self.close_reason = code, reason
            self.kick.set()


class CallSession:
    def __init__(self, history: CallHistory, services: LiveServices) -> None:
        call = history.call
        self.call: CallRow = call
        self.id = call.id
        self.services = services
        self.settings = services.settings
        self.hub = Hub()
        self.seq = call.seq + SEQ_RESTART_GAP if call.seq else 0
        self.published_seq = self.seq
        self.received: dict[Speaker, int] = {s: history.received.get(s, 0) for s in SPEAKERS}
        self.persisted: dict[Speaker, int] = dict(self.received)
        self.transcript: list[protocol.Final] = [utterance_payload(u) for u in history.utterances]
        self.nudges: list[protocol.Nudge] = [nudge_payload(n) for n in history.nudges if n.sent]
        self.marks: dict[str, list[BaseModel]] = {
            kind: [mark_payload(m) for m in history.marks if m.kind == kind]
            for kind in ("flag", "note", "whisper")
        }
        self.talk_payload: protocol.Talk | None = None

        self.timing = LiveTiming(timing_rules(self.settings))
        for speaker in SPEAKERS:
            self.timing.seed(
                speaker, [Interval(i.start, i.end) for i in history.intervals if i.speaker == speaker]
            )
        self.policy = NudgePolicy.from_settings(self.settings)
        for n in history.nudges:
            if n.sent:
                self.policy.remember(n.kind, n.at, n.key)

        self.tracks: dict[Speaker, LiveTrackLike | None] = dict.fromkeys(SPEAKERS)
        self.claims: dict[Speaker, AudioClaim | None] = dict.fromkeys(SPEAKERS)
        self.paused: dict[Speaker, bool] = dict.fromkeys(SPEAKERS, False)
        self.recording_dir = services.recordings / call.id
        self.recorders: dict[Speaker, recording.TrackRecorder] | None = (
            {
                s: recording.TrackRecorder(self.recording_dir / s, self.settings.recording_chunk_seconds)
                for s in SPEAKERS
            }
            if call.recording
            else None
        )
        self.ended = call.status == "ended"
        self.last_audio = 0.0
        self._emit_lock = asyncio.Lock()
        self._ticker: asyncio.Task[None] | None = None
        self._idle_flush: dict[Speaker, asyncio.TimerHandle | None] = dict.fromkeys(SPEAKERS)
        self._background: set[asyncio.Task[Any]] = set()

    # --- clock --------------------------------------------------------------------------------
    def call_time(self) -> float:
        """Call time now: the audio received on the furthest track, in seconds."""
        return max(self.received.values()) / SAMPLE_RATE

    def flowing(self) -> bool:
        return time.monotonic() - self.last_audio < FLOWING_SECONDS

    # --- audio --------------------------------------------------------------------------------
    async def claim(self, track: Speaker) -> AudioClaim | None:
        """Hold `track` for a new audio socket; None while another socket is streaming it.

        A socket silent for `audio_takeover_seconds` is taken over: it is most likely a
        connection that died without the server noticing, and its client is the one
        reconnecting now. A socket that is just closing gets a moment to let go first.
        """
        for _ in range(CLAIM_WAIT_STEPS):
            current = self.claims[track]
            if current is None or current.kick.is_set():
                break
            await asyncio.sleep(CLAIM_WAIT_SECONDS / CLAIM_WAIT_STEPS)
        current = self.claims[track]
        if current is not None and not current.kick.is_set():
            if time.monotonic() - current.last_seen < self.settings.audio_takeover_seconds:
                return None
            current.close(CloseCode.BUSY, "Another connection took over this track.")
        claim = AudioClaim(track)
        self.claims[track] = claim
        handle = self._idle_flush[track]
        if handle is not None:
            handle.cancel()
            self._idle_flush[track] = None
        return claim

    async def align(self, track: Speaker) -> None:
        """A track with no audio yet joins at the call's clock, not at 0.

        The capture page may start the customer's tab audio seconds after the microphone; the
        new track's first sample is then "now" on the call, which keeps interruptions, talk
        share and mic-bleed checks honest. Stored at once, so a restart keeps the offset.
        """
        if self.received[track] == 0 and self.tracks[track] is None:
            ahead = max(self.received.values())
            if ahead > 0:
                self.received[track] = ahead
                await self.checkpoint()

    def release(self, claim: AudioClaim) -> None:
        if self.claims[claim.track] is not claim:
            return
        self.claims[claim.track] = None
        if not self.ended and self.tracks[claim.track] is not None:
            loop = asyncio.get_running_loop()
            self._idle_flush[claim.track] = loop.call_later(
                IDLE_FLUSH_SECONDS, self._flush_track, claim.track
            )

    def _flush_track(self, track: Speaker) -> None:
        self._idle_flush[track] = None
        live = self.tracks[track]
        if live is not None:
            live.flush()
        if self.recorders is not None:
            self._seal(self.recorders[track].close())

    def feed(self, track: Speaker, pcm: bytes) -> None:
        """Audio for `track` (validated PCM16 mono 16 kHz); continues the track's clock."""
        if self.ended:
            return
        live = self.tracks[track]
        if live is None:
            live = self.services.engine.open_track(
                self.id, track, self._on_event, start_at=self.received[track] / SAMPLE_RATE
            )
            self.tracks[track] = live
        position = self.received[track]
        live.feed(pcm)
        self.received[track] = position + len(pcm) // 2
        if self.recorders is not None:
            rec = self.recorders[track]
            rec.write(position, pcm)
            if rec.full():
                self._seal(rec.close())
        self.last_audio = time.monotonic()
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.create_task(self._tick_loop(), name=f"call-{self.id}-ticker")

    def pause(self, track: Speaker, paused: bool) -> None:
        self.paused[track] = paused
        live = self.tracks[track]
        if paused and live is not None:
            live.flush()  # the interviewer stopped: settle what was said so far

    async def end_track(self, track: Speaker) -> None:
        """No more audio on `track` for now: flush its last segment and wait for its events."""
        live = self.tracks[track]
        self.tracks[track] = None
        if live is not None:
            await self._finish(live)
        await self.checkpoint()
        if self.recorders is not None:
            self._seal(self.recorders[track].close())

    async def _finish(self, live: LiveTrackLike) -> None:
        try:
            await asyncio.wait_for(live.finish(), FINISH_TIMEOUT)
        except TimeoutError:
            log.warning(
                "call %s: a track did not finish in %.0f s; dropping its last audio", self.id, FINISH_TIMEOUT
            )
            live.abort()

    async def checkpoint(self) -> None:
        """Store how much audio each track holds (and the sequence number) when it changed."""
        if self.received == self.persisted:
            return
        if self.recorders is not None:
            for rec in self.recorders.values():
                rec.flush()
        snapshot = dict(self.received)
        await self.services.store.run(self.services.store.repo.checkpoint, self.id, snapshot, self.seq)
        for s in SPEAKERS:
            self.persisted[s] = max(self.persisted[s], snapshot[s])

    def _seal(self, path: Path | None) -> None:
        if path is not None:
            self._spawn(asyncio.to_thread(recording.seal, path))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # --- speech events ------------------------------------------------------------------------
    async def _on_event(self, event: Event) -> None:
        if isinstance(event, Partial):
            await self._emit(
                protocol.PartialEvent,
                {"speaker": event.track, "start": event.start, "end": event.end, "text": event.text},
            )
        elif isinstance(event, Final):
            await self._on_final(event)
        elif isinstance(event, SpeechStarted):
            await self._cues(self.timing.started(event.track, event.at))
        elif isinstance(event, SpeechEnded):
            row = IntervalRow(call_id=self.id, speaker=event.track, start=event.start, end=event.at)
            await self.services.store.run(self.services.store.repo.add, row, self.seq)
            await self._cues(self.timing.ended(event.track, event.start, event.at))

    async def _on_final(self, event: Final) -> None:
        uid = new_id("u")
        utterance = Utterance(speaker=event.track, text=event.text, start=event.start, end=event.end, id=uid)
        try:
            tag = await self.services.tag(utterance)
        except Exception:
            # A detector bug must not cost the transcript: keep the final, untagged.
            log.exception("call %s: tagging failed for %r", self.id, event.text)
            tag = Tag()
        row = UtteranceRow(
            id=uid,
            call_id=self.id,
            speaker=event.track,
            start=event.start,
            end=event.end,
            text=event.text,
            question=tag.question,
            hits=[
                {"flag": h.flag.value, "rule_id": h.rule_id, "evidence": h.evidence, "message": h.message}
                for h in tag.hits
            ],
            message=tag.message,
            suggestion=tag.suggestion,
            seq=0,
        )
        await self._emit(protocol.FinalEvent, utterance_payload(row), row, self.transcript)
        await self._consider(nudges.from_tag(uid, utterance, tag))

    async def _cues(self, cues: list[Cue]) -> None:
        s = self.settings
        for cue in cues:
            candidate = nudges.from_cue(
                cue,
                target=s.talk_share_target,
                window=s.talk_share_window_seconds,
                patience=s.patience_seconds,
            )
            await self._consider([candidate])

    async def _consider(self, candidates: list[nudges.Candidate]) -> None:
        """Send at most one of `candidates` (about one moment); store every one."""
        sent = False
        for c in candidates:
            severity = self.policy.severity(c.kind)
            decision = (
                Decision(False, "one_per_moment")
                if sent
                else self.policy.decide(c.kind, c.at, c.key, severity)
            )
            row = NudgeRow(
                id=new_id("n"),
                call_id=self.id,
                kind=c.kind,
                severity=severity,
                title=c.title,
                message=c.message,
                evidence=c.evidence,
                suggestion=c.suggestion,
                utterance_id=c.utterance_id,
                at=c.at,
                start=c.start,
                end=c.end,
                key=c.key,
                sent=decision.send,
                held_reason=decision.reason,
                helpful=None,
                seq=0,
            )
            if decision.send:
                sent = True
                await self._emit(protocol.NudgeEvent, nudge_payload(row), row, self.nudges)
            else:
                await self._store_held(row, decision.reason)

    async def _store_held(self, row: NudgeRow, reason: HoldReason | None) -> None:
        row.seq = self.seq
        await self.services.store.run(self.services.store.repo.add, row, self.seq)
        log.debug("call %s: held %s nudge (%s)", self.id, row.kind, reason)

    # --- publishing ---------------------------------------------------------------------------
    async def _emit(
        self,
        event: type[protocol.Event],
        payload: BaseModel | dict[str, Any],
        row: UtteranceRow | NudgeRow | MarkRow | None = None,
        remember: list[Any] | None = None,
        persist: Callable[[int], Any] | None = None,
    ) -> None:
        """Number, store (when `row` or `persist` is given), remember and publish one event:
        `payload` (a model of `app.protocol`, or its fields) sent as an `event`."""
        async with self._emit_lock:
            self.seq += 1
            seq = self.seq
            if row is not None:
                row.seq = seq
                await self.services.store.run(self.services.store.repo.add, row, seq)
            elif persist is not None:
                await self.services.store.run(persist, seq)
            if remember is not None:
                remember.append(payload)
            fields = payload if isinstance(payload, dict) else payload.model_dump()
            message = event.model_validate({**fields, "seq": seq, "call_time": self.call_time()})
            self.published_seq = seq
            self.hub.publish(protocol.dump(message))

    def snapshot(self, role: Role) -> str:
        """The `state` message for a socket joining now (call it in the same step as subscribing)."""
        state = protocol.State.model_construct(
            seq=self.published_seq,
            call_time=round(self.call_time(), 3),
            sent_at=protocol.wall_clock(),
            call=call_payload(self.call, call_time=self.call_time()),
            role=role,
            transcript=self.transcript,
            nudges=self.nudges,
            flags=self.marks["flag"],
            notes=self.marks["note"],
            whispers=self.marks["whisper"],
            talk=self.talk_payload,
        )
        # Built without validation: every part is a validated model already, and a long call's
        # transcript would otherwise be checked again for every joining socket.
        return protocol.dump(state)

    async def _tick_loop(self) -> None:
        """While audio flows: checkpoint the clock, run the timing rules, send talk events."""
        period = min(0.5, self.settings.talk_event_seconds)
        last_talk = 0.0
        try:
            while not self.ended:
                await asyncio.sleep(period)
                await self.checkpoint()
                if not self.flowing():
                    if self.received == self.persisted:
                        return  # idle: the next frame starts a new ticker
                    continue
                now = self.call_time()
                await self._cues(self.timing.tick(now))
                if time.monotonic() - last_talk >= self.settings.talk_event_seconds - period / 2:
                    last_talk = time.monotonic()
                    await self._emit(protocol.TalkEvent, self._talk(now))
        except Exception:
            log.exception("call %s: the ticker stopped", self.id)

    def _talk(self, now: float) -> protocol.Talk:
        state = self.timing.talk(now)
        payload = protocol.Talk.model_validate(
            {
                "interviewer_share_rolling": _round(state.interviewer_share_rolling),
                "interviewer_share": _round(state.interviewer_share),
                "window_seconds": state.window_seconds,
                "speaking": list(state.speaking),
                "monologue_seconds": state.monologue_seconds,
                "talk_seconds": state.talk_seconds,
                "share_target": self.settings.talk_share_target,
            }
        )
        self.talk_payload = payload
        return payload

    # --- buddy actions ------------------------------------------------------------------------
    async def mark(
        self, kind: str, by: Role, *, text: str | None = None, nudge_id: str | None = None
    ) -> None:
        """A buddy's flag, note or whisper, at the call time now."""
        row = MarkRow(
            id=new_id(kind[0]),
            call_id=self.id,
            kind=kind,
            at=self.call_time(),
            text=text,
            nudge_id=nudge_id,
            helpful=None,
            by=by,
            created_at=time.time(),
            seq=0,
        )
        event: dict[str, type[protocol.Event]] = {
            "flag": protocol.FlagEvent,
            "note": protocol.NoteEvent,
            "whisper": protocol.WhisperEvent,
        }
        await self._emit(event[kind], mark_payload(row), row, self.marks[kind])

    async def rate(self, by: Role, nudge_id: str, helpful: bool) -> bool:
        """Rate a sent nudge; False when this call sent no such nudge."""
        nudge = next((n for n in self.nudges if n.id == nudge_id), None)
        if nudge is None:
            return False
        row = MarkRow(
            id=new_id("r"),
            call_id=self.id,
            kind="rating",
            at=self.call_time(),
            text=None,
            nudge_id=nudge_id,
            helpful=helpful,
            by=by,
            created_at=time.time(),
            seq=0,
        )
        repo = self.services.store.repo

        def persist(seq: int) -> None:
            row.seq = seq
            repo.rate(row, seq)

        await self._emit(protocol.RatingEvent, {"nudge_id": nudge_id, "helpful": helpful}, persist=persist)
        nudge.helpful = helpful
        return True

    # --- ending -------------------------------------------------------------------------------
    async def end(self) -> None:
        """End the call: settle both tracks, store, tell every socket."""
        if self.ended:
            return
        self.ended = True
        for claim in self.claims.values():
            if claim is not None:
                claim.close(CloseCode.ENDED, "The call has ended.")
        for track in SPEAKERS:
            live = self.tracks[track]
            self.tracks[track] = None
            if live is not None:
                await self._finish(live)
        await self.checkpoint()
        row = await self.services.store.run(self.services.store.repo.end_call, self.id, self.seq)
        if row is not None:
            self.call = row
        await self._emit(protocol.CallEnded, {"call": call_payload(self.call, call_time=self.call_time())})
        self._close_recorders()

    def _close_recorders(self) -> None:
        if self.recorders is not None:
            for rec in self.recorders.values():
                self._seal(rec.close())

    async def close(self) -> None:
        """The server is stopping: keep what was received, drop work in flight."""
        for claim in self.claims.values():
            if claim is not None:
                claim.close(CloseCode.RESTARTING, "The server is restarting; reconnect in a moment.")
        for track in SPEAKERS:
            handle = self._idle_flush[track]
            if handle is not None:
                handle.cancel()
            live = self.tracks[track]
            self.tracks[track] = None
            if live is not None:
                live.abort()
        if self._ticker is not None:
            self._ticker.cancel()
        try:
            await self.checkpoint()
        except Exception:
            log.exception("call %s: could not save the audio clock on shutdown", self.id)
        self._close_recorders()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        self.hub.close()

    def idle(self) -> bool:
        """Nothing attached: no audio socket and no event socket."""
        return len(self.hub) == 0 and all(c is None for c in self.claims.values())


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
