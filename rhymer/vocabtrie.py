"""Real words by construction: which characters may come next so that every word written is a known word.

The models write backward, so a word is written from its last letter to its first. The trie is over the
*reversed* vocabulary (the corpus words plus CMU dict), stored as one sorted list searched with bisect
instead of nested dicts, so it builds in a fraction of a second; the allowed-character mask of each
partial word is computed on first use and cached. Letters are compared lower-cased; a word ends only at
a space or punctuation, and only when its letters so far form a whole known word. A capital letter may only
begin a word ("Night", "I"; never "HAnd" or "catAracts"): written backward, it is the word's last letter, so
it may come only where it makes a whole known word, and is marked in the partial word (``CAPITAL``) so that
only a boundary may follow. ``CAPITAL_ONLY_WORDS`` ("I", "O") are written only so, where the model has
the capital, and ``ELIDED_WORDS`` ("'Tis") only after their apostrophe, where it has that.
"""

from __future__ import annotations

import bisect
import re
import string
from collections.abc import Iterable

import numpy as np

from rhymer import cache
from rhymer.lexicon import cmu_digest, cmu_words_matching
from rhymer.words import ELIDED_WORDS, is_verse_word

# words written only with a capital, wherever they stand ("the o might", "as i said" are no verse)
CAPITAL_ONLY_WORDS = frozenset({"i", "o", "i'd", "i'll", "i'm", "i've"})
# characters that end a word; every other non-letter (digits, markup such as "{", "_", "#") is never written
BOUNDARIES = frozenset(" \n,.;:!?-\"()")
CAPITAL = "^"  # ends a partial word whose first letter was written as a capital: the word is done
# every word of one or two letters that is no verse word (rhymer.words.is_verse_word; the trie holds no other
# short strings), reversed: known() drops them by one set difference, not by a test of each of CMU dict's
# 126,000 words (a cold start's 0.06 s)
_SHORT_NON_WORDS_REVERSED = frozenset(w[::-1] for a in string.ascii_lowercase
                                      for w in [a, *(a + b for b in string.ascii_lowercase)] if not is_verse_word(w))
DERIVATION = 1  # bump when the known CMU words are derived differently: the cached lists are derived again
_LAST = "\U0010ffff"  # sorts after every character: the end of a prefix's range


