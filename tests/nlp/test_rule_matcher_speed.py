"""The rules' matcher with its leaner set tests finds exactly what spaCy's own Matcher finds."""

from __future__ import annotations

import pytest
from spacy.matcher import Matcher

from nlp.pipeline import default_rule_paths
from nlp.rules import RuleMatcher, load_rule_files
from nlp.speech import clean

RULES = load_rule_files(default_rule_paths())
TOKEN_RULES = [r for r in RULES if r.kind == "token"]
EXTRA = """\
What kind of things do you do on a Monday, and how long does it take?
Would you pay for something that did this automatically?
You can just click the gear icon and export it.
I just copy everything into a sheet and fix the dates by hand.
We've been building a new dashboard for exactly that.
If you had a magic wand, what would you change?
It drives me crazy every single Monday, honestly it takes forever.
""".splitlines()


@pytest.fixture(scope="module")
def matchers(tagger):
    plain = Matcher(tagger.nlp.vocab)
    for rule in TOKEN_RULES:
        plain.add(rule.id, [list(rule.pattern)])
    return tagger.matcher, plain


def test_the_set_tests_were_taken_over(matchers):
    # spaCy keeps them in a private list; if a new spaCy renames it, nothing is swapped and the
    # rules match at spaCy's own (slower) speed: this test says so.
    fast, _ = matchers
    assert fast.fast_predicates >= 100


@pytest.mark.parametrize("text", [r.literal for r in TOKEN_RULES] + EXTRA)
def test_the_same_matches_as_spacys_matcher(tagger, matchers, text):
    fast, plain = matchers
    doc = tagger.nlp(clean(text).text)
    assert sorted(fast._token(doc)) == sorted(plain(doc))


def test_a_new_matcher_swaps_the_same_number(tagger):
    again = RuleMatcher(tagger.nlp, RULES)
    assert again.fast_predicates == tagger.matcher.fast_predicates
