"""Rules as data: JSONL rows of spaCy patterns, validated at load, compiled into one matcher.

One rule a line, in the style of spaCy's SpanRuler and medspacy's context rules:

    {"id": "form.wh.open", "label": "wh_open", "literal": "What happened after that?",
     "kind": "token", "anchor": "start", "pattern": [{"LOWER": "what"}, {"TAG": "VBD"}]}

- `id` names the rule (unique across every file), `label` what it is evidence of (a flag name or
  a cue the detectors read), `literal` an example sentence the rule must fire on (a test holds
  every rule to it).
- `kind`: `token` (spaCy Matcher pattern, the default), `dependency` (DependencyMatcher pattern)
  or `phrase` (a list of phrases matched case-insensitively with the PhraseMatcher).
- `anchor`: where a hit counts. `any` (default), `start` (the first word of a clause once
  fillers are skipped) or `end` (the last word before the clause's closing punctuation).
- `note`: free text for reviewers.

Rows are checked against that whitelist of keys and their types, and the patterns against
spaCy's own schema; any fault is one line naming the file and line.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.matcher import Matcher
    from spacy.tokens import Doc, Token

RuleKind = Literal["token", "dependency", "phrase"]
Anchor = Literal["any", "start", "end"]

RULES_DIR = Path(__file__).parent / "rules"
REQUIRED_KEYS = frozenset({"id", "label", "literal", "pattern"})
ALLOWED_KEYS = REQUIRED_KEYS | {"kind", "anchor", "note"}
KINDS: tuple[RuleKind, ...] = ("token", "dependency", "phrase")
ANCHORS: tuple[Anchor, ...] = ("any", "start", "end")


class RuleError(ValueError):
    """A rule file is malformed; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    label: str
    literal: str
    kind: RuleKind
    anchor: Anchor
    # Token and dependency patterns are lists of dicts, phrase patterns lists of strings.
    pattern: tuple[Any, ...]
    where: str
    """`file:line`, for error messages."""


@dataclass(frozen=True, slots=True)
class RuleHit:
    """One rule matching tokens doc[start:end]."""

    rule: Rule
    start: int
    end: int


def _fail(where: str, message: str) -> RuleError:
    return RuleError(f"{where}: {message}")


def parse_rule(row: object, where: str) -> Rule:
    """Check one decoded row against the whitelist and build a Rule."""
    if not isinstance(row, Mapping):
        raise _fail(where, "a rule must be a JSON object")
    keys = set(row)
    unknown = sorted(keys - ALLOWED_KEYS)
    if unknown:
        raise _fail(where, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(ALLOWED_KEYS))}")
    missing = sorted(REQUIRED_KEYS - keys)
    if missing:
        raise _fail(where, f"missing key(s) {', '.join(missing)}")
    for key in ("id", "label", "literal", "kind", "anchor", "note"):
        if key in row and (not isinstance(row[key], str) or not row[key].strip()):
            raise _fail(where, f"{key!r} must be a non-empty string")
    kind = row.get("kind", "token")
    if kind not in KINDS:
        raise _fail(where, f"kind {kind!r} is not one of {', '.join(KINDS)}")
    anchor = row.get("anchor", "any")
    if anchor not in ANCHORS:
        raise _fail(where, f"anchor {anchor!r} is not one of {', '.join(ANCHORS)}")
    pattern = row["pattern"]
    if not isinstance(pattern, list) or not pattern:
        raise _fail(where, "'pattern' must be a non-empty list")
    if kind == "phrase":
        if not all(isinstance(p, str) and p.strip() for p in pattern):
            raise _fail(where, "a phrase pattern is a list of non-empty strings")
    elif not all(isinstance(p, dict) for p in pattern):
        raise _fail(where, f"a {kind} pattern is a list of objects")
    return Rule(
        id=row["id"],
        label=row["label"],
        literal=row["literal"],
        kind=cast(RuleKind, kind),
        anchor=cast(Anchor, anchor),
        pattern=tuple(pattern),
        where=where,
    )


def read_rows(path: Path, what: str) -> Iterator[tuple[str, Any]]:
    """Yield (`file:line`, parsed JSON) for each row of a JSONL data file.

    Blank lines and lines starting with // are skipped; unreadable files and bad JSON are
    RuleErrors naming the file (and line), so every data file fails the same readable way.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise RuleError(f"{path}: cannot read {what} ({exc.strerror or exc})") from exc
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("//"):
            continue
        where = f"{path.name}:{number}"
        try:
            yield where, json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise _fail(where, f"not valid JSON ({exc.msg} at column {exc.colno})") from exc


def load_rules(path: Path) -> list[Rule]:
    """Read one JSONL rule file; blank lines and lines starting with // are skipped."""
    return [parse_rule(row, where) for where, row in read_rows(path, "rule file")]


def load_rule_files(paths: Iterable[Path]) -> list[Rule]:
    """Read several rule files; ids must be unique across all of them."""
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in paths:
        for rule in load_rules(path):
            if rule.id in seen:
                raise _fail(rule.where, f"duplicate rule id {rule.id!r} (first at {seen[rule.id]})")
            seen[rule.id] = rule.where
            rules.append(rule)
    return rules


