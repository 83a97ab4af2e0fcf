"""Quality metrics for generated (or real) couplets; pure functions, each checkable on hand-made verse."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rhymer import lexicon
from rhymer.errors import LexiconError
from rhymer.scoring import CopyChecker
from rhymer.words import last_word, tokens

Couplet = Sequence[str]  # two lines


def _ends(c: Couplet) -> tuple[str | None, str | None]:
    return last_word(c[0]), last_word(c[1])


def _rhyme(a: str | None, b: str | None, near: bool = False) -> bool:
    """is_rhyme for metrics: a word whose pronunciation cannot even be guessed rhymes with nothing."""
    try:
        return bool(a and b) and lexicon.is_rhyme(a, b, near=near)
    except LexiconError:
        return False


def perfect_rhyme_rate(couplets: Sequence[Couplet]) -> float:
    """Share of couplets whose end words rhyme perfectly (identical words and homophones fail)."""
    ok = [_rhyme(a, b) for a, b in map(_ends, couplets)]
    return sum(ok) / len(ok) if ok else 0.0


def near_rhyme_rate(couplets: Sequence[Couplet]) -> float:
    """Share of couplets whose end words rhyme only nearly (same vowel, similar coda, not perfect)."""
    ok = [_rhyme(a, b, near=True) and not _rhyme(a, b) for a, b in map(_ends, couplets)]
    return sum(ok) / len(ok) if ok else 0.0


def identical_rhyme_rate(couplets: Sequence[Couplet]) -> float:
    """Share of couplets whose end words rhyme identically: the same word, a homophone, or the same
    stressed-syllable onset and rhyme (night/midnight, stain/abstain), which docs/rhymes.md refuses."""
    def identical(a: str | None, b: str | None) -> bool:
        if not (a and b):
            return False
        try:
            return a == b or lexicon.is_homophone(lexicon.pronunciations(a), lexicon.pronunciations(b))
        except LexiconError:
            return False
    ok = [identical(a, b) for a, b in map(_ends, couplets)]
    return sum(ok) / len(ok) if ok else 0.0


def invented_word_rate(lines: Sequence[str], is_real: Callable[[str], bool]) -> float:
    """Share of lines holding at least one invented word (neither CMU dict nor the corpus knows it)."""
    bad = [not all(map(is_real, tokens(line))) for line in lines]
    return sum(bad) / len(bad) if bad else 0.0


def real_word_rate(lines: Sequence[str], is_real: Callable[[str], bool]) -> float:
    """Share of word tokens that are real words."""
    words = [w for line in lines for w in tokens(line)]
    return sum(map(is_real, words)) / len(words) if words else 0.0


def copied_rates(lines: Sequence[str], corpus: str) -> tuple[float, float]:
    """(share of lines that are verbatim corpus lines, share copied by markovify's overlap rule)."""
    if not lines:
        return 0.0, 0.0
    corpus_lines = {" ".join(tokens(line)) for line in corpus.split("\n") if tokens(line)}
    checker = CopyChecker(corpus)
    verbatim = sum(" ".join(tokens(line)) in corpus_lines for line in lines)
    overlap = sum(checker.copied(line) for line in lines)
    return verbatim / len(lines), overlap / len(lines)


def syllable_match_rate(couplets: Sequence[Couplet], syllables: Callable[[str], int], tolerance: int = 1) -> float:
    """Share of couplets whose two lines differ by at most ``tolerance`` syllables."""
    def count(line: str) -> int:
        return sum(syllables(w) for w in tokens(line))
    ok = [abs(count(a) - count(b)) <= tolerance for a, b in couplets]
    return sum(ok) / len(ok) if ok else 0.0


def distinct_2(lines: Sequence[str]) -> float:
    """Distinct word bigrams / all word bigrams over all lines (diversity)."""
    grams = [tuple(ws[i : i + 2]) for ws in map(tokens, lines) for i in range(len(ws) - 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def rhyme_density(text: str, window: int = 15) -> float:
    """Malmi et al. (DopeLearning, Raplyzer): per word, the longest matching vowel sequence ending at
    it and at one of the previous ``window`` words (identical words skipped, matches of one vowel
    count 0), averaged over the words that have vowels.
    """
    words = [w for w in tokens(text) if lexicon.vowels(w)]
    seq: list[str] = []
    ends: list[int] = []
    for w in words:
        seq.extend(lexicon.vowels(w))
        ends.append(len(seq) - 1)
    if not words:
        return 0.0
    scores = []
    for i, w in enumerate(words):
        best = 0
        for j in range(max(0, i - window), i):
            if words[j] == w:
                continue
            a, b, n = ends[i], ends[j], 0
            while b - n >= 0 and a - n > b and seq[a - n] == seq[b - n]:
                n += 1
            best = max(best, n if n > 1 else 0)
        scores.append(best)
    return sum(scores) / len(scores)
