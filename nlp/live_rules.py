"""Timing rules for a live call: over-talking cues from the speech intervals as they arrive.

The post-call metrics (`nlp.timing`) look at a finished call; these rules watch one that is
still going and say *when* a condition became true, so a nudge can reach the buddy while it
still matters. They are plain Python over intervals in call time, with every threshold in
`TimingRules`; `LiveTiming` is fed speech starts and ends (from the VAD) and ticks.

The VAD reports the end of speech only after `endpoint` seconds of silence, so when the
interviewer starts, the customer may still look "open" although they stopped a moment ago.
Judgements about a hand-over therefore wait until the customer's side is settled (closed,
or open for longer than `settle_seconds` after the interviewer's start).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from nlp.timing import TimingRules, stretches, switches_per_minute, talk_time
from nlp.types import SPEAKERS, Interval, Speaker

__all__ = ["Cue", "CueKind", "LiveTiming", "TalkState", "TimingRules"]

CueKind = Literal["talk_share", "monologue", "interruption", "no_patience", "rapid_fire"]


@dataclass(frozen=True, slots=True)
class Cue:
    """A timing condition that just became true."""

    kind: CueKind
    at: float
    """Call time it was found."""
    start: float
    """Call time of the speech it is about (the stretch, the interrupting start, the window)."""
    end: float
    value: float
    """The measure behind it: share (0..1), seconds, impatient hand-overs, switches per minute."""
    key: str
    """Identifies the occurrence, so the same monologue or interruption is not announced twice."""


@dataclass(frozen=True, slots=True)
class TalkState:
    """Who talks how much, at one moment of call time."""

    at: float
    interviewer_share_rolling: float | None
    interviewer_share: float | None
    window_seconds: float
    speaking: tuple[Speaker, ...]
    monologue_seconds: float
    """Length of the interviewer stretch in progress (0 when the interviewer is not holding the floor)."""
    talk_seconds: dict[Speaker, float]


@dataclass
class _Pending:
    """An interviewer start waiting to be judged as interruption, hand-over, or neither."""

    start: float


@dataclass
class LiveTiming:
    """The timing rules over one call's speech intervals, fed in call time as they arrive."""

    rules: TimingRules = field(default_factory=TimingRules)
    now: float = 0.0
    _closed: dict[Speaker, list[Interval]] = field(default_factory=lambda: {s: [] for s in SPEAKERS})
    _open: dict[Speaker, float | None] = field(default_factory=lambda: dict.fromkeys(SPEAKERS))
    _totals: dict[Speaker, float] = field(default_factory=lambda: dict.fromkeys(SPEAKERS, 0.0))
    _pending: list[_Pending] = field(default_factory=list)
    _handovers: deque[float] = field(default_factory=deque)
    _fired_monologues: set[float] = field(default_factory=set)
    _interrupted: set[float] = field(default_factory=set)
    _share_fired_at: float | None = None
    _rapid_fired_at: float | None = None

    def __post_init__(self) -> None:
        self._handovers = deque(maxlen=self.rules.patience_turns)

    # --- input --------------------------------------------------------------------------------
    def seed(self, speaker: Speaker, intervals: list[Interval]) -> None:
        """Load intervals from before a restart; they count for shares and stretches, fire nothing."""
        for iv in sorted(intervals, key=lambda i: i.start):
            self._closed[speaker].append(iv)
            self._totals[speaker] += iv.duration
            self.now = max(self.now, iv.end)
        self._prune()
        # Stretches already under way before the restart were judged then.
        self._fired_monologues.update(s.start for s in self._stretches(self.now))

    def started(self, speaker: Speaker, at: float) -> list[Cue]:
        """The VAD heard `speaker` start at call time `at`."""
        self._open[speaker] = at
        if speaker == "interviewer":
            self._pending.append(_Pending(at))
        return self._advance(at)

    def ended(self, speaker: Speaker, start: float, end: float) -> list[Cue]:
        """The VAD closed an interval of `speaker`."""
        self._open[speaker] = None
        if end > start:
            self._closed[speaker].append(Interval(start, end))
            self._totals[speaker] += end - start
        return self._advance(end)

    def tick(self, now: float) -> list[Cue]:
        """Time passed (audio arrived) without a VAD event."""
        return self._advance(now)

    # --- output -------------------------------------------------------------------------------
    def talk(self, now: float | None = None) -> TalkState:
        at = max(self.now, now or 0.0)
        mine, theirs = self._view("interviewer", at), self._view("customer", at)
        lo = max(0.0, at - self.rules.share_window)
        rolling = _share(talk_time(mine, start=lo, end=at), talk_time(theirs, start=lo, end=at))
        totals = {s: self._totals[s] + self._open_seconds(s, at) for s in SPEAKERS}
        stretch = self._current_stretch(at)
        return TalkState(
            at=at,
            interviewer_share_rolling=rolling,
            interviewer_share=_share(totals["interviewer"], totals["customer"]),
            window_seconds=min(self.rules.share_window, at),
            speaking=tuple(s for s in SPEAKERS if self._open[s] is not None),
            monologue_seconds=stretch.duration if stretch else 0.0,
            talk_seconds=totals,
        )

    # --- rules --------------------------------------------------------------------------------
    def _advance(self, at: float) -> list[Cue]:
        self.now = max(self.now, at)
        self._prune()
        cues: list[Cue] = []
        cues += self._judge_pending()
        cues += self._monologue()
        cues += self._talk_share()
        cues += self._rapid_fire()
        return cues

    def _judge_pending(self) -> list[Cue]:
        cues: list[Cue] = []
        r = self.rules
        still: list[_Pending] = []
        for p in self._pending:
            verdict = self._judge(p.start)
            if verdict is None:
                still.append(p)
                continue
            kind, customer = verdict
            if kind == "interruption" and customer is not None and customer.start not in self._interrupted:
                self._interrupted.add(customer.start)
                cues.append(
                    Cue(
                        "interruption",
                        self.now,
                        p.start,
                        customer.end,
                        p.start - customer.end,
                        f"int@{p.start:.2f}",
                    )
                )
            elif kind == "handover" and customer is not None:
                self._handovers.append(p.start - customer.end)
                quick = [g for g in self._handovers if g < r.patience]
                if len(quick) >= r.patience_repeats:
                    cues.append(
                        Cue(
                            "no_patience",
                            self.now,
                            customer.end,
                            p.start,
                            float(len(quick)),
                            f"pat@{p.start:.2f}",
                        )
                    )
                    self._handovers.clear()
        self._pending = still
        return cues

    def _judge(self, start: float) -> tuple[str, Interval | None] | None:
        """('interruption'|'handover'|'none', customer interval), or None while undecided."""
        r = self.rules
        own_end = self._end_of("interviewer", start)
        spoken = (own_end if own_end is not None else self.now) - start
        if own_end is not None and spoken < r.interrupt_min_speech:
            return ("none", None)  # a backchannel
        if spoken < r.interrupt_min_speech:
            return None
        c_open = self._open["customer"]
        if c_open is not None and c_open < start:
            # The customer still looks open: an overlap once that lasted past the VAD endpoint.
            if self.now - start >= r.settle_seconds:
                return ("interruption", Interval(c_open, self.now))
            return None
        before = [c for c in self._closed["customer"] if c.start < start]
        if not before:
            return ("none", None)
        last = before[-1]
        if start <= last.end + r.interrupt_grace:
            return ("interruption", last)
        # A hand-over only when the interviewer was silent from the customer's end to this start.
        if any(i.end > last.end and i.start < start for i in self._closed["interviewer"]):
            return ("none", None)
        return ("handover", last)

    def _monologue(self) -> list[Cue]:
        current = self._current_stretch(self.now)
        if current is None or current.duration < self.rules.monologue:
            return []
        if current.start in self._fired_monologues:
            return []
        self._fired_monologues.add(current.start)
        return [
            Cue(
                "monologue",
                self.now,
                current.start,
                current.end,
                current.duration,
                f"mono@{current.start:.2f}",
            )
        ]

    def _talk_share(self) -> list[Cue]:
        r = self.rules
        lo = max(0.0, self.now - r.share_window)
        mine = talk_time(self._view("interviewer", self.now), start=lo, end=self.now)
        theirs = talk_time(self._view("customer", self.now), start=lo, end=self.now)
        share = _share(mine, theirs)
        if share is None or mine + theirs < r.share_min_speech:
            return []
        if share < r.share_target - r.share_rearm:
            self._share_fired_at = None
            return []
        if share <= r.share_target:
            return []
        # Above target: fire on crossing, and again after a full window while it stays there.
        if self._share_fired_at is not None and self.now - self._share_fired_at < r.share_window:
            return []
        self._share_fired_at = self.now
        return [Cue("talk_share", self.now, lo, self.now, share, f"share@{self.now:.0f}")]

    def _rapid_fire(self) -> list[Cue]:
        r = self.rules
        if self.now < r.rapid_window:
            return []
        lo = self.now - r.rapid_window
        mine = [i for i in self._view("interviewer", self.now) if i.start >= lo]
        theirs = [i for i in self._view("customer", self.now) if i.start >= lo]
        rate = switches_per_minute(mine, theirs, duration=r.rapid_window)
        if rate is None or rate < r.rapid_switches_per_minute:
            if rate is None or rate < 0.75 * r.rapid_switches_per_minute:
                self._rapid_fired_at = None
            return []
        if self._rapid_fired_at is not None and self.now - self._rapid_fired_at < r.rapid_window:
            return []
        self._rapid_fired_at = self.now
        return [Cue("rapid_fire", self.now, lo, self.now, rate, f"rapid@{self.now:.0f}")]

    # --- helpers ------------------------------------------------------------------------------
    def _view(self, speaker: Speaker, at: float) -> list[Interval]:
        """Closed intervals plus the open one cut at `at`."""
        out = list(self._closed[speaker])
        start = self._open[speaker]
        if start is not None and at > start:
            out.append(Interval(start, at))
        return out

    def _open_seconds(self, speaker: Speaker, at: float) -> float:
        start = self._open[speaker]
        return max(0.0, at - start) if start is not None else 0.0

    def _end_of(self, speaker: Speaker, start: float) -> float | None:
        for iv in reversed(self._closed[speaker]):
            if iv.start == start:
                return iv.end
            if iv.start < start:
                break
        return None

    def _stretches(self, at: float) -> list[Interval]:
        return stretches(
            self._view("interviewer", at),
            self._view("customer", at),
            merge_pause=self.rules.merge_pause,
            backchannel=self.rules.backchannel,
        )

    def _current_stretch(self, at: float) -> Interval | None:
        """The interviewer's stretch holding the floor at `at`, if any."""
        found = self._stretches(at)
        if not found:
            return None
        last = found[-1]
        holding = self._open["interviewer"] is not None or at - last.end < self.rules.merge_pause
        return last if holding else None

    def _prune(self) -> None:
        """Forget intervals older than every window looks back (totals keep their seconds)."""
        keep = max(self.rules.share_window, self.rules.rapid_window, 600.0)
        horizon = self.now - keep
        for s in SPEAKERS:
            ivs = self._closed[s]
            if ivs and ivs[0].end < horizon:
                self._closed[s] = [iv for iv in ivs if iv.end >= horizon]


def _share(mine: float, theirs: float) -> float | None:
    return mine / (mine + theirs) if mine + theirs > 0 else None
