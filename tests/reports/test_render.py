"""Renderers: JSON fields, Markdown sections, a well-formed self-contained HTML page, WebVTT."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import ClassVar

import pytest
from report_samples import SPEECH, TAGGED, untimed

from app.reports import Moment, build_report, render, render_transcript_jsonl, render_vtt
from app.transcripts import read_transcript_text
from nlp.types import Interval, Utterance


@pytest.fixture
def report():
    buddy = Moment(time=60.0, speaker=None, text="", kind="buddy_flag", note="ask <more>", source="buddy")
    return build_report(
        TAGGED,
        speech=SPEECH,
        title="Close & <month>",
        interviewer_name="Sam",
        customer_name="Dana",
        date="2026-11-02",
        extra_moments=[buddy],
    )


def test_render_json_has_the_documented_fields(report):
    data = json.loads(render(report, "json"))
    assert list(data) == [
        "schema", "title", "date", "duration", "names", "talk", "questions", "behaviours",
        "listening_score", "longest_monologue", "longest_story", "pains", "workarounds",
        "moments", "timeline", "transcript",
    ]  # fmt: skip
    assert data["schema"] == 1
    assert 0 <= data["listening_score"]["score"] <= 100
    assert {c["key"] for c in data["listening_score"]["components"]} == {
        "talk_share", "reflections", "open_questions", "question_craft", "telling", "monologue", "patience",
    }  # fmt: skip
    m = data["moments"][0]
    assert set(m) == {
        "time", "speaker", "text", "kind", "flags", "message", "suggestion", "note", "source", "end",
        "before", "after",
    }  # fmt: skip
    assert data["timeline"]["interviewer"][0] == [2.0, 5.0]
    assert data["transcript"][2]["question"] == "closed"


def test_render_markdown_sections(report):
    md = render(report, "md")
    for heading in (
        "# Close &amp; &lt;month&gt;",  # HTML in a title is escaped, not passed through
        "## Listening score:",
        "## Talk",
        "## Questions and behaviours",
        "## Longest interviewer monologue (1:10-2:08, 58 s)",
        "## Longest customer story",
        "## Pains",
        "## Workarounds",
        "## Flagged moments",
        "### 0:31 · Closed question",
    ):
        assert heading in md
    assert "*Try instead:* How do you handle this today?" in md
    assert "*Buddy's note:* ask &lt;more&gt;" in md


class _Checker(HTMLParser):
    """Collects tags and checks that every opened element is closed in order."""

    VOID: ClassVar[set[str]] = {
        "meta",
        "br",
        "img",
        "input",
        "link",
        "hr",
        "source",
        "circle",
        "rect",
        "path",
    }

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.seen: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.seen.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.seen.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (
            f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        )
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Checker:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.stack == []
    return checker


def test_render_html_is_well_formed_self_contained_and_escaped(report):
    page = render(
        report,
        "html",
        clip_url=lambda s, e: f"/clips?start={s:.1f}&end={e:.1f}",
        exports={"Markdown": "/r.md", "WebVTT": "/r.vtt"},
    )
    parsed = _parse(page)
    tags = [t for t, _ in parsed.seen]
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert "http://" not in page and "https://" not in page
    assert "Close &amp; &lt;month&gt;" in page and "<month>" not in page
    assert "ask &lt;more&gt;" in page
    audio = [a for t, a in parsed.seen if t == "audio"]
    assert audio and audio[0]["src"] == "/clips?start=29.1&end=37.0"
    assert [a["href"] for t, a in parsed.seen if t == "a" and a.get("href", "").startswith("/r.")] == [
        "/r.md",
        "/r.vtt",
    ]
    markers = [a for t, a in parsed.seen if t == "a" and "marker" in (a.get("class") or "")]
    assert len(markers) == len(report.moments)
    assert all(m["aria-label"] and m["title"] and m["href"].startswith("#moment-") for m in markers)
    text = " ".join(parsed.text)
    for words in (
        "Listening score",
        "Talk share",
        "Who spoke when",
        "Questions",
        "Longest monologue",
        "Longest customer story",
        "Pains",
        "Workarounds",
        "Flagged moments",
        "Try instead:",
    ):
        assert words in text


def test_render_html_without_times_or_clips(report):
    plain = build_report(untimed())
    page = render(plain, "html")
    _parse(page)
    assert "Who spoke when" not in page
    assert "<audio" not in page
    assert "by words" in page


def test_render_unknown_format(report):
    with pytest.raises(ValueError, match="unknown report format"):
        render(report, "pdf")  # type: ignore[arg-type]


def test_render_vtt_round_trips_through_the_reader():
    utterances = [u.utterance for u in TAGGED[:4]]
    vtt = render_vtt(utterances, {"interviewer": "Sam <S>", "customer": "Dana"})
    assert vtt.startswith("WEBVTT\n\n1\n00:00:02.000 --> 00:00:09.500\n<v Sam &lt;S&gt;>Thanks")
    back = read_transcript_text(vtt, "x.vtt")
    assert back.names == ["Sam <S>", "Dana"]
    assert [(t.start, t.end, t.text) for t in back.turns] == [(u.start, u.end, u.text) for u in utterances]


def test_render_vtt_lays_untimed_utterances_end_to_end():
    vtt = render_vtt([Utterance("interviewer", "one two three"), Utterance("customer", "four")])
    assert "00:00:00.000 --> 00:00:01.200" in vtt and "00:00:01.200 --> 00:00:02.200" in vtt


def test_render_transcript_jsonl_round_trips():
    utterances = [u.utterance for u in TAGGED[:3]]
    text = render_transcript_jsonl(utterances, {"interviewer": "Sam"})
    rows = [json.loads(line) for line in text.splitlines()]
    assert rows[0] == {
        "speaker": "interviewer",
        "name": "Sam",
        "text": utterances[0].text,
        "start": 2.0,
        "end": 9.5,
    }
    back = read_transcript_text(text, "x.jsonl")
    assert back.names == ["interviewer", "customer"] and back.timing == "spans"


def test_render_transcript_jsonl_marks_the_stretches_two_people_talk_at_once():
    utterances = [
        Utterance("interviewer", "so what broke", 0.0, 2.2),
        Utterance("customer", "the export did", 1.8, 4.0),
        Utterance("interviewer", "I see", 5.0, 5.5),
    ]
    text = render_transcript_jsonl(
        utterances, turn_names=["Speaker 1", "Speaker 2", "Speaker 1"], overlaps=[Interval(1.8, 2.2)]
    )
    rows = [json.loads(line) for line in text.splitlines()]
    assert [r.get("overlap") for r in rows] == [[[1.8, 2.2]], [[1.8, 2.2]], None]
    # The field is extra: the export still reads back as a transcript.
    assert read_transcript_text(text, "x.jsonl").names == ["interviewer", "customer"]


def test_render_markdown_escapes_html_from_titles_names_and_notes():
    buddy = Moment(
        time=60.0,
        speaker=None,
        text="",
        kind="buddy_flag",
        note="<img src=x onerror=alert(1)>",
        source="buddy",
    )
    md = render(
        build_report(
            TAGGED,
            speech=SPEECH,
            title="<script>alert(1)</script>\nsecond line",
            interviewer_name="Sam <b>\n",
            customer_name="<i>Dana</i>",
            date="2026-11-02",
            extra_moments=[buddy],
        ),
        "md",
    )
    assert "<" not in md.replace("&lt;", "")
    assert md.startswith("# &lt;script&gt;alert(1)&lt;/script&gt; second line\n")
    assert "Interviewer: Sam &lt;b&gt;" in md and "Customer: &lt;i&gt;Dana&lt;/i&gt;" in md
    assert "*Buddy's note:* &lt;img src=x onerror=alert(1)&gt;" in md


def test_render_vtt_keeps_names_and_texts_on_one_line():
    said = Utterance("interviewer", "Hello\n\nthere", 1.0, 2.0)
    vtt = render_vtt([said], {"interviewer": "Sam\nSmith", "customer": "Dana"})
    assert "<v Sam Smith>Hello there</v>" in vtt
    back = read_transcript_text(vtt, "x.vtt")
    assert [(t.name, t.text) for t in back.turns] == [("Sam Smith", "Hello there")]


@pytest.mark.parametrize(
    ("tagged", "heading", "arc"),
    [
        # A call with something to score: the gauge's arc, and its number in the markdown.
        (TAGGED, "## Listening score: ", True),
        # Nothing to score: "Not scored" in words and no arc (not even a zero-length dot).
        ([], "## Listening score: not scored", False),
    ],
)
def test_render_listening_score_gauge_and_heading(tagged, heading, arc):
    r = build_report(tagged)
    assert ('class="gauge-fill"' in render(r, "html")) == arc
    assert heading in render(r, "md")
    assert ("Not scored" in render(r, "html")) == (not arc)
