"""Transcript exports people have: SRT, Teams .docx, Otter text; a file in no format read;
and fixing speakers with --rename."""

from __future__ import annotations

import docx
import pytest

from app.transcripts import TranscriptError, read_transcript, read_transcript_text
from app.transcripts.names import parse_renames, rename_speakers
from app.transcripts.read import FORMATS_READ

SRT = """1
00:00:01,000 --> 00:00:03,500
Ana Lopez: Can you walk me through it?

2
00:00:04,000 --> 00:00:06,000
Bob: Sure. We export a CSV.

3
00:00:06,200 --> 00:00:08,000
Then we paste it.
"""

OTTER = """Speaker 1  0:05
Can you walk me through it?

Speaker 2  0:09
Sure. We export a CSV.

Speaker 1  1:02:03
What happens next?

Transcribed by https://otter.ai
"""


def test_exports_srt_reads_names_and_comma_times():
    t = read_transcript_text(SRT, "call", suffix=".srt")
    assert t.names == ["Ana Lopez", "Bob"]
    assert [(x.start, x.end) for x in t.turns] == [(1.0, 3.5), (4.0, 8.0)]
    assert t.turns[1].text == "Sure. We export a CSV. Then we paste it."
    assert t.turns[1].line == 6  # the SRT file's own line of the cue timing


def test_exports_srt_is_sniffed_without_a_suffix():
    assert read_transcript_text(SRT, "call").names == ["Ana Lopez", "Bob"]


def test_exports_srt_errors_give_the_srt_line():
    with pytest.raises(TranscriptError, match=r"^call line 2: this cue names no speaker"):
        read_transcript_text("1\n00:00:01,000 --> 00:00:02,000\nhello\n", "call", suffix=".srt")


def test_exports_otter_headings_and_footer():
    t = read_transcript_text(OTTER, "call.txt", suffix=".txt")
    assert t.names == ["Speaker 1", "Speaker 2"]
    assert [x.start for x in t.turns] == [5.0, 9.0, 3723.0]
    assert t.turns[-1].text == "What happens next?"  # the otter.ai footer is not speech


def _docx(path, paragraphs):
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


@pytest.mark.parametrize(
    "paragraphs",
    [
        # Older Teams exports: a timing, the name, the words.
        [
            "0:0:1.230 --> 0:0:4.560",
            "Ana Lopez",
            "Can you walk me through it?",
            "",
            "0:0:5.0 --> 0:0:9.0",
            "Bob",
            "Sure. We export a CSV.",
        ],
        # Newer ones: "Name   0:03" then the words.
        [
            "Transcript",
            "Ana Lopez   0:01",
            "Can you walk me through it?",
            "Bob   0:05",
            "Sure. We export a CSV.",
        ],
    ],
    ids=["timing-blocks", "headings"],
)
def test_exports_teams_docx(tmp_path, paragraphs):
    if paragraphs[0] == "Transcript":
        # A title line before the first heading is not a turn: Teams puts the meeting name there.
        paragraphs = paragraphs[1:]
    t = read_transcript(_docx(tmp_path / "meeting.docx", paragraphs))
    assert t.names == ["Ana Lopez", "Bob"]
    assert t.turns[0].text == "Can you walk me through it?"
    assert t.turns[1].text == "Sure. We export a CSV."
    assert t.turns[0].start == pytest.approx(1.23 if "-->" in paragraphs[0] else 1.0)


def test_exports_broken_docx_is_a_clear_error(tmp_path):
    (tmp_path / "x.docx").write_bytes(b"not a zip")
    with pytest.raises(TranscriptError, match=r"^x.docx: not a Word .docx file"):
        read_transcript(tmp_path / "x.docx")


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"Welcome to the quarterly review\nAgenda items follow\n", "notes.txt"),
        (b"fLaC\x00\x00\x00\x22\x12\x00\xff\xfe", "call.bin"),
    ],
    ids=["prose", "binary"],
)
def test_exports_unknown_format_names_the_formats_read(tmp_path, data, name):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(TranscriptError) as err:
        read_transcript(tmp_path / name)
    assert FORMATS_READ in str(err.value)
    assert str(err.value).startswith(f"{name} line 1: ")


@pytest.mark.parametrize(
    ("renames", "names", "first_text"),
    [
        (["Speaker 1=Dana"], ["Dana", "Speaker 2"], "Can you walk me through it?"),
        (
            ["speaker 1=Speaker 2", "Speaker 2=Speaker 1"],
            ["Speaker 2", "Speaker 1"],
            "Can you walk me through it?",
        ),
        # Merged: one speaker now, so their consecutive turns join.
        (
            ["Speaker 2=Speaker 1"],
            ["Speaker 1"],
            "Can you walk me through it? Sure. We export a CSV. What happens next?",
        ),
    ],
    ids=["rename", "swap", "merge"],
)
def test_exports_rename_swap_merge(renames, names, first_text):
    t = rename_speakers(read_transcript_text(OTTER, "call.txt"), parse_renames(renames))
    assert t.names == names
    assert t.turns[0].text == first_text


@pytest.mark.parametrize(
    ("renames", "message"),
    [
        (["Dana"], "'Dana' is not \"OLD NAME=NEW NAME\""),
        (["Nobody=Dana"], "no speaker is called 'Nobody'; speakers: Speaker 1, Speaker 2"),
        (["Speaker 1=A", "Speaker 1=B"], "'Speaker 1' is renamed twice"),
    ],
)
def test_exports_bad_renames_are_explained(renames, message):
    with pytest.raises(TranscriptError, match=message):
        rename_speakers(read_transcript_text(OTTER, "call.txt"), parse_renames(renames))
