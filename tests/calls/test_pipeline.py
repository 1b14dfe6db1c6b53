"""The call pipeline without sockets or storage: scripted speech events in, outcomes out."""

from __future__ import annotations

import pytest
from server.fakes import FakeTagger

from app import protocol
from app.audio.events import Final, Partial, SpeechEnded, SpeechStarted
from app.calls.pipeline import CallPipeline, Heard, Spoke
from app.calls.policy import NudgePolicy
from app.calls.timing import timing_rules
from app.settings import Settings
from nlp.pipeline import Tagger
from nlp.types import Tag, Utterance


def _pipeline(tag: object = None, **settings: object) -> CallPipeline:
    s = Settings(**settings)  # type: ignore[arg-type]
    tagger = tag or FakeTagger()

    async def tag_one(utterance: Utterance) -> Tag:
        return tagger.tag(utterance)  # type: ignore[attr-defined, no-any-return]

    return CallPipeline(timing_rules(s), NudgePolicy.from_settings(s), tag_one)


async def test_pipeline_final_comes_before_its_nudge() -> None:
    pipeline = _pipeline()
    out = await pipeline.on_event(Final("interviewer", "Do you use a spreadsheet?", 1.0, 3.0, ()))
    heard, nudge = out
    assert isinstance(heard, Heard) and heard.utterance.id and heard.tag.question == "closed"
    assert isinstance(nudge, protocol.Nudge)
    assert (nudge.kind, nudge.sent, nudge.utterance_id, nudge.at) == (
        "closed_question",
        True,
        heard.utterance.id,
        3.0,
    )
    assert nudge.suggestion == "How do you handle this today?"


async def test_pipeline_holds_a_repeat_within_the_cooldown() -> None:
    pipeline = _pipeline()
    await pipeline.on_event(Final("interviewer", "Do you use a spreadsheet?", 1.0, 3.0, ()))
    _, again = await pipeline.on_event(Final("interviewer", "Is it weekly?", 5.0, 6.0, ()))
    assert isinstance(again, protocol.Nudge)
    assert (again.sent, again.held_reason) == (False, "cooldown")


async def test_pipeline_partials_and_speech_stretches() -> None:
    pipeline = _pipeline()
    (partial,) = await pipeline.on_event(Partial("customer", "we export", 0.5, 1.2))
    assert partial == protocol.Partial(speaker="customer", start=0.5, end=1.2, text="we export")
    assert await pipeline.on_event(SpeechStarted("customer", 0.5)) == []
    out = await pipeline.on_event(SpeechEnded("customer", 4.0, 0.5))
    assert out[0] == Spoke("customer", 0.5, 4.0)


async def test_pipeline_timing_rule_nudges_on_tick() -> None:
    pipeline = _pipeline(monologue_seconds=10.0)
    await pipeline.on_event(SpeechStarted("interviewer", 0.0))
    nudges = pipeline.tick(12.0)
    assert [(n.kind, n.sent) for n in nudges] == [("monologue", True)]
    assert nudges[0].evidence.startswith("Talking for")
    talk = pipeline.talk(12.0)
    assert talk.speaking == ["interviewer"] and talk.talk_seconds["interviewer"] == pytest.approx(12.0)


async def test_pipeline_a_failing_tagger_keeps_the_final() -> None:
    class Broken:
        def tag(self, utterance: Utterance) -> Tag:
            raise RuntimeError("detector bug")

    (heard,) = await _pipeline(Broken()).on_event(Final("customer", "It takes ages.", 0.0, 2.0, ()))
    assert isinstance(heard, Heard) and heard.tag == Tag()


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger.load()


async def test_pipeline_leading_question_card_suggests_the_taggers_rephrase(tagger: Tagger) -> None:
    # The live card once said "Ask without the hint: 'What was that like?'" while the report
    # suggested the tagger's rephrase of the very question; both now give the rephrase.
    text = "Don't you think the approvals take too long?"
    heard, *nudges = await _pipeline(tagger).on_event(Final("interviewer", text, 1.0, 3.0, ()))
    assert isinstance(heard, Heard) and heard.tag.suggestion
    leading = next(n for n in nudges if isinstance(n, protocol.Nudge) and n.kind == "leading_question")
    assert leading.suggestion == heard.tag.suggestion
