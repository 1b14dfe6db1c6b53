"""The transcript readers: every supported format, and one-line errors that name the line."""

from __future__ import annotations

import pytest

from app.transcripts import TranscriptError, read_transcript, read_transcript_text
from app.transcripts.model import parse_time
from app.transcripts.roles import assign_roles

VTT_VOICES = """WEBVTT

NOTE exported by a meeting tool

1
00:00:01.000 --> 00:00:03.500
<v Ana Lopez>Can you walk me through it?</v>

2
00:00:04.000 --> 00:00:06.000
<v.loud Bob>Sure. We export a CSV.

3
00:00:06.500 --> 00:00:08.000
<v Bob>Then we paste it &amp; fix it.
"""

VTT_ZOOM = """WEBVTT

1
00:00:01.000 --> 00:00:03.500
Ana Lopez: Can you walk me through it?

2
00:00:04.000 --> 00:00:09.000
Bob: Sure. We export a CSV.
"""

PLAIN = """Ana Lopez: Can you walk me through it?
Bob: Sure. We export a CSV.
And then we paste it.
Ana Lopez: What happens next?
"""

PLAIN_TIMED = """[00:00:05] Ana Lopez: Can you walk me through it?
[00:00:09] Bob: Sure. We export a CSV.
[00:00:30] Ana Lopez: What happens next?
"""

TEAMS_COPY = """Ana Lopez   0:05
Can you walk me through it?

Bob   0:09
Sure. We export a CSV.
"""

ZOOM_CHAT = """00:01:05 From Ana Lopez to Everyone: Can you walk me through it?
00:01:20 From Bob to Everyone: Sure. We export a CSV.
"""

JSONL = """{"speaker": "interviewer", "text": "Can you walk me through it?", "start": "00:00:13", "id": "u1"}

{"speaker": "customer", "text": "Sure. We export a CSV.", "start": "00:00:20"}
"""


@pytest.mark.parametrize(
    ("text", "suffix", "names", "timing"),
    [
        (VTT_VOICES, ".vtt", ["Ana Lopez", "Bob"], "spans"),
        (VTT_ZOOM, ".vtt", ["Ana Lopez", "Bob"], "spans"),
        (PLAIN, ".txt", ["Ana Lopez", "Bob"], "none"),
        (PLAIN_TIMED, ".txt", ["Ana Lopez", "Bob"], "starts"),
        (TEAMS_COPY, ".txt", ["Ana Lopez", "Bob"], "starts"),
        (ZOOM_CHAT, ".txt", ["Ana Lopez", "Bob"], "starts"),
        (JSONL, ".jsonl", ["interviewer", "customer"], "starts"),
    ],
    ids=["vtt-voices", "vtt-zoom", "plain", "plain-timed", "teams-copy", "zoom-chat", "jsonl"],
)
def test_readers_read_each_format(text, suffix, names, timing):
    t = read_transcript_text(text, "call", suffix=suffix)
    assert t.names == names
    assert t.timing == timing
    assert t.turns[0].text == "Can you walk me through it?"
    assert t.turns[1].text.startswith("Sure. We export a CSV.")


@pytest.mark.parametrize("text", [VTT_VOICES, JSONL, PLAIN])
def test_readers_sniff_the_format_without_a_suffix(text):
    assert read_transcript_text(text, "call").turns[0].text == "Can you walk me through it?"


def test_readers_vtt_joins_cues_of_one_turn_and_unescapes():
    t = read_transcript_text(VTT_VOICES, "call.vtt")
    assert [(x.name, x.start, x.end) for x in t.turns] == [("Ana Lopez", 1.0, 3.5), ("Bob", 4.0, 8.0)]
    assert t.turns[1].text == "Sure. We export a CSV. Then we paste it & fix it."
    assert t.turns[1].line == 10


def test_readers_plain_continuation_lines_join_the_turn():
    t = read_transcript_text(PLAIN, "call.txt")
    assert t.turns[1].text == "Sure. We export a CSV. And then we paste it."
    assert len(t.turns) == 3


def test_readers_starts_only_turns_end_when_the_next_starts():
    t = read_transcript_text(JSONL, "call.jsonl")
    assert (t.turns[0].start, t.turns[0].end) == (13.0, 20.0)
    # the last turn: by its words (5 words at 2.5 words a second, at least a second)
    assert t.turns[1].end == pytest.approx(22.0)
    assert t.turns[0].id == "u1"


def test_readers_jsonl_seconds_and_ends():
    text = (
        '{"speaker":"A","text":"hi","start":1.5,"end":2}\n{"speaker":"B","text":"yo","start":3,"end":4.25}\n'
    )
    t = read_transcript_text(text, "x.jsonl")
    assert t.timing == "spans"
    assert [(x.start, x.end) for x in t.turns] == [(1.5, 2.0), (3.0, 4.25)]


