"""Rhyme policy: the schemes, and which words may end a line, answer a rhyme or seed a verse.

Every rule that picks a rhyme word lives here, its numbers named. What counts as a rhyme (perfect,
near, homophone) is rhymer.lexicon's; how a written line is judged and ranked is rhymer.scoring's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rhymer import lexicon, validate
from rhymer.errors import CorpusError, GenerationError
from rhymer.lexicon import near_rhymes_with, rhymes_with
from rhymer.words import ELIDED_WORDS, is_verse_word

if TYPE_CHECKING:
    from rhymer.rhymeindex import RhymeIndex

# -- candidates: which corpus words may answer a rhyme ---------------------------------------------
MIN_RHYME_LETTERS = 2  # single letters ("k", "a") are no rhyme words, though "a", "I" and "O" are verse words
MIN_RHYME_USES = 2  # a word the corpus has once may be half of one broken across lines ("danc- / ing": "ing")
LINE_END_EVIDENCE = 20  # uses a word needs before its share of line ends can rule it out as a rhyme word
MIN_LINE_END_SHARE = 0.02  # ... the share below which it never ends lines ("of", "the", "with")
RHYME_MODES = ("auto", "perfect")  # auto: near rhymes when no perfect one is left
NEAR_BAND = 0.25  # a near rhyme is drawn (by frequency) from those at most this much farther than the closest
# a rhyme partner's line is written for up to this many rhyme words at once (64 of K = 256 candidates each) and
# the best line kept, so a word the line cannot use well loses to another (blind readings 36-39: grammar +0.15, sense +0.10)
RHYME_CHOICES = 4
LACKING_SHOWN = 3  # CMU dict rhymes named when a model has none for a word (rhymer rhymes WORD lists more)


def rhyme_choices_for(candidates: int, available: int = RHYME_CHOICES) -> int:
    """How many rhymes a partner line is written for with ``candidates`` lines: the most, up to RHYME_CHOICES
    and the ``available`` ones, that share them evenly (K = 32: 4 of 8 each; K = 6: 3 of 2; K = 5: 1; K = 32
    with 3 rhymes drawn: 2 of 16), so exactly K are sampled.

    >>> [rhyme_choices_for(k) for k in (32, 6, 5, 3, 1)], rhyme_choices_for(32, available=3)
    ([4, 3, 1, 3, 1], 2)
    """
    return max(n for n in range(1, min(RHYME_CHOICES, available) + 1) if candidates % n == 0)

# -- end words: the first word of each rhyme group ---------------------------------------------------
END_WORD_POOL = 400  # drawn from this many of the most frequent line-final words, by frequency
MIN_END_WORD_LETTERS = 3  # short words ("me", "so") make weak line ends
# words that only lead into what follows them, so no line ends on one; refused as a seed word (ends_no_lines)
UNENDING_WORDS = frozenset("a an the and or nor than my thy your our their its".split())

# -- seed words: the first lines' end words when comparing models ----------------------------------
SEED_WORDS = (
    "night", "day", "love", "heart", "sea", "light", "time", "eyes", "away", "sun", "mind", "death", "fire",
    "sky", "rain", "song", "soul", "stone", "ground", "door", "dream", "tree", "home", "way", "sleep", "name",
    "breath", "blood", "king", "hand", "snow", "star", "gold", "face", "tears", "sweet", "pain", "wind",
)
SEED_POOL = 100  # a corpus that rhymes none of SEED_WORDS: its most frequent line-final words ...
SEED_FALLBACK = 20  # ... this many of those that have a rhyme

# -- schemes -----------------------------------------------------------------------------------------
LIMERICK_SYLLABLES = (8, 8, 5, 5, 8)
LIMERICK_TOLERANCE = 1  # its lines may miss their counts by one: the short ones are seldom written in exactly 5
CLOSING_MARK = "."  # a punctuated verse's last line ends a sentence...
INNER_MARK = ","  # ...and its other lines end a clause
_PATTERN = re.compile(r"[A-Z]{2,24}")  # a scheme given as letters: 2 to 24 lines


@dataclass(frozen=True)
class Scheme:
    """A rhyme scheme: one letter per line (lines with the same letter rhyme) and, for forms with a
    fixed rhythm, each line's syllable target and how far a line may miss it at least."""

    name: str
    letters: str
    syllables: tuple[int, ...] | None = None
    syllable_tolerance: int = 0  # the least tolerance of its own targets (Rules.syllable_tolerance may be more)

    def target(self, line: int) -> int | None:
        """The syllable target of line ``line`` (from 0), or None where the form fixes none.

        >>> SCHEMES["limerick"].target(2), SCHEMES["couplet"].target(0)
        (5, None)
        """
        return self.syllables[line] if self.syllables else None


