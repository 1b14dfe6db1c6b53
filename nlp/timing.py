"""Talk-time metrics over speech intervals: who spoke when, and how they took turns.

Plain functions over `Interval` lists, one list per speaker, in seconds of call time. The
live server runs them on VAD intervals as audio arrives; the reports run them on VAD
intervals from recordings, or on utterance times from timed transcripts. Every threshold is
a field of `TimingRules`, the one set both the live rules and the report use.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nlp.types import Interval


@dataclass(frozen=True, slots=True)
class TimingRules:
    """Every timing threshold, for the live rules (`nlp.live_rules`) and the report alike.

    The server builds it from Settings (`app.calls.timing.timing_rules`), so a threshold set by
    environment changes the live nudges and the report together; the defaults here are the
    Settings defaults (a test keeps them equal).
    """

    share_target: float = 0.30
    """Interviewer share of talk in the window above which `talk_share` fires."""
    share_window: float = 180.0
    """Seconds of call the rolling share looks back on."""
    share_min_speech: float = 45.0
    """Speech (both sides) the window must hold before the share is judged."""
    share_rearm: float = 0.05
    """The share must drop this far below the target before the rule can fire again early."""
    monologue: float = 45.0
    """An interviewer stretch longer than this is a monologue."""
    merge_pause: float = 1.5
    """Pauses shorter than this do not end a stretch."""
    backchannel: float = 1.0
    """The other side's speech shorter than this ("mhm", "right") does not end a stretch."""
    interrupt_grace: float = 0.2
    """Starting within this long after the customer stopped is still an interruption."""
    interrupt_min_speech: float = 0.6
    """Interviewer speech shorter than this ("mhm") neither interrupts nor takes a turn."""
    patience: float = 1.0
    """A hand-over gap shorter than this fills the silence too soon (a "quick fill" in the report)."""
    patience_repeats: int = 3
    """Impatient hand-overs among the last `patience_turns` that make a `no_patience` cue."""
    patience_turns: int = 4
    """Hand-overs the patience rule looks back on."""
    rapid_switches_per_minute: float = 12.0
    """Turn switches per minute above which the exchange is rapid-fire."""
    rapid_window: float = 60.0
    """Seconds the rapid-fire rule counts switches in."""
    settle_seconds: float = 1.0
    """How long after an interviewer start an open customer interval proves an overlap (> VAD endpoint)."""


DEFAULTS = TimingRules()


