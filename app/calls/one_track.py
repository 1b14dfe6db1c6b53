"""One microphone for both people (an in-person interview, or the customer heard through the
laptop's speakers): the call runs from that one track, and each of its speech events goes to the
person heard.

    audio socket (`mixed=1`) ─▶ MixedTrack.feed ─▶ LiveSpeakers (audio kept) and the speech engine
    speech engine events ─▶ Relabel ─▶ the session's handler, as if from that person's own track

`LiveSpeakers` numbers the voices in order of first speech; `Roles` makes them interviewer and
customer. The first voice heard is the interviewer's (the capture page asks the interviewer to
open the call), unless the other voice asks clearly more questions early on, as the offline
analysis decides who interviews. A VAD interval is cut where the voice changes, a partial goes to
the nearest voice known, and a final's speech also teaches the voices. The session only chooses,
when it opens the track's stream, between the engine's own stream and this one (`open_stream`).

After a restart the open segment is heard again (`resume_stream`): the voices are first learnt
again from the recorded minute or so before it, each labelled by the stored finals said there,
so the re-heard speech goes to the same people as before the restart.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from app.audio.events import Event, Final, Partial, SpeechEnded, SpeechStarted
from app.audio.frames import Samples, pcm16_to_float
from app.audio.live_speakers import LiveSpeakers
from app.audio.voices import load_encoder
from app.calls.ports import EventHandler, LiveTrackLike, SpeechEngineLike
from app.calls.track import Track
from app.protocol import SAMPLE_RATE
from nlp.types import Speaker

ROLE_SETTLE_FINALS = 12  # finals after which who interviews is no longer reconsidered
ROLE_SWAP_MARGIN = 2  # questions more the second voice must ask to be taken as the interviewer
PARTIAL_VOICE_S = 3.0  # seconds at the end of a partial whose voice names its speaker
# Seconds of the call before a re-heard open segment whose voices are learnt again after a
# restart: enough finals of both people to cluster (LiveSpeakers keeps 120 s of audio).
RELEARN_S = 90.0


def open_stream(
    engine: SpeechEngineLike, call_id: str, track: Track, on_event: EventHandler
) -> LiveTrackLike:
    """The speech engine's stream of `track`; split between the two people when the track is mixed."""
    if not track.mixed:
        return engine.open_track(call_id, track.name, on_event, start_at=track.seconds)
    speakers = LiveSpeakers(load_encoder(), start_at=track.seconds)
    relabel = Relabel(speakers, on_event)
    inner = engine.open_track(call_id, track.name, relabel, start_at=track.seconds)
    return MixedTrack(inner, speakers, relabel)


async def resume_stream(
    engine: SpeechEngineLike,
    call_id: str,
    track: Track,
    on_event: EventHandler,
    *,
    start_at: float,
    earlier: Samples,
    said: Sequence[tuple[Speaker, float, float]],
) -> LiveTrackLike:
    """After a restart: the stream of `track` from `start_at` (its open segment is fed next).

    On a mixed track the voices are learnt again first: `earlier` is the track's recorded audio
    just before `start_at`, and `said` who said what in it (the stored finals: person, start,
    end), so each voice keeps the role it had before the restart.
    """
    if not track.mixed:
        return engine.open_track(call_id, track.name, on_event, start_at=start_at)
    speakers = LiveSpeakers(load_encoder(), start_at=start_at - len(earlier) / SAMPLE_RATE)
    speakers.feed(earlier)
    roles = await asyncio.to_thread(_relearn, speakers, said)
    relabel = Relabel(speakers, on_event, roles)
    inner = engine.open_track(call_id, track.name, relabel, start_at=start_at)
    return MixedTrack(inner, speakers, relabel)


def _relearn(speakers: LiveSpeakers, said: Sequence[tuple[Speaker, float, float]]) -> Roles:
    """Label the stored finals' speech again, in order; each voice takes the person it said most as."""
    seconds: dict[int, dict[Speaker, float]] = defaultdict(lambda: {"interviewer": 0.0, "customer": 0.0})
    for person, start, end in sorted(said, key=lambda s: s[1]):
        seconds[speakers.label(start, end)][person] += end - start
    if not seconds:
        return Roles()
    first, second = seconds[0], seconds[1]
    kept = first["interviewer"] + second["customer"]
    swapped = first["customer"] + second["interviewer"]
    return Roles(
        ["interviewer", "customer"] if kept >= swapped else ["customer", "interviewer"], settled=True
    )