SCHEMES = {s.name: s for s in (
    Scheme("couplet", "AA"),
    Scheme("aabb", "AABB"),
    Scheme("abab", "ABAB"),
    Scheme("abba", "ABBA"),
    Scheme("limerick", "AABBA", LIMERICK_SYLLABLES, LIMERICK_TOLERANCE),
    Scheme("sonnet", "ABABCDCDEFEFGG"),
)}


def parse_scheme(scheme: str) -> Scheme:
    """A scheme name (couplet, AABB, ABAB, ABBA, limerick, sonnet) or a letter pattern such as ABCB.

    Raises WrongType for a non-string, GenerationError for an unknown scheme.

    >>> parse_scheme("Limerick")
    Scheme(name='limerick', letters='AABBA', syllables=(8, 8, 5, 5, 8), syllable_tolerance=1)
    >>> parse_scheme("couplet").letters, parse_scheme("ABCB")
    ('AA', Scheme(name='ABCB', letters='ABCB', syllables=None, syllable_tolerance=0))
    """
    name = validate.text("scheme", scheme).strip().lower()
    if name in SCHEMES:
        return SCHEMES[name]
    if _PATTERN.fullmatch(scheme.strip()):  # capitals only: "villanelle" is an unknown form, not ten rhymes
        return Scheme(scheme.strip(), scheme.strip())
    raise GenerationError(
        f"unknown scheme {validate.shown(scheme)}; pass one of {', '.join(SCHEMES)} or a pattern of 2 to 24 capital letters"
        " such as ABCB",
        "scheme",
    )


def line_ending(i: int, lines: int) -> str:
    """The mark after line ``i``'s end word in a punctuated verse of ``lines`` lines.

    The model is primed with the mark before it writes the line (backward), so it writes a line that
    closes a clause or the sentence, instead of the run-on fragment a bare final word usually ends.

    >>> [line_ending(i, 4) for i in range(4)]
    [',', ',', ',', '.']
    """
    return CLOSING_MARK if i == lines - 1 else INNER_MARK


def is_rhyme_word(word: str) -> bool:
    """Whether a word may answer a rhyme at all: a verse word (``rhymer.words.is_verse_word``) of at least
    MIN_RHYME_LETTERS letters, so that no line ends in "a" or in what is left of "they're", and none of the
    ``ELIDED_WORDS``, which the corpus writes only after an apostrophe ("'tis") and never at a line's end.

    >>> [is_rhyme_word(w) for w in ("night", "me", "a", "re", "tis")]
    [True, True, False, False, False]
    """
    return len(word) >= MIN_RHYME_LETTERS and is_verse_word(word) and word not in ELIDED_WORDS


@validate.keywords
def rhymes(word: str, near: bool = False, strict: bool = False) -> list[str]:
    """CMU dict's rhymes of ``word`` (``lexicon.rhymes``, most common first) that may answer a rhyme
    (``is_rhyme_word``): not the letter names and contraction tails CMU dict also holds ("t" and "ve" for
    "see", "a" for "day"), which no line of rhymer's ends in either, nor the UNENDING_WORDS ("and" for "hand").

    >>> rhymes("see")[:8], rhymes("day")[:3], rhymes("hand")[:3]
    (['he', 'me', 'be', 'she', 'we', 'thee', 'ye', 'tree'], ['they', 'may', 'away'], ['land', 'stand', 'band'])
    """
    return [w for w in lexicon.rhymes(word, near=near, strict=strict) if is_rhyme_word(w) and w not in UNENDING_WORDS]


