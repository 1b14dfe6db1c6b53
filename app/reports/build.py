"""Assemble a `Report` from a tagged call: the one entry point the CLI and the server share."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import replace

from app.reports import metrics, wording
from app.reports.model import (
    ContextLine,
    Line,
    Moment,
    Quote,
    Report,
    Stretch,
    TimingSource,
)
from app.reports.score import listening_score
from nlp import timing
from nlp.types import Flag, Interval, Speaker, TaggedUtterance

# A moment about one speaker is shown with their utterance when one is this close in time.
NEAR_S = 5.0
DEFAULT_NAMES: dict[Speaker, str] = {"interviewer": "Interviewer", "customer": "Customer"}


def build_report(
    tagged: Sequence[TaggedUtterance],
    *,
    speech: Mapping[Speaker, Sequence[Interval]] | None = None,
    duration: float | None = None,
    title: str | None = None,
    interviewer_name: str | None = None,
    customer_name: str | None = None,
    date: str | None = None,
    timing_source: TimingSource | None = None,
    extra_moments: Sequence[Moment] = (),
    rules: timing.TimingRules = timing.DEFAULTS,
) -> Report:
    """The post-call report.

    `speech` are the VAD intervals of each track (recordings, live calls); without them the
    utterance times are used. `timing_source` says what the times mean when they come from a
    transcript ("starts" when ends were inferred from the next turn); it is found from the
    inputs when not given. `extra_moments` (flagged live by the buddy, nudges held back by
    the policy) join the flagged moments, with transcript context filled in. `rules` are the
    timing thresholds, the live rules' own (from Settings) for a live call.
    """
    source = timing_source or _timing_source(tagged, speech)
    if duration is None:
        duration = _duration(tagged, speech)
    talk, summary = metrics.talk(tagged, speech, source, duration, rules)
    questions = metrics.questions(tagged)
    behaviours = metrics.behaviours(tagged, questions.total)

    monologue: Stretch | None
    story: Stretch | None
    if summary is not None:
        mono_iv, story_iv = summary.longest_monologue, summary.longest_story
        monologue = metrics.stretch_from_interval(tagged, "interviewer", mono_iv) if mono_iv else None
        story = metrics.stretch_from_interval(tagged, "customer", story_iv) if story_iv else None
    else:
        monologue = metrics.longest_by_words(tagged, "interviewer")
        story = metrics.longest_by_words(tagged, "customer")

    score = listening_score(metrics.score_values(talk, questions, behaviours, tagged, monologue))
    moments = _detector_moments(tagged)
    if source != "none":
        moments = _merge(moments, _timing_moments(tagged, speech, source, rules))
    starts = [t.utterance.start if t.utterance.start is not None else float("inf") for t in tagged]
    moments += [_with_context(m, tagged, starts) for m in extra_moments]
    moments.sort(key=lambda m: float("inf") if m.time is None else m.time)

    names: dict[str, str] = {
        "interviewer": interviewer_name or DEFAULT_NAMES["interviewer"],
        "customer": customer_name or DEFAULT_NAMES["customer"],
    }
    mine, theirs = metrics.lanes(tagged, speech) if source != "none" else ([], [])
    return Report(
        title=title,
        date=date,
        duration=duration,
        names=names,
        talk=talk,
        questions=questions,
        behaviours=behaviours,
        listening_score=score,
        longest_monologue=monologue,
        longest_story=story,
        pains=_quotes(tagged, Flag.PAIN),
        workarounds=_quotes(tagged, Flag.WORKAROUND),
        moments=tuple(moments),
        timeline={
            "interviewer": tuple((iv.start, iv.end) for iv in mine),
            "customer": tuple((iv.start, iv.end) for iv in theirs),
        },
        transcript=tuple(
            Line(
                t.utterance.speaker,
                t.utterance.start,
                t.utterance.end,
                t.utterance.text,
                t.tag.question,
                tuple(t.tag.flags),
            )
            for t in tagged
        ),
    )


def _quotes(tagged: Sequence[TaggedUtterance], flag: Flag) -> tuple[Quote, ...]:
    out: list[Quote] = []
    for t in tagged:
        if t.utterance.speaker != "customer":
            continue
        hit = next((h for h in t.tag.hits if h.flag == flag), None)
        if hit is not None:
            out.append(Quote(t.utterance.start, t.utterance.text, hit.evidence or None))
    return tuple(out)


def _timing_source(
    tagged: Sequence[TaggedUtterance], speech: Mapping[Speaker, Sequence[Interval]] | None
) -> TimingSource:
    if speech is not None:
        return "audio"
    if tagged and all(t.utterance.start is not None and t.utterance.end is not None for t in tagged):
        return "spans"
    return "none"


def _duration(
    tagged: Sequence[TaggedUtterance], speech: Mapping[Speaker, Sequence[Interval]] | None
) -> float | None:
    ends = [t.utterance.end for t in tagged if t.utterance.end is not None]
    if speech is not None:
        ends += [iv.end for ivs in speech.values() for iv in ivs]
    return max(ends) if ends else None


def _context(tagged: Sequence[TaggedUtterance], i: int) -> ContextLine | None:
    if 0 <= i < len(tagged):
        u = tagged[i].utterance
        return ContextLine(u.speaker, u.start, u.text)
    return None


def _detector_moments(tagged: Sequence[TaggedUtterance]) -> list[Moment]:
    out: list[Moment] = []
    for i, t in enumerate(tagged):
        u = t.utterance
        if u.speaker != "interviewer":
            continue
        flags = t.tag.flags
        kind = next((f for f in wording.MOMENT_FLAGS if f in flags), None)
        if kind is None:
            continue
        out.append(
            Moment(
                time=u.start,
                end=u.end,
                speaker=u.speaker,
                text=u.text,
                kind=kind,
                flags=tuple(flags),
                message=t.tag.message,
                suggestion=t.tag.suggestion,
                source="detector",
                before=_context(tagged, i - 1),
                after=_context(tagged, i + 1),
            )
        )
    return out


def _timing_moments(
    tagged: Sequence[TaggedUtterance],
    speech: Mapping[Speaker, Sequence[Interval]] | None,
    source: TimingSource,
    rules: timing.TimingRules,
) -> list[Moment]:
    mine, theirs = metrics.lanes(tagged, speech)
    starts = [t.utterance.start if t.utterance.start is not None else float("inf") for t in tagged]
    out: list[Moment] = []
    found = timing.monologues(
        mine, theirs, min_length=rules.monologue, merge_pause=rules.merge_pause, backchannel=rules.backchannel
    )
    for iv in found:
        said = metrics.stretch_from_interval(tagged, "interviewer", iv)
        out.append(
            _with_context(
                Moment(
                    time=iv.start,
                    end=iv.end,
                    speaker="interviewer",
                    text=said.text,
                    kind="monologue",
                    message=f"{wording.MONOLOGUE_MESSAGE} ({round(iv.duration)} s)",
                    suggestion=wording.MONOLOGUE_SUGGESTION,
                    source="timing",
                ),
                tagged,
                starts,
            )
        )
    if source in ("audio", "spans"):
        for at in timing.interruptions(
            mine, theirs, grace=rules.interrupt_grace, min_speech=rules.interrupt_min_speech
        ):
            out.append(
                _with_context(
                    Moment(
                        time=at,
                        speaker="interviewer",
                        text="",
                        kind="interruption",
                        message=wording.INTERRUPTION_MESSAGE,
                        suggestion=wording.INTERRUPTION_SUGGESTION,
                        source="timing",
                    ),
                    tagged,
                    starts,
                )
            )
    return out


def _merge(moments: list[Moment], timed: list[Moment]) -> list[Moment]:
    """Fold a timing moment into the flagged utterance it starts at: one card per utterance."""
    out = list(moments)
    for t in timed:
        k = next(
            (
                i
                for i, m in enumerate(out)
                if m.source == "detector"
                and m.time is not None
                and t.time is not None
                and m.speaker == t.speaker
                and abs(m.time - t.time) < 1.0
            ),
            None,
        )
        if k is None:
            out.append(t)
            continue
        m = out[k]
        message = " ".join(x for x in (m.message, t.message) if x) or None
        out[k] = replace(m, flags=(*m.flags, t.kind), message=message, end=m.end or t.end)
    return out


def _with_context(moment: Moment, tagged: Sequence[TaggedUtterance], starts: list[float]) -> Moment:
    """Fill a timed moment's missing text and context from the utterance it is about.

    With a speaker given (an interruption, a timing nudge), that is the speaker's utterance
    nearest the moment, within `NEAR_S`; otherwise, or when none is that near, the utterance
    the moment falls in (the last one starting at or before it, with a small tolerance since
    a start found in the audio can come a little before the text's).
    """
    if moment.time is None or not tagged or (moment.before and moment.after and moment.text):
        return moment
    at = moment.time
    i = -1
    if moment.speaker is not None:
        best = NEAR_S
        for k, t in enumerate(tagged):
            u = t.utterance
            if u.speaker != moment.speaker or u.start is None:
                continue
            end = u.end if u.end is not None else u.start
            distance = 0.0 if u.start - 0.3 <= at <= end else min(abs(u.start - at), abs(end - at))
            if distance < best:
                best, i = distance, k
    if i < 0:
        i = bisect.bisect_right(starts, at + 0.3) - 1
    if i < 0:
        return replace(moment, after=moment.after or _context(tagged, 0))
    here = tagged[i].utterance
    # Borrowed text brings its speaker: a line must never be shown under someone else's name.
    return replace(
        moment,
        text=moment.text or here.text,
        speaker=(moment.speaker or here.speaker) if moment.text else here.speaker,
        before=moment.before or _context(tagged, i - 1),
        after=moment.after or _context(tagged, i + 1),
    )
