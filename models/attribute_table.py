"""spaCy's attribute_ruler, applied through lookup tables: the same annotations, a fraction of the time.

en_core_web_sm's `attribute_ruler` maps each fine-grained tag to its part of speech and
morphology (a tag map of one-token patterns such as `[{"TAG": "NN"}]`) and fixes exceptions
(`[{"TAG": "PRP", "LOWER": "you"}]`, a few on the dependency label or on two words). spaCy runs
its ~180 patterns through a Matcher on every token and builds a Span for every match: about
0.4 ms of a 15-word final, four times its tagger. Nearly every pattern is one token tested for
its TAG and/or LOWER value, which a dict answers directly; only the others go through a Matcher.
The matches are applied in the ruler's own order (pattern index ascending: a later pattern
wins) with spaCy's own `set_token_attrs`, so every token ends with the same annotations
(tests/models/test_attribute_table.py compares them token by token).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import product
from typing import Any, cast

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc, Token
from spacy.tokens._retokenize import set_token_attrs
from spacy.vocab import Vocab

FACTORY = "secondear_attribute_table"
PIPE = "attribute_ruler"
# Token attributes a table can test (by equality or IN) on a one-token pattern, read from the
# Token property of the same name; a pattern with anything else stays a Matcher pattern.
TABLE_ATTRS = ("TAG", "LOWER", "DEP")

Signature = tuple[str, ...]
"""The attributes one table tests, in TABLE_ATTRS order."""


def _values(vocab: Vocab, spec: Any) -> list[int] | None:
    """The string ids one token attribute may take (equality or IN), None if not a plain value."""
    if isinstance(spec, str):
        return [vocab.strings.add(spec)]
    values = spec.get("IN") if isinstance(spec, Mapping) and set(spec) == {"IN"} else None
    if isinstance(values, list) and all(isinstance(v, str) for v in values):
        return [vocab.strings.add(v) for v in values]
    return None


def _table_keys(vocab: Vocab, pattern: Sequence[Any], index: int) -> tuple[Signature, list[Any]] | None:
    """The table and its keys for a one-token pattern on TABLE_ATTRS, else None.

    A key is the attribute's string id, or the tuple of them when the pattern tests several:
    what `operator.attrgetter` reads from a token.
    """
    if len(pattern) != 1 or index not in (0, -1) or not isinstance(pattern[0], Mapping):
        return None
    token = pattern[0]
    if not token or set(token) - set(TABLE_ATTRS):
        return None
    signature = tuple(attr for attr in TABLE_ATTRS if attr in token)
    options: list[list[int]] = []
    for attr in signature:
        values = _values(vocab, token[attr])
        if values is None:
            return None
        options.append(values)
    keys: list[Any] = options[0] if len(options) == 1 else list(product(*options))
    return signature, keys


class AttributeTable:
    """An AttributeRuler's patterns as tables plus a Matcher for the few that need one."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self.attrs: list[dict[int, int]] = []
        self.indices: list[int] = []
        self._tables: dict[Signature, dict[Any, list[int]]] = {}
        self._readers: list[tuple[Callable[[Token], Any], dict[Any, list[int]]]] = []
        self._matcher = Matcher(vocab)

    def copy_from(self, ruler: AttributeRuler) -> None:
        """Take over the ruler's patterns with its already normalised attributes."""
        for i, entry in enumerate(ruler.patterns):
            self.attrs.append(ruler.attrs[i])
            self.indices.append(ruler.indices[i])
            for pattern in cast("list[list[dict[str, Any]]]", entry["patterns"]):
                found = _table_keys(self.vocab, pattern, ruler.indices[i])
                if found is None:
                    self._matcher.add(str(i), [pattern])
                    continue
                signature, keys = found
                table = self._tables.setdefault(signature, {})
                for key in keys:
                    ids = table.setdefault(key, [])
                    if i not in ids:
                        ids.append(i)
        self._readers = [
            (operator.attrgetter(*(attr.lower() for attr in signature)), table)
            for signature, table in self._tables.items()
        ]

    def matches(self, doc: Doc) -> list[tuple[int, int, int, int]]:
        """(pattern index, start, end, token) of every match, in the order they are applied."""
        found: set[tuple[int, int, int, int]] = set()
        for token in doc:
            at = token.i
            for read, table in self._readers:
                for i in table.get(read(token), ()):
                    found.add((i, at, at + 1, at))
        if len(self._matcher):
            strings = self.vocab.strings
            for match_id, start, end in self._matcher(doc, allow_missing=True):
                i = int(strings[match_id])
                index = self.indices[i]
                at = start + index if index >= 0 else end + index
                if not start <= at < end:
                    raise ValueError(
                        f"attribute_ruler pattern {i}: index {index} is outside the match "
                        f"{doc[start:end].text!r}"
                    )
                found.add((i, start, end, at))
        # The AttributeRuler sorts by pattern index, then span: a later pattern's value wins.
        return sorted(found)

    def __call__(self, doc: Doc) -> Doc:
        attrs = self.attrs
        for i, _start, _end, at in self.matches(doc):
            set_token_attrs(doc[at], attrs[i])
        return doc


@Language.factory(FACTORY)
def make_attribute_table(nlp: Language, name: str) -> AttributeTable:
    return AttributeTable(nlp.vocab)


def use_attribute_table(nlp: Language, names: Iterable[str] = (PIPE,)) -> None:
    """Replace each named AttributeRuler of the pipeline by its table form (same name, same output)."""
    for name in names:
        if name not in nlp.pipe_names:
            continue
        ruler = nlp.get_pipe(name)
        if not isinstance(ruler, AttributeRuler):
            continue
        table = nlp.replace_pipe(name, FACTORY)
        if not isinstance(table, AttributeTable):
            raise TypeError(f"{FACTORY} made a {type(table).__name__}")
        table.copy_from(ruler)
