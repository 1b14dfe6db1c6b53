"""The debrief: prefill from a report, the field-level three-way merge, reading it back, and the
report's debrief section in every format."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from app.insights.debrief import merge, prefill
from app.reports import build_report, render
from app.reports.debrief import Debrief, DebriefError, DebriefPoint, NextTest
from nlp.types import Flag, FlagHit, Tag, TaggedUtterance, Utterance


def _t(speaker: str, start: float, text: str, question: str | None = None, *flags: Flag) -> TaggedUtterance:
    hits = tuple(FlagHit(f, f"test.{f.value}", "", "") for f in flags)
    return TaggedUtterance(Utterance(speaker, text, start, start + 5), Tag(question=question, hits=hits))  # type: ignore[arg-type]


CALL = [
    _t("interviewer", 0, "Do you close the books each month?", "closed", Flag.CLOSED_QUESTION),
    _t("customer", 6, "I would love a button that does it all.", None, Flag.PAIN),
    _t("interviewer", 12, "Do you use a spreadsheet?", "closed", Flag.CLOSED_QUESTION),
    _t("customer", 18, "Last month I spent two days matching invoices by hand.", None, Flag.PAIN),
    _t("customer", 24, "So I keep a spreadsheet of every invoice.", None, Flag.WORKAROUND),
    _t("interviewer", 30, "How do you check it?", "open"),
    _t("customer", 36, "The bank export is always late.", None, Flag.PAIN),
    _t("customer", 42, "It is a pain.", None, Flag.PAIN),
]


@pytest.fixture
def report():
    return build_report(CALL, title="Close", date="2026-11-02")


def test_debrief_prefill_takes_strongest_pains_in_call_order(report) -> None:
    d = prefill(report)
    texts = [p.text for p in d.pains]
    # Past behaviour and detail beat a wish and a short complaint; the wish is left out.
    assert texts == [
        "Last month I spent two days matching invoices by hand.",
        "The bank export is always late.",
        "It is a pain.",
    ]
    assert all(p.quote for p in d.pains) and d.pains[0].time == 18
    assert d.problem == "Last month I spent two days matching invoices by hand."
    assert [w.text for w in d.workarounds] == ["So I keep a spreadsheet of every invoice."]
    assert [(q.opening, q.count) for q in d.questions] == [("do you", 2)]
    assert [m.kind for m in d.flagged] == [m.kind for m in report.moments]


BASE = Debrief(assumed="They close monthly.")


@pytest.mark.parametrize(
    ("mine", "theirs", "expected", "conflicts"),
    [
        # Different fields: both edits survive.
        (
            replace(BASE, surprised="The bank is the bottleneck."),
            replace(BASE, next_test=NextTest(change="Ask about the bank", metric="", by_when="")),
            replace(
                BASE,
                surprised="The bank is the bottleneck.",
                next_test=NextTest(change="Ask about the bank", metric="", by_when=""),
            ),
            (),
        ),
        # Different parts of the next test: both survive.
        (
            replace(BASE, next_test=NextTest(metric="minutes to close")),
            replace(BASE, next_test=NextTest(by_when="2026-12-01")),
            replace(BASE, next_test=NextTest(metric="minutes to close", by_when="2026-12-01")),
            (),
        ),
        # The same field: the later save wins, and it is reported.
        (
            replace(BASE, assumed="Mine"),
            replace(BASE, assumed="Theirs"),
            replace(BASE, assumed="Theirs"),
            ("assumed",),
        ),
        # Only I changed it: mine stays though theirs is later.
        (replace(BASE, problem="Mine"), BASE, replace(BASE, problem="Mine"), ()),
        # Different pain slots.
        (
            replace(BASE, pains=(DebriefPoint("a", 1.0, True), DebriefPoint(), DebriefPoint())),
            replace(BASE, pains=(DebriefPoint(), DebriefPoint(), DebriefPoint("c"))),
            replace(BASE, pains=(DebriefPoint("a", 1.0, True), DebriefPoint(), DebriefPoint("c"))),
            (),
        ),
    ],
)
def test_debrief_merge_field_by_field(mine, theirs, expected, conflicts) -> None:
    merged = merge(BASE, mine, theirs)
    assert merged.debrief == expected
    assert merged.conflicts == conflicts


def test_debrief_round_trips_and_refuses_bad_input(report) -> None:
    d = prefill(report)
    assert Debrief.from_dict(json.loads(json.dumps(d.to_dict()))) == d
    with pytest.raises(DebriefError, match="assumed: text expected"):
        Debrief.from_dict({"assumed": 3})
    with pytest.raises(DebriefError, match="at most 3"):
        Debrief.from_dict({"pains": [{"text": "x"}] * 4})


def test_debrief_in_every_report_format(report) -> None:
    assert "debrief" not in json.loads(render(report, "json"))
    d = replace(prefill(report), surprised="The bank <is> late.", next_test=NextTest("Ask", "days", "Friday"))
    with_debrief = replace(report, debrief=d)
    data = json.loads(render(with_debrief, "json"))
    assert data["debrief"]["pains"][0]["text"] == d.pains[0].text
    assert data["debrief"]["next_test"] == {"change": "Ask", "metric": "days", "by_when": "Friday"}
    md = render(with_debrief, "md")
    assert "## Debrief" in md and "- Metric: days" in md and "\u201cLast month I spent" in md
    assert md.index("## Debrief") < md.index("## Flagged moments")
    html = render(with_debrief, "html")
    assert 'id="h-debrief"' in html and "The bank &lt;is&gt; late." in html
