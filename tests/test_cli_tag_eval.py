"""`secondear tag` and `secondear eval`, run through the real command line entry point."""

from __future__ import annotations

import io
import json

import pytest

from app.cli import main

LINES = [
    {
        "id": "1",
        "speaker": "interviewer",
        "text": "Do you use Excel for this?",
        "start": "00:00:03",
        "label": ["x"],
    },
    {"id": "2", "speaker": "customer", "text": "I just copy it by hand, it takes forever."},
    {
        "id": "3",
        "speaker": "interviewer",
        "text": "Walk me through the last time you did that.",
        "message": "old",
    },
]


def _jsonl(rows) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def test_cli_tag_adds_fields_and_copies_the_rest(tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    path.write_text(_jsonl(LINES) + "\n", encoding="utf-8")
    assert main(["tag", str(path), "--batch-size", "2"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(out) == 3
    first, second, third = out
    assert {k: first[k] for k in ("id", "speaker", "text", "start", "label")} == LINES[0]
    assert first["question"] == "closed" and first["flags"] == ["closed_question"]
    assert first["message"] and first["suggestion"] == "Walk me through how you use Excel for this."
    # Live flags are the confident part of the flags (thresholds in nlp/training.py).
    assert set(first["live_flags"]) <= set(first["flags"])
    assert first["evidence"] == {"closed_question": "Do you use Excel for this?"}
    assert second["question"] is None and second["flags"] == ["workaround", "pain"]
    assert third["question"] == "open" and third["flags"] == []
    assert "message" not in third and "suggestion" not in third


def test_cli_tag_reads_stdin(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(_jsonl(LINES[:1])))
    assert main(["tag", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["question"] == "closed"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "line 2: not valid JSON"),
        ('{"speaker": "host", "text": "hi"}', "line 2: 'speaker' must be"),
        ('{"speaker": "customer"}', "line 2: 'text' must be a string"),
        ("[1]", "line 2: expected a JSON object"),
    ],
)
def test_cli_tag_bad_line_is_one_line_error(tmp_path, capsys, bad, message):
    path = tmp_path / "in.jsonl"
    path.write_text(_jsonl(LINES[:1]) + bad + "\n", encoding="utf-8")
    assert main(["tag", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert err.startswith("secondear tag: error: ") and message in err and "\n" not in err


def test_cli_tag_missing_file_is_a_usage_error(tmp_path, capsys):
    assert main(["tag", str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_cli_eval_interview_lines_table_and_json(shared_data, capsys):
    path = shared_data / "interview-lines.jsonl"
    assert main(["eval", str(path)]) == 0
    table = capsys.readouterr().out
    assert "interview-lines" in table and "open/closed macro-F1" in table and "hot_tip" in table
    assert main(["eval", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "interview-lines"
    assert all(s["f1"] >= 0.9 for s in data["flags"].values() if s["support"])


def test_cli_eval_detects_annomi_fields(tmp_path, capsys):
    rows = [
        {
            "transcript": "7",
            "speaker": "interviewer",
            "text": "How have things been?",
            "question": "open",
            "input": None,
            "reflection": None,
        },
        {
            "transcript": "7",
            "speaker": "customer",
            "text": "Busy.",
            "question": None,
            "input": None,
            "reflection": None,
        },
        {
            "transcript": "7",
            "speaker": "interviewer",
            "text": "Do you sleep well?",
            "question": "closed",
            "input": None,
            "reflection": None,
        },
        {
            "transcript": "7",
            "speaker": "interviewer",
            "text": "You should try a walk after lunch.",
            "question": None,
            "input": "advice",
            "reflection": None,
        },
    ]
    path = tmp_path / "mi.jsonl"
    path.write_text(_jsonl(rows), encoding="utf-8")
    assert main(["eval", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "annomi"
    assert data["question"]["macro_f1"] == 1.0
    assert data["flags"]["hot_tip"]["support"] == 1
    assert data["validation"] == {"method": "in-sample"}


def test_cli_eval_unknown_format_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "x.jsonl"
    path.write_text('{"speaker": "interviewer", "text": "hi"}\n', encoding="utf-8")
    assert main(["eval", str(path)]) == 2
    assert "unknown format" in capsys.readouterr().err


def _turns() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for call in range(4):
        for text, form, flags in (
            ("Do you use Excel for this?", "closed", ["closed_question"]),
            ("How do you close the month?", "open", []),
            ("Okay, thanks.", None, []),
        ):
            rows.append({"file": f"call-{call}", "speaker": "interviewer", "text": text, "question": form,
                         "flags": flags})  # fmt: skip
    return rows


def test_cli_eval_grouped_cross_validation(tmp_path, capsys):
    path = tmp_path / "turns.jsonl"
    path.write_text(_jsonl(_turns()), encoding="utf-8")
    args = ["eval", str(path), "--cv", "2", "--group", "file", "--data", str(tmp_path / "none")]
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["validation"] == {
        "method": "grouped-cv",
        "folds": 2,
        "group": "file",
        "training": ["the other folds of turns.jsonl"],
    }
    # Each question is asked the same way in every interview: held-out interviews are read right.
    assert data["question"]["macro_f1"] == 1.0
    assert main(args) == 0
    assert "grouped 2-fold cross-validation by file" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--cv", "1"], "--cv needs at least 2 folds"),
        (["--group", "file"], "--group only applies with --cv"),
        (["--cv", "2", "--group", "session"], "no row of"),
        (["--cv", "9", "--group", "file"], "4 groups cannot fill 9 folds"),
    ],
)
def test_cli_eval_cross_validation_bad_options(tmp_path, capsys, extra, message):
    path = tmp_path / "turns.jsonl"
    path.write_text(_jsonl(_turns()), encoding="utf-8")
    assert main(["eval", str(path), *extra, "--data", str(tmp_path / "none")]) == 2
    assert message in capsys.readouterr().err
