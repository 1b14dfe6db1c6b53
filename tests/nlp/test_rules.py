"""Rule files: every rule fires on its own literal, and malformed rows fail with file:line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.messages import load_messages
from nlp.pipeline import default_rule_paths
from nlp.rules import RuleError, RuleMatcher, load_rule_files, load_rules
from nlp.suggest import load_templates
from nlp.types import Utterance

RULES = load_rule_files(default_rule_paths())


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rules_literal_fires_its_rule(tagger, rule):
    analysis = tagger.analyze(Utterance("interviewer", rule.literal))
    fired = {hit.rule.id for hit in analysis.hits}
    assert rule.id in fired, f"{rule.where}: {rule.id} does not fire on its literal {rule.literal!r}"


def _write(tmp_path: Path, *rows: object, name: str = "x.jsonl") -> Path:
    path = tmp_path / name
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8"
    )
    return path


GOOD = {"id": "t.one", "label": "hot_tip", "literal": "you can just", "pattern": [{"LOWER": "just"}]}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({**GOOD, "colour": "red"}, "unknown key(s) colour"),
        ({k: v for k, v in GOOD.items() if k != "literal"}, "missing key(s) literal"),
        ({**GOOD, "kind": "regex"}, "kind 'regex'"),
        ({**GOOD, "anchor": "middle"}, "anchor 'middle'"),
        ({**GOOD, "pattern": []}, "non-empty list"),
        ({**GOOD, "kind": "phrase", "pattern": [{"LOWER": "x"}]}, "list of non-empty strings"),
        ({**GOOD, "id": ""}, "'id' must be a non-empty string"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
    ],
)
def test_rules_bad_row_names_file_and_line(tmp_path, row, message):
    path = _write(tmp_path, GOOD | {"id": "t.zero"}, row)
    with pytest.raises(RuleError) as err:
        load_rules(path)
    assert str(err.value).startswith("x.jsonl:2: ")
    assert message in str(err.value)


def test_rules_comments_and_blank_lines_are_skipped(tmp_path):
    path = _write(tmp_path, "// a comment", "", GOOD)
    assert [r.id for r in load_rules(path)] == ["t.one"]


def test_rules_duplicate_id_across_files_names_both(tmp_path):
    a = _write(tmp_path, GOOD, name="a.jsonl")
    b = _write(tmp_path, GOOD, name="b.jsonl")
    with pytest.raises(RuleError, match=r"b\.jsonl:1: duplicate rule id 't\.one' \(first at a\.jsonl:1\)"):
        load_rule_files([a, b])


@pytest.mark.parametrize(
    "pattern",
    [
        [{"LOWER": {"IN": "not-a-list"}}],
        [{"NOT_AN_ATTRIBUTE": "x"}],
        [{"LOWER": "x", "OP": "sometimes"}],
    ],
)
def test_rules_bad_token_pattern_is_rejected_by_spacy_schema(tagger, tmp_path, pattern):
    path = _write(tmp_path, GOOD | {"pattern": pattern})
    with pytest.raises(RuleError, match=r"^x\.jsonl:1: rule 't\.one': bad token pattern"):
        RuleMatcher(tagger.nlp, load_rules(path))


def test_rules_bad_dependency_pattern_is_rejected(tagger, tmp_path):
    path = _write(tmp_path, GOOD | {"kind": "dependency", "pattern": [{"RIGHT_ATTRS": {"DEP": "ROOT"}}]})
    with pytest.raises(RuleError, match=r"^x\.jsonl:1: rule 't\.one': bad dependency pattern"):
        RuleMatcher(tagger.nlp, load_rules(path))


def test_rules_matcher_reports_hits_in_order(tagger):
    rules = load_rules(_write_tmp_rules())
    matcher = RuleMatcher(tagger.nlp, rules)
    doc = tagger.nlp("You can just click it. Just do it.")
    assert [(h.rule.id, h.start) for h in matcher(doc)] == [("t.one", 2), ("t.one", 6)]


def _write_tmp_rules() -> Path:
    import tempfile

    folder = Path(tempfile.mkdtemp())
    return _write(folder, GOOD)


def test_messages_cover_every_flag():
    messages = load_messages()
    assert all(c.message.strip() for c in messages.values())


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"flag": "nope", "rank": 1, "message": "m"}, "unknown flag 'nope'"),
        ({"flag": "pain", "rank": "1", "message": "m"}, "'rank' must be an integer"),
        ({"flag": "pain", "rank": 1}, "keys must be"),
    ],
)
def test_messages_bad_row_names_line(tmp_path, row, message):
    path = _write(tmp_path, row, name="messages.jsonl")
    with pytest.raises(RuleError, match=r"^messages\.jsonl:1: ") as err:
        load_messages(path)
    assert message in str(err.value)


def test_messages_missing_flag_is_named(tmp_path):
    path = _write(tmp_path, {"flag": "pain", "rank": 1, "message": "m"}, name="messages.jsonl")
    with pytest.raises(RuleError, match=r"no message for .*closed_question"):
        load_messages(path)


def test_suggest_templates_load_and_reject_unknown_slots(tmp_path):
    assert load_templates()
    path = _write(
        tmp_path,
        {"id": "s", "flag": "closed_question", "shape": "any", "template": "Tell me about {nonsense}."},
        name="suggestions.jsonl",
    )
    with pytest.raises(RuleError, match=r"^suggestions\.jsonl:1: unknown slot\(s\) nonsense"):
        load_templates(path)


def test_rules_duplicate_ids_across_files_are_refused(tmp_path):
    """Ids are unique across every file: the loader names the second file's line."""
    a = _write(tmp_path, GOOD, name="a.jsonl")
    b = _write(tmp_path, GOOD, name="b.jsonl")
    with pytest.raises(RuleError, match=r"b\.jsonl:1: duplicate rule id 't\.one'"):
        load_rule_files([a, b])


def test_rules_every_label_is_read_by_a_detector():
    """A rule whose label no detector reads is dead weight: each label is a flag the detectors ask
    for (`analysis.labelled(flag.value)`), its `not_` veto, or a name the detectors' code or decide.py
    spells."""
    import ast

    from nlp.detectors.base import NOT_PREFIX
    from nlp.types import Flag

    nlp_dir = Path(__file__).resolve().parents[2] / "nlp"
    # decide.py reads the labels that veto a flag outright (VETOED_BY).
    spelled = {
        node.value
        for path in [*(nlp_dir / "detectors").glob("*.py"), nlp_dir / "decide.py"]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    read = spelled | {f.value for f in Flag} | {NOT_PREFIX + f.value for f in Flag}
    unread = sorted({r.label for r in RULES} - read)
    assert unread == [], f"rule labels no detector reads: {unread}"