def ends_lines(uses: int, line_ends: int) -> bool:
    """Whether a corpus word used ``uses`` times, ``line_ends`` of them at a line's end, may end a line as a
    rhyme: False for frequent words that (almost) never do ("of", "the", "with") and for words used once.

    >>> ends_lines(5000, 3), ends_lines(300, 30), ends_lines(12, 0), ends_lines(1, 1)
    (False, True, True, False)
    """
    return uses >= MIN_RHYME_USES and not _ends_no_lines(uses, line_ends)


def _ends_no_lines(uses: int, line_ends: int) -> bool:
    """Whether a word used ``uses`` times is seen (almost) never to end a line: used often enough to tell."""
    return uses >= LINE_END_EVIDENCE and line_ends < MIN_LINE_END_SHARE * uses


def ends_no_lines(index: RhymeIndex, word: str) -> bool:
    """Whether a seed word is one no line can end on: an article, a conjunction or a determiner (UNENDING_WORDS)
    that the corpus, too, (almost) never ends a line with. A line written to end on one reads cut off ("They live
    upon the leaves of the,"). A stranded preposition may end a line ("the one I'm thinking of", "could"), and
    so may words the corpus seldom ends lines with by chance ("beauty", "silver").

    >>> from rhymer import modeldir
    >>> from rhymer.rhymeindex import RhymeIndex
    >>> index = RhymeIndex.load(modeldir.DEFAULT_DIR / modeldir.WORDS)
    >>> [ends_no_lines(index, w) for w in ("the", "and", "of", "could", "me", "beauty")]
    [True, True, False, False, False, False]
    """
    return word in UNENDING_WORDS and _ends_no_lines(*index.words.get(word, (0, 0)))


def end_words(index: RhymeIndex, letters: str, seed_word: str | None, rng: np.random.Generator,
              mode: str, candidates: int = 1) -> tuple[list[tuple[str, ...]], list[bool]]:
    """Every line's end word options for a scheme's ``letters``, and whether they only near-rhyme, before
    any line is written: the first line's is ``seed_word`` (if given), each rhyme group's first a frequent
    line end, each later line of a group as many words rhyming with it as its ``candidates`` lines are
    written for (``rhyme_choices``), all different, the line written keeping one; enough rhymes are left
    for the group's lines after it.

    >>> from rhymer import modeldir
    >>> from rhymer.rhymeindex import RhymeIndex
    >>> index = RhymeIndex.load(modeldir.DEFAULT_DIR / modeldir.WORDS)
    >>> end_words(index, "ABAB", "sea", np.random.default_rng(1), "auto")
    ([('sea',), ('lay',), ('thee',), ('day',)], [False, False, False, False])
    >>> end_words(index, "AA", "sea", np.random.default_rng(2), "auto", candidates=3)[0]
    [('sea',), ('he', 'she', 'be')]
    """
    groups: dict[str, list[str]] = {}
    words: list[tuple[str, ...]] = []
    nears: list[bool] = []
    for i, letter in enumerate(letters):
        used = [w for options in words for w in options]
        near = False
        if letter in groups:
            later = letters[i + 1 :].count(letter)
            options, near = rhyme_choices(index, groups[letter], used, rng, mode, candidates, reserve=later,
                                          parameter="seed_word" if seed_word and letter == letters[0] else None)
        elif i == 0 and seed_word:
            options = (seed_word,)
        else:
            options = (_fresh_end_word(index, letters.count(letter) - 1, groups, used, rng),)
        groups.setdefault(letter, []).extend(options)
        words.append(options)
        nears.append(near)
    return words, nears


