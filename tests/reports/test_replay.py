"""`secondear analyze TRANSCRIPT` replays the live nudge policy: what the buddy would have seen."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.reports.replay import attach, replay
from app.settings import Settings
from nlp.types import Flag, FlagHit, Tag, TaggedUtterance, Utterance

CALL = [
    ("customer", "Hi there.", 0.0, 1.0),
    ("interviewer", "Do you use Excel for this?", 1.5, 3.0),
    ("customer", "Yes. I export the bank statement and match it all by hand.", 3.5, 9.0),
    ("interviewer", "What happened the last time it went wrong?", 9.5, 12.0),
]


def _closed(text: str, live: bool) -> Tag:
    hit = FlagHit(Flag.CLOSED_QUESTION, "r", text, "Closed question.", live, 0.9)
    return Tag("closed", (hit,), "Closed question.", None)


def _tagged(*items: tuple[float, Tag]) -> list[TaggedUtterance]:
    return [
        TaggedUtterance(Utterance("interviewer", f"Is it {i}?", at - 1, at), tag)
        for i, (at, tag) in enumerate(items)
    ]


def test_replay_sends_only_live_flags_and_honours_the_cooldown():
    settings = Settings(nudge_cooldown_seconds=45.0)
    result = replay(
        _tagged(
            (10.0, _closed("Is it 0?", True)),
            (20.0, _closed("Is it 1?", True)),  # same kind within the cooldown: held
            (70.0, _closed("Is it 2?", False)),  # report-only: never a candidate
            (80.0, _closed("Is it 3?", True)),
            (600.0, Tag()),
        ),
        settings,
    )
    assert [n.at for n in result.sent] == [10.0, 80.0]
    assert result.held == {"cooldown": 1}
    assert result.minutes == pytest.approx(10.0)
    assert result.per_10_minutes == pytest.approx(2.0)
    assert result.sent[0].evidence == "Is it 0?"


def test_replay_without_times_uses_word_counts():
    items = [TaggedUtterance(Utterance("interviewer", "one two three four five"), _closed("x", True))]
    result = replay(items, Settings())
    assert not result.timed and result.minutes == pytest.approx(2 / 60)


@pytest.mark.parametrize("fmt", ["json", "md", "html"])
def test_replay_in_every_report_format(tmp_path, capsys, fmt):
    path = tmp_path / "call.jsonl"
    rows = [{"speaker": who, "text": text, "start": start, "end": end} for who, text, start, end in CALL]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["analyze", str(path), "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        data = json.loads(out)
        replayed = data["replayed_nudges"]
        assert replayed["sent"] == len(replayed["nudges"])
        assert replayed["per_10_minutes"] == pytest.approx(
            replayed["sent"] / (replayed["minutes"] / 10), abs=0.01
        )
        assert data["talk"]  # the rest of the report is unchanged
    else:
        assert "Nudges the buddy would have seen" in out and "per 10 minutes" in out


def test_replay_attach_rejects_an_unknown_format():
    with pytest.raises(ValueError, match="unknown report format"):
        attach("", "pdf", replay([], Settings()))