class MixedTrack:
    """The engine's stream of a mixed track, with its audio kept for telling the voices apart."""

    def __init__(self, inner: LiveTrackLike, speakers: LiveSpeakers, relabel: Relabel) -> None:
        self._inner = inner
        self._speakers = speakers
        self._relabel = relabel

    def feed(self, pcm: bytes) -> None:
        self._speakers.feed(pcm16_to_float(pcm))
        self._inner.feed(pcm)

    def flush(self) -> None:
        self._inner.flush()

    async def finish(self) -> None:
        await self._inner.finish()
        await self._relabel.release()  # speech that gave no final (a cough, a word lost)

    def abort(self) -> None:
        self._inner.abort()


class Roles:
    """Voice number (0 = first heard) to interviewer or customer."""

    def __init__(self, order: list[Speaker] | None = None, *, settled: bool = False) -> None:
        self._order: list[Speaker] = order or ["interviewer", "customer"]
        self._questions = [0, 0]
        # Roles learnt again after a restart are not reconsidered.
        self._finals = ROLE_SETTLE_FINALS if settled else 0

    def of(self, voice: int) -> Speaker:
        return self._order[min(voice, 1)]

    def heard(self, voice: int, text: str) -> None:
        """A final of `voice`: early questions may show the second voice is the interviewer's."""
        if self._finals >= ROLE_SETTLE_FINALS:
            return
        self._finals += 1
        if text.rstrip().endswith("?"):
            self._questions[min(voice, 1)] += 1
        if self._questions[1] - self._questions[0] >= ROLE_SWAP_MARGIN:
            self._order.reverse()
            self._finals = ROLE_SETTLE_FINALS  # decided once: roles that flip back and forth help nobody


class Relabel:
    """The engine's events of a mixed track, each given to the person heard, in order.

    A VAD interval is held back until the final of its speech is labelled (that final teaches
    the voices: told earlier, the first minute's intervals went to the wrong person), and a
    partial shown under one person is cleared (an empty partial) when the words turn out to be
    the other's, so the buddy pane never keeps a line under the wrong name.
    """

    def __init__(self, speakers: LiveSpeakers, on_event: EventHandler, roles: Roles | None = None) -> None:
        self._speakers = speakers
        self._on_event = on_event
        self.roles = roles or Roles()
        self._shown: Speaker | None = None  # whose partial is on screen
        self._held: list[SpeechEnded] = []

    async def __call__(self, event: Event) -> None:
        if isinstance(event, SpeechStarted):
            return  # sent with its SpeechEnded
        if isinstance(event, SpeechEnded):
            self._held.append(event)  # told once the final of this speech taught the voices
        elif isinstance(event, Partial):
            who = await self._guess(max(event.start, event.end - PARTIAL_VOICE_S), event.end)
            await self._clear_partial(event, unless=who)
            self._shown = who
            await self._emit(replace(event, track=who))
        elif isinstance(event, Final):
            voice = await asyncio.to_thread(self._speakers.label, event.start, event.end)
            self.roles.heard(voice, event.text)
            await self.release(before=event.end)
            who = self.roles.of(voice)
            await self._clear_partial(event, unless=who)
            self._shown = None  # the final replaces its speaker's partial
            await self._emit(replace(event, track=who))

    async def release(self, before: float | None = None) -> None:
        """Tell the held VAD intervals that start before `before` (all when None), each cut where
        the voice changes: one interval may hold a question and its quick answer."""
        due = [e for e in self._held if before is None or e.start < before]
        self._held = [e for e in self._held if e not in due]
        for event in due:
            for voice, start, end in await asyncio.to_thread(self._speakers.split, event.start, event.at):
                who = self.roles.of(voice)
                await self._emit(SpeechStarted(who, start))
                await self._emit(SpeechEnded(who, end, start))

    async def _guess(self, start: float, end: float) -> Speaker:
        voice = await asyncio.to_thread(self._speakers.guess, start, end)
        return self.roles.of(voice)

    async def _clear_partial(self, event: Partial | Final, *, unless: Speaker) -> None:
        if self._shown is not None and self._shown != unless:
            await self._emit(Partial(self._shown, "", event.start, event.end))

    async def _emit(self, event: Event) -> None:
        outcome = self._on_event(event)
        if inspect.isawaitable(outcome):
            await outcome
