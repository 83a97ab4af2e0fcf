"""Word-level text helpers shared by the lexicon, the verse layer and the metrics."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def tokens(text: str) -> list[str]:
    """Lower-case word tokens (letters with inner apostrophes), punctuation dropped."""
    return _WORD.findall(text.lower())


def last_word(line: str) -> str | None:
    """The line's final word token, or None for a line without words."""
    found = tokens(line)
    return found[-1] if found else None


def guess_syllables(word: str) -> int:
    """Spelling-based syllable estimate for words missing from CMU dict (vowel groups, silent e)."""
    word = word.lower()
    count = len(_VOWEL_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    return max(count, 1)
