"""Verse: rhyme schemes, rhyme-word choice, and best-of-K line writing with bounded retries."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

import numpy as np

from rhymer import validate
from rhymer.charmodel import CharModel
from rhymer.errors import GenerationError
from rhymer.rhymeindex import RhymeIndex
from rhymer.sampler import check_settings, sample_lines
from rhymer.scoring import CopyChecker, Judgement, Rules, Weights, judge

SCHEMES = {
    "couplet": "AA",
    "aabb": "AABB",
    "abab": "ABAB",
    "abba": "ABBA",
    "limerick": "AABBA",
    "sonnet": "ABABCDCDEFEFGG",
}
LIMERICK_SYLLABLES = (8, 8, 5, 5, 8)
RHYME_MODES = ("auto", "perfect")
DEFAULT_RETRIES = 3  # resamplings of a line when none of its K candidates passes every check
MAX_RETRIES = 100  # each retry samples K more lines: beyond this, loosen the rules instead
MAX_SEED = 2**63 - 1  # seeds are recorded in the verse and fit a signed 64-bit integer


def parse_scheme(scheme: str) -> str:
    """A scheme name (couplet, AABB, ABAB, ABBA, limerick, sonnet) or a letter pattern such as ABCB.

    Raises WrongType for a non-string, GenerationError for an unknown scheme.

    >>> parse_scheme("couplet"), parse_scheme("Limerick"), parse_scheme("ABCB")
    ('AA', 'AABBA', 'ABCB')
    """
    name = validate.text("scheme", scheme).strip().lower()
    if name in SCHEMES:
        return SCHEMES[name]
    if re.fullmatch(r"[A-Z]{2,24}", scheme.strip()):
        return scheme.strip()
    raise GenerationError(
        f"unknown scheme {validate.shown(scheme)}; pass one of {', '.join(SCHEMES)} or a letter pattern such as ABCB",
        "scheme",
    )


@dataclass(frozen=True)
class Line:
    """One written line and how it was judged."""

    text: str
    end_word: str
    score: float
    logprob: float
    real_words: float
    syllables: int
    near_rhyme: bool = False  # its end word only near-rhymes (no perfect rhyme was available)
    failed: tuple[str, ...] = ()  # checks the returned line still fails (empty when it passed all)
    attempts: int = 1


@dataclass(frozen=True)
class Verse:
    """A generated verse: ``str(verse)`` is the text; every field is JSON-serialisable."""

    lines: tuple[str, ...]
    rhyme_words: tuple[str, ...]
    scheme: str
    model: str
    seed: int
    temperature: float
    candidates: int
    details: tuple[Line, ...] = field(repr=False, default=())

    @property
    def scores(self) -> tuple[float, ...]:
        return tuple(d.score for d in self.details)

    @property
    def near_rhymes(self) -> bool:
        return any(d.near_rhyme for d in self.details)

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["scores"] = list(self.scores)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


Couplet = Verse  # a couplet is the two-line, AA verse


@dataclass
class _Settings:
    temperature: float
    candidates: int
    retries: int
    weights: Weights
    rules: Rules


class Composer:
    """Writes verses with one model; holds no per-call state, so one instance serves many threads."""

    def __init__(self, model: CharModel, index: RhymeIndex, copies: CopyChecker, name: str) -> None:
        self.model, self.index, self.copies, self.name = model, index, copies, name

    def verse(
        self,
        scheme: str = "couplet",
        seed_word: str | None = None,
        *,
        temperature: float = 0.7,
        seed: int | None = None,
        candidates: int = 16,
        retries: int | None = None,
        rhyme: str = "auto",
        weights: Weights | None = None,
        rules: Rules | None = None,
        strict: bool = False,
    ) -> Verse:
        """Write a verse in ``scheme``; the first line ends in ``seed_word`` (or a corpus line end).

        ``seed`` is None (fresh entropy) or 0..MAX_SEED; ``retries`` None (3, or 0 with one candidate)
        or 0..MAX_RETRIES; ``weights``/``rules`` None for the defaults. Raises WrongType for an argument
        of the wrong type, GenerationError for an unusable setting or a scheme the vocabulary cannot
        rhyme, LexiconError for an unusable seed word (both ValueErrors that name the parameter).
        """
        from rhymer.lexicon import normalize_word

        pattern = parse_scheme(scheme)
        temperature, candidates = check_settings(temperature, candidates)
        if retries is None:
            retries = 0 if candidates == 1 else DEFAULT_RETRIES  # one candidate means plain sampling
        retries = validate.integer("retries", retries, 0, MAX_RETRIES, error=GenerationError)
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % 2**32)
        seed = validate.integer("seed", seed, 0, MAX_SEED, error=GenerationError)
        rhyme = validate.choice("rhyme", rhyme, RHYME_MODES, error=GenerationError)
        weights = validate.instance("weights", weights, Weights, default=Weights())
        rules = validate.instance("rules", rules, Rules, default=Rules())
        strict = validate.boolean("strict", strict)
        rng = np.random.default_rng(seed)
        settings = _Settings(temperature, candidates, retries, weights, rules)
        if validate.text("seed_word", seed_word, optional=True) is not None:
            seed_word = normalize_word(seed_word, "seed_word")
            self.index.pronunciations(seed_word, strict=strict)  # refuse OOV words early under strict

        words, nears = self._end_words(pattern, seed_word, rng, rhyme)
        # every line's candidates are sampled in one batch; they are judged in order, since a line's
        # syllable target comes from the line chosen before it
        batch = sample_lines(self.model, words, candidates, temperature, rng)
        details: list[Line] = []
        for i, word in enumerate(words):
            target = self._target(scheme, i, details, rules)
            details.append(self._line(word, nears[i], target, [d.text for d in details], rng, settings, batch[i]))
        return Verse(
            lines=tuple(d.text for d in details),
            rhyme_words=tuple(d.end_word for d in details),
            scheme=scheme,
            model=self.name,
            seed=seed,
            temperature=temperature,
            candidates=candidates,
            details=tuple(details),
        )

    # -- rhyme words ------------------------------------------------------------------------------
    def _end_words(self, pattern: str, seed_word: str | None, rng: np.random.Generator, mode: str) -> tuple[list, list]:
        """Every line's end word, and whether it only near-rhymes, before any line is written."""
        groups: dict[str, list[str]] = {}
        words: list[str] = []
        nears: list[bool] = []
        for i, letter in enumerate(pattern):
            near = False
            if letter in groups:
                word, near = self._rhyme_for(groups[letter], words, rng, mode)
            elif i == 0 and seed_word:
                word = seed_word
            else:
                word = self._fresh_end_word(pattern.count(letter) - 1, groups, words, rng)
            groups.setdefault(letter, []).append(word)
            words.append(word)
            nears.append(near)
        return words, nears

    def _rhyme_for(self, group: list[str], used: list[str], rng: np.random.Generator, mode: str) -> tuple[str, bool]:
        avoid = list(dict.fromkeys(group + used))
        found = self.index.rhymes(group[0], avoid=avoid)
        near = False
        if not found and mode == "auto":
            found, near = self.index.rhymes(group[0], avoid=avoid, near=True), True
        if not found:
            hint = "" if mode == "auto" else ", or allow near rhymes (--rhyme auto)"
            raise GenerationError(
                f"no word in the model's vocabulary rhymes with '{group[0]}'; pick another seed word{hint}"
            )
        return _weighted_choice(found, rng), near

    def _fresh_end_word(self, partners: int, groups: dict, used: list[str], rng: np.random.Generator) -> str:
        """A frequent line-final corpus word with enough rhymes, sounding unlike the earlier groups."""
        from rhymer.lexicon import near_rhymes_with

        earlier = [self.index.pronunciations(w) for words in groups.values() for w in words]
        finals = self.index.line_final_words()
        options = {}
        for word in sorted(finals, key=lambda w: (-finals[w], w))[:400]:
            prons = self.index.pronunciations(word)
            if len(word) < 3 or word in used or any(near_rhymes_with(prons, e) or prons == e for e in earlier):
                continue
            if len(self.index.rhymes(word, avoid=used)) >= max(partners, 1):
                options[word] = finals[word]
        if not options:
            raise GenerationError("the model's vocabulary has too few rhyming line ends for this scheme; pass --seed-word")
        return _weighted_choice(options, rng)

    # -- lines ------------------------------------------------------------------------------------
    @staticmethod
    def _target(scheme: str, i: int, details: list[Line], rules: Rules) -> int | None:
        if scheme.strip().lower() == "limerick":
            return LIMERICK_SYLLABLES[i]
        if rules.target_syllables:
            return rules.target_syllables
        return details[0].syllables if details else None

    def _line(self, word: str, near: bool, target: int | None, previous: list[str], rng: np.random.Generator,
              s: _Settings, sampled: list) -> Line:
        """Best of the K sampled candidates; resample up to ``retries`` times when none passes every check."""
        best: Judgement | None = None
        for attempt in range(1, s.retries + 2):
            if attempt > 1:
                (sampled,) = sample_lines(self.model, [word], s.candidates, s.temperature, rng)
            judged = [judge(c.text, c.logprob, c.finished, self.index, s.rules, s.weights, previous, target)
                      for c in sampled]
            judged.sort(key=lambda j: (len(j.failed), -j.score))
            for j in judged:
                if not j.failed and self.copies.copied(j.text):
                    j = Judgement(j.text, j.score, j.logprob, j.real_words, j.syllables, ("copied",))
                if not j.failed:
                    return _line_of(j, word, near, attempt)
                if best is None or (len(j.failed), -j.score) < (len(best.failed), -best.score):
                    best = j
        return _line_of(best, word, near, s.retries + 1)


def _line_of(j: Judgement, word: str, near: bool, attempts: int) -> Line:
    return Line(j.text, word, round(j.score, 4), round(j.logprob, 4), round(j.real_words, 4), j.syllables, near, j.failed, attempts)


def _weighted_choice(weights: dict[str, int], rng: np.random.Generator) -> str:
    words = sorted(weights)
    p = np.array([max(weights[w], 1) for w in words], dtype=np.float64)
    return words[int(rng.choice(len(words), p=p / p.sum()))]