def rhyme_choices(index: RhymeIndex, group: list[str], used: list[str], rng: np.random.Generator,
                  mode: str, candidates: int = 1, fix: str = "pick another seed word", reserve: int = 0,
                  parameter: str | None = None) -> tuple[tuple[str, ...], bool]:
    """The different corpus words rhyming with ``group``'s first word that a line of ``candidates`` lines is
    written for (``rhyme_choices_for``), drawn by frequency, and whether they only near-rhyme; never a word in
    ``used`` nor one rhyming with another group's, and at least ``reserve`` of them left undrawn (for the
    group's later lines; at least one is drawn). Near rhymes are drawn from the closest ones only (within
    NEAR_BAND of the closest). Raises GenerationError, saying ``fix`` and naming ``parameter`` (the argument
    that gave the group's first word, if one did), when none is left.

    >>> from rhymer import modeldir
    >>> from rhymer.rhymeindex import RhymeIndex
    >>> index = RhymeIndex.load(modeldir.DEFAULT_DIR / modeldir.WORDS)
    >>> rhyme_choices(index, ["night"], ["night"], np.random.default_rng(3), "auto", candidates=3)
    (('bright', 'height', 'sight'), False)
    >>> rhyme_choices(index, ["purple"], ["purple"], np.random.default_rng(1), "auto")  # no perfect rhyme left
    (('girdle',), True)
    """
    avoid = list(dict.fromkeys(group + used))
    distances = dict.fromkeys(index.rhymes(group[0], avoid=avoid), 0.0)
    near = not distances and mode == "auto"
    if near:
        distances = index.near_rhymes(group[0], avoid=avoid)
    others = [index.pronunciations(w) for w in used if w not in group]
    distances = {w: d for w, d in distances.items()  # never a word that also rhymes with another group (again: rain)
                 if not any(rhymes_with(index.pronunciations(w), o) for o in others)} or distances
    if not distances:
        hint = "" if mode == "auto" else ", or allow near rhymes (rhyme='auto')"
        if index.rhymes(group[0], avoid=group[:1]) or near and index.near_rhymes(group[0], avoid=group[:1]):
            raise GenerationError(f"every word in the model's vocabulary that rhymes with '{group[0]}' is already used in "
                                  f"this verse; ask for fewer lines rhyming with it, or {fix}{hint}", parameter)
        raise GenerationError(f"no word in the model's vocabulary rhymes with '{group[0]}'{_lacking(group[0], mode)}; "
                              f"{fix}{hint}", parameter)
    closest = min(distances.values())
    weights = {w: index.frequency(w) for w, d in distances.items() if d <= closest + NEAR_BAND}
    available = len(weights) if not reserve else _sounds(index, weights) - reserve  # n drawn leave the others' sounds
    return _weighted_sample(weights, rhyme_choices_for(candidates, max(1, available)), rng), near


def _sounds(index: RhymeIndex, words: dict[str, int], enough: int | None = None) -> int:
    """How many different sounds ``words`` end on (counted up to ``enough``): identical rhymes (liver, deliver)
    count once, since a line ending on one leaves the other no rhyme for the group's later lines."""
    kept: list[list] = []
    for word in words:
        prons = index.pronunciations(word)
        if not any(lexicon.is_homophone(prons, k) for k in kept):
            kept.append(prons)
            if len(kept) == enough:
                break
    return len(kept)


def _lacking(word: str, mode: str) -> str:
    """What CMU dict rhymes ``word`` with that a model cannot end a line on (its corpus lacks them, or never ends a
    line on them), for the error that says it has none: `rhymer rhymes orange --near` lists porridge."""
    common = lexicon.commonness()
    found = sorted(rhymes(word, near=mode == "auto"), key=lambda w: -common.get(w, 0))[:LACKING_SHOWN]
    return f" {'even nearly ' * (mode == 'auto')}(CMU dict's {', '.join(found)} end none of its corpus's lines)" if found else ""


