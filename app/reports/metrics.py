"""The numbers of a report, computed from tagged utterances and (when known) speech intervals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.reports.model import Behaviours, Questions, Stretch, Talk, TimingSource
from app.reports.wording import QUESTION_PROBLEM_FLAGS
from nlp import timing
from nlp.types import Interval, Speaker, TaggedUtterance

QUESTION_FLAGS: tuple[str, ...] = (
    "closed_question",
    "leading_question",
    "hypothetical_question",
    "stacked_questions",
    "compliment_fishing",
)
# Used only to put a length in seconds on a monologue in an untimed transcript.
WORDS_PER_SECOND = 2.5


def words(text: str) -> int:
    return len(text.split())


def utterance_intervals(tagged: Sequence[TaggedUtterance], speaker: Speaker) -> list[Interval]:
    out: list[Interval] = []
    for t in tagged:
        u = t.utterance
        if u.speaker == speaker and u.start is not None and u.end is not None and u.end > u.start:
            out.append(Interval(u.start, u.end))
    return out


def talk(
    tagged: Sequence[TaggedUtterance],
    speech: Mapping[Speaker, Sequence[Interval]] | None,
    source: TimingSource,
    duration: float | None,
    rules: timing.TimingRules = timing.DEFAULTS,
) -> tuple[Talk, timing.TimingSummary | None]:
    iw = sum(words(t.utterance.text) for t in tagged if t.utterance.speaker == "interviewer")
    cw = sum(words(t.utterance.text) for t in tagged if t.utterance.speaker == "customer")
    by_words = iw / (iw + cw) if iw + cw else None
    if source == "none":
        return Talk("words", source, by_words, None, None, iw, cw, None, None, None, None, None), None
    mine, theirs = lanes(tagged, speech)
    summary = timing.summarize(mine, theirs, duration=duration, rules=rules)
    # Turn starts alone put every hand-over at zero gap: gaps, overlaps and interruptions
    # would be artefacts of the format, so they are left out.
    exact = source in ("audio", "spans")
    share = summary.interviewer_share if summary.interviewer_share is not None else by_words
    return (
        Talk(
            basis="time" if summary.interviewer_share is not None else "words",
            timing=source,
            interviewer_share=share,
            interviewer_seconds=summary.interviewer_seconds,
            customer_seconds=summary.customer_seconds,
            interviewer_words=iw,
            customer_words=cw,
            overlap_seconds=summary.overlap_seconds if exact else None,
            interruptions=len(summary.interruptions) if exact else None,
            median_patience_seconds=summary.median_patience if exact else None,
            quick_fills=summary.quick_fills if exact else None,
            switches_per_minute=summary.switches_per_minute,
        ),
        summary,
    )


def lanes(
    tagged: Sequence[TaggedUtterance], speech: Mapping[Speaker, Sequence[Interval]] | None
) -> tuple[list[Interval], list[Interval]]:
    """(interviewer, customer) speech: the VAD intervals when given, else the utterance times."""
    if speech is not None:
        return (
            timing.normalize(speech.get("interviewer", ())),
            timing.normalize(speech.get("customer", ())),
        )
    return (
        timing.normalize(utterance_intervals(tagged, "interviewer")),
        timing.normalize(utterance_intervals(tagged, "customer")),
    )


def questions(tagged: Sequence[TaggedUtterance]) -> Questions:
    asked = [t for t in tagged if t.utterance.speaker == "interviewer" and t.tag.question is not None]
    n_open = sum(1 for t in asked if t.tag.question == "open")
    n_closed = sum(1 for t in asked if t.tag.question == "closed")
    by_flag = {
        f: sum(1 for t in tagged if t.utterance.speaker == "interviewer" and f in t.tag.flags)
        for f in QUESTION_FLAGS
    }
    share = n_open / (n_open + n_closed) if n_open + n_closed else None
    return Questions(len(asked), n_open, n_closed, share, by_flag)


def behaviours(tagged: Sequence[TaggedUtterance], n_questions: int) -> Behaviours:
    mine = [t for t in tagged if t.utterance.speaker == "interviewer"]
    reflections = sum(1 for t in mine if "reflection" in t.tag.flags)
    ratio = reflections / n_questions if n_questions else None
    return Behaviours(
        interviewer_turns=len(mine),
        hot_tips=sum(1 for t in mine if "hot_tip" in t.tag.flags),
        pitches=sum(1 for t in mine if "pitch" in t.tag.flags),
        reflections=reflections,
        reflection_to_question=ratio,
    )


def stretch_from_interval(tagged: Sequence[TaggedUtterance], speaker: Speaker, span: Interval) -> Stretch:
    """The words of `speaker` inside `span` (utterances overlapping it by at least half)."""
    said: list[str] = []
    for t in tagged:
        u = t.utterance
        if u.speaker != speaker or u.start is None:
            continue
        end = u.end if u.end is not None else u.start
        inside = max(0.0, min(end, span.end) - max(u.start, span.start))
        if inside >= 0.5 * max(end - u.start, 1e-9) or span.start <= u.start < span.end:
            said.append(u.text)
    text = " ".join(said)
    return Stretch(span.start, span.end, span.duration, words(text), text)


def longest_by_words(tagged: Sequence[TaggedUtterance], speaker: Speaker) -> Stretch | None:
    """Without times: the longest run of consecutive utterances of one speaker, in words."""
    best: list[str] = []
    run: list[str] = []
    for t in tagged:
        if t.utterance.speaker == speaker:
            run.append(t.utterance.text)
            if words(" ".join(run)) > words(" ".join(best)):
                best = list(run)
        else:
            run = []
    if not best:
        return None
    text = " ".join(best)
    return Stretch(None, None, None, words(text), text)


def _share_of_two(t: Talk) -> float | None:
    """The interviewer's talk share, when both people were heard.

    With one voice (a one-voice recording, a muted track) the share is 0 or 1 by construction
    and says nothing about listening, so the score leaves it out.
    """
    heard = (
        (t.interviewer_seconds, t.customer_seconds)
        if t.basis == "time" and t.interviewer_seconds is not None and t.customer_seconds is not None
        else (t.interviewer_words, t.customer_words)
    )
    return t.interviewer_share if all(heard) else None


def score_values(
    talk_stats: Talk,
    q: Questions,
    b: Behaviours,
    tagged: Sequence[TaggedUtterance],
    monologue: Stretch | None,
) -> dict[str, float | None]:
    """The measured value behind each listening-score component (see app.reports.score)."""
    problems = sum(
        1
        for t in tagged
        if t.utterance.speaker == "interviewer"
        and t.tag.question is not None
        and QUESTION_PROBLEM_FLAGS.intersection(t.tag.flags)
    )
    if q.total:
        reflections: float | None = b.reflections / q.total
    else:
        # No questions at all: reflections alone are fine listening; neither says nothing.
        reflections = 1.0 if b.reflections else None
    if monologue is None:
        longest: float | None = None
    elif monologue.seconds is not None:
        longest = monologue.seconds
    else:
        longest = monologue.words / WORDS_PER_SECOND
    telling_turns = sum(
        1
        for t in tagged
        if t.utterance.speaker == "interviewer" and {"hot_tip", "pitch"}.intersection(t.tag.flags)
    )
    telling = telling_turns / b.interviewer_turns if b.interviewer_turns else None
    return {
        "talk_share": _share_of_two(talk_stats),
        "reflections": reflections,
        "open_questions": q.open_share,
        "question_craft": 1 - problems / q.total if q.total else None,
        "telling": telling,
        "monologue": longest,
        "patience": talk_stats.median_patience_seconds,
    }
