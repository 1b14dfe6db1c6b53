"""Tidy transcript text before parsing: stutters, restarts and dashes.

Human and machine transcripts write disfluencies ("wh-what", "the-the-the", "this-- where"),
which split words the parser and the rules need whole. Dashes that mark a broken-off phrase
become a spaced em dash, so the clause splitter sees where a speaker restarted.
"""

from __future__ import annotations

import re

_DASHES = re.compile(r"\s*(?:--+|[\u2014\u2013])\s*")
# A word cut off before a space or the end ("ta- take", "about-").
_CUT_OFF = re.compile(r"(?<=\w)-(?=\s|$)")
_LEADING_DASH = re.compile(r"^[\s\u2014-]+")
# "wha-what", "so-so", "to-to-to": a fragment repeated as the start of the next word.
_STUTTER = re.compile(r"\b([\w']+)-(?=\1)", re.IGNORECASE)
# "what what do you": a word said twice in a row.
_REPEAT = re.compile(r"\b(\w+)(?:\s+\1\b)+", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
# "problem?Uh, challenge": ASR glues the next word to a question mark; the "?" ends a question.
_GLUED_QUESTION = re.compile(r"\?(?=[^\W\d_])")


def normalize(text: str) -> str:
    """The text with disfluencies collapsed; words and their order are otherwise kept."""
    text = _GLUED_QUESTION.sub("? ", text)
    text = _DASHES.sub(" \u2014 ", text)
    text = _CUT_OFF.sub(" \u2014", text)
    text = _STUTTER.sub("", text)
    text = _REPEAT.sub(r"\1", text)
    text = _LEADING_DASH.sub("", text)
    return _SPACES.sub(" ", text).strip()
