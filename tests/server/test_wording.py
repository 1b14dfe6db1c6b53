"""One wording source: a kind has one name on the live card, in the report and on the pages."""

from __future__ import annotations

import json

import pytest

from app import protocol_docs
from app.calls import nudges
from app.reports.wording import label
from nlp.live_rules import Cue
from nlp.messages import OTHER_KINDS, load_wording
from nlp.types import Flag, FlagHit, Tag, Utterance


@pytest.mark.parametrize("flag", [f for f in Flag if f not in (Flag.REFLECTION, Flag.WORKAROUND, Flag.PAIN)])
def test_wording_card_and_report_name_a_flag_alike(flag: Flag) -> None:
    # hot_tip was "Explaining instead of listening" on the card, "Hot tip" in the report and
    # "Explaining the product" on the pages.
    hit = FlagHit(flag, "t.rule", "it", "A coaching line.")
    (card,) = nudges.from_tag(
        "u1", Utterance("interviewer", "So it works like this.", 1.0, 2.0), Tag(None, (hit,))
    )
    assert card.title == label(flag.value) == load_wording()[flag.value].title


@pytest.mark.parametrize("kind", ["talk_share", "monologue", "interruption", "no_patience", "rapid_fire"])
def test_wording_timing_cards_and_report_name_a_kind_alike(kind: str) -> None:
    card = nudges.from_cue(Cue(kind, 60.0, 10.0, 60.0, 0.5, kind), target=0.3, window=180)  # type: ignore[arg-type]
    assert card.title == label(kind)
    assert card.suggestion == load_wording()[kind].suggestion


def test_wording_reaches_the_pages_from_the_same_file() -> None:
    # The pages named hot_tip "Explaining the product" from a table of their own; they now import
    # frontend/js/wording.js, generated from the one wording file (kept current by test_protocol).
    module = protocol_docs.wording_module()
    for kind in [f.value for f in Flag] + list(OTHER_KINDS):
        assert json.dumps(label(kind), ensure_ascii=False) in module
    assert protocol_docs.WORDING_FILE.read_text(encoding="utf-8") == module
