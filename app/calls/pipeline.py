"""One call's pipeline from speech events to nudge decisions, with no sockets and no storage.

    speech event ──▶ Partial (shown, not kept)
                 ──▶ Heard (a tagged final) ──▶ nudges from its flags
                 ──▶ Spoke (a stretch of speech, for timing) ──▶ nudges from the timing rules
    tick(now)    ──▶ nudges from the timing rules (talk share, monologue, rapid fire)

Every nudge comes out decided: `sent`, or held with a reason (`policy.py`). What to store and
whom to tell is the publisher's job (`publisher.py`), so tests drive this class with scripted
events and a fake tagger and read its outcomes directly.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from app import protocol
from app.audio.events import Event, Final, Partial, SpeechEnded, SpeechStarted
from app.calls import nudges
from app.calls.policy import NudgePolicy
from app.db.repository import new_id
from nlp.live_rules import Cue, LiveTiming
from nlp.timing import TimingRules
from nlp.types import SPEAKERS, Interval, Speaker, Tag, Utterance

log = logging.getLogger(__name__)

Tagging = Callable[[Utterance], Awaitable[Tag]]


@dataclass(frozen=True, slots=True)
class Heard:
    """A final, tagged: its utterance (with the id it is stored under) and the tag."""

    utterance: Utterance
    tag: Tag


@dataclass(frozen=True, slots=True)
class Spoke:
    """A stretch of speech on one track ended (from the VAD): kept for the report's timing."""

    speaker: Speaker
    start: float
    end: float


Outcome = protocol.Partial | Heard | Spoke | protocol.Nudge


class CallPipeline:
    """Speech events in, outcomes out, in the order they must be announced."""

    def __init__(self, rules: TimingRules, policy: NudgePolicy, tag: Tagging) -> None:
        self.rules = rules
        self.policy = policy
        self.timing = LiveTiming(rules)
        self._tag = tag

    def resume(self, speech: dict[Speaker, list[Interval]], sent: Iterable[protocol.Nudge]) -> None:
        """Pick a call up again after a restart: its speech so far and the nudges it sent."""
        for speaker in SPEAKERS:
            self.timing.seed(speaker, speech.get(speaker, []))
        for n in sent:
            self.policy.remember(n.kind, n.at, n.key)

    async def on_event(self, event: Event) -> Sequence[Outcome]:
        if isinstance(event, Partial):
            partial = protocol.Partial(speaker=event.track, start=event.start, end=event.end, text=event.text)
            return [partial]
        if isinstance(event, Final):
            return await self._on_final(event)
        if isinstance(event, SpeechStarted):
            return self._on_cues(self.timing.started(event.track, event.at))
        if isinstance(event, SpeechEnded):
            spoke = Spoke(event.track, event.start, event.at)
            cues = self.timing.ended(event.track, event.start, event.at)
            return [spoke, *self._on_cues(cues)]
        return []

    def tick(self, now: float) -> list[protocol.Nudge]:
        """The timing rules at call time `now` (while audio flows)."""
        return self._on_cues(self.timing.tick(now))

    def talk(self, now: float) -> protocol.Talk:
        state = self.timing.talk(now)
        return protocol.Talk.model_validate(
            {
                "interviewer_share_rolling": _round(state.interviewer_share_rolling),
                "interviewer_share": _round(state.interviewer_share),
                "window_seconds": state.window_seconds,
                "speaking": list(state.speaking),
                "monologue_seconds": state.monologue_seconds,
                "talk_seconds": state.talk_seconds,
            }
        )

    async def _on_final(self, event: Final) -> list[Outcome]:
        utterance = Utterance(
            speaker=event.track, text=event.text, start=event.start, end=event.end, id=new_id("u")
        )
        try:
            tag = await self._tag(utterance)
        except Exception:
            # A detector bug must not cost the transcript: keep the final, untagged.
            log.exception("tagging failed for %r", event.text)
            tag = Tag()
        assert utterance.id is not None
        return [Heard(utterance, tag), *self.decide(nudges.from_tag(utterance.id, utterance, tag))]

    def _on_cues(self, cues: list[Cue]) -> list[protocol.Nudge]:
        r = self.rules
        out: list[protocol.Nudge] = []
        for cue in cues:  # each cue is a moment of its own
            out += self.decide(
                [nudges.from_cue(cue, target=r.share_target, window=r.share_window, patience=r.patience)]
            )
        return out

    def decide(self, candidates: list[protocol.Nudge]) -> list[protocol.Nudge]:
        """Send at most one of `candidates` (about one moment); every one comes back decided."""
        sent = False
        for c in candidates:
            c.severity = self.policy.severity(c.kind)
            if sent:
                c.sent, c.held_reason = False, "one_per_moment"
                continue
            decision = self.policy.decide(c.kind, c.at, c.key, c.severity)
            c.sent, c.held_reason = decision.send, decision.reason
            sent = decision.send
        return candidates


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
