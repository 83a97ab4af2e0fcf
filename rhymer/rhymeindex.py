"""The rhyme index of one model: its corpus words, their frequencies and pronunciations.

Precomputed at training time and stored beside the model as ``words.json`` (the web page reads it
too), so generation never parses the whole CMU dictionary:

    {"format": "rhymer-words", "version": 1,
     "words": {word: [frequency, line_final_frequency]},
     "prons": {word: [[rhyme_key, onset, near_key, syllables], ...]}}   # CMU words only
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from rhymer import lexicon, rhymepolicy
from rhymer.corpus import word_counts
from rhymer.errors import ModelError
from rhymer.files import MAX_COUNT, read_model_json, write_json
from rhymer.lexicon import Pron
from rhymer.validate import shown
from rhymer.words import is_word

FORMAT, VERSION = "rhymer-words", 1
MAX_BYTES = 64 * 1024 * 1024  # words.json; the shipped index of 645 KB of verse is 0.7 MB
FIX = "re-export the model with rhymer"


class RhymeIndex:
    def __init__(self, words: dict[str, tuple[int, int]], prons: dict[str, list[Pron]]) -> None:
        self.words = words
        self.prons = prons
        self._by_key: dict[str, list[str]] = defaultdict(list)
        for word, plist in prons.items():  # as a candidate, a word counts by its main pronunciation
            if not rhymepolicy.is_rhyme_word(word):
                continue
            self._by_key[plist[0].key].append(word)

    @classmethod
    def build(cls, text: str) -> RhymeIndex:
        """Index every word of a corpus; CMU pronunciations for the words CMU dict knows."""
        counts, finals = word_counts(text)
        words = {w: (n, finals.get(w, 0)) for w, n in counts.items()}
        prons = {w: lexicon.pronunciations(w) for w in words if lexicon.in_cmu(w)}
        return cls(words, prons)

    def to_json(self) -> dict:
        return {
            "format": FORMAT, "version": VERSION,
            "words": {w: list(v) for w, v in sorted(self.words.items())},
            "prons": {w: [p.as_list() for p in ps] for w, ps in sorted(self.prons.items())},
        }

    def save(self, path: str | Path) -> None:
        write_json(path, self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> RhymeIndex:
        """Read and check a saved index (an untrusted file: any flaw is a one-line ModelError)."""
        data = read_model_json(path, FIX, MAX_BYTES, FORMAT, VERSION)
        words, prons = data.get("words"), data.get("prons")
        if not isinstance(words, dict) or not all(map(_is_frequencies, words.values())):
            raise ModelError(f"rhyme index '{path}': \"words\" must map words to two counts; {FIX}")
        if not isinstance(prons, dict) or not all(map(_is_pronunciations, prons.values())):
            raise ModelError(f"rhyme index '{path}': \"prons\" must map words to lists of pronunciations; {FIX}")
        odd = next((w for w in (*words, *prons) if not is_word(w)), None)  # what would reach a terminal or a verse
        if odd is not None:
            raise ModelError(f"rhyme index '{path}' holds {shown(odd)}, which is no word (letters a-z, inner apostrophes); {FIX}")
        return cls({w: tuple(v) for w, v in words.items()}, {w: [Pron(*p) for p in ps] for w, ps in prons.items()})

    # -- questions the verse layer asks -----------------------------------------------------------
    def pronunciations(self, word: str, strict: bool = False, parameter: str = "word") -> list[Pron]:
        """Pronunciations from the index, else from CMU dict, else a spelling guess (unless strict)."""
        return self.prons.get(word) or lexicon.pronunciations(word, strict=strict, parameter=parameter)

    def frequency(self, word: str) -> int:
        return self.words.get(word, (0, 0))[0]

    def is_real(self, word: str) -> bool:
        """A real word: seen in the corpus or known to CMU dict."""
        return word in self.words or lexicon.in_cmu(word)

    def syllables(self, word: str) -> int:
        """``lexicon.syllable_count``, read from the index for the corpus words."""
        found = self.prons.get(word)
        return found[0].syllables if found else lexicon.syllable_count(word)

    def rhymes(self, word: str, avoid: list[str] = (), strict: bool = False) -> dict[str, int]:
        """Corpus words rhyming perfectly with ``word`` -> frequency; never a word in ``avoid`` or its homophone
        (``near_rhymes``: the near ones).

        ``word`` may rhyme through any of its pronunciations, a candidate only through its main (first) one:
        "a" (AH / EY) is no rhyme for "day", "wind" is one for "find" only as a query.
        """
        prons = self.pronunciations(word, strict=strict)
        return {other: self.frequency(other) for other, theirs in self._candidates(word, prons, avoid, near=False)
                if lexicon.rhymes_with(prons, theirs)}

    def near_rhymes(self, word: str, avoid: list[str] = (), strict: bool = False) -> dict[str, float]:
        """Corpus words that near-rhyme with ``word`` but do not rhyme perfectly -> their distance
        (``lexicon.near_distance``), closest first, then most frequent; the same exclusions as ``rhymes``."""
        prons = self.pronunciations(word, strict=strict)
        found = {}
        for other, theirs in self._candidates(word, prons, avoid, near=True):
            if lexicon.rhymes_with(prons, theirs):
                continue
            if (distance := lexicon.near_distance(prons, theirs)) <= lexicon.MAX_NEAR_DISTANCE:
                found[other] = distance
        return {w: found[w] for w in lexicon.closest_first(found, self.frequency)}

    def _candidates(self, word: str, prons: list[Pron], avoid: list[str], near: bool):
        """(word, [main pronunciation]) of the corpus words that may answer ``word``: sharing its rhyme
        key (or, ``near``, a key within reach), not ``word``, not avoided nor a homophone of those, and
        able to end a line."""
        avoided = [self.pronunciations(w) for w in avoid]
        keys = {k for p in prons for k in (lexicon.near_keys(p.key, self._by_key) if near else [p.key])}
        for other in dict.fromkeys(w for k in keys for w in self._by_key.get(k, ())):
            if other == word or other in avoid or not self.ends_lines(other):
                continue
            if not any(lexicon.is_homophone(self.prons[other], a) for a in [prons, *avoided]):
                yield other, self.prons[other][:1]

    def ends_lines(self, word: str) -> bool:
        """Whether the word may end a line (``rhymepolicy.ends_lines``): not "of", "the", "with"..."""
        return rhymepolicy.ends_lines(*self.words.get(word, (0, 0)))

    def line_final_words(self) -> dict[str, int]:
        """Words that end corpus lines and have CMU pronunciations -> how often they do."""
        return {w: f for w, (_, f) in self.words.items() if f and w in self.prons}


def _is_frequencies(value) -> bool:
    """Two whole counts, each below MAX_COUNT (a larger one overflows a float when words are weighed)."""
    return isinstance(value, list) and len(value) == 2 and all(type(n) is int and 0 <= n <= MAX_COUNT for n in value)


def _is_pronunciations(value) -> bool:
    """A non-empty list of [rhyme key, onset, near key, syllables]."""
    return isinstance(value, list) and bool(value) and all(
        isinstance(p, list) and len(p) == 4 and all(isinstance(f, str) for f in p[:3]) and type(p[3]) is int and p[3] >= 0
        for p in value
    )
