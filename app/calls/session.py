"""One live call: its two tracks, its pipeline, its publisher, and its lifecycle.

    audio socket ─▶ `feed` ─▶ Track (clock, recording) ─▶ speech engine ─▶ `_on_event`
      ─▶ CallPipeline (tags, timing rules, nudge policy) ─▶ Publisher (store, then fan out)

The session wires these together and owns what spans them: claiming a track for a socket,
the ticker (clock checkpoints, timing rules, talk events while audio flows), ending the call
and shutting down. The audio clock (samples held per track) is checkpointed twice a second
and is what a restarted server resumes from.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app import protocol
from app.audio.events import Event
from app.audio.frames import float_to_pcm16
from app.calls import one_track, recording
from app.calls.hub import Hub
from app.calls.messages import call_payload
from app.calls.pipeline import CallPipeline
from app.calls.policy import NudgePolicy
from app.calls.ports import SpeechEngineLike, TaggerLike
from app.calls.publisher import Publisher
from app.calls.timing import timing_rules
from app.calls.track import AudioClaim, Track
from app.db.repository import CallHistory, Store
from app.db.tables import CallRow
from app.protocol import SAMPLE_RATE, CloseCode, Role
from app.settings import Settings
from nlp.types import SPEAKERS, Interval, Speaker, Tag, Utterance

__all__ = ["AudioClaim", "CallSession", "LiveServices"]

log = logging.getLogger(__name__)

# Audio counts as flowing (talk events, timing ticks) this long after the last frame.
FLOWING_SECONDS = 2.0
# After a track's socket drops, its open segment is flushed if no reconnect comes this soon.
IDLE_FLUSH_SECONDS = 5.0
FINISH_TIMEOUT = 20.0
# After a crash, recorded audio is heard again from at most this long before the longest open
# segment could start (speech is cut into segments of at most vad_max_segment, each transcribed).
RECOVER_MARGIN_SECONDS = 2.0
RECOVER_PIECE = SAMPLE_RATE  # bytes: half a second of PCM16 fed at a time
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


class CallSession:
    def __init__(self, history: CallHistory, services: LiveServices) -> None:
        call = history.call
        self.call: CallRow = call
        self.id = call.id
        self.services = services
        self.settings = s = services.settings
        recordings = services.recordings / call.id if call.recording else None
        self.tracks: dict[Speaker, Track] = {
            name: Track.resume(
                name,
                history.received.get(name, 0),
                recordings,
                s.recording_chunk_seconds,
                mixed=history.mixed.get(name, False),
            )
            for name in SPEAKERS
        }
        self.publisher = Publisher(history, services.store, self.call_time)
        self.pipeline = CallPipeline(timing_rules(s), NudgePolicy.from_settings(s), services.tag)
        speech = {
            name: [Interval(i.start, i.end) for i in history.intervals if i.speaker == name]
            for name in SPEAKERS
        }
        self.pipeline.resume(speech, self.publisher.nudges)
        self.ended = call.status == "ended"
        self.last_audio = 0.0
        self.detached_at = time.monotonic()
        """When the last socket left (or the call was loaded): the idle-call timer starts here."""
        self._ticker: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()

    # --- what the sockets read ----------------------------------------------------------------
    @property
    def hub(self) -> Hub:
        return self.publisher.hub

    @property
    def published_seq(self) -> int:
        return self.publisher.published_seq

    @property
    def received(self) -> dict[Speaker, int]:
        return {name: t.received for name, t in self.tracks.items()}

    @property
    def persisted(self) -> dict[Speaker, int]:
        return {name: t.persisted for name, t in self.tracks.items()}

    def snapshot(self, role: Role) -> str:
        """The `state` message for a socket joining now (call it in the same step as subscribing)."""
        call = call_payload(self.call, call_time=self.call_time())
        return self.publisher.snapshot(call, role, self.settings.talk_share_target)

    # --- clock --------------------------------------------------------------------------------
    def call_time(self) -> float:
        """Call time now: the audio received on the furthest track, in seconds."""
        return max(t.received for t in self.tracks.values()) / SAMPLE_RATE

    def flowing(self) -> bool:
        return time.monotonic() - self.last_audio < FLOWING_SECONDS

    # --- audio --------------------------------------------------------------------------------
    async def claim(self, name: Speaker) -> AudioClaim | None:
        """Hold track `name` for a new audio socket; None while another socket is streaming it.

        A socket silent for `audio_takeover_seconds` is taken over: it is most likely a
        connection that died without the server noticing, and its client is the one
        reconnecting now. A socket that is just closing gets a moment to let go first.
        """
        track = self.tracks[name]
        for _ in range(CLAIM_WAIT_STEPS):
            if not track.held():
                break
            await asyncio.sleep(CLAIM_WAIT_SECONDS / CLAIM_WAIT_STEPS)
        current = track.claim
        if current is not None and track.held():
            if time.monotonic() - current.last_seen < self.settings.audio_takeover_seconds:
                return None
            current.close(CloseCode.BUSY, "Another connection took over this track.")
        track.claim = AudioClaim(name)
        track.paused = False  # a new socket starts unpaused; a paused client says so again
        track.cancel_idle_flush()
        return track.claim

    async def align(self, name: Speaker) -> None:
        """A track with no audio yet joins at the call's clock, not at 0.

        The capture page may start the customer's tab audio seconds after the microphone; the
        new track's first sample is then "now" on the call, which keeps interruptions, talk
        share and mic-bleed checks honest. Stored at once, so a restart keeps the offset.
        """
        track = self.tracks[name]
        if track.received == 0 and track.live is None:
            ahead = max(t.received for t in self.tracks.values())
            if ahead > 0:
                track.received = ahead
                await self.checkpoint()

    def release(self, claim: AudioClaim) -> None:
        track = self.tracks[claim.track]
        if track.claim is not claim:
            return
        track.claim = None
        if not self.ended and track.live is not None:
            loop = asyncio.get_running_loop()
            track.idle_flush = loop.call_later(IDLE_FLUSH_SECONDS, self._flush_track, track)

    def _flush_track(self, track: Track) -> None:
        track.idle_flush = None
        if track.live is not None:
            track.live.flush()
        self._seal(track.close_recording())

    async def recover(self, history: CallHistory) -> None:
        """After a crash: hear again the recorded audio of each track's open segment.

        Audio is acknowledged once stored, but a segment is transcribed only when it ends; a
        server killed mid-segment held acknowledged speech that no final covers, and the client
        will not send it again. Its recording is fed to a new stream of the track, which goes
        on with the client's audio on reconnect, or is flushed if nobody comes back."""
        if self.ended or not self.call.recording:
            return
        for name, track in self.tracks.items():
            # A mixed track's speech was told as both people's.
            mine = SPEAKERS if track.mixed else (name,)
            heard = [i.end for i in history.intervals if i.speaker in mine]
            heard += [u.end for u in history.utterances if u.speaker in mine]
            longest = int((self.settings.vad_max_segment + RECOVER_MARGIN_SECONDS) * SAMPLE_RATE)
            lo = max(int(max(heard, default=0.0) * SAMPLE_RATE), track.received - longest, 0)
            if track.received - lo < SAMPLE_RATE // 10 or track.recorder is None:
                continue
            folder = track.recorder.folder
            audio = await asyncio.to_thread(recording.read_range, folder, lo / SAMPLE_RATE, track.seconds)
            if not audio.any():
                continue  # nothing recorded there
            start_at = lo / SAMPLE_RATE
            earlier = np.zeros(0, dtype=np.float32)
            said: list[tuple[Speaker, float, float]] = []
            if track.mixed:
                # The voices are learnt again from the stretch before (one_track.resume_stream);
                # a track of one person needs neither that audio nor its finals.
                earlier_at = max(0.0, start_at - one_track.RELEARN_S)
                earlier = await asyncio.to_thread(recording.read_range, folder, earlier_at, start_at)
                said = [
                    ("interviewer" if u.speaker == "interviewer" else "customer", u.start, u.end)
                    for u in history.utterances
                    if u.speaker in SPEAKERS and earlier_at <= u.start and u.end <= start_at
                ]
            live = await one_track.resume_stream(
                self.services.engine,
                self.id,
                track,
                self._on_event,
                start_at=start_at,
                earlier=earlier,
                said=said,
            )
            pcm = float_to_pcm16(audio)
            for at in range(0, len(pcm), RECOVER_PIECE):
                live.feed(pcm[at : at + RECOVER_PIECE])
            track.live = live
            loop = asyncio.get_running_loop()
            track.idle_flush = loop.call_later(IDLE_FLUSH_SECONDS, self._flush_track, track)
            log.info(
                "call %s: re-hearing %.1f s of the %s track's open segment",
                self.id,
                len(audio) / SAMPLE_RATE,
                name,
            )

    async def set_mixed(self, name: Speaker, mixed: bool) -> None:
        """Whether track `name` holds both people (its audio socket says); stored, so a restarted
        server splits the track's re-heard speech by voice too."""
        track = self.tracks[name]
        if track.mixed != mixed:
            track.mixed = mixed
            store = self.services.store
            await store.run(store.repo.set_mixed, self.id, name, mixed)

    def feed(self, name: Speaker, pcm: bytes) -> None:
        """Audio for track `name` (validated PCM16 mono 16 kHz); continues the track's clock.

        Audio sent while the track is paused (frames in flight when the interviewer clicked
        pause, or a client that keeps sending) is dropped: the protocol promises the clock
        stands still while paused, and acks tell the client what was kept."""
        track = self.tracks[name]
        if self.ended or track.paused:
            return
        if track.live is None:
            track.live = one_track.open_stream(self.services.engine, self.id, track, self._on_event)
        track.live.feed(pcm)
        self._seal(track.write(pcm))
        self.last_audio = time.monotonic()
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.create_task(self._tick_loop(), name=f"call-{self.id}-ticker")

    def pause(self, name: Speaker, paused: bool) -> None:
        track = self.tracks[name]
        track.paused = paused
        if paused and track.live is not None:
            track.live.flush()  # the interviewer stopped: settle what was said so far

    async def end_track(self, name: Speaker) -> None:
        """No more audio on track `name` for now: flush its last segment and wait for its events."""
        track = self.tracks[name]
        await self._finish(track)
        await self.checkpoint()
        self._seal(track.close_recording())

    async def _finish(self, track: Track) -> None:
        live, track.live = track.live, None
        if live is None:
            return
        try:
            await asyncio.wait_for(live.finish(), FINISH_TIMEOUT)
        except TimeoutError:
            log.warning(
                "call %s: a track did not finish in %.0f s; dropping its last audio", self.id, FINISH_TIMEOUT
            )
            live.abort()

    async def checkpoint(self) -> None:
        """Store how much audio each track holds (and the sequence number) when it changed."""
        if all(t.received == t.persisted for t in self.tracks.values()):
            return
        for t in self.tracks.values():
            if t.recorder is not None:
                t.recorder.flush()
        snapshot = self.received
        store = self.services.store
        await store.run(store.repo.checkpoint, self.id, snapshot, self.publisher.seq)
        for name, t in self.tracks.items():
            t.persisted = max(t.persisted, snapshot[name])

    def _seal(self, path: Path | None) -> None:
        if path is not None:
            self._spawn(asyncio.to_thread(recording.seal, path))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # --- speech events ------------------------------------------------------------------------
    async def _on_event(self, event: Event) -> None:
        for outcome in await self.pipeline.on_event(event):
            await self.publisher.publish(outcome)

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
                for nudge in self.pipeline.tick(now):
                    await self.publisher.publish(nudge)
                if time.monotonic() - last_talk >= self.settings.talk_event_seconds - period / 2:
                    last_talk = time.monotonic()
                    await self.publisher.send_talk(self.pipeline.talk(now))
        except Exception:
            log.exception("call %s: the ticker stopped", self.id)

    # --- buddy actions ------------------------------------------------------------------------
    async def mark(
        self, kind: str, by: Role, *, text: str | None = None, nudge_id: str | None = None
    ) -> None:
        """A buddy's flag, note or whisper, at the call time now."""
        await self.publisher.mark(kind, by, text=text, nudge_id=nudge_id)

    async def rate(self, by: Role, nudge_id: str, helpful: bool) -> bool:
        """Rate a sent nudge; False when this call sent no such nudge."""
        return await self.publisher.rate(by, nudge_id, helpful)

    # --- ending -------------------------------------------------------------------------------
    async def end(self) -> None:
        """End the call: settle both tracks, store, tell every socket."""
        if self.ended:
            return
        self.ended = True
        for track in self.tracks.values():
            if track.claim is not None:
                track.claim.close(CloseCode.ENDED, "The call has ended.")
        for track in self.tracks.values():
            await self._finish(track)
        await self.checkpoint()
        store = self.services.store
        row = await store.run(store.repo.end_call, self.id, self.publisher.seq)
        if row is not None:
            self.call = row
        call = call_payload(self.call, call_time=self.call_time())
        await self.publisher.emit(protocol.CallEnded, {"call": call})
        self._close_recorders()

    def _close_recorders(self) -> None:
        for track in self.tracks.values():
            self._seal(track.close_recording())

    async def close(
        self,
        code: CloseCode = CloseCode.RESTARTING,
        reason: str = "The server is restarting; reconnect in a moment.",
    ) -> None:
        """The server is stopping (or lets the call go): keep what was received, drop work in flight."""
        for track in self.tracks.values():
            if track.claim is not None:
                track.claim.close(code, reason)
        for track in self.tracks.values():
            track.cancel_idle_flush()
            live, track.live = track.live, None
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
        return len(self.hub) == 0 and all(t.claim is None for t in self.tracks.values())

    def idle_seconds(self) -> float:
        """How long nothing has been attached and no audio has come (0 while something is)."""
        if not self.idle():
            return 0.0
        return time.monotonic() - max(self.detached_at, self.last_audio)