def _fresh_end_word(index: RhymeIndex, partners: int, groups: dict, used: list[str], rng: np.random.Generator) -> str:
    """A frequent line-final corpus word with enough rhymes, sounding unlike the earlier groups."""
    earlier = [index.pronunciations(w) for words in groups.values() for w in words]
    options = end_word_options(index, partners, earlier, used)
    if not options:
        raise GenerationError("the model's vocabulary has too few rhyming line ends for this scheme; pass a seed word (seed_word)")
    return _weighted_sample(options, 1, rng)[0]


def end_word_options(index: RhymeIndex, partners: int = 1, earlier: list = (), used: list[str] = ()) -> dict[str, int]:
    """The line ends a new rhyme group may start with, weighted by how often they end corpus lines: one of
    the END_WORD_POOL most frequent, not short, with ``partners`` rhymes, sounding unlike ``earlier``
    pronunciations (the page's couplets draw from the same options).

    >>> from rhymer import modeldir
    >>> from rhymer.rhymeindex import RhymeIndex
    >>> options = end_word_options(RhymeIndex.load(modeldir.DEFAULT_DIR / modeldir.WORDS))
    >>> len(options) > 100, all(len(w) >= MIN_END_WORD_LETTERS for w in options), "and" in options
    (True, True, False)
    """
    finals = index.line_final_words()
    options = {}
    for word in _frequent_line_ends(index, END_WORD_POOL):
        prons = index.pronunciations(word)
        if len(word) < MIN_END_WORD_LETTERS or word in used or any(near_rhymes_with(prons, e) or prons == e for e in earlier):
            continue
        if _sounds(index, index.rhymes(word, avoid=list(used)), enough=max(partners, 1)) >= max(partners, 1):
            options[word] = finals[word]
    return options


def seed_words(index: RhymeIndex) -> list[str]:
    """The first lines' end words for comparing models on one corpus: the SEED_WORDS it rhymes, else
    its most frequent line ends that rhyme. Raises RhymerError for a corpus with no rhyming line ends.

    >>> from rhymer import modeldir
    >>> from rhymer.rhymeindex import RhymeIndex
    >>> seed_words(RhymeIndex.load(modeldir.DEFAULT_DIR / modeldir.WORDS))[:6]
    ['night', 'day', 'love', 'heart', 'sea', 'light']
    """
    words = [w for w in SEED_WORDS if w in index.prons and index.rhymes(w)]
    if not words:
        words = [w for w in _frequent_line_ends(index, SEED_POOL) if index.rhymes(w)][:SEED_FALLBACK]
    if not words:
        raise CorpusError("the corpus has no rhyming line ends to seed couplets with; use a corpus of verse")
    return words


def most_frequent(counts: dict[str, int]) -> list[str]:
    """Words by their counts, most frequent first and ties alphabetically: the order rhymes are listed in.

    >>> most_frequent({"bright": 40, "light": 90, "might": 90})
    ['light', 'might', 'bright']
    """
    return sorted(counts, key=lambda w: (-counts[w], w))


def _frequent_line_ends(index: RhymeIndex, limit: int) -> list[str]:
    """The ``limit`` words that end the most corpus lines, of those that may end one as a rhyme (``ends_lines``:
    "and" ends 17 lines of the bundled corpus, and was a first line's end word, but 5,500 uses make that chance)."""
    return [w for w in most_frequent(index.line_final_words()) if index.ends_lines(w)][:limit]


def _weighted_sample(weights: dict[str, int], count: int, rng: np.random.Generator) -> tuple[str, ...]:
    """Up to ``count`` different words drawn by weight (at least 1 each), without replacement."""
    words = sorted(weights)
    p = np.array([max(weights[w], 1) for w in words], dtype=np.float64)
    return tuple(words[int(i)] for i in rng.choice(len(words), size=min(count, len(words)), replace=False, p=p / p.sum()))