def normalize(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping or touching intervals merged and empty ones dropped."""
    out: list[Interval] = []
    for iv in sorted((i for i in intervals if i.end > i.start), key=lambda i: i.start):
        if out and iv.start <= out[-1].end:
            if iv.end > out[-1].end:
                out[-1] = Interval(out[-1].start, iv.end)
        else:
            out.append(iv)
    return out


def talk_time(
    intervals: Iterable[Interval], *, start: float | None = None, end: float | None = None
) -> float:
    """Seconds of speech, optionally only inside the window [start, end] (for rolling shares)."""
    total = 0.0
    for iv in normalize(intervals):
        lo = iv.start if start is None else max(iv.start, start)
        hi = iv.end if end is None else min(iv.end, end)
        total += max(0.0, hi - lo)
    return total


def talk_share(
    interviewer: Iterable[Interval],
    customer: Iterable[Interval],
    *,
    start: float | None = None,
    end: float | None = None,
) -> float | None:
    """The interviewer's part of all speech (0..1), or None when nobody spoke."""
    mine = talk_time(interviewer, start=start, end=end)
    theirs = talk_time(customer, start=start, end=end)
    return mine / (mine + theirs) if mine + theirs > 0 else None


def overlap(a: Iterable[Interval], b: Iterable[Interval]) -> float:
    """Seconds during which both sides speak at once."""
    xs, ys = normalize(a), normalize(b)
    total, i, j = 0.0, 0, 0
    while i < len(xs) and j < len(ys):
        lo, hi = max(xs[i].start, ys[j].start), min(xs[i].end, ys[j].end)
        total += max(0.0, hi - lo)
        if xs[i].end < ys[j].end:
            i += 1
        else:
            j += 1
    return total


def interruptions(
    interviewer: Iterable[Interval],
    customer: Iterable[Interval],
    *,
    grace: float = DEFAULTS.interrupt_grace,
    min_speech: float = DEFAULTS.interrupt_min_speech,
) -> list[float]:
    """Times at which the interviewer started while the customer spoke, or within `grace` s of them stopping.

    At most one per customer interval: a second start into the same customer stretch is the
    same interruption continuing, not a new one. Interviewer speech shorter than `min_speech`
    ("mhm", "right") is a backchannel, not an interruption, as in the live rule.
    """
    mine = [iv for iv in normalize(interviewer) if iv.duration >= min_speech]
    theirs = normalize(customer)
    found: list[float] = []
    used: set[int] = set()
    j = 0
    for iv in mine:
        s = iv.start
        # Customer intervals that ended more than `grace` before s can never match later starts.
        while j < len(theirs) and theirs[j].end + grace < s:
            j += 1
        k = j
        while k < len(theirs) and theirs[k].start < s:
            if k not in used and s <= theirs[k].end + grace:
                used.add(k)
                found.append(s)
                break
            k += 1
    return found


def patience_gaps(interviewer: Iterable[Interval], customer: Iterable[Interval]) -> list[tuple[float, float]]:
    """(customer end, gap) for each hand-over from the customer to the interviewer.

    A hand-over is a customer stretch whose next speech, from anyone, is the interviewer
    starting at or after the customer's end; the gap is the silence the interviewer left.
    Overlapping starts are interruptions, not gaps; a customer resuming is no hand-over.
    """
    mine, theirs = normalize(interviewer), normalize(customer)
    gaps: list[tuple[float, float]] = []
    i = 0
    for k, c in enumerate(theirs):
        while i < len(mine) and mine[i].start < c.end:
            i += 1
        if i == len(mine):
            break
        if any(m.start < c.end < m.end for m in mine[max(0, i - 1) : i]):
            continue  # the interviewer was already talking when the customer stopped
        nxt = mine[i].start
        if k + 1 < len(theirs) and theirs[k + 1].start < nxt:
            continue
        gaps.append((c.end, nxt - c.end))
    return gaps


def median_patience(interviewer: Iterable[Interval], customer: Iterable[Interval]) -> float | None:
    """The median silence the interviewer left after the customer stopped, or None without hand-overs."""
    gaps = [g for _, g in patience_gaps(interviewer, customer)]
    return statistics.median(gaps) if gaps else None


def stretches(
    own: Iterable[Interval],
    other: Iterable[Interval] = (),
    *,
    merge_pause: float = DEFAULTS.merge_pause,
    backchannel: float = DEFAULTS.backchannel,
) -> list[Interval]:
    """One side's continuous speech: its intervals with pauses under `merge_pause` s merged.

    A pause is not merged when the other side says something longer than `backchannel` s
    in it: then the floor changed hands.
    """
    theirs = [iv for iv in normalize(other) if iv.duration >= backchannel]
    out: list[Interval] = []
    for iv in normalize(own):
        if out and iv.start - out[-1].end < merge_pause:
            gap_lo, gap_hi = out[-1].end, iv.start
            if not any(t.start < gap_hi and t.end > gap_lo for t in theirs):
                out[-1] = Interval(out[-1].start, iv.end)
                continue
        out.append(iv)
    return out


def longest_stretch(
    own: Iterable[Interval],
    other: Iterable[Interval] = (),
    *,
    merge_pause: float = DEFAULTS.merge_pause,
    backchannel: float = DEFAULTS.backchannel,
) -> Interval | None:
    """The longest monologue (interviewer) or story (customer); the earliest among equals."""
    found = stretches(own, other, merge_pause=merge_pause, backchannel=backchannel)
    return max(found, key=lambda iv: (iv.duration, -iv.start)) if found else None


def monologues(
    interviewer: Iterable[Interval],
    customer: Iterable[Interval] = (),
    *,
    min_length: float = DEFAULTS.monologue,
    merge_pause: float = DEFAULTS.merge_pause,
    backchannel: float = DEFAULTS.backchannel,
) -> list[Interval]:
    """Interviewer stretches of at least `min_length` s."""
    found = stretches(interviewer, customer, merge_pause=merge_pause, backchannel=backchannel)
    return [iv for iv in found if iv.duration >= min_length]


def switches_per_minute(
    interviewer: Iterable[Interval],
    customer: Iterable[Interval],
    *,
    duration: float | None = None,
) -> float | None:
    """How often the floor changes hands, per minute of call (None for an empty call).

    The floor goes to whoever starts speaking; a start inside one's own ongoing speech is
    no switch. `duration` defaults to first start to last end.
    """
    events = sorted(
        [(iv.start, iv.end, 0) for iv in normalize(interviewer)]
        + [(iv.start, iv.end, 1) for iv in normalize(customer)]
    )
    if not events:
        return None
    span = duration if duration is not None else max(e for _, e, _ in events) - events[0][0]
    if span <= 0:
        return None
    switches, holder = 0, events[0][2]
    for _, _, who in events[1:]:
        if who != holder:
            switches += 1
            holder = who
    return switches / (span / 60.0)


@dataclass(frozen=True, slots=True)
class TimingSummary:
    """Every timing metric of one call, as the reports show them."""

    interviewer_seconds: float
    customer_seconds: float
    interviewer_share: float | None
    overlap_seconds: float
    interruptions: tuple[float, ...]
    patience_gaps: tuple[float, ...]
    median_patience: float | None
    quick_fills: int
    longest_monologue: Interval | None
    longest_story: Interval | None
    switches_per_minute: float | None


def summarize(
    interviewer: Sequence[Interval],
    customer: Sequence[Interval],
    *,
    duration: float | None = None,
    rules: TimingRules = DEFAULTS,
) -> TimingSummary:
    """All the metrics above in one pass over a finished call, with the live rules' thresholds."""
    grace, min_speech = rules.interrupt_grace, rules.interrupt_min_speech
    merge_pause, backchannel = rules.merge_pause, rules.backchannel
    gaps = [g for _, g in patience_gaps(interviewer, customer)]
    return TimingSummary(
        interviewer_seconds=talk_time(interviewer),
        customer_seconds=talk_time(customer),
        interviewer_share=talk_share(interviewer, customer),
        overlap_seconds=overlap(interviewer, customer),
        interruptions=tuple(interruptions(interviewer, customer, grace=grace, min_speech=min_speech)),
        patience_gaps=tuple(gaps),
        median_patience=statistics.median(gaps) if gaps else None,
        quick_fills=sum(1 for g in gaps if g < rules.patience),
        longest_monologue=longest_stretch(
            interviewer, customer, merge_pause=merge_pause, backchannel=backchannel
        ),
        longest_story=longest_stretch(
            customer, interviewer, merge_pause=merge_pause, backchannel=backchannel
        ),
        switches_per_minute=switches_per_minute(interviewer, customer, duration=duration),
    )
