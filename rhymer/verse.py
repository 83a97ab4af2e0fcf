"""Verse: rhyme schemes, rhyme-word choice, and best-of-K line writing with bounded retries."""

from __future__ import annotations

import functools
import json
import re
import zlib
from dataclasses import asdict, dataclass, field

import numpy as np

from rhymer import validate
from rhymer.blas import one_thread
from rhymer.charmodel import CharModel, State
from rhymer.errors import GenerationError
from rhymer.rhymeindex import RhymeIndex
from rhymer.sampler import check_settings, continuation_logprob, read_after, sample_lines
from rhymer.scoring import CopyChecker, Judgement, Rules, Weights, judge, syllable_count
from rhymer.vocabtrie import VocabTrie
from rhymer.wordmodel import WordModel
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
DEFAULT_RETRIES = 3  # resamplings of a line when none of its K candidates passes every check
MAX_RETRIES = 100  # each retry samples K more lines: beyond this, loosen the rules instead
MAX_SEED = 2**63 - 1  # seeds are recorded in the verse and fit a signed 64-bit integer
END_WORD_POOL, MIN_END_WORD_LENGTH = 400, 3  # a fresh line end: one of the most frequent line ends, no short word


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
    rhyme: str
    strict: bool


class Composer:
    """Writes verses with one model; holds no per-call state, so one instance serves many threads."""

    def __init__(self, model: CharModel, index: RhymeIndex, copies: CopyChecker, name: str,
                 words: WordModel | None = None) -> None:
        self.model, self.index, self.copies, self.name, self.words = model, index, copies, name, words

    @functools.cached_property
    def trie(self) -> VocabTrie:
        """The known words (the corpus vocabulary and CMU dict), built on first use."""
        from rhymer.lexicon import cmu_words

        return VocabTrie(cmu_words().union(self.index.words), list(self.model.vocab))

    @one_thread
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
        carry: bool = True,
    ) -> Verse:
        """Write a verse in ``scheme``; the first line ends in ``seed_word`` (or a corpus line end).

        ``seed`` is None (fresh entropy) or 0..MAX_SEED; ``retries`` None (3, or 0 with one candidate)
        or 0..MAX_RETRIES; ``weights``/``rules`` None for the defaults. Raises WrongType for an argument
        of the wrong type, GenerationError for an unusable setting or a scheme the vocabulary cannot
        rhyme, LexiconError for an unusable seed word (both ValueErrors that name the parameter).

        The verse is written from its last line to its first, since the model reads reversed text: with
        ``carry`` each line is written after the lines that follow it, so they read as one text.
        """
        from rhymer.lexicon import normalize_word

        pattern = parse_scheme(scheme)
        carry = validate.boolean("carry", carry)
        if validate.text("seed_word", seed_word, optional=True) is not None:
            seed_word = normalize_word(seed_word, "seed_word")
        s, seed, rng = self._prepare(temperature, candidates, retries, rhyme, weights, rules, seed, strict, seed_word)
        if seed_word is not None:
            self.index.pronunciations(seed_word, strict=s.strict)  # refuse OOV words early under strict

        words, nears = self._end_words(pattern, seed_word, rng, s.rhyme)
        context, written = None, []
        for i in reversed(range(len(words))):  # the first line written (the last) sets the syllable target
            target = self._target(scheme, i, written, s.rules)
            line, end = self._line(words[i], nears[i], target, [d.text for d in written], rng, s, context)
            written.append(line)
            if carry and i:  # the state after this line and its line break: the context of the line before
                context = (read_after(self.model, end, "\n") if end is not None  # (unfinished: read it again)
                           else read_after(self.model, context, ("" if context else "\n") + line.text[::-1] + "\n"))
        details = written[::-1]
        return Verse(
            lines=tuple(d.text for d in details),
            rhyme_words=tuple(d.end_word for d in details),
            scheme=scheme,
            model=self.name,
            seed=seed,
            temperature=s.temperature,
            candidates=s.candidates,
            details=tuple(details),
        )

    @one_thread
    def reply(
        self,
        line: str,
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
        """The line that answers ``line``: it rhymes with its last word and follows from it.

        In reversed text the given line comes after the new one, so candidates are ranked by how well
        the backward model reads the given line after each of them (``weights.follow``). Raises as
        ``verse`` does; GenerationError for a line without a word to rhyme with.
        """
        from rhymer.charmodel import encode
        from rhymer.lexicon import normalize_word
        from rhymer.words import last_word

        given = " ".join(validate.text("line", line).split())
        end = last_word(given)
        if end is None:
            raise GenerationError("the line to answer has no word to rhyme with; pass a line that ends in a word", "line")
        s, seed, rng = self._prepare(temperature, candidates, retries, rhyme, weights, rules, seed, strict, given)
        end = normalize_word(end, "line")
        self.index.pronunciations(end, strict=s.strict)
        encode(self.model, given)  # refuses characters the model cannot read
        word, near = self._rhyme_for([end], [end], rng, s.rhyme)
        target = s.rules.target_syllables or syllable_count(self.index, given)  # as long as the given line
        new, _ = self._line(word, near, target, [given], rng, s, None, follows=given)
        return Verse(
            lines=(new.text,),
            rhyme_words=(word,),
            scheme="reply",
            model=self.name,
            seed=seed,
            temperature=s.temperature,
            candidates=s.candidates,
            details=(new,),
        )

    @staticmethod
    def _prepare(temperature: float, candidates: int, retries: int | None, rhyme: str, weights: Weights | None,
                 rules: Rules | None, seed: int | None, strict: bool, mix: str | None,
                 ) -> tuple[_Settings, int, np.random.Generator]:
        """Check the settings; the sampling settings, the seed and a generator seeded by it and ``mix``.

        ``mix`` (the seed word or the given line) is mixed into the seed with a stable hash, so one
        seed gives different skeletons for different words and the same verse in every process.
        """
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
        mixed = [seed, zlib.crc32(mix.lower().encode("utf-8"))] if mix else seed
        settings = _Settings(temperature, candidates, retries, weights, rules, rhyme, strict)
        return settings, seed, np.random.default_rng(mixed)

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
        from rhymer.lexicon import rhymes_with

        others = [self.index.pronunciations(w) for w in used if w not in group]
        found = {w: n for w, n in found.items()  # never a word that also rhymes with another group (again: rain)
                 if not any(rhymes_with(self.index.pronunciations(w), o) for o in others)} or found
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
        for word in sorted(finals, key=lambda w: (-finals[w], w))[:END_WORD_POOL]:
            prons = self.index.pronunciations(word)
            if len(word) < MIN_END_WORD_LENGTH or word in used or any(near_rhymes_with(prons, e) or prons == e for e in earlier):
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
              s: _Settings, context: State | None = None, follows: str | None = None) -> tuple[Line, State | None]:
        """Best of K candidates sampled after ``context``, with the model state at its end; resample up to
        ``retries`` times when none passes every check. ``follows`` is a line that comes right after this
        one (answering a line)."""
        trie = self.trie if s.rules.known_words else None
        best: Judgement | None = None
        for attempt in range(1, s.retries + 2):
            (sampled,) = sample_lines(self.model, [word], s.candidates, s.temperature, rng, context=context, trie=trie)
            fluency = [self.words.line_logprob(c.text) if self.words and s.weights.words else None for c in sampled]
            follow = self._follow(sampled, follows) if follows and s.weights.follow else [None] * len(sampled)
            ends = {c.text.strip(): c.state for c in sampled}
            judged = [judge(c.text, c.logprob, c.finished, self.index, s.rules, s.weights, previous, target,
                            word_logprob=w, follow_logprob=f)
                      for c, w, f in zip(sampled, fluency, follow)]
            judged.sort(key=lambda j: (len(j.failed), -j.score))
            for j in judged:
                if not j.failed and self.copies.copied(j.text):
                    j = Judgement(j.text, j.score, j.logprob, j.real_words, j.syllables, ("copied",))
                if not j.failed:
                    return _line_of(j, word, near, attempt, target), ends[j.text]
                if best is None or (len(j.failed), -j.score) < (len(best.failed), -best.score):
                    best, best_end = j, ends[j.text]
        return _line_of(best, word, near, s.retries + 1, target), best_end

    def _follow(self, sampled: list, follows: str) -> list[float | None]:
        """How well the backward model reads ``follows`` after each finished candidate (mean log-prob per
        character); None for unfinished ones, which fail anyway."""
        done = [i for i, c in enumerate(sampled) if c.state is not None]
        found = continuation_logprob(self.model, [sampled[i].state for i in done], follows[::-1]) if done else []
        scores: list[float | None] = [None] * len(sampled)
        for i, value in zip(done, found):
            scores[i] = float(value)
        return scores


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
