"""Trends over hand-made reports: figures per call, follow-ups on pains, the team median, the goal
bands from the settings, and the last calls against the ones before."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.insights.sources import Source
from app.insights.trends import (
    build_trends,
    call_figures,
    follow_up_share,
    in_goal,
    interviewer_trends,
    metrics,
    team_median,
)
from app.insights.trends_render import render_trends, sparkline
from app.settings import Settings


def _report(
    who: str, date: str, share: float, transcript: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "schema": 1,
        "title": None,
        "date": date,
        "duration": 600.0,
        "names": {"interviewer": who, "customer": "Customer"},
        "talk": {"interviewer_share": share, "median_patience_seconds": 1.2},
        "questions": {"open_share": 0.5},
        "behaviours": {"hot_tips": 1, "pitches": 2, "reflection_to_question": 0.25},
        "listening_score": {"score": 60},
        "longest_monologue": {"seconds": 40.0},
        "pains": [],
        "workarounds": [],
        "transcript": transcript or [],
    }


def _line(
    speaker: str, text: str, question: str | None = None, flags: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {"speaker": speaker, "text": text, "question": question, "flags": list(flags)}


PAIN = _line("customer", "The invoices export breaks every month.", flags=("pain",))


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ([_line("interviewer", "Tell me about the last time the export broke?", "open")], 1.0),
        ([_line("interviewer", "How do you plan your week?", "open")], 0.0),
        ([_line("interviewer", "Invoices, right.")], 0.0),  # shares a word but asks nothing
        (
            [
                _line("interviewer", "Okay."),
                _line("interviewer", "Hm."),
                _line("interviewer", "I see."),
                _line("interviewer", "What happens to the invoices then?", "open"),
            ],
            0.0,  # fourth interviewer turn: too late
        ),
        ([_line("customer", "Yes."), _line("interviewer", "What do the invoices look like?", "open")], 1.0),
    ],
)
def test_trends_follow_up_on_pains(after: list[dict[str, Any]], expected: float) -> None:
    assert follow_up_share([PAIN, *after]) == expected


def test_trends_follow_ups_none_without_pains() -> None:
    assert follow_up_share([_line("customer", "All good.")]) is None


def test_trends_call_figures() -> None:
    fig = call_figures(_report("Sam", "2026-01-01", 0.4))
    assert fig["telling_per_10_min"] == pytest.approx(3.0)
    assert fig["talk_share"] == 0.4
    assert fig["follow_ups"] is None
    assert call_figures({**_report("Sam", "2026-01-01", 0.4), "duration": None})["telling_per_10_min"] is None


def test_trends_goal_band_follows_the_settings() -> None:
    talk = next(m for m in metrics(Settings(talk_share_target=0.25)) if m.key == "talk_share")
    assert (talk.low, talk.high, talk.goal) == (0.0, 0.25, "under 25 %")


def _sources() -> list[Source]:
    # Sam improves: talk share from 60 % down to 15 % over 10 calls; Ana has one call.
    out = [
        Source(f"sam-{i}", Path(f"sam-{i}.json"), _report("Sam", f"2026-01-{i + 1:02d}", 0.6 - 0.05 * i))
        for i in range(10)
    ]
    return [*out, Source("ana-1", Path("ana-1.json"), _report("Ana", "2026-01-05", 0.2))]


def test_trends_last_five_against_five_before_and_team_median() -> None:
    t = build_trends(list(reversed(_sources())), Settings())
    assert [iv.name for iv in t.interviewers] == ["Ana", "Sam"]
    sam = t.interviewers[1]
    assert [c.name for c in sam.calls] == [f"sam-{i}" for i in range(10)]  # oldest first
    ch = sam.changes["talk_share"]
    assert ch is not None and ch.better is True
    assert ch.recent == pytest.approx(0.25) and ch.before == pytest.approx(0.5)
    assert t.interviewers[0].changes["talk_share"] is None  # one call: nothing to compare
    assert t.team_median["talk_share"] == pytest.approx(0.35)


def test_trends_html_draws_a_chart_per_metric_with_median_and_band() -> None:
    html = render_trends(build_trends(_sources(), Settings()), "html")
    assert "<script" not in html
    charts = re.findall(r'<svg class="t-chart".*?</svg>', html)
    # Every metric for both interviewers, but follow-ups: no pains in these calls.
    assert len(charts) == 2 * (len(metrics(Settings())) - 1)
    assert html.count("Not measured in these calls.") == 2
    sam_talk = next(c for c in charts if 'aria-label="Talk share of Sam' in c)
    assert 'class="t-band"' in sam_talk and 'class="t-team"' in sam_talk
    assert sam_talk.count('class="t-dot"') == 10


def test_trends_cli_reads_a_folder_of_reports(tmp_path: Path) -> None:
    for src in _sources():
        (tmp_path / src.path.name).write_text(json.dumps(src.report), encoding="utf-8")
    out = tmp_path / "trends.json"
    assert main(["trends", str(tmp_path), "--format", "json", "-o", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [iv["name"] for iv in data["interviewers"]] == ["Ana", "Sam"]
    assert data["interviewers"][1]["change"]["talk_share"]["better"] is True


def test_trends_cli_bad_report_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"title": "not a report"}', encoding="utf-8")
    assert main(["trends", str(bad)]) == 2
    assert "not a report from 'secondear analyze --format json'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("talk_share", 0.2, True),
        ("talk_share", 0.45, False),
        ("patience", 5.0, True),  # open at the top
        ("patience", 0.1, False),
        ("listening_score", None, None),
    ],
)
def test_trends_in_goal(key: str, value: float | None, expected: bool | None) -> None:
    metric = next(m for m in metrics(Settings()) if m.key == key)
    assert in_goal(metric, value) is expected


def test_trends_sparkline_draws_the_calls_and_the_band_without_text() -> None:
    t = build_trends(_sources(), Settings())
    sam = t.interviewers[1]
    talk = next(m for m in t.metrics if m.key == "talk_share")
    svg = sparkline(talk, sam)
    assert svg.startswith('<svg class="t-spark"') and "<text" not in svg
    assert 'class="t-band"' in svg and svg.count("L") == 9  # ten calls: one move, nine lines
    assert 'aria-label="Talk share of Sam over 10 calls, latest 15 %"' in svg
    follow = next(m for m in t.metrics if m.key == "follow_ups")
    assert sparkline(follow, sam) == ""  # no pains: nothing to draw


def test_trends_interviewer_trends_and_team_median_match_build_trends() -> None:
    t = build_trends(_sources(), Settings())
    sam = t.interviewers[1]
    again = interviewer_trends("Sam", sam.calls, t.metrics)
    assert again.changes == sam.changes
    figures = [c.figures for iv in t.interviewers for c in iv.calls]
    assert team_median(figures, t.metrics) == t.team_median