class VocabTrie:
    """The reversed words, sorted; answers "may this partial (reversed) word go on with character c?"."""

    def __init__(self, words: Iterable[str], vocab: list[str]) -> None:
        self._lower = [c.lower() if is_letter(c) else "" for c in vocab]
        # only words the model can spell (not CMU's "x-ray" or "a.", so no partial word is a dead end) that
        # read back as one word (rhymer.words.tokens: not CMU's "ol'", which would read as "ol")
        self._spelled = spelling_pattern(set(self._lower))  # one word the model can spell
        self._rev = sorted({w[::-1] for w in self._spellable(words)})
        self._members: frozenset[str] | None = None  # _rev as a set, built when first asked (``_held``)
        self._boundary = np.array([c in BOUNDARIES for c in vocab])
        self._capital = [c != c.lower() for c in vocab]  # upper-case letters: only a word's first letter
        # reversed; only where the model can write the capital, else "i" would be a dead end
        self._capital_only = frozenset(w[::-1] for w in CAPITAL_ONLY_WORDS if w[0].upper() in vocab)
        # reversed; only where the model can write the apostrophe, else they stay bare
        self._elided = frozenset(w[::-1] for w in ELIDED_WORDS) if "'" in vocab else frozenset()
        self._apostrophe = np.array([c == "'" for c in vocab])
        self._ids_by_char: dict[tuple[str, bool], list[int]] = {}  # (lower-cased letter, capital) -> ids
        for i, c in enumerate(self._lower):
            if c:
                self._ids_by_char.setdefault((c, self._capital[i]), []).append(i)
        self._masks: dict[str, np.ndarray] = {}

    def _spellable(self, words: Iterable[str]) -> list[str]:
        """Those of ``words`` the model can spell: one multi-line search of them all, not a match per word (a
        cold start's ~0.1 s); a tampered index's "a\nb" is no word, not two."""
        return re.findall(f"^{self._spelled}$", "\n".join(w for w in words if "\n" not in w), re.M)

    @classmethod
    def known(cls, corpus_words: Iterable[str], vocab: list[str]) -> VocabTrie:
        """The known words, those a verse may hold: the corpus's and CMU dict's that a model with ``vocab`` can
        spell, but of those shorter than three letters only verse words (rhymer.words.is_verse_word: "a",
        "me"; not "t" nor the "re" of "they re"). The library samples with it, and the exported page gets the
        same set (rhymer.website.word_facts).

        >>> trie = VocabTrie.known(["night", "re"], list("abcdefghijklmnopqrstuvwxyz' "))
        >>> [w in trie for w in ("night", "o", "t", "s", "a", "me", "re", "th")]
        [True, True, False, False, True, True, False, False]
        """
        trie = cls(corpus_words, vocab)  # the corpus's words, spellable, reversed and sorted
        # CMU dict's words spelled in any alphabet (a model folder's alphabet names no cache entry), reversed
        cmu = cache.lines("known-cmu-words", [str(DERIVATION), *sorted(_SHORT_NON_WORDS_REVERSED), cmu_digest()],
                          lambda: sorted({w[::-1] for w in cmu_words_matching(_ANY_ALPHABET)} - _SHORT_NON_WORDS_REVERSED))
        if trie._spelled != _ANY_ALPHABET:  # an alphabet without some letters: its words, still in order
            cmu = trie._spellable(cmu)  # (the pattern reads the same backward)
        extra = [w for w in trie._rev if w not in _SHORT_NON_WORDS_REVERSED and not _holds(cmu, w)]
        trie._rev = sorted(cmu + extra)  # two sorted runs, merged in one pass
        trie._members = None
        return trie

    def narrowed(self, words: Iterable[str]) -> VocabTrie:
        """The trie of those of ``words`` that this one holds (word runs narrow the known words to a
        context's predecessors). It shares this trie's view of the vocabulary, so it costs one sort: a verse
        meets hundreds of contexts, and a trie built from scratch for each took a third of a cold couplet.
        Words are compared and kept lower-cased, as the known words are."""
        trie = object.__new__(VocabTrie)
        trie._lower, trie._capital, trie._boundary = self._lower, self._capital, self._boundary
        trie._capital_only, trie._spelled = self._capital_only, self._spelled
        trie._elided, trie._apostrophe = self._elided, self._apostrophe
        trie._ids_by_char = self._ids_by_char
        held = self._held()
        trie._rev = sorted({r for w in words if (r := w.lower()[::-1]) in held})
        trie._members = None
        trie._masks = {}
        return trie

    def __len__(self) -> int:
        return len(self._rev)

    def __contains__(self, word: str) -> bool:
        return word.lower()[::-1] in self._held()

    def _held(self) -> frozenset[str]:
        """The reversed words as a set: a verse asks of tens of thousands of words whether they are known
        (narrowing to a context's predecessors), and a set answers several times faster than a bisect."""
        if self._members is None:
            self._members = frozenset(self._rev)
        return self._members

    def allowed(self, partial: str) -> np.ndarray:
        """Bool mask over the model's vocabulary of the characters that may follow ``partial``.

        ``partial`` is the current word written so far, reversed and lower-cased ("" between words),
        ending in ``CAPITAL`` once its first letter was written as a capital.
        """
        mask = self._masks.get(partial)
        if mask is None:
            mask = self._masks[partial] = self._compute(partial)
        return mask

    def advance(self, partials: list[str], ids: np.ndarray) -> list[str]:
        """The partial words after writing character ``ids[r]`` to row r (a boundary starts a new word)."""
        return [p + self._lower[i] + (CAPITAL if self._capital[i] else "") if self._lower[i] else "" for p, i in zip(partials, ids)]

    def masks(self, partials: list[str]) -> np.ndarray:
        """``allowed`` for a batch of partial words, shape ``[batch, vocab]``."""
        return np.stack([self.allowed(p) for p in partials])

    def _ends(self, word: str) -> np.ndarray:
        """What may follow the whole (reversed) ``word``: a boundary, or for an elided word its apostrophe."""
        return self._apostrophe if word in self._elided else self._boundary

    def _compute(self, partial: str) -> np.ndarray:
        if partial.endswith("'") and partial[:-1].removesuffix(CAPITAL) in self._elided:  # "'Tis": whole
            return self._boundary.copy()
        if partial.endswith(CAPITAL):  # a capital begins the word: it is whole
            return self._ends(partial[:-1]).copy()
        mask = np.zeros(len(self._lower), dtype=bool)
        lo = bisect.bisect_left(self._rev, partial)
        hi = bisect.bisect_left(self._rev, partial + _LAST, lo)
        if partial == "" or (lo < hi and self._rev[lo] == partial and partial not in self._capital_only):
            mask |= self._ends(partial)  # between words, or after a whole word (not "i" nor "o": only "I", "O")
        n = len(partial)
        i = lo + (lo < hi and len(self._rev[lo]) == n)  # skip the whole word itself
        while i < hi:  # jump from one next character to the next: a bisect per distinct character
            c = self._rev[i][n]
            past = bisect.bisect_left(self._rev, partial + c + _LAST, i)  # past the words that go on with c
            whole = len(self._rev[i]) == n + 1  # partial + c is a whole word (it sorts first)
            # in small letters unless that spells a capital-only word and nothing longer ("i": a dead end)
            if past - i > whole or partial + c not in self._capital_only:
                for j in self._ids_by_char.get((c, False), ()):
                    mask[j] = True
            if whole:  # it may begin with a capital
                for j in self._ids_by_char.get((c, True), ()):
                    mask[j] = True
            i = past
        return mask


def spelling_pattern(characters: set[str]) -> str:
    """A regular expression for one word spelled with ``characters``' small letters, apostrophes only
    between letters (and only if ``characters`` holds one); nothing at all without letters.

    >>> spelling_pattern(set("abc'")), spelling_pattern(set("cab")), spelling_pattern(set("' "))
    ("[abc]+(?:'[abc]+)*", '[abc]+', '(?!)')
    """
    letters = "".join(sorted(characters & set(string.ascii_lowercase)))
    if not letters:
        return "(?!)"
    run = f"[{re.escape(letters)}]+"
    return run + (f"(?:'{run})*" if "'" in characters else "")


_ANY_ALPHABET = spelling_pattern(set(string.ascii_lowercase + "'"))  # the words of an alphabet with every letter


def _holds(ordered: list[str], item: str) -> bool:
    """Whether the sorted list ``ordered`` holds ``item`` (one bisect)."""
    i = bisect.bisect_left(ordered, item)
    return i < len(ordered) and ordered[i] == item


def word_of(partial: str) -> str:
    """The word a partial word spells, lower-cased, in reading order (an elided word without its apostrophe).

    >>> word_of("thgin"), word_of("i^"), word_of("sit^'")
    ('night', 'i', 'tis')
    """
    return partial.removesuffix("'").removesuffix(CAPITAL)[::-1]


def is_letter(c: str) -> bool:
    """Whether ``c`` belongs to a word: a letter or an apostrophe."""
    return c.isalpha() or c == "'"