def test_readers_hand_typed_times_that_step_back_are_held():
    text = (
        '{"speaker":"A","text":"one","start":"00:00:50"}\n'
        '{"speaker":"B","text":"two","start":"00:00:41"}\n'
        '{"speaker":"A","text":"three","start":"00:01:00"}\n'
    )
    t = read_transcript_text(text, "x.jsonl")
    assert [x.start for x in t.turns] == [50, 50, 60]


@pytest.mark.parametrize(
    ("text", "suffix", "message"),
    [
        (
            '{"speaker": "A", "text": "hi"}\n{"speaker": "B", "text": oops}\n',
            ".jsonl",
            "call line 2: not valid JSON",
        ),
        ('{"speaker": "A", "text": "hi"}\n\n{"text": "hello"}\n', ".jsonl", 'call line 3: missing "speaker"'),
        ('{"speaker": "A"}\n', ".jsonl", 'call line 1: missing "text"'),
        ('{"speaker": "A", "text": "x", "start": "soon"}\n', ".jsonl", 'call line 1: "start" must be'),
        (
            '{"speaker": "A", "text": "x", "start": 1}\n{"speaker": "B", "text": "y"}\n',
            ".jsonl",
            "call line 2: this utterance has no start time",
        ),
        (
            '{"speaker": "A", "text": "x", "start": 5, "end": 2}\n',
            ".jsonl",
            "call line 1: end time is before",
        ),
        ("WEBVTT\n\n00:00:01.000 -> 00:00:02.000\n<v A>hi\n", ".vtt", "call line 3: expected a cue timing"),
        (
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhello there\n",
            ".vtt",
            "call line 3: this cue names no speaker",
        ),
        (
            "00:00:01.000 --> 00:00:02.000\n<v A>hi\n",
            ".vtt",
            'call line 1: a WebVTT file must start with "WEBVTT"',
        ),
        ("\n\nwelcome everyone\nAna: hi\n", ".txt", "call line 3: expected 'Name: text'"),
        ("", ".txt", "call: no utterances found"),
    ],
)
def test_readers_bad_files_name_the_line(text, suffix, message):
    with pytest.raises(TranscriptError) as err:
        read_transcript_text(text, "call", suffix=suffix)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_readers_read_transcript_from_disk(tmp_path):
    (tmp_path / "call.vtt").write_text(VTT_ZOOM, encoding="utf-8")
    assert read_transcript(tmp_path / "call.vtt").names == ["Ana Lopez", "Bob"]
    (tmp_path / "call.wav.txt").write_bytes(b"RIFF\x00\x00\xff\xfe binary")
    with pytest.raises(TranscriptError, match=r"call.wav.txt line 1: not UTF-8 text"):
        read_transcript(tmp_path / "call.wav.txt")
    with pytest.raises(TranscriptError, match="cannot read the file"):
        read_transcript(tmp_path / "missing.vtt")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("00:01:02", 62.0),
        ("1:02", 62.0),
        ("01:00:00.5", 3600.5),
        ("00:00:01,250", 1.25),
        (12, 12.0),
        ("7.5", 7.5),
        ("00:09:025", 565.0),
        ("soon", None),
        (-1, None),
        (True, None),
    ],
)
def test_readers_parse_time(value, seconds):
    assert parse_time(value) == seconds


def test_roles_named_interviewer_wins():
    roles = assign_roles(["Ana Lopez", "Bob"], {"Bob": 9}, interviewer="ana")
    assert roles == {"Ana Lopez": "interviewer", "Bob": "customer"}


def test_roles_most_questions_is_the_interviewer_others_are_customers():
    roles = assign_roles(["Bob", "Ana", "Cy"], {"Ana": 5, "Bob": 2})
    assert roles == {"Bob": "customer", "Ana": "interviewer", "Cy": "customer"}


def test_roles_a_tie_goes_to_the_first_speaker():
    assert assign_roles(["Bob", "Ana"], {})["Bob"] == "interviewer"


def test_roles_written_roles_are_kept():
    assert assign_roles(["customer", "Interviewer"], {"customer": 9}) == {
        "customer": "customer",
        "Interviewer": "interviewer",
    }


def test_roles_errors():
    with pytest.raises(TranscriptError, match="only one speaker"):
        assign_roles(["Ana"], {})
    with pytest.raises(
        TranscriptError, match="no single speaker matches --interviewer 'Zed'; speakers: Ana, Bob"
    ):
        assign_roles(["Ana", "Bob"], {}, interviewer="Zed")


def test_readers_back_to_back_cues_do_not_claim_real_gaps():
    cues = "".join(
        f"\n{i + 1}\n00:00:{2 * i:02d}.000 --> 00:00:{2 * i + 2:02d}.000\n<v {'AB'[i % 2]}>line {i}\n"
        for i in range(6)
    )
    t = read_transcript_text("WEBVTT\n" + cues, "x.vtt")
    assert t.timing == "starts"
    assert read_transcript_text(VTT_VOICES, "x.vtt").timing == "spans"
