"""spaCy's lemmatizer with every answer remembered: the same lemmas, without its slow paths.

spaCy's rule lemmatizer (en_core_web_sm's `lemmatizer`, mode `rule`) works out a token's lemma
from its text, part of speech and morphology alone, and caches the answer under
(orth, pos, morph) only for inflected forms it ran its suffix rules on. It checks each
candidate form against `lemma_index`, which holds plain lists (57,528 nouns): a linear scan,
about a millisecond for every new inflected word, so a final with a word not seen before jumped
to the top of the tagging time. Base forms (a singular noun, an infinitive) and parts of speech
without rules (pronouns, determiners, punctuation) are never cached and are worked out again on
every token, through `token.morph.to_dict()`.

Here the index lists answer `in` from a set (same members, constant time), and every answer is
remembered under the key spaCy itself uses, since nothing else goes into it. Tokens are
lemmatized only where spaCy's lemmatizer would (its `overwrite` flag, a lemma already set by the
attribute_ruler), and by spaCy's own `lemmatize` on a miss; tests/models/test_fast_components.py
compares every token's lemma with the stock pipeline's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc
from spacy.vocab import Vocab

FACTORY = "secondear_lemma_cache"
PIPE = "lemmatizer"
# Modes whose lemma depends on nothing but the token's text, part of speech and morphology.
CACHEABLE_MODES = frozenset({"rule", "lookup", "pos_lookup"})
# A server tags for weeks: past this many distinct (word, tag) keys new ones are worked out
# each time instead of kept (spaCy's vocabulary itself holds every word seen either way).
MAX_ENTRIES = 200_000


class IndexList(list[str]):
    """A `lemma_index` word list that answers `in` from a set: the same answers, in constant time."""

    def __init__(self, words: Iterable[str]) -> None:
        super().__init__(words)
        self._members = frozenset(self)

    def __contains__(self, word: object) -> bool:
        return word in self._members


def index_as_sets(lemmatizer: Lemmatizer) -> int:
    """Swap the lemmatizer's `lemma_index` lists for IndexLists; how many were swapped."""
    if not lemmatizer.lookups.has_table("lemma_index"):
        return 0
    table = lemmatizer.lookups.get_table("lemma_index")
    swapped = 0
    for key, words in list(table.items()):
        if type(words) is list:
            table[key] = IndexList(words)
            swapped += 1
    return swapped


class LemmaCache:
    """Sets the lemmas spaCy's lemmatizer sets, remembering each (orth, pos, morph) answer."""

    def __init__(self, vocab: Vocab) -> None:
        self.strings = vocab.strings
        self.lemmatizer: Lemmatizer | None = None
        self.cache: dict[tuple[int, int, int], int] = {}
        self.index_lists = 0

    def take(self, lemmatizer: Lemmatizer) -> None:
        """Lemmatize with this (stock) lemmatizer from now on."""
        if lemmatizer.mode not in CACHEABLE_MODES:
            raise ValueError(f"lemmatizer mode {lemmatizer.mode!r} is not one whose answers can be kept")
        # spaCy's lemmatizer checks its tables on its first call; a pipeline without them fails
        # here, at load, with spaCy's own message.
        if not getattr(lemmatizer, "_validated", True):
            lemmatizer._validate_tables()
        self.lemmatizer = lemmatizer
        self.cache.clear()
        self.index_lists = index_as_sets(lemmatizer)

    def __call__(self, doc: Doc) -> Doc:
        lemmatizer = self.lemmatizer
        if lemmatizer is None:
            raise RuntimeError(f"{FACTORY} was not given a lemmatizer (use_lemma_cache does that)")
        cache = self.cache
        overwrite = lemmatizer.overwrite
        for token in doc:
            if not overwrite and token.lemma != 0:
                continue
            key = (token.orth, token.pos, token.morph.key)  # type: ignore[attr-defined]
            lemma = cache.get(key)
            if lemma is None:
                lemma = self.strings.add(lemmatizer.lemmatize(token)[0])
                # No part of speech: spaCy warns on every such token, so it is not kept.
                if token.pos and len(cache) < MAX_ENTRIES:
                    cache[key] = lemma
            token.lemma = lemma
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128, **_: Any) -> Iterable[Doc]:
        for doc in docs:
            yield self(doc)


def use_lemma_cache(nlp: Language, name: str = PIPE) -> None:
    """Replace the named lemmatizer by a LemmaCache around it (same name, same lemmas)."""
    if name not in nlp.pipe_names:
        return
    lemmatizer = nlp.get_pipe(name)
    if not isinstance(lemmatizer, Lemmatizer) or lemmatizer.mode not in CACHEABLE_MODES:
        return
    cached = nlp.replace_pipe(name, FACTORY)
    if not isinstance(cached, LemmaCache):
        raise TypeError(f"{FACTORY} made a {type(cached).__name__}")
    cached.take(lemmatizer)


@Language.factory(FACTORY)
def make_lemma_cache(nlp: Language, name: str) -> LemmaCache:
    return LemmaCache(nlp.vocab)
