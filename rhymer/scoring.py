"""Judging candidate lines: the checks a line must pass and the score that ranks the ones that do."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from functools import lru_cache

import numpy as np

from rhymer import validate
from rhymer.errors import GenerationError
from rhymer.lexicon import stress_pattern
from rhymer.rhymeindex import RhymeIndex
from rhymer.words import FUNCTION_WORDS, guess_syllables, tokens

MAX_WEIGHT = 100.0  # larger weights only overflow the score; every part is on a scale of about 1
MAX_SYLLABLES = 40  # a target beyond any line a model writes (lines stop at 120 characters)
# a line's syllable target where neither the form (a limerick's) nor Rules.target_syllables sets one: the
# eight of ballad and hymn couplets (blind readings 36-39: rhythm +0.25 against lines as long as the first
# one written; longer lines lose grammar, reading 4)
LINE_SYLLABLES = 8
METERS = {"iambic": 1, "trochaic": 0}  # the parity of the stressed positions, counted from the line start
# a reply to a shorter line aims at this many syllables (at most one per word max_words allows): a model's
# line of at least min_words (3) words seldom comes in at two to four, and "I love you" is answered as a
# singer would, by a line of about six
SHORTEST_REPLY = 6
# ...and a reply to a longer line at this many: the model's lines run to 8-12 syllables, so 256 candidates seldom
# hold a line of 14 (a reply to one failed 1 seed in 6) and never one of 29 (a 112-character line: every seed failed)
LONGEST_REPLY = 12
# the Gumbel noise (score units) on each candidate's score when a line is chosen: the choice is drawn from the
# softmax of the scores at this temperature. 0 always takes the best score, so one seed word often gets the
# same line whatever the seed ("love": one line in 10 of 12 seeds; over seeds 0-5 for 20 seed words, 87.9% of
# lines distinct, 96.2% at 1, 97.1% at 2). That variety costs what readers see: grammar -0.19 ± 0.09 at 1 (-0.10 and -0.29 by round)
# and -0.38 ± 0.09 at 2 (blind readings 134-137), though the best few scores lie within 1-2 units of each other.
DEFAULT_VARIETY = 0.0
MAX_VARIETY = 100.0  # as MAX_WEIGHT: beyond it the scores no longer choose
ECHO_WORDS = 3  # a line that repeats a run of this many words from an earlier one echoes it (see echoes)


@validate.keyword_init
@dataclass(frozen=True)
class Weights:
    """How the score combines its parts; exposed so users can tune the reranker.

    Each weight is a number from 0 to MAX_WEIGHT: WrongType or GenerationError on construction otherwise.
    """

    logprob: float = 1.0  # mean log-probability per character (nats; higher is more fluent)
    real_words: float = 3.0  # share of tokens that are real words
    syllables: float = 0.5  # penalty per syllable away from the target
    # bonus for the share of syllables that fit the asked-for meter: 6 since the reader term, which would
    # outweigh a smaller one (an asked-for iambic meter's gain in fit, Markov model, 48 AABB verses: +0.04 at
    # 2 before the reader term; with it +0.014 at 2, +0.032 at 4, +0.053 at 6, no more at 8; 6 read in 42-43)
    meter: float = 6.0
    words: float = 1.0  # mean log-probability per word under the corpus' word trigram model (nats)
    follow: float = 1.0  # answering a line: mean log-prob per character of the given line after the new one
    discriminator: float = 1.0  # log P(real line) under the model folder's discriminator (nats), if it has one
    # the line's part of the couplet rating a blind reader would give (rating points) under the folder's reader
    # model, if it has one: a point is worth far more than a nat (blind readings 48-53 and 56-57 at 32
    # candidates, weight 15: sense +0.09, quality +0.10, grammar +0.05, rhythm unchanged; weight 5 moved too
    # few couplets, 30 no further, 25 moved too few at 64 and 128 candidates (readings 62-63, 90-93); with it to
    # choose, more candidates at T=0.6 gain grammar: readings 54-65 and 110-117)
    reader: float = 15.0
    echo: float = 10.0  # penalty for a line that echoes an earlier one (see echoes): larger than the others' spread

    def __post_init__(self) -> None:
        for name in (f.name for f in fields(self)):
            validate.number(name, getattr(self, name), 0.0, MAX_WEIGHT, error=GenerationError)


@validate.keyword_init
@dataclass(frozen=True)
class Rules:
    """What a line is asked to be: the hard checks, which a line passes or fails by name (its word count,
    its syllables within ``syllable_tolerance`` of the target), and wishes that fail nothing: ``meter`` is
    a score term (weighted by ``Weights.meter``), ``known_words`` and ``word_runs`` limit what is sampled.

    Checked on construction (WrongType or GenerationError): 1 <= min_words <= max_words,
    syllable_tolerance >= 0, target_syllables None (the form's, else LINE_SYLLABLES) or 1..MAX_SYLLABLES,
    meter None or one of METERS.

    The defaults ask for exactly the target's syllables: lines of one length scan together (blind readings
    42-43: rhythm +0.45 against 8 ± 1, the rest unchanged; a meter term added nothing to it). A form with
    its own counts may allow more (``Scheme.syllable_tolerance``: a limerick's lines, ±1).

    >>> Rules(target_syllables=0)
    Traceback (most recent call last):
    rhymer.errors.GenerationError: target_syllables 0 is out of range; pass 1 to 40
    """

    min_words: int = 3
    max_words: int = 14
    syllable_tolerance: int = 0
    target_syllables: int | None = None
    meter: str | None = None  # "iambic" (da-DUM) or "trochaic" (DUM-da): a score term, not a check
    known_words: bool = True  # sample only known words (VocabTrie.known: the corpus's and CMU dict's): none invented
    word_runs: bool = True  # with known_words: each word one the corpus has seen before the words after it (if seen)

    def __post_init__(self) -> None:
        min_words = validate.integer("min_words", self.min_words, 1, error=GenerationError)
        max_words = validate.integer("max_words", self.max_words, 1, error=GenerationError)
        if min_words > max_words:
            raise GenerationError(
                f"min_words {min_words} is above max_words {max_words}, leaving no line length; pass min <= max",
                "min_words",
            )
        validate.integer("syllable_tolerance", self.syllable_tolerance, 0, error=GenerationError)
        if self.target_syllables is not None:
            validate.integer("target_syllables", self.target_syllables, 1, MAX_SYLLABLES, error=GenerationError)
        if self.meter is not None:
            validate.choice("meter", self.meter, METERS, error=GenerationError)
        validate.boolean("known_words", self.known_words)
        validate.boolean("word_runs", self.word_runs)


MAX_OVERLAP_RATIO = 0.7  # markovify's DEFAULT_MAX_OVERLAP_RATIO...
MAX_OVERLAP_TOTAL = 15  # ...and DEFAULT_MAX_OVERLAP_TOTAL


class CopyChecker:
    """markovify's overlap rule: a line of n words is copied if any run of min(15, round(0.7 n)) + 1
    of its words appears verbatim in the corpus (word boundaries respected, case and punctuation ignored).
    """

    def __init__(self, corpus: str) -> None:
        self.corpus = corpus  # the text lines are checked against (the verse layer also reads its spellings)
        self._joined: str | None = None  # the corpus' words, joined on the first check (most calls need none)

    def copied(self, line: str) -> bool:
        if self._joined is None:
            self._joined = " " + " ".join(tokens(self.corpus)) + " "
        words = tokens(line)
        if not words:
            return False
        overlap = min(MAX_OVERLAP_TOTAL, round(MAX_OVERLAP_RATIO * len(words)))
        run = overlap + 1
        for i in range(max(len(words) - overlap, 1)):
            if " " + " ".join(words[i : i + run]) + " " in self._joined:
                return True
        return False


@dataclass(frozen=True)
class Judgement:
    """A candidate line's score and the checks it fails."""

    text: str
    score: float
    logprob: float
    real_words: float
    syllables: int
    failed: tuple[str, ...] = field(default=())

    def rank(self) -> tuple[int, float]:
        """The key candidates are ranked by, best first: fewest failed checks, then the highest score.

        >>> sorted([Judgement("a", -1.0, -1.0, 1.0, 5), Judgement("b", 2.0, -1.0, 1.0, 5, ("too_short",)),
        ...         Judgement("c", -0.5, -1.0, 1.0, 5)], key=Judgement.rank)[0].text
        'c'
        """
        return len(self.failed), -self.score


def choice_order(judged: list[Judgement], variety: float, rng: np.random.Generator) -> list[Judgement]:
    """``judged`` in the order a line is chosen from them: fewest failed checks first, then by score plus
    Gumbel noise of ``variety`` score units on each distinct passing line, so the first passing one is drawn
    from the softmax of the distinct passing lines' scores at temperature ``variety`` (the Gumbel-max trick;
    a line sampled many times is drawn once). Failed lines keep their ``Judgement.rank`` order after them.
    Nothing is drawn from ``rng`` at ``variety`` 0 or with fewer than two distinct passing lines to choose from.

    >>> js = [Judgement("a b c", 1.0, 0.0, 1.0, 3), Judgement("d e f", 0.0, 0.0, 1.0, 3, ("too_short",))]
    >>> [j.text for j in choice_order(js, 0.0, np.random.default_rng(0))]
    ['a b c', 'd e f']
    """
    passing = sorted({j.text for j in judged if not j.failed})
    if not variety or len(passing) < 2:
        return sorted(judged, key=Judgement.rank)
    noise = dict(zip(passing, rng.gumbel(0.0, variety, len(passing))))
    return sorted(judged, key=lambda j: (len(j.failed), -(j.score + noise.get(j.text, 0.0))))


def meter_fit(line: str, meter: str) -> float:
    """Share of the line's syllables whose CMU stress fits the meter.

    Monosyllables fit either way (English lets them take or lose the beat), and so do unknown words.
    """
    pattern = "".join(map(_stresses, tokens(line)))
    judged = [(i, s) for i, s in enumerate(pattern) if s != "x"]
    if not judged:
        return 1.0
    return sum((s == "1") == (i % 2 == METERS[meter]) for i, s in judged) / len(judged)


def _stresses(word: str) -> str:
    """'1'/'0' per syllable of a polysyllable; 'x' (free) for monosyllables and unknown words."""
    stress = stress_pattern(word)
    if len(stress) > 1:
        return stress
    return "x" * (1 if stress else guess_syllables(word))


def reply_syllables(given: int, rules: Rules) -> int:
    """The syllables an answer to a line of ``given`` syllables aims at: as many, but at least SHORTEST_REPLY and
    at most LONGEST_REPLY, so long as the words ``rules`` allow can hold them (one syllable a word at least).

    >>> [reply_syllables(n, Rules()) for n in (3, 8, 29)], reply_syllables(3, Rules(min_words=1, max_words=2))
    ([6, 8, 12], 3)
    >>> reply_syllables(29, Rules(min_words=13, max_words=20))
    13
    """
    return max(min(max(given, min(SHORTEST_REPLY, rules.max_words)), LONGEST_REPLY), rules.min_words)


def syllable_count(index: RhymeIndex, line: str) -> int:
    """The syllables of ``line``'s words, from the index (CMU dict, else a guess from the spelling)."""
    return sum(index.syllables(w) for w in tokens(line))


def echoes(line: str, earlier: Iterable[str]) -> bool:
    """Whether ``line`` repeats a run of ECHO_WORDS words, not all of them function words, from one of the
    ``earlier`` lines: a feed that says "the trophies of" twice reads as a machine's, while "and on the"
    may recur in any poem. A run that ends a line is left out: it ends on the rhyme word, chosen before
    the line was written, and a feed on one seed word would otherwise echo "of the night" in every other
    couplet.

    >>> echoes("And all the trophies of his war", ["The trophies of the field"])
    True
    >>> echoes("And on the hills", ["and on the sea", "Upon the hills"])
    False
    >>> echoes("I wander in the night", ["Who sleeps in the night, and wakes"])
    False
    """
    mine = _phrases(line)
    return bool(mine) and any(not mine.isdisjoint(_phrases(e)) for e in earlier)


def repetition(lines: Iterable[str], earlier: Iterable[str]) -> tuple[int, int]:
    """How much ``lines`` repeat ``earlier`` (a feed's last lines), least first when compared: the lines said
    again word for word (case and marks aside), then the lines that echo one (``echoes``).

    >>> repetition(["And all the trophies of his war", "Of the night"], ["and all the trophies of his war!"])
    (1, 1)
    >>> repetition(["The trophies of the field", "Of the night"], ["And all the trophies of his war"])
    (0, 1)
    """
    earlier = list(earlier)
    said = {tuple(tokens(line)) for line in earlier}
    lines = list(lines)
    return sum(tuple(tokens(line)) in said for line in lines), sum(echoes(line, earlier) for line in lines)


@lru_cache(maxsize=4096)  # a line's K candidates are compared with the same earlier lines
def _phrases(line: str) -> frozenset[tuple[str, ...]]:
    words = tokens(line)
    runs = (tuple(words[i : i + ECHO_WORDS]) for i in range(len(words) - ECHO_WORDS))  # not the last run
    return frozenset(r for r in runs if not FUNCTION_WORDS.issuperset(r))


def judge(
    text: str,
    logprob: float,
    finished: bool,
    index: RhymeIndex,
    rules: Rules,
    weights: Weights,
    previous: list[str],
    target: int | None = None,
    *,
    word_logprob: float | None = None,
    follow_logprob: float | None = None,
    real_logprob: float | None = None,
    reader_score: float | None = None,
) -> Judgement:
    """Score a line and list the cheap checks it fails (the copy check is run separately, lazily).

    ``previous`` are the lines it may not repeat (the verse's lines written before it, or the line a reply
    answers); one it echoes (``echoes``) costs ``weights.echo``.

    ``target`` is this line's syllable target (the verse layer's choice; None or 0 for none);
    ``word_logprob`` is the line's word-model log-probability, ``follow_logprob`` how well the next line
    reads after it, ``real_logprob`` the discriminator's log-probability that it is a real corpus line,
    ``reader_score`` the reader model's part of the rating of the line's verse.
    """
    words = tokens(text)
    real = sum(map(index.is_real, words)) / len(words) if words else 0.0
    syll = syllable_count(index, text)
    off = abs(syll - target) if target else 0
    failed = []
    if not finished:
        failed.append("unfinished")
    if len(words) < rules.min_words:
        failed.append("too_short")
    if len(words) > rules.max_words:
        failed.append("too_long")
    if off > rules.syllable_tolerance:
        failed.append("syllables")
    if any(text.strip().lower() == p.strip().lower() for p in previous):
        failed.append("repeated_line")
    if text.count('"') % 2 or text.count("(") != text.count(")"):  # a quotation or an aside left open, or closed
        failed.append("unbalanced_marks")  # and never opened, reads as a slip
    score = weights.logprob * logprob + weights.real_words * real - weights.syllables * off
    if weights.echo and echoes(text, previous):
        score -= weights.echo
    if rules.meter:
        score += weights.meter * meter_fit(text, rules.meter)
    if word_logprob is not None:
        score += weights.words * word_logprob
    if follow_logprob is not None:
        score += weights.follow * follow_logprob
    if real_logprob is not None:
        score += weights.discriminator * real_logprob
    if reader_score is not None:
        score += weights.reader * reader_score
    return Judgement(text.strip(), score, logprob, real, syll, tuple(failed))
