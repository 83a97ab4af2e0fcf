"""Prototype helper for reading 142: a line's content words (no function words, three letters or more)."""
from rhymer.words import FUNCTION_WORDS, tokens


def content(text):
    return {w for w in tokens(text) if len(w) > 2 and w not in FUNCTION_WORDS}
