"""Talk-time metrics over speech intervals: who spoke when, and how they took turns.

Plain functions over `Interval` lists, one list per speaker, in seconds of call time. The
live server runs them on VAD intervals as audio arrives; the reports run them on VAD
intervals from recordings, or on utterance times from timed transcripts. Every threshold is
a keyword argument whose default is the one the issue and the coaching literature name.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nlp.types import Interval

# The interviewer "jumps in" when they start within this long after the customer stopped.
INTERRUPT_GRACE_S = 0.2
# Pauses shorter than this do not end a monologue or a story.
MERGE_PAUSE_S = 1.5
# The other side's speech shorter than this ("mhm", "right") does not end a monologue or story.
BACKCHANNEL_S = 1.0
# A reply this soon after the customer stops fills the silence instead of leaving room.
QUICK_FILL_S = 1.0


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
    grace: float = INTERRUPT_GRACE_S,
) -> list[float]:
    """Times at which the interviewer started while the customer spoke, or within `grace` s of them stopping.

    At most one per customer interval: a second start into the same customer stretch is the
    same interruption continuing, not a new one.
    """
    mine, theirs = normalize(interviewer), normalize(customer)
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
    merge_pause: float = MERGE_PAUSE_S,
    backchannel: float = BACKCHANNEL_S,
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
    merge_pause: float = MERGE_PAUSE_S,
    backchannel: float = BACKCHANNEL_S,
) -> Interval | None:
    """The longest monologue (interviewer) or story (customer); the earliest among equals."""
    found = stretches(own, other, merge_pause=merge_pause, backchannel=backchannel)
    return max(found, key=lambda iv: (iv.duration, -iv.start)) if found else None


def monologues(
    interviewer: Iterable[Interval],
    customer: Iterable[Interval] = (),
    *,
    min_length: float = 45.0,
    merge_pause: float = MERGE_PAUSE_S,
    backchannel: float = BACKCHANNEL_S,
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
    grace: float = INTERRUPT_GRACE_S,
    merge_pause: float = MERGE_PAUSE_S,
    backchannel: float = BACKCHANNEL_S,
    quick_fill: float = QUICK_FILL_S,
) -> TimingSummary:
    """All the metrics above in one pass over a finished call."""
    gaps = [g for _, g in patience_gaps(interviewer, customer)]
    return TimingSummary(
        interviewer_seconds=talk_time(interviewer),
        customer_seconds=talk_time(customer),
        interviewer_share=talk_share(interviewer, customer),
        overlap_seconds=overlap(interviewer, customer),
        interruptions=tuple(interruptions(interviewer, customer, grace=grace)),
        patience_gaps=tuple(gaps),
        median_patience=statistics.median(gaps) if gaps else None,
        quick_fills=sum(1 for g in gaps if g < quick_fill),
        longest_monologue=longest_stretch(
            interviewer, customer, merge_pause=merge_pause, backchannel=backchannel
        ),
        longest_story=longest_stretch(
            customer, interviewer, merge_pause=merge_pause, backchannel=backchannel
        ),
        switches_per_minute=switches_per_minute(interviewer, customer, duration=duration),
    )