def _first_line(exc: Exception) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    # spaCy's pattern errors put the useful part after a header line.
    useful = [line for line in lines if not line.startswith("[E")] or lines
    return " ".join(useful[:2]) if useful else type(exc).__name__


# Token attributes whose IN / NOT_IN tests `_fast_predicates` may take over, by the Token
# property that reads the same value as spaCy's matcher does.
FAST_PREDICATE_ATTRS = ("LOWER", "ORTH", "TAG", "POS", "DEP", "LEMMA")


def _set_test(read: Callable[[Token], int], values: frozenset[int], inside: bool) -> Callable[[Token], bool]:
    if inside:
        return lambda token: read(token) in values
    return lambda token: read(token) not in values


def _fast_predicates(matcher: Matcher) -> int:
    """Swap the matcher's plain IN / NOT_IN predicates for leaner functions; how many were swapped.

    spaCy's Matcher calls one Python predicate per token for every distinct IN or NOT_IN list in
    the rules (about 320 here), and its generic predicate checks for extension attributes, regular
    expressions and fuzzy matching before it tests the set. The swapped function reads the
    attribute and tests a frozenset of the same string ids: the same answers, and the rules'
    matching takes about half the time on a 40-word final. Only predicates of exactly that kind
    are swapped; if spaCy's internals change, none are, and matching runs at spaCy's own speed
    (tests/nlp/test_rule_matcher_speed.py fails then, so it is noticed).
    """
    from spacy.attrs import IDS
    from spacy.matcher.matcher import _SetPredicate  # type: ignore[attr-defined]

    predicates = getattr(matcher, "_extra_predicates", None)
    if not isinstance(predicates, list):
        return 0
    readers = {IDS[name]: operator.attrgetter(name.lower()) for name in FAST_PREDICATE_ATTRS}
    swapped = 0
    for i, predicate in enumerate(predicates):
        if type(predicate) is not _SetPredicate:
            continue
        read = readers.get(getattr(predicate, "attr", None))
        plain = not (predicate.is_extension or predicate.regex or predicate.fuzzy is not None)
        if read is None or not plain or predicate.predicate not in ("IN", "NOT_IN"):
            continue
        values = frozenset(predicate.value)
        if not all(isinstance(v, int) for v in values):
            continue
        predicates[i] = _set_test(read, values, predicate.predicate == "IN")
        swapped += 1
    return swapped


class RuleMatcher:
    """All rules compiled into spaCy's Matcher, DependencyMatcher and PhraseMatcher.

    Built once per pipeline; calling it only reads the doc, so one instance serves every call.
    """

    def __init__(self, nlp: Language, rules: Sequence[Rule]) -> None:
        from spacy.errors import MatchPatternError
        from spacy.matcher import DependencyMatcher, Matcher, PhraseMatcher

        self.rules: dict[str, Rule] = {}
        self._token = Matcher(nlp.vocab, validate=True)
        self._dependency = DependencyMatcher(nlp.vocab, validate=True)
        self._phrase = PhraseMatcher(nlp.vocab, attr="LOWER")
        for rule in rules:
            if rule.id in self.rules:
                raise _fail(rule.where, f"duplicate rule id {rule.id!r}")
            self.rules[rule.id] = rule
            try:
                if rule.kind == "token":
                    self._token.add(rule.id, [list(rule.pattern)])
                elif rule.kind == "dependency":
                    self._dependency.add(rule.id, [list(rule.pattern)])
                else:
                    self._phrase.add(rule.id, [nlp.make_doc(text) for text in rule.pattern])
            except (MatchPatternError, ValueError, KeyError, TypeError) as exc:
                raise _fail(
                    rule.where, f"rule {rule.id!r}: bad {rule.kind} pattern: {_first_line(exc)}"
                ) from exc
        self.fast_predicates = _fast_predicates(self._token)
        self._strings = nlp.vocab.strings

    def __call__(self, doc: Doc) -> list[RuleHit]:
        """Every hit of every rule, ordered by position; repeats of a rule at one start are dropped."""
        hits: dict[tuple[str, int], RuleHit] = {}
        # An empty matcher warns on every call, so only the kinds that hold rules are run.
        spans: list[tuple[int, int, int]] = []
        if len(self._token):
            spans += [(m, s, e) for m, s, e in self._token(doc)]
        if len(self._phrase):
            spans += [(m, s, e) for m, s, e in self._phrase(doc)]
        if len(self._dependency):
            for match_id, token_ids in self._dependency(doc):
                spans.append((match_id, min(token_ids), max(token_ids) + 1))
        for match_id, start, end in spans:
            rule = self.rules[self._strings[match_id]]
            key = (rule.id, start)
            known = hits.get(key)
            # Keep the longest match of a rule at a start: it is the most specific evidence.
            if known is None or end > known.end:
                hits[key] = RuleHit(rule, start, end)
        return sorted(hits.values(), key=lambda h: (h.start, h.end, h.rule.id))
