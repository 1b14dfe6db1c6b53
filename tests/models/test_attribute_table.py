"""The attribute_ruler run from lookup tables sets exactly what spaCy's own AttributeRuler sets."""

from __future__ import annotations

import pytest
from spacy.attrs import DEP, HEAD, LEMMA, MORPH, POS, TAG
from spacy.language import Language
from spacy.pipeline import AttributeRuler

from models.attribute_table import AttributeTable
from models.spacy_model import load_spacy

ATTRS = [TAG, POS, MORPH, LEMMA, DEP, HEAD]

# Each line exercises some of the ruler's patterns: the tag map, word exceptions ("I", "you",
# "it" by case), the dependency ones ("but" as an adverb, an auxiliary, "there is"), the
# two-word ones ("gonna", "gotta", "let's", "y'all", "ain't") and whitespace tokens.
SENTENCES = """\
Do you use a spreadsheet for this?
I told him that it was broken, but he said it wasn't.
We're gonna try it, and you gotta let us know.
Let's see what y'all think, ain't that right?
There's a toggle in the settings menu that does it.
So, uh, did you, did you ever retrain it?
Nothin' works  when the  export breaks.
Which of those would you pick, and why?
It's all but done; I'd say we've been building it for months.
Me and her were the only ones who'd run the 3 reports each week.
""".splitlines()


@pytest.fixture(scope="module")
def pipelines() -> tuple[Language, Language]:
    return load_spacy(stock=True), load_spacy()


def test_the_table_replaces_the_ruler_under_its_own_name(pipelines):
    stock, fast = pipelines
    assert isinstance(stock.get_pipe("attribute_ruler"), AttributeRuler)
    assert isinstance(fast.get_pipe("attribute_ruler"), AttributeTable)
    assert fast.pipe_names == stock.pipe_names


@pytest.mark.parametrize("text", SENTENCES)
def test_every_token_gets_the_same_annotations(pipelines, text):
    stock, fast = pipelines
    want, got = stock(text), fast(text)
    assert [t.text for t in got] == [t.text for t in want]
    assert (got.to_array(ATTRS) == want.to_array(ATTRS)).all(), [
        (a.text, a.pos_, b.pos_, str(a.morph), str(b.morph), a.lemma_, b.lemma_)
        for a, b in zip(want, got, strict=True)
        if (a.pos, a.morph.key, a.lemma) != (b.pos, b.morph.key, b.lemma)
    ]


def test_most_patterns_are_answered_by_the_tables(pipelines):
    # The point of the table: if a pipeline's patterns changed shape so that they all fell back
    # to the Matcher, the speed would be gone without any output changing.
    stock, fast = pipelines
    table = fast.get_pipe("attribute_ruler")
    assert isinstance(table, AttributeTable)
    assert len(table.attrs) == len(stock.get_pipe("attribute_ruler").attrs)
    assert len(table._matcher) < len(table.attrs) / 4
