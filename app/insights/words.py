"""Words, sentences and content words of what people said: shared by trends (follow-ups) and studies
(quotes, repeated phrases). Plain Python, so neither needs the spaCy pipeline."""

from __future__ import annotations

import re
from collections.abc import Iterator

WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
# A sentence ends at . ! ? or an ellipsis followed by a space; machine transcripts often have none.
SENTENCE_END = re.compile(r"(?<=[.!?\u2026])\s+")

# Function words, fillers and words of talk about talk: never a repeated phrase's edge, never what
# makes a question a follow-up. Lower case, apostrophes straight.
_STOPWORDS = """a about above after again against all also am an and any are aren't as at be because
    been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't
    down during each even ever every few for from further get gets getting got had hadn't has hasn't have
    haven't having he he'd he'll he's her here here's hers herself him himself his how how's however i i'd
    i'll i'm i've if in into is isn't it it's its itself just kind know let's like lot lots me mean more
    most much must mustn't my myself no nor not now of off oh okay ok on once one only or other ought our
    ours ourselves out over own pretty quite rather really right said same say says see seem she she'd
    she'll she's should shouldn't so some something sort still such sure than that that's the their
    theirs them themselves then there there's these they they'd they'll they're they've thing things
    think this those though through to too um uh under until up us very want was wasn't way we we'd we'll
    we're we've well were weren't what what's when when's where where's which while who who's whom why
    why's will with won't would wouldn't yeah yes yep you you'd you'll you're you've your yours yourself
    yourselves actually basically maybe probably go going gonna goes went come came make made take took
    give use used using many thank thanks good great sense bit little"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORDS.split())


def words(text: str) -> list[str]:
    """Lower-case words, apostrophes straightened."""
    return [w.replace("\u2019", "'").strip("'-").lower() for w in WORD.findall(text)]


def content_words(text: str) -> set[str]:
    """Words that carry meaning: not a stopword, at least 3 letters, cut to a 5-letter stem so
    "deploy", "deployed" and "deploying" meet."""
    return {w[:5] for w in words(text) if len(w) >= 3 and w not in STOPWORDS}


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) character offsets of the sentences of `text`, spaces trimmed."""
    pos = 0
    for m in SENTENCE_END.finditer(text):
        if text[pos : m.start()].strip():
            yield pos, m.start()
        pos = m.end()
    if text[pos:].strip():
        yield pos, len(text.rstrip())
