"""The Tagger as others call it: tag, tag_many, hits with evidence, thread safety."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from nlp.types import Flag, Utterance

SAMPLE = [
    Utterance("interviewer", "Do you use Excel for this?"),
    Utterance("customer", "I just copy the numbers by hand, it takes forever."),
    Utterance("interviewer", "So it sounds like Fridays are lost to it."),
    Utterance("interviewer", "Tell me about the last time that happened."),
    Utterance("interviewer", ""),
    Utterance("customer", "   "),
]


def test_pipeline_tag_many_matches_tag(tagger):
    assert tagger.tag_many(SAMPLE, batch_size=2) == [tagger.tag(u) for u in SAMPLE]


def test_pipeline_hits_carry_rule_and_evidence(tagger):
    tag = tagger.tag(Utterance("customer", "I just copy the numbers by hand, it takes forever."))
    assert [h.flag for h in tag.hits] == [Flag.WORKAROUND, Flag.PAIN]
    for hit in tag.hits:
        assert hit.rule_id.startswith(("work.", "pain."))
        assert hit.evidence and hit.evidence in "I just copy the numbers by hand, it takes forever."
        assert hit.message


def test_pipeline_empty_text_is_untagged(tagger):
    tag = tagger.tag(Utterance("interviewer", ""))
    assert (tag.question, tag.flags, tag.message, tag.suggestion) == (None, [], None, None)


def test_pipeline_is_safe_to_share_between_threads(tagger):
    expected = [tagger.tag(u) for u in SAMPLE]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: [tagger.tag(u) for u in SAMPLE], range(8)))
    assert all(r == expected for r in results)
