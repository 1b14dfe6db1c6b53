"""The post-call report of a live call, from what the store holds: the same `build_report`
as `secondear analyze`, with the VAD intervals, the buddy's flags and notes, and the nudges
whose moments the report cannot find on its own (held or sent)."""

from __future__ import annotations

import time
from collections.abc import Callable

from app.calls.messages import hits_from_rows
from app.db.repository import CallHistory
from app.protocol import SAMPLE_RATE
from app.reports import Moment, Report, build_report
from app.reports.speakers import SpeakerFix, fix_speakers, fixed_names
from nlp.timing import DEFAULTS, TimingRules
from nlp.types import SPEAKERS, Interval, Speaker, Tag, TaggedUtterance, Utterance

# The report finds text flags, monologues and interruptions by itself; these timing nudges
# it cannot, so they are added as moments.
NUDGE_MOMENT_KINDS = frozenset({"talk_share", "no_patience", "rapid_fire"})


def tagged_utterances(history: CallHistory) -> list[TaggedUtterance]:
    out: list[TaggedUtterance] = []
    for u in sorted(history.utterances, key=lambda u: (u.start, u.seq)):
        hits = hits_from_rows(u.hits)
        speaker: Speaker = "customer" if u.speaker == "customer" else "interviewer"
        tag = Tag(
            question=u.question if u.question in ("open", "closed") else None,  # type: ignore[arg-type]
            hits=hits,
            message=u.message,
            suggestion=u.suggestion,
        )
        out.append(TaggedUtterance(Utterance(speaker, u.text, u.start, u.end, u.id), tag))
    return out


def extra_moments(history: CallHistory) -> list[Moment]:
    moments: list[Moment] = []
    for m in history.marks:
        if m.kind == "flag":
            moments.append(
                Moment(time=m.at, speaker=None, text="", kind="buddy_flag", note=m.text, source="buddy")
            )
        elif m.kind == "note":
            moments.append(Moment(time=m.at, speaker=None, text="", kind="note", note=m.text, source="buddy"))
    for n in history.nudges:
        if n.kind in NUDGE_MOMENT_KINDS:
            moments.append(
                Moment(
                    time=n.start,
                    end=n.end,
                    speaker="interviewer",
                    text="",
                    kind=n.kind,
                    message=n.message if n.sent else f"{n.message} (noted, not sent live)",
                    suggestion=n.suggestion,
                    source="nudge",
                )
            )
    return moments


def call_report(
    history: CallHistory,
    rules: TimingRules = DEFAULTS,
    fix: SpeakerFix | None = None,
    retag: Callable[[list[Utterance]], list[Tag]] | None = None,
) -> Report:
    """The report of a stored call, with the timing thresholds the live call used; with `fix` (from
    the report page) the speakers renamed or swapped, the turns tagged again by `retag` for their
    new roles."""
    call = history.call
    speech: dict[Speaker, list[Interval]] = {s: [] for s in SPEAKERS}
    for iv in history.intervals:
        if iv.speaker in speech and iv.end > iv.start:
            speech[iv.speaker].append(Interval(iv.start, iv.end))
    received = max(history.received.values(), default=0) / SAMPLE_RATE
    tagged = tagged_utterances(history)
    interviewer: str | None = call.interviewer
    customer: str | None = call.customer
    if fix is not None and not fix.empty:
        if fix.swap and retag is None:
            raise ValueError("swapping the speakers needs the tagger")
        tagged, speech = fix_speakers(tagged, speech, fix, retag or (lambda us: []))
        interviewer, customer = fixed_names(interviewer, customer, fix)
    ends = [u.end for u in history.utterances] + [iv.end for ivs in speech.values() for iv in ivs]
    duration = max([received, *ends]) if (received or ends) else None
    return build_report(
        tagged,
        speech=speech,
        duration=duration,
        title=call.title,
        interviewer_name=interviewer,
        customer_name=customer,
        date=time.strftime("%Y-%m-%d %H:%M", time.localtime(call.created_at)),
        extra_moments=extra_moments(history),
        rules=rules,
    )
