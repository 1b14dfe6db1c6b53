"""Hostile transcripts: every reader is linear in the line length, and bad numbers, deep nesting
and unclosed voice tags are one clear error naming the line, never a hang or a traceback."""

from __future__ import annotations

import time

import pytest

from app.transcripts import TranscriptError
from app.transcripts.read import read_transcript_text

MB10 = 10_000_000
# Each reader reads a 10 MB line in well under this many CPU seconds; the old regular
# expressions took minutes on lines of a few kilobytes. CPU time, not wall time, so that other
# jobs on a shared CI machine do not make the test flaky.
BUDGET_S = 2.0

LONG_LINES = {
    "plain_zoom_chat_without_colon": ("From " + "a to " * (MB10 // 5), ".txt"),
    # Cubic for the old Zoom-chat pattern: 2 kB took 9 s, 8 kB minutes.
    "plain_zoom_chat_spaces": ("From" + " " * MB10 + "x", ".txt"),
    "plain_zoom_chat_spaces_colon": ("From" + " \t" * (MB10 // 2) + "x: hi", ".txt"),
    "plain_zoom_chat_to_to": ("From " + " to " * (MB10 // 4) + "x", ".txt"),
    "plain_zoom_chat": ("From Ana to Everyone: " + "x " * (MB10 // 2), ".txt"),
    "plain_name_then_text": ("Ana: " + "word " * (MB10 // 5), ".txt"),
    "plain_spaces_after_name": ("Ana" + " " * MB10 + "x", ".txt"),
    "plain_words_no_colon": ("Ana: hi\n" + "ab " * (MB10 // 3), ".txt"),
    "plain_header_like": ("Ana " * (MB10 // 4) + "0:03\nhi", ".txt"),
    "vtt_voice_tags_never_closed": (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n" + "<v " * (MB10 // 3),
        ".vtt",
    ),
    "vtt_voice_tags": (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n" + ("<v A>" + "x " * 500) * (MB10 // 1000),
        ".vtt",
    ),
    "vtt_angle_brackets": ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAna: " + "<" * MB10, ".vtt"),
    "vtt_zoom_name": ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nFrom " + "a to " * (MB10 // 5), ".vtt"),
    "vtt_zoom_spaces": ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nFrom" + " " * MB10 + "x", ".vtt"),
    # Quadratic for the old voice pattern: 200 kB took 70 s.
    "vtt_voice_tags_spaces": ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v" + " " * MB10 + "x", ".vtt"),
    "jsonl_long_text": ('{"speaker": "Ana", "text": "' + "x" * MB10 + '"}', ".jsonl"),
    "jsonl_long_number": ('{"speaker": "Ana", "text": "x", "start": ' + "1" * MB10 + "}", ".jsonl"),
}


@pytest.mark.parametrize("name", list(LONG_LINES))
def test_hostile_every_reader_is_linear_in_the_line_length(name):
    text, suffix = LONG_LINES[name]
    began = time.process_time()
    try:
        read_transcript_text(text, "call", suffix=suffix)
    except TranscriptError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 300
    assert time.process_time() - began < BUDGET_S


# Joining pieces one by one copied the whole turn each time: minutes for these; now well under a second.
def test_hostile_many_continuation_lines_join_in_linear_time():
    text = "Ana: hi\n" + "more\n" * 100_000
    began = time.process_time()
    t = read_transcript_text(text, "call", suffix=".txt")
    assert time.process_time() - began < BUDGET_S
    assert t.turns[0].text.startswith("hi more more")


def test_hostile_many_cues_of_one_speaker_merge_in_linear_time():
    cue = "00:00:01.000 --> 00:00:01.500\n<v Ana>hello\n\n"
    text = "WEBVTT\n\n" + cue * 20_000
    began = time.process_time()
    t = read_transcript_text(text, "call", suffix=".vtt")
    assert time.process_time() - began < BUDGET_S
    assert len(t.turns) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # The cue's voice tag lacks its ">"; the next cue follows without a blank line.
        (
            "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Alice Hello there\n"
            "00:00:05.000 --> 00:00:06.000\n<v Bob>Hi\n",
            "call line 4: this voice tag is not closed",
        ),
        (
            "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\n<v Ana>fine\n<v Bob tell me\n",
            "call line 6: this voice tag is not closed",
        ),
    ],
)
def test_hostile_vtt_voice_tag_without_closing_bracket(text, message):
    with pytest.raises(TranscriptError) as err:
        read_transcript_text(text, "call", suffix=".vtt")
    assert str(err.value).startswith(message)


def test_hostile_vtt_voice_classes_and_closing_tags_still_read():
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v.loud.x Ana Lopez>Hello <b>there</b></v> <v Bob>Hi\n"
    t = read_transcript_text(text, "call", suffix=".vtt")
    assert [(u.name, u.text) for u in t.turns] == [("Ana Lopez", "Hello there"), ("Bob", "Hi")]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e999", "call line 1: the number 1e999 is too large"),
        ("-1e999", "call line 1: the number -1e999 is too large"),
        ("9" * 5000, "call line 1: a number has 5000 digits"),
        ("NaN", "call line 1: NaN is not a number"),
        ("Infinity", "call line 1: Infinity is not a number"),
        ("9" * 400, 'call line 1: "start" must be seconds'),
        ('"1e999"', 'call line 1: "start" must be seconds'),
    ],
)
def test_hostile_jsonl_numbers_out_of_range(value, message):
    with pytest.raises(TranscriptError) as err:
        read_transcript_text(f'{{"speaker": "A", "text": "x", "start": {value}}}\n', "call", suffix=".jsonl")
    assert str(err.value).startswith(message)
    assert len(str(err.value)) < 200


@pytest.mark.parametrize("depth", [10_000, 1_000_000])
def test_hostile_jsonl_deep_nesting(depth):
    text = '{"speaker": "A", "text": "x", "id": ' + "[" * depth + "]" * depth + "}\n"
    with pytest.raises(TranscriptError, match="call line 1: the JSON is nested too deeply"):
        read_transcript_text(text, "call", suffix=".jsonl")
