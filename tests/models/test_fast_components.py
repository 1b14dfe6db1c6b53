"""The faster components of the shipped pipeline give exactly what spaCy's own give.

`load_spacy()` runs tok2vec's inference fused (models/tok2vec_fused.py), the attribute_ruler from
tables (tests/models/test_attribute_table.py) and the lemmatizer with every answer kept
(models/lemma_cache.py); `load_spacy(stock=True)` is the pipeline as shipped. Both parse the
same texts here and every token must come out the same: token vectors bit for bit, tags,
parts of speech, morphology, lemmas and the parse.
"""

from __future__ import annotations

import numpy as np
import pytest
import spacy
from spacy.attrs import DEP, HEAD, LEMMA, MORPH, POS, SENT_START, TAG
from spacy.language import Language
from spacy.pipeline import Lemmatizer

from models.lemma_cache import IndexList, LemmaCache
from models.spacy_model import load_spacy
from models.tok2vec_fused import FusedTok2Vec, fuse, use_fused_tok2vec
from nlp.evaluation import read_jsonl
from nlp.speech import clean

ATTRS = [TAG, POS, MORPH, LEMMA, DEP, HEAD, SENT_START]

# Inflected and base forms of nouns, verbs and adjectives, words the lemmatizer's index does not
# hold ("dashboards", "reimported"), contractions, numbers, odd spacing, one word alone, a
# sentence said twice (the second time every lemma comes from the cache).
SENTENCES = """\
Do you use a spreadsheet for this?
We've been building dashboards that reimported the flattened exports faster and faster.
She was running the biggest reports, and they're better than the oldest ones.
I copied everything into sheets and fixed the dates by hand; it's the worst part of Mondays.
Geese, mice and children were studying the analyses of the criteria.
How many hours did the 3 reviewers spend on it last week?
Nothin' works  when the  export breaks.
Hmm.
Would you pay for something that did this automatically?
Would you pay for something that did this automatically?
""".splitlines()


@pytest.fixture(scope="module")
def pipelines() -> tuple[Language, Language]:
    return load_spacy(stock=True), load_spacy()


def _same_annotations(stock: Language, fast: Language, text: str) -> list[tuple[str, ...]]:
    """The tokens whose annotations differ (empty when all agree)."""
    want, got = stock(text), fast(text)
    assert [t.text for t in got] == [t.text for t in want]
    if (got.to_array(ATTRS) == want.to_array(ATTRS)).all():
        return []
    return [
        (a.text, a.tag_, b.tag_, a.lemma_, b.lemma_, a.dep_, b.dep_)
        for a, b in zip(want, got, strict=True)
        if (a.tag, a.lemma, a.dep, a.head.i, a.morph.key) != (b.tag, b.lemma, b.dep, b.head.i, b.morph.key)
    ]


def test_the_fast_components_replace_the_stock_ones_under_their_names(pipelines):
    stock, fast = pipelines
    assert fast.pipe_names == stock.pipe_names
    assert isinstance(stock.get_pipe("lemmatizer"), Lemmatizer)
    cached = fast.get_pipe("lemmatizer")
    assert isinstance(cached, LemmaCache)
    # The speed is in these: if a new spaCy changed the tables' shape or the tok2vec's layers,
    # the output would stay the same and the speed would be gone without anything failing.
    assert cached.index_lists >= 4
    assert isinstance(fuse(fast.get_pipe("tok2vec").model), FusedTok2Vec)
    assert "predict" in vars(fast.get_pipe("tok2vec"))
    assert "predict" not in vars(stock.get_pipe("tok2vec"))


@pytest.mark.parametrize("text", SENTENCES)
def test_every_token_gets_the_same_annotations(pipelines, text):
    stock, fast = pipelines
    assert _same_annotations(stock, fast, text) == []


@pytest.mark.parametrize("text", SENTENCES)
def test_the_fused_tok2vec_gives_the_same_vectors_bit_for_bit(pipelines, text):
    stock, fast = pipelines
    want, got = stock(text), fast(text)
    assert got.tensor.dtype == want.tensor.dtype
    assert np.array_equal(got.tensor, want.tensor)


def test_the_fused_tok2vec_gives_the_same_vectors_for_a_batch(pipelines):
    stock, fast = pipelines
    texts = [*SENTENCES, "", "Okay."]
    for want, got in zip(stock.pipe(texts, batch_size=4), fast.pipe(texts, batch_size=4), strict=True):
        assert np.array_equal(got.tensor, want.tensor), got.text


def test_a_lemma_index_list_answers_like_the_list():
    words = ["report", "sheet", "date"]
    index = IndexList(words)
    assert index == words
    asked = ("sheet", "sheets", "", "Report", None)
    assert [w in index for w in asked] == [w in words for w in asked]


def test_the_shared_utterances_get_the_same_annotations(pipelines, shared_data):
    # A sample of real speech: every 25th utterance of the shared data, raw and cleaned.
    stock, fast = pipelines
    rows = [
        *read_jsonl(shared_data / "interview-lines.jsonl"),
        *read_jsonl(shared_data / "annomi-dev.jsonl"),
        *read_jsonl(shared_data / "real-interviews" / "turns.jsonl"),
    ]
    texts = [r["text"] for r in rows[::25]]
    differ = {
        text: found
        for text in [*texts, *(clean(t).text for t in texts)]
        if (found := _same_annotations(stock, fast, text))
    }
    assert len(texts) > 300
    assert differ == {}


def _blank_tok2vec(encode: dict[str, object]) -> Language:
    """A blank English pipeline with a freshly initialised tok2vec of this encoder."""
    nlp = spacy.blank("en")
    embed = {
        "@architectures": "spacy.MultiHashEmbed.v2",
        "width": 32,
        "attrs": ["NORM", "PREFIX", "SHAPE"],
        "rows": [500, 100, 50],
        "include_static_vectors": False,
    }
    nlp.add_pipe(
        "tok2vec", config={"model": {"@architectures": "spacy.Tok2Vec.v2", "embed": embed, "encode": encode}}
    )
    nlp.initialize()
    return nlp


# SECONDEAR_SPACY_MODEL may name another pipeline: its tok2vec is fused only if it has the same
# layers, and then must give the same vectors whatever its sizes.
@pytest.mark.parametrize(
    ("encode", "fused"),
    [
        ({"depth": 2, "window_size": 2, "maxout_pieces": 2}, True),
        ({"depth": 1, "window_size": 1, "maxout_pieces": 3}, True),
        ({"@architectures": "spacy.MishWindowEncoder.v2", "depth": 2, "window_size": 1}, False),
    ],
    ids=["maxout-depth-2-window-2", "maxout-depth-1", "mish"],
)
def test_another_tok2vec_is_fused_only_when_it_fits(encode, fused):
    nlp = _blank_tok2vec({"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 32, **encode})
    model = nlp.get_pipe("tok2vec").model
    assert use_fused_tok2vec(nlp) is fused
    if fused:
        docs = [nlp.make_doc(text) for text in SENTENCES]
        want, got = model.predict(docs), nlp.get_pipe("tok2vec").predict(docs)
        assert all(np.array_equal(a, b) for a, b in zip(want, got, strict=True))
