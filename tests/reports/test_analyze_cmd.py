"""`secondear analyze` on transcripts, end to end with the real detectors."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import wave

import numpy as np
import pytest

from app.cli import main
from app.commands.analyze import progress_bar

# The customer speaks first, so the interviewer must be found by who asks the questions.
ZOOM_VTT = """WEBVTT

1
00:00:00.500 --> 00:00:02.000
Dana Okafor: Hi, nice to meet you.

2
00:00:02.500 --> 00:00:07.000
Sam Rivera: Thanks for joining. Can you walk me through the last time you closed the month?

3
00:00:07.800 --> 00:00:20.000
Dana Okafor: Sure. I export the bank statement into a spreadsheet and match every invoice by hand.

4
00:00:20.050 --> 00:00:23.000
Sam Rivera: Do you use Excel for this?

5
00:00:24.000 --> 00:00:26.000
Dana Okafor: Yes, Excel.

6
00:00:27.500 --> 00:00:31.000
Sam Rivera: What happened the last time it went wrong?

7
00:00:32.000 --> 00:00:40.000
Dana Okafor: We paid a supplier twice and only noticed weeks later, which was awful.
"""


@pytest.fixture
def call(tmp_path):
    path = tmp_path / "dana.vtt"
    path.write_text(ZOOM_VTT, encoding="utf-8")
    return path


def test_analyze_finds_the_interviewer_and_writes_json(call, capsys):
    assert main(["analyze", str(call), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["names"] == {"interviewer": "Sam Rivera", "customer": "Dana Okafor"}
    assert data["title"] == "dana"
    assert data["talk"]["timing"] == "spans" and data["talk"]["basis"] == "time"
    assert data["talk"]["interruptions"] == 1  # 20.05 s, 50 ms after Dana stopped
    assert data["questions"]["total"] == 3
    assert data["questions"]["closed"] >= 1
    closed = [m for m in data["moments"] if m["kind"] == "closed_question"]
    assert closed and closed[0]["text"] == "Do you use Excel for this?"
    assert data["transcript"][0]["speaker"] == "customer"


def test_analyze_named_interviewer_and_output_file(call, tmp_path, capsys):
    out = tmp_path / "report.md"
    assert main(["analyze", str(call), "--interviewer", "dana", "-o", str(out), "--title", "Close"]) == 0
    assert capsys.readouterr().out == ""
    md = out.read_text(encoding="utf-8")
    assert md.startswith("# Close\n")
    assert "Interviewer: Dana Okafor" in md


def test_analyze_html_page(call, tmp_path):
    out = tmp_path / "report.html"
    assert main(["analyze", str(call), "--format", "html", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "Who spoke when" in page


def test_analyze_jsonl_with_roles(tmp_path, capsys):
    path = tmp_path / "call.jsonl"
    rows = [
        {"speaker": "customer", "text": "Do you want the numbers?", "start": "00:00:01"},
        {"speaker": "interviewer", "text": "Tell me about your week.", "start": "00:00:04"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert main(["analyze", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # roles written in the file win over question counts
    assert data["transcript"][0]["speaker"] == "customer"
    assert data["talk"]["timing"] == "starts" and data["talk"]["interruptions"] is None


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ('{"speaker": "A", "text": "hi"}\nnot json\n', "bad.jsonl", "bad.jsonl line 2: not valid JSON"),
        ("Ana: hi there\n", "one.txt", "one.txt: only one speaker (Ana)"),
        (
            '{"speaker": "A", "text": "hi", "start": 1e999}\n',
            "big.jsonl",
            "big.jsonl line 1: the number 1e999",
        ),
        (
            '{"speaker": "A", "text": "hi", "start": ' + "9" * 4301 + "}\n",
            "long.jsonl",
            "long.jsonl line 1: a number",
        ),
        (
            '{"speaker": "A", "text": "hi", "id": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
            "deep.jsonl",
            "deep.jsonl line 1: the JSON is nested",
        ),
        (
            "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Alice Hello there\n"
            "00:00:05.000 --> 00:00:06.000\n<v Bob>Hi\n",
            "open.vtt",
            "open.vtt line 4: this voice tag is not closed",
        ),
    ],
)
def test_analyze_bad_file_is_one_line_exit_2(tmp_path, capsys, content, name, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert main(["analyze", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"secondear analyze: error: {message}")
    assert err.count("\n") == 1


def test_analyze_usage_errors(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "nope.vtt")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["analyze"]) == 2
    assert "--interviewer A.wav --customer B.wav" in capsys.readouterr().err
    (tmp_path / "c.vtt").write_text(ZOOM_VTT, encoding="utf-8")
    assert main(["analyze", str(tmp_path / "c.vtt"), "--interviewer", "Zed"]) == 2
    assert "no single speaker matches --interviewer 'Zed'" in capsys.readouterr().err


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_analyze_progress_bar_only_on_a_terminal():
    assert progress_bar(io.StringIO()) is None
    stream = _Tty()
    show = progress_bar(stream, width=10)
    assert show is not None
    show(0.5)
    show(0.5)  # unchanged: not redrawn
    show(1.0)
    assert stream.getvalue() == "\rtranscribing [#####.....]  50%\rtranscribing [##########] 100%\n"


def _speak(text: str, voice: str, tmp) -> np.ndarray:
    raw = tmp / "raw.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), text], check=True, capture_output=True)
    out = tmp / "16k.wav"
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out)], check=True)
    with wave.open(str(out)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def _write_wav(path, samples: np.ndarray, channels: int = 1) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(samples.astype(np.int16).tobytes())


@pytest.fixture
def two_tracks(tmp_path):
    """A short call: the interviewer asks a closed question, the customer tells a story."""
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        pytest.skip("espeak-ng and sox are needed to speak the test call")
    question = _speak("Do you use Excel for this?", "en-us", tmp_path)
    answer = _speak(
        "Yes. Every Friday I export the bank statement into Excel and match every invoice by hand.",
        "en-gb",
        tmp_path,
    )
    rate = 16000
    start_answer = int(0.5 * rate) + len(question) + int(0.8 * rate)
    n = start_answer + len(answer) + rate
    mine, theirs = np.zeros(n, np.int16), np.zeros(n, np.int16)
    mine[int(0.5 * rate) : int(0.5 * rate) + len(question)] = question
    theirs[start_answer : start_answer + len(answer)] = answer
    _write_wav(tmp_path / "me.wav", mine)
    _write_wav(tmp_path / "them.wav", theirs)
    stereo = np.empty(2 * n, np.int16)
    stereo[0::2], stereo[1::2] = theirs, mine  # interviewer on the right
    _write_wav(tmp_path / "call.wav", stereo, channels=2)
    return tmp_path


@pytest.mark.slow
def test_analyze_two_recordings_writes_report_and_transcripts(two_tracks, capsys):
    out = two_tracks / "reports" / "call.json"
    out.parent.mkdir()
    args = [
        "analyze",
        "--interviewer",
        str(two_tracks / "me.wav"),
        "--customer",
        str(two_tracks / "them.wav"),
    ]
    assert main([*args, "--format", "json", "-o", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["talk"]["timing"] == "audio"
    share = data["talk"]["interviewer_share"]
    assert 0.1 < share < 0.4  # a short question against a long answer
    speakers = [line["speaker"] for line in data["transcript"]]
    assert speakers[0] == "interviewer" and "customer" in speakers
    assert data["questions"]["closed"] == 1
    vtt = (out.parent / "me.transcript.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT") and "<v Interviewer>" in vtt and "<v Customer>" in vtt
    rows = (out.parent / "me.transcript.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(rows[0])["speaker"] == "interviewer"
    assert "transcript written to" in capsys.readouterr().err


@pytest.mark.slow
def test_analyze_stereo_recording_with_channel_choice(two_tracks, capsys, monkeypatch):
    monkeypatch.chdir(two_tracks)
    call = two_tracks / "call.wav"
    assert main(["analyze", str(call), "--interviewer-channel", "right", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["talk"]["interviewer_share"] < 0.4
    assert (two_tracks / "call.transcript.vtt").exists()  # report on stdout: transcript in the current folder


@pytest.mark.slow
def test_analyze_one_channel_recording_is_split_by_speaker(two_tracks, capsys):
    """One mixed channel (a phone's voice memo): split by speaker, the asker is the interviewer,
    talk time from the audio, and the transcript names each turn's speaker."""
    with wave.open(str(two_tracks / "me.wav")) as a, wave.open(str(two_tracks / "them.wav")) as b:
        mine = np.frombuffer(a.readframes(a.getnframes()), np.int16).astype(np.int32)
        theirs = np.frombuffer(b.readframes(b.getnframes()), np.int16).astype(np.int32)
    _write_wav(two_tracks / "memo.wav", np.clip(mine + theirs, -32768, 32767))
    out = two_tracks / "memo.json"
    args = ["analyze", str(two_tracks / "memo.wav"), "--format", "json", "-o", str(out)]
    assert main([*args, "--speaker-names", "Bob,Ann", "--rename", "Bob=Dana"]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["talk"]["timing"] == "audio"
    assert 0.1 < data["talk"]["interviewer_share"] < 0.4
    rows = [json.loads(r) for r in (two_tracks / "memo.transcript.jsonl").read_text().splitlines()]
    assert (rows[0]["name"], rows[0]["speaker"]) == ("Dana", "interviewer")
    assert {r["name"] for r in rows} == {"Dana", "Ann"}
    assert all(("start" in r and "end" in r) for r in rows)
    assert "<v Ann>" in (two_tracks / "memo.transcript.vtt").read_text(encoding="utf-8")


@pytest.mark.slow
def test_analyze_one_channel_interviewer_by_voice(two_tracks, capsys):
    with wave.open(str(two_tracks / "me.wav")) as a, wave.open(str(two_tracks / "them.wav")) as b:
        mine = np.frombuffer(a.readframes(a.getnframes()), np.int16).astype(np.int32)
        theirs = np.frombuffer(b.readframes(b.getnframes()), np.int16).astype(np.int32)
    _write_wav(two_tracks / "memo.wav", np.clip(mine + theirs, -32768, 32767))
    # The customer's own voice given as the "interviewer": the roles follow the voice, not the questions.
    args = ["analyze", str(two_tracks / "memo.wav"), "--format", "json", "--speakers", "2"]
    assert (
        main([*args, "--interviewer-voice", str(two_tracks / "them.wav"), "-o", str(two_tracks / "m.json")])
        == 0
    )
    data = json.loads((two_tracks / "m.json").read_text(encoding="utf-8"))
    assert data["talk"]["interviewer_share"] > 0.6


@pytest.mark.slow
@pytest.mark.parametrize(
    ("track", "role", "share"),
    [
        # The interviewer alone (a memo that caught one side): their question makes them the interviewer.
        ("me.wav", "interviewer", 1.0),
        # The customer alone, no question asked: the customer.
        ("them.wav", "customer", 0.0),
    ],
)
def test_analyze_one_voice_recording_gives_one_speaker_report(two_tracks, capsys, track, role, share):
    out = two_tracks / "one.json"
    args = ["analyze", str(two_tracks / track), "--format", "json", "-o", str(out), "--speakers", "1"]
    assert main(args) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["talk"]["timing"] == "audio"
    assert data["talk"]["interviewer_share"] == pytest.approx(share)
    assert {line["speaker"] for line in data["transcript"]} == {role}
    rows = [json.loads(r) for r in (two_tracks / f"{track[:-4]}.transcript.jsonl").read_text().splitlines()]
    assert {(r["name"], r["speaker"]) for r in rows} == {("Speaker 1", role)}
    err = capsys.readouterr().err
    assert "one voice in this recording" in err and "--speakers 2" in err
