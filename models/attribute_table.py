"""spaCy's attribute_ruler, applied through lookup tables: the same annotations, a fraction of the time.

en_core_web_sm's `attribute_ruler` maps each fine-grained tag to its part of speech and
morphology (a tag map of one-token patterns such as `[{"TAG": "NN"}]`) and fixes exceptions
(`[{"TAG": "PRP", "LOWER": "you"}]`, a few on the dependency label or on two words). spaCy runs
its ~180 patterns through a Matcher on every token and builds a Span for every match: about
0.4 ms of a 15-word final, four times its tagger. Nearly every pattern is one token tested for
its TAG and/or LOWER value, which a dict answers directly; only the others go through a Matcher.
Each token gets the attributes of its matches merged in the ruler's own order (pattern index
ascending: a later pattern wins), set with spaCy's own `set_token_attrs`; what the table
patterns give a token depends only on its (TAG, LOWER, DEP), so that merge is kept per triple.
Every token ends with the same annotations (tests/models/test_attribute_table.py and
tests/models/test_fast_components.py compare them token by token).
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
# Distinct (TAG, LOWER, DEP) triples whose merged attributes are kept; past it they are worked
# out each time (a server sees new words for weeks).
MAX_KEYS = 200_000

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
        self._matcher = Matcher(vocab)
        self._read_key: Callable[[Token], tuple[int, int, int]] = operator.attrgetter(
            *(attr.lower() for attr in TABLE_ATTRS)
        )
        self._keyed: dict[tuple[int, int, int], tuple[frozenset[int], dict[int, Any]]] = {}

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
        self._keyed.clear()

    def _matcher_matches(self, doc: Doc) -> list[tuple[int, int, int, int]]:
        """(pattern index, start, end, token) of each match of the patterns the tables do not hold."""
        strings = self.vocab.strings
        out: list[tuple[int, int, int, int]] = []
        for match_id, start, end in self._matcher(doc, allow_missing=True):
            i = int(strings[match_id])
            index = self.indices[i]
            at = start + index if index >= 0 else end + index
            if not start <= at < end:
                raise ValueError(
                    f"attribute_ruler pattern {i}: index {index} is outside the match {doc[start:end].text!r}"
                )
            out.append((i, start, end, at))
        return out

    def _merged(self, indices: Iterable[int]) -> dict[int, Any]:
        """The attributes of these patterns applied in order: a later pattern's value wins."""
        merged: dict[int, Any] = {}
        for i in sorted(indices):
            merged.update(self.attrs[i])
        return merged

    def _by_key(self, key: tuple[int, int, int]) -> tuple[frozenset[int], dict[int, Any]]:
        """The table patterns a token of this (TAG, LOWER, DEP) matches, and their merged attributes."""
        known = self._keyed.get(key)
        if known is None:
            values = dict(zip(TABLE_ATTRS, key, strict=True))
            indices = frozenset(
                i
                for signature, table in self._tables.items()
                for i in table.get(
                    values[signature[0]] if len(signature) == 1 else tuple(values[a] for a in signature), ()
                )
            )
            known = (indices, self._merged(indices))
            if len(self._keyed) < MAX_KEYS:
                self._keyed[key] = known
        return known

    def __call__(self, doc: Doc) -> Doc:
        # Every match sets attributes of one token only, so applying each token's matches in pattern
        # order, all at once, leaves what the AttributeRuler's order (pattern, then span) leaves.
        # A token's table patterns depend only on its (TAG, LOWER, DEP): their merged attributes
        # are worked out once per distinct triple.
        by_token: dict[int, list[int]] = {}
        if len(self._matcher):
            for i, _start, _end, at in self._matcher_matches(doc):
                by_token.setdefault(at, []).append(i)
        read = self._read_key
        for token in doc:
            indices, merged = self._by_key(read(token))
            extra = by_token.get(token.i)
            if extra is not None:
                merged = self._merged(indices.union(extra))
            if merged:
                set_token_attrs(token, merged)
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
