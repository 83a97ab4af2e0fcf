"""Verse: rhyme schemes, rhyme-word choice, and best-of-K line writing with bounded retries."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from rhymer.charmodel import CharModel
from rhymer.errors import GenerationError
from rhymer.rhymeindex import RhymeIndex
from rhymer.sampler import check_settings, sample_lines
from rhymer.scoring import METERS, CopyChecker, Judgement, Rules, Weights, judge
from rhymer.words import tokens

SCHEMES = {
    "couplet": "AA",
    "aabb": "AABB",
    "abab": "ABAB",
    "abba": "ABBA",
    "limerick": "AABBA",
    "sonnet": "ABABCDCDEFEFGG",
}
LIMERICK_SYLLABLES = (8, 8, 5, 5, 8)
NOTE_WORDS = 4  # a failure note quotes a line's last words
RHYME_MODES = ("auto", "perfect")


def parse_scheme(scheme: str) -> str:
    """A scheme name (couplet, AABB, ABAB, ABBA, limerick, sonnet) or a letter pattern such as ABCB."""
    name = scheme.strip().lower()
    if name in SCHEMES:
        return SCHEMES[name]
    if re.fullmatch(r"[A-Z]{2,24}", scheme.strip()):
        return scheme.strip()
    raise GenerationError(
        f"unknown scheme '{scheme}'; pass one of {', '.join(SCHEMES)} or a letter pattern such as ABCB"
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
    target_syllables: int | None = None  # the syllable count it was asked for (±1), if any


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
        weights: Weights = Weights(),
        rules: Rules = Rules(),
        strict: bool = False,
    ) -> Verse:
        """Write a verse in ``scheme``; the first line ends in ``seed_word`` (or a corpus line end)."""
        from rhymer.lexicon import normalize_word

        pattern = parse_scheme(scheme)
        check_settings(temperature, candidates)
        if not 1 <= rules.min_words <= rules.max_words:
            raise GenerationError(
                f"--min-words {rules.min_words} and --max-words {rules.max_words} leave no line length; pass 1 <= min <= max"
            )
        if rules.meter is not None and rules.meter not in METERS:
            raise GenerationError(f"unknown meter '{rules.meter}'; pass one of {', '.join(METERS)}")
        if rhyme not in RHYME_MODES:
            raise GenerationError(f"unknown rhyme mode '{rhyme}'; pass one of {', '.join(RHYME_MODES)}")
        if retries is None:
            retries = 0 if candidates == 1 else 3  # one candidate means plain sampling
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % 2**32)
        rng = np.random.default_rng(seed)
        settings = _Settings(temperature, candidates, retries, weights, rules)
        if seed_word is not None:
            seed_word = normalize_word(seed_word)
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
        rules = replace(s.rules, target_syllables=target)
        best: Judgement | None = None
        for attempt in range(1, s.retries + 2):
            if attempt > 1:
                (sampled,) = sample_lines(self.model, [word], s.candidates, s.temperature, rng)
            judged = [judge(c.text, c.logprob, c.finished, self.index, rules, s.weights, previous) for c in sampled]
            judged.sort(key=lambda j: (len(j.failed), -j.score))
            for j in judged:
                if not j.failed and self.copies.copied(j.text):
                    j = Judgement(j.text, j.score, j.logprob, j.real_words, j.syllables, ("copied",))
                if not j.failed:
                    return _line_of(j, word, near, attempt, target)
                if best is None or (len(j.failed), -j.score) < (len(best.failed), -best.score):
                    best = j
        return _line_of(best, word, near, s.retries + 1, target)


def _line_of(j: Judgement, word: str, near: bool, attempts: int, target: int | None) -> Line:
    return Line(j.text, word, round(j.score, 4), round(j.logprob, 4), round(j.real_words, 4), j.syllables, near, j.failed,
                attempts, target)


def failure_note(line: Line, number: int, rules: Rules = Rules()) -> str:
    """What a returned line still gets wrong, in plain words: what was wanted and what was written, e.g.
    "line 3 ('... of the force') has 9 syllables, wanted 5±1". ``rules`` are the ones the verse was written with."""
    words, written = tokens(line.text), line.text.split()
    shown = ("... " if len(written) > NOTE_WORDS else "") + " ".join(written[-NOTE_WORDS:])
    said = {
        "syllables": f"has {line.syllables} syllables, wanted {line.target_syllables}±{rules.syllable_tolerance}",
        "too_short": f"has {len(words)} word{'s' * (len(words) != 1)}, wanted at least {rules.min_words}",
        "too_long": f"has {len(words)} words, wanted at most {rules.max_words}",
        "unfinished": "was cut off: the model had not begun it within the length limit",
        "repeated_line": "repeats an earlier line",
        "copied": "copies the corpus (a long run of its words)",
    }
    return f"line {number} ('{shown}') " + "; ".join(said.get(f, f) for f in line.failed)


def _weighted_choice(weights: dict[str, int], rng: np.random.Generator) -> str:
    words = sorted(weights)
    p = np.array([max(weights[w], 1) for w in words], dtype=np.float64)
    return words[int(rng.choice(len(words), p=p / p.sum()))]
