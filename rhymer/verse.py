"""Verse: the ``Rhymer`` that writes verses with one model, best of K candidates per line with bounded
retries, and the ``Verse`` and ``Line`` it returns. Rhyme words come from rhymer.rhymepolicy, the judging
of lines from rhymer.scoring."""

from __future__ import annotations

import dataclasses
import functools
import json
import time
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from rhymer import modeldir, rhymepolicy, validate
from rhymer.blas import one_thread
from rhymer.charmodel import CharModel, State, encode, plain_marks
from rhymer.discriminator import Discriminator
from rhymer.errors import GenerationError, InvalidArgument, ModelError
from rhymer.lexicon import normalize_word, refuse_digits, typed_spelling
from rhymer.linemodel import term_or_none
from rhymer.readermodel import ReaderModel
from rhymer.rhymeindex import RhymeIndex
from rhymer.rhymepolicy import RHYME_MODES, Scheme, parse_scheme
from rhymer.sampler import (
    DEFAULT_CANDIDATES,
    DEFAULT_TEMPERATURE,
    DEFAULT_TOP_P,
    MAX_LINE_CHARS,
    Candidate,
    check_settings,
    continuation_logprob,
    read_after,
    sample_lines,
)
from rhymer.scoring import (
    DEFAULT_VARIETY,
    ECHO_WORDS,
    LINE_SYLLABLES,
    MAX_VARIETY,
    CopyChecker,
    Judgement,
    Rules,
    Weights,
    choice_order,
    judge,
    repetition,
    reply_syllables,
    syllable_count,
)
from rhymer.vocabtrie import VocabTrie
from rhymer.wordmodel import WordModel
from rhymer.wordruns import RunTries, WordRuns
from rhymer.words import ELIDED_WORDS, corpus_spelling, end_word, is_word, tokens

NOTE_WORDS = 4  # a failure note quotes a line's last words
DEFAULT_RETRIES = 3  # resamplings of a line when none of its K candidates passes every check
MAX_RETRIES = 100  # each retry samples K more lines: beyond this, loosen the rules instead
MAX_SEED = 2**63 - 1  # seeds are recorded in the verse and fit a signed 64-bit integer
SERIES_MEMORY = 40  # lines of a series' last verses a new one may not echo: twenty couplets of a feed
REPLY = "reply"  # the scheme of a reply's one-line Verse
SERIES_TRIES = 3  # seeds a series tries for a verse that repeats none of them, keeping the one that repeats them least


@dataclass(frozen=True)
class Line:
    """One written line and how it was judged."""

    text: str
    end_word: str
    score: float
    logprob: float
    real_words: float
    syllables: int
    near_rhyme: bool = False  # its end word only near-rhymes (no perfect rhyme left: none among the model's words, or all used)
    failed: tuple[str, ...] = ()  # checks the returned line still fails (empty when it passed all)
    attempts: int = 1  # samplings of this line (of K candidates each) in the verse that was kept
    target_syllables: int | None = None  # the syllable count it was asked for, if any...
    syllable_tolerance: int = 0  # ...and how far it may miss it


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
    # the nucleus each character was drawn from (sampler.nucleus; 1: every character); keyword-only, so that
    # a Verse built positionally before it existed still builds
    top_p: float = field(default=1.0, kw_only=True)
    variety: float = field(default=0.0, kw_only=True)  # the Gumbel noise each line was chosen with (scoring.choice_order)
    answers: str | None = field(default=None, kw_only=True)  # a reply's given line, as it was read; else None
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

    @classmethod
    def from_dict(cls, data: dict) -> Verse:
        """The verse ``to_dict`` gave, whole again (a bot's stored post): lines and details as tuples, each
        detail a ``Line``. Raises InvalidArgument for anything else (WrongType where ``data`` is no dict).

        >>> import rhymer
        >>> verse = rhymer.load("markov").couplet("night", seed=3)
        >>> Verse.from_json(verse.to_json()) == verse
        True
        """
        fields = {k: v for k, v in validate.instance("data", data, dict).items() if k != "scores"}
        try:
            details = tuple(Line(**{**d, "failed": _texts(d.get("failed", ()))}) for d in fields.pop("details", ()))
            verse = cls(**{**fields, "lines": _texts(fields["lines"]), "rhyme_words": _texts(fields["rhyme_words"]),
                           "details": details})
            wrong = next(f"{type(o).__name__}.{name}" for o in (verse, *details) for name, kind in _FIELD_TYPES.items()
                         if hasattr(o, name) and not _is_a(getattr(o, name), kind))
        except StopIteration:
            return verse
        except (TypeError, KeyError, AttributeError) as err:
            wrong = str(err)
        raise InvalidArgument(f"data is not a verse's to_dict ({validate.shown(wrong)}); pass what Verse.to_dict gave",
                              "data")

    @classmethod
    def from_json(cls, text: str) -> Verse:
        """The verse ``to_json`` gave (see ``from_dict``)."""
        text = validate.text("text", text)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise InvalidArgument(f"text is not JSON ({err.msg} at character {err.pos}); pass what Verse.to_json gave",
                                  "text") from None
        except (ValueError, RecursionError):  # an integer too long to read, nesting too deep
            raise InvalidArgument("text is no verse's JSON (too long a number or too deep); pass what Verse.to_json "
                                  "gave", "text") from None
        return cls.from_dict(data)


Couplet = Verse  # a couplet is the two-line, AA verse

# what each field of a Verse or a Line holds, for a verse read back (Verse.from_dict): "texts" is a tuple of str
_FIELD_TYPES = {"lines": "texts", "rhyme_words": "texts", "failed": "texts", "scheme": str, "model": str, "text": str,
                "end_word": str, "seed": int, "candidates": int, "syllables": int, "attempts": int,
                "syllable_tolerance": int, "target_syllables": (int, type(None)), "near_rhyme": bool, "temperature": float,
                "top_p": float, "variety": float, "answers": (str, type(None)), "score": float, "logprob": float, "real_words": float}


def _texts(value: object) -> tuple:
    """A JSON list as the tuple a Verse holds (never a string's letters nor a dict's keys)."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{type(value).__name__} where a list of texts belongs")
    return tuple(value)


def _is_a(value: object, kind: object) -> bool:
    """Whether ``value`` is of ``kind`` as JSON gives it back: an int for a float, never a bool for a number, and
    text whole (no lone surrogate, ``validate.text``)."""
    if kind == "texts":
        return isinstance(value, tuple) and all(_is_a(v, str) for v in value)
    if kind is str:
        return isinstance(value, str) and validate.is_whole(value)
    if isinstance(kind, tuple):
        return any(_is_a(value, k) for k in kind)
    if kind is bool:
        return isinstance(value, bool)
    return not isinstance(value, bool) and isinstance(value, (int, float) if kind is float else kind)


@dataclass
class _Settings:
    temperature: float
    candidates: int
    top_p: float
    retries: int
    weights: Weights
    rules: Rules
    rhyme: str
    strict: bool
    variety: float


class Rhymer:
    """A model with its rhyme index, writing couplets, verses and replies; it keeps no per-call state, so
    one instance serves many threads. ``rhymer.load()`` finds the model folder by name."""

    def __init__(self, path: str | Path, kind: str | None = None) -> None:
        """Load the model folder at ``path``; ``kind`` None (the folder's own), 'lstm' or 'markov'.

        Raises WrongType / InvalidArgument for bad arguments, ModelError for a folder that is no model.
        """
        start = time.perf_counter()
        path = validate.path("path", path)
        if kind is not None:
            validate.choice("kind", kind, modeldir.KINDS)
        try:
            model, meta = modeldir.load_engine(path, kind)
        except OSError as err:  # a folder the system cannot look into (name too long, no permission)
            raise ModelError(f"cannot read model folder {validate.shown(str(path))} ({err.strerror}); pass another") from None
        index = RhymeIndex.load(path / modeldir.WORDS)
        corpus = modeldir.read_corpus(path, meta["corpus_sha256"])
        # (a folder name that is not UTF-8 is shown as Python shows it, "\\udcff": a verse, a report or a chart
        # can print it and write it)
        name = model.kind if path == modeldir.DEFAULT_DIR else f"{model.kind}:{path}".encode("utf-8", "backslashreplace").decode()
        self._hold(model, index, CopyChecker(corpus), name, modeldir.read_word_model(path),
                   modeldir.read_discriminator(path), modeldir.read_word_runs(path), modeldir.read_reader(path))
        self.path: Path | None = path
        self.metadata: dict | None = meta
        self.load_seconds: float | None = time.perf_counter() - start

    @classmethod
    def from_parts(cls, model: CharModel, index: RhymeIndex, copies: CopyChecker, name: str,
                   words: WordModel | None = None, discriminator: Discriminator | None = None,
                   runs: WordRuns | None = None, reader: ReaderModel | None = None) -> Rhymer:
        """A Rhymer over a model held in memory rather than a folder (a comparison's fresh Markov chain);
        it has no ``path``, ``metadata`` or ``load_seconds`` (all None)."""
        rhymer = cls.__new__(cls)
        rhymer._hold(model, index, copies, name, words, discriminator, runs, reader)
        rhymer.path = rhymer.metadata = rhymer.load_seconds = None
        return rhymer

    def _hold(self, model: CharModel, index: RhymeIndex, copies: CopyChecker, name: str,
              words: WordModel | None, discriminator: Discriminator | None = None, runs: WordRuns | None = None,
              reader: ReaderModel | None = None) -> None:
        self.model, self.index, self.copies, self.name, self.words = model, index, copies, name, words
        self.discriminator, self.runs, self.reader = discriminator, runs, reader
        self._spellings: dict[str, str | None] = {}

    def spelling(self, word: str, typed: str | None = None) -> str:
        """A rhyme word as the corpus writes it mid-line: "rome" is written "Rome" (rhymer.words.capitalised_words,
        the rule the page's names.json holds), "tis" "'tis" (``ELIDED_WORDS``, where the model reads the
        apostrophe). A word the corpus never writes in small letters mid-line, or never at all, is spelled as
        ``typed`` (the word as the user gave it) spells it: "Paris", written once mid-line ("fond Paris,"), too rarely
        to be a name (``MIN_NAME_COUNT``), keeps its capital; "NIGHT" is "night". The model is primed with that
        spelling, so the case a seed word is typed in is part of what a seed reproduces.

        >>> import rhymer
        >>> poet = rhymer.load("markov")
        >>> poet.spelling("rome"), poet.spelling("Home "), poet.spelling("tis"), poet.spelling("paris", "Paris")
        ('Rome', 'home', "'tis", 'Paris')
        """
        word = normalize_word(word)
        typed = validate.text("typed", typed, optional=True)
        if word in ELIDED_WORDS and "'" in self.model.vocab:
            return "'" + word
        cased = typed_spelling(typed) if typed is not None else word
        if cased.lower() != word or not set(cased) <= set(self.model.vocab):  # another word, or one it cannot read
            cased = word
        if word not in self.index.words:  # never in the corpus: nothing to learn
            return cased
        if word not in self._spellings:  # at most one entry per corpus word (None: the case typed decides)
            self._spellings[word] = corpus_spelling(self.copies.corpus, word)
        return self._spellings[word] or cased

    @functools.cached_property
    def trie(self) -> VocabTrie:
        """The known words (``VocabTrie.known``: the corpus's and CMU dict's the model can spell, and of the
        shorter than three letters only verse words, "a", "me", not "re"), built on first use."""
        return VocabTrie.known(self.index.words, list(self.model.vocab))

    @functools.cached_property
    def run_tries(self) -> RunTries | None:
        """The known-word trie narrowed by the corpus's word runs, or None where the folder has none."""
        return RunTries(self.runs, self.trie) if self.runs else None

    @validate.keywords
    @one_thread
    def verse(
        self,
        scheme: str = "couplet",
        seed_word: str | None = None,
        *,
        temperature: float = DEFAULT_TEMPERATURE,
        seed: int | None = None,
        candidates: int = DEFAULT_CANDIDATES,
        top_p: float = DEFAULT_TOP_P,
        variety: float = DEFAULT_VARIETY,
        retries: int | None = None,
        rhyme: str = "auto",
        weights: Weights | None = None,
        rules: Rules | None = None,
        strict: bool = False,
        carry: bool = True,
        punctuate: bool = True,
        avoid: Iterable[str] = (),
    ) -> Verse:
        """Write a verse in ``scheme`` (see ``rhymepolicy.parse_scheme``); the first line ends in ``seed_word``
        (or a corpus line end). ``avoid``: lines shown before it (a feed's, a bot's last posts), which no line
        says again while another candidate passes, and echoing one costs a line ``weights.echo``, as within
        the verse.

        ``top_p`` is 0.01..1, the share of probability each character is drawn from (``sampler.nucleus``;
        1 draws from every character). ``variety`` is 0..MAX_VARIETY, the Gumbel noise (score units) each line
        is chosen with among its passing candidates (``scoring.choice_order``): 0, the default, takes the best;
        more gives a seed word other lines from seed to seed, at some cost in grammar. ``seed`` is None (fresh entropy) or 0..MAX_SEED; ``retries`` None
        (3, or 0 with one candidate) or 0..MAX_RETRIES (a line's resamplings); ``weights``/``rules`` None for
        the defaults. Raises WrongType for an argument of the wrong type, GenerationError for an unusable
        setting or a scheme the vocabulary cannot rhyme, LexiconError for an unusable seed word (both
        ValueErrors that name the parameter).

        Each line aims at the form's syllables (a limerick's), else ``rules.target_syllables``, else
        ``scoring.LINE_SYLLABLES`` (8), within ``rules.syllable_tolerance`` (0) or the form's where it is more
        (a limerick's 1). A rhyme partner's line is written for up to ``rhymepolicy.RHYME_CHOICES`` rhymes at
        once, and the best line keeps its word.

        The verse is written from its last line to its first, since the model reads reversed text: with
        ``carry`` each line is written after the lines that follow it, so they read as one text. With
        ``punctuate`` each line ends with the mark ``rhymepolicy.line_ending`` gives it, so the model
        writes end-stopped lines (a line that ends in a bare word is, in verse, mostly run on); a model that
        never saw the mark (a corpus without punctuation) ends its lines bare.

        >>> import rhymer
        >>> print(rhymer.load("markov").verse("limerick", "night", seed=3))
        And he beside another night,
        And almost upon the Greeks to fight,
        But thou art the grave,
        The nations of the wave,
        For, as she lies down to the height.
        """
        form = parse_scheme(scheme)
        shown = validate.texts("avoid", avoid)
        carry = validate.boolean("carry", carry)
        punctuate = validate.boolean("punctuate", punctuate)
        typed = validate.text("seed_word", seed_word, optional=True)
        if typed is not None:
            seed_word = normalize_word(typed, "seed_word")
        s, seed, rng = self._prepare(temperature, candidates, top_p, variety, retries, rhyme, weights, rules, seed, strict,
                                      seed_word)
        if form.syllables and s.rules.target_syllables is not None:  # it would be silently ignored
            raise GenerationError(f"a {form.name} sets each line's syllables {form.syllables}; drop the syllable target "
                                  "(target_syllables)", "rules")
        if seed_word is not None:
            self.index.pronunciations(seed_word, strict=s.strict, parameter="seed_word")  # refuse OOV words early under strict
            if rhymepolicy.ends_no_lines(self.index, seed_word):
                raise GenerationError(f"seed_word {validate.shown(typed)} is a word that leads into others, and no line "
                                      "ends on it; pass one a line can end on (a noun, a verb, an adjective...)", "seed_word")

        if form.syllable_tolerance > s.rules.syllable_tolerance:  # a limerick's lines: ±1
            s = dataclasses.replace(s, rules=dataclasses.replace(s.rules, syllable_tolerance=form.syllable_tolerance))
        words, nears = rhymepolicy.end_words(self.index, form.letters, seed_word, rng, s.rhyme, s.candidates)
        details = self._lines(form, words, nears, rng, s, carry, punctuate, typed, shown)
        return Verse(
            lines=tuple(d.text for d in details),
            rhyme_words=tuple(d.end_word for d in details),
            scheme=scheme,
            model=self.name,
            seed=seed,
            temperature=s.temperature,
            candidates=s.candidates,
            top_p=s.top_p,
            variety=s.variety,
            details=tuple(details),
        )

    def _lines(self, form: Scheme, words: list[tuple[str, ...]], nears: list[bool], rng: np.random.Generator,
               s: _Settings, carry: bool, punctuate: bool, typed: str | None, shown: list[str]) -> list[Line]:
        """The verse's lines, in reading order, written from the last to the first; ``words`` holds each
        line's end word options, ``typed`` the seed word as the user gave it (``spelling``), ``shown`` the lines
        shown before the verse, which its lines may no more repeat than each other."""
        context, written = None, []
        for i in reversed(range(len(words))):
            target = form.target(i) or s.rules.target_syllables or LINE_SYLLABLES
            ending = self._readable(rhymepolicy.line_ending(i, len(words))) if punctuate else ""
            [(line, end)] = self._choices(words[i], nears[i], target, [*shown, *(d.text for d in written)], rng, s, context,
                                          ending=ending, typed=typed)
            written.append(line)
            if carry and i:  # the state after this line and its line break: the context of the line before
                context = (read_after(self.model, end, "\n") if end is not None  # (unfinished: read it again)
                           else read_after(self.model, context, ("" if context else "\n") + line.text[::-1] + "\n"))
        return written[::-1]

    def reply(self, line: str, **options) -> Verse:
        """The line that answers ``line``: it rhymes with its last word and follows from it (the best of
        ``replies``, whose options it takes and errors it raises).

        >>> import rhymer
        >>> print(rhymer.load("markov").reply("I walked along the shore at night", seed=3))
        And there he pored upon the light.
        """
        return self.replies(line, 1, **validate.options(options, self.replies))[0]

    @validate.keywords
    @one_thread
    def replies(
        self,
        line: str,
        count: int = 1,
        *,
        avoid: Iterable[str] = (),
        temperature: float = DEFAULT_TEMPERATURE,
        seed: int | None = None,
        candidates: int = DEFAULT_CANDIDATES,
        top_p: float = DEFAULT_TOP_P,
        variety: float = DEFAULT_VARIETY,
        retries: int | None = None,
        rhyme: str = "auto",
        weights: Weights | None = None,
        rules: Rules | None = None,
        strict: bool = False,
        punctuate: bool = True,
    ) -> list[Verse]:
        """Up to ``count`` different lines that answer ``line``, best first, for a songwriter to choose from: each
        rhymes with its last word and follows from it, none says again or echoes another (``scoring.repetition``)
        or says again a line of ``avoid`` (answers shown before; echoing one costs a line ``weights.echo``, as
        echoing the line it answers does), and each ends on a rhyme no better answer ends on while there are
        others. They are the best of one sampling (resampled, up to ``retries`` times, while fewer pass every
        check), so fewer come back only where the candidates hold no more.

        In reversed text the given line comes after the new one, so candidates are ranked by how well
        the backward model reads the given line after each of them (``weights.follow``). With ``punctuate`` an
        answer ends with a full stop, as a verse's last line does (see ``verse``). The line is read as
        the model can read it (``plain_marks``): curly quotes, dashes and ellipses as plain ones, emoji and
        other marks it cannot read as spaces, invisible characters left out, accents it cannot read dropped.
        Raises as ``verse`` does; GenerationError for a line without a word to rhyme with or a ``count`` below 1.

        >>> import rhymer
        >>> for answer in rhymer.load("markov").replies("I walked along the shore at night", 3, seed=3):
        ...     print(answer)
        And there he pored upon the light.
        And night, I assume you shall plight.
        Clapped my hands, too warned by the flight.
        """
        count = validate.integer("count", count, 1, error=GenerationError)
        shown = validate.texts("avoid", avoid)
        punctuate = validate.boolean("punctuate", punctuate)
        given = " ".join(plain_marks(self.model, validate.text("line", line)).split())
        if len(given) > MAX_LINE_CHARS:  # as long as a line the model writes at most (the page's limit too)
            raise GenerationError(f"the line to answer is {len(given)} characters long; pass one of at most {MAX_LINE_CHARS}", "line")
        end = end_word(given)
        if end is None:
            raise GenerationError("the line to answer has no word to rhyme with; pass a line that ends in a word", "line")
        if not is_word(end):
            raise GenerationError(f"the line to answer ends on {validate.shown(end)}, which is no English word to rhyme with; "
                                  "end it on a word (numbers written out)", "line")
        refuse_digits(given, "line", "the line to answer")  # (its syllables are the answer's target)
        s, seed, rng = self._prepare(temperature, candidates, top_p, variety, retries, rhyme, weights, rules, seed, strict,
                                      given)
        end = normalize_word(end, "line")
        self.index.pronunciations(end, strict=s.strict, parameter="line")
        encode(self.model, given, "line")  # refuses characters the model cannot read
        words, near = rhymepolicy.rhyme_choices(self.index, [end], [end], rng, s.rhyme, s.candidates,
                                                fix="end the line on another word", parameter="line")
        target = s.rules.target_syllables or reply_syllables(syllable_count(self.index, given), s.rules)
        ending = self._readable(rhymepolicy.CLOSING_MARK) if punctuate else ""
        answers = self._choices(words, near, target, [given, *shown], rng, s, None, follows=given, ending=ending,
                                count=count)
        answers = self._on_other_rhymes(answers, count, end, words, target, [given, *shown], rng, s, given, ending)
        return [Verse(lines=(new.text,), rhyme_words=(new.end_word,), scheme=REPLY, model=self.name, seed=seed,
                      temperature=s.temperature, candidates=s.candidates, top_p=s.top_p, variety=s.variety, answers=given,
                      details=(new,))
                for new, _ in answers]

    def _on_other_rhymes(self, answers: list[tuple[Line, State | None]], count: int, end: str, tried: tuple[str, ...],
                         target: int, previous: list[str], rng: np.random.Generator, s: _Settings, given: str,
                         ending: str) -> list[tuple[Line, State | None]]:
        """Up to ``count`` answers: ``answers``, those on a rhyme a better one ends on (and any missing) replaced,
        while there are others, by answers written for rhymes not yet ``tried`` (one more sampling): a songwriter
        asking for five answers to "town" wants brown, down and crown, not brown three times. The first answer
        stays the one ``reply`` gives."""
        rhymes = [line.end_word for line, _ in answers]
        again = [rhymes[i] in rhymes[:i] for i in range(len(answers))]  # on a rhyme a better answer ends on
        firsts = [a for a, repeats in zip(answers, again) if not repeats]
        if len(firsts) == count:
            return answers
        try:
            mode = s.rhyme if any(line.near_rhyme for line, _ in answers) else "perfect"  # no near rhyme after a perfect one
            words, near = rhymepolicy.rhyme_choices(self.index, [end], [end, *tried, *rhymes], rng, mode, s.candidates)
        except GenerationError:  # no rhyme left that was not tried
            return answers
        shown = [*previous, *(line.text for line, _ in answers)]
        more = [a for a in self._choices(words, near, target, shown, rng, s, None, follows=given, ending=ending,
                                         count=count - len(firsts)) if not a[0].failed]
        return [*firsts, *more, *(a for a, repeats in zip(answers, again) if repeats)][:count]

    @staticmethod
    def _prepare(temperature: float, candidates: int, top_p: float, variety: float, retries: int | None, rhyme: str,
                 weights: Weights | None, rules: Rules | None, seed: int | None, strict: bool, mix: str | None,
                 ) -> tuple[_Settings, int, np.random.Generator]:
        """Check the settings; the sampling settings, the seed and a generator seeded by it and ``mix``.

        ``mix`` (the seed word or the given line) is mixed into the seed with a stable hash, so one
        seed gives different skeletons for different words and the same verse in every process.
        """
        temperature, candidates, top_p = check_settings(temperature, candidates, top_p)
        if retries is None:
            retries = 0 if candidates == 1 else DEFAULT_RETRIES  # one candidate: nothing to rerank
        retries = validate.integer("retries", retries, 0, MAX_RETRIES, error=GenerationError)
        variety = validate.number("variety", variety, 0.0, MAX_VARIETY, error=GenerationError)
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % 2**32)
        seed = validate.integer("seed", seed, 0, MAX_SEED, error=GenerationError)
        rhyme = validate.choice("rhyme", rhyme, RHYME_MODES, error=GenerationError)
        weights = validate.instance("weights", weights, Weights, default=Weights())
        rules = validate.instance("rules", rules, Rules, default=Rules())
        strict = validate.boolean("strict", strict)
        mixed = [seed, zlib.crc32(mix.lower().encode("utf-8"))] if mix else seed
        settings = _Settings(temperature, candidates, top_p, retries, weights, rules, rhyme, strict, variety)
        return settings, seed, np.random.default_rng(mixed)

    def _readable(self, mark: str) -> str:
        """``mark`` if the model can read it, else "": a corpus without that punctuation gives bare line ends."""
        return mark if set(mark) <= set(self.model.vocab) else ""

    def _choices(self, words: tuple[str, ...], near: bool, target: int, previous: list[str], rng: np.random.Generator,
                 s: _Settings, context: State | None = None, follows: str | None = None, ending: str = "",
                 typed: str | None = None, count: int = 1) -> list[tuple[Line, State | None]]:
        """Best of K candidates sampled after ``context`` (K / len(words) ending in each of ``words``), with the
        model state at its end; resample up to ``retries`` times when none passes every check.
        ``follows`` is a line that comes right after this one (answering a line). With ``count`` above 1, up
        to that many of the best that pass, each different from those before it (``_differs``) and on a rhyme
        none of them ends on while there are such lines, resampling while there are fewer; the best that fails a
        check only when none passes."""
        trie = self.trie if s.rules.known_words else None
        runs = self.run_tries if s.rules.known_words and s.rules.word_runs else None
        spelled = [self.spelling(w, typed) for w in words]
        each = s.candidates // len(words)  # (rhymepolicy.rhyme_choices_for: they share K evenly)
        best: Judgement | None = None
        chosen: list[tuple[Line, State | None]] = []
        held: list[tuple[tuple[int, float], tuple[Line, State | None]]] = []  # passing lines on a rhyme already chosen
        for attempt in range(1, s.retries + 2):
            per_word = sample_lines(self.model, spelled, each, s.temperature, rng, context=context, trie=trie, runs=runs,
                                    ending=ending, top_p=s.top_p)
            sampled = [c for group in per_word for c in group]
            ends = {c.text.strip(): (w, c.state) for w, group in zip(words, per_word) for c in group}  # word, state
            # the checks each candidate fails (these judgements' scores lack the terms: _judged adds them)
            checked = [judge(c.text, c.logprob, c.finished, self.index, s.rules, s.weights, previous, target) for c in sampled]
            passing = [c for c, j in zip(sampled, checked) if not j.failed]
            failing = [c for c, j in zip(sampled, checked) if j.failed]
            for j in choice_order(self._judged(passing, previous, target, follows, s), s.variety, rng):
                if len(chosen) == count:
                    break
                word, end = ends[j.text]
                if not _differs(j.text, [line for line, _ in chosen]):
                    continue
                if self.copies.copied(j.text):
                    j = Judgement(j.text, j.score, j.logprob, j.real_words, j.syllables, ("copied",))
                    if best is None or j.rank() < best.rank():
                        best, (best_word, best_end) = j, ends[j.text]
                    continue
                kept = _line_of(j, word, near, attempt, target, s.rules), end
                if any(line.end_word == word for line, _ in chosen):  # other rhymes first
                    held.append((j.rank(), kept))
                else:
                    chosen.append(kept)
            if len(chosen) == count:
                return chosen
            for j in self._judged(failing, previous, target, follows, s):
                if best is None or j.rank() < best.rank():
                    best, (best_word, best_end) = j, ends[j.text]
        for _, (line, end) in sorted(held, key=lambda h: h[0]):  # then the best on a rhyme already taken
            if len(chosen) < count and _differs(line.text, [c for c, _ in chosen]):
                chosen.append((line, end))
        return chosen or [(_line_of(best, best_word, near, s.retries + 1, target, s.rules), best_end)]

    def _judged(self, candidates: list[Candidate], previous: list[str], target: int, follows: str | None,
                s: _Settings) -> list[Judgement]:
        """``judge`` with every score term, for candidates that pass the checks (or, when none of a sampling is
        kept, for the rest): the terms are most of a line's scoring, and a line that fails a check (a copied
        one included) is only chosen when no candidate of any attempt is kept. Passing candidates are judged a
        second time, whole, so that their scores add up in the order they always did."""
        texts = [c.text for c in candidates]
        fluency = [self.words.line_logprob(t) if self.words and s.weights.words else None for t in texts]
        follow = self._follow(candidates, follows) if follows and s.weights.follow else [None] * len(candidates)
        real = term_or_none(self.discriminator.log_real if self.discriminator and s.weights.discriminator else None, texts)
        rated = term_or_none(self.reader.score if self.reader and s.weights.reader else None, texts)
        return [judge(c.text, c.logprob, c.finished, self.index, s.rules, s.weights, previous, target,
                      word_logprob=w, follow_logprob=f, real_logprob=r, reader_score=g)
                for c, w, f, r, g in zip(candidates, fluency, follow, real, rated)]

    def _follow(self, sampled: list, follows: str) -> list[float | None]:
        """How well the backward model reads ``follows`` after each finished candidate (mean log-prob per
        character); None for unfinished ones, which fail anyway."""
        done = [i for i, c in enumerate(sampled) if c.state is not None]
        found = continuation_logprob(self.model, [sampled[i].state for i in done], follows[::-1]) if done else []
        scores: list[float | None] = [None] * len(sampled)
        for i, value in zip(done, found):
            scores[i] = float(value)
        return scores

    def couplet(self, seed_word: str | None = None, **options) -> Verse:
        """Two lines: the first ends in ``seed_word``, the second in a rhyme of it.

        Takes ``verse``'s options and raises what it raises.
        """
        return self.verse("couplet", seed_word, **validate.options(options, self.verse))

    def series(self, count: int, scheme: str = "couplet", seed_word: str | None = None, *, seed: int | None = None,
               avoid: Iterable[str] = (), **options) -> Iterator[Verse]:
        """``count`` verses in ``scheme`` for a feed, none saying again or echoing the SERIES_MEMORY lines before
        it: each verse is ``verse`` with those lines as its ``avoid`` (``scoring.echoes``: "the trophies of"
        twice reads as a machine's). A verse that still repeats them (a word whose rhymes the model writes few
        lines for) gives way to the next seed's, up to SERIES_TRIES seeds; when all of them repeat, the one that
        repeats least is kept (the fewest lines that break a rule first, then ``scoring.repetition``: a line said
        again word for word counts first; the earliest on a tie). Seeds run ``seed``, ``seed + 1``, ... (from a
        fresh one without a seed), so the same ``seed``, ``count`` and ``avoid`` give the same series again, and
        each verse records its seed.
        ``avoid``: lines shown before the series (its last SERIES_MEMORY count). Takes ``verse``'s other
        options; bad ``count``, ``seed`` (one without room for ``count * SERIES_TRIES`` seeds before MAX_SEED
        included) or ``avoid`` raise at once, the rest as ``verse`` raises them, when their verse is asked for.

        >>> import rhymer
        >>> [v.seed for v in rhymer.load("markov").series(3, seed_word="night", seed=3)]
        [3, 4, 5]
        """
        count = validate.integer("count", count, 1, (MAX_SEED + 1) // SERIES_TRIES, error=GenerationError)
        last = MAX_SEED + 1 - count * SERIES_TRIES  # room for every seed the series may take, so it never stops half-way
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (last + 1))
        seed = validate.integer("seed", seed, 0, last, error=GenerationError)
        memory = deque(validate.texts("avoid", avoid), maxlen=SERIES_MEMORY)
        return self._series(count, scheme, seed_word, seed, memory, validate.options(options, self.verse))

    def _series(self, count: int, scheme: str, seed_word: str | None, seed: int, memory: deque,
                options: dict) -> Iterator[Verse]:
        for _ in range(count):
            kept: tuple[tuple[int, int, int], Verse] | None = None
            for _ in range(SERIES_TRIES):
                verse = self.verse(scheme, seed_word, seed=seed, avoid=list(memory), **options)
                seed += 1
                # the verse with the fewest lines that break a rule (one said again is one), then repeats
                rank = (sum(bool(line.failed) for line in verse.details), *repetition(verse.lines, memory))
                if kept is None or rank < kept[0]:
                    kept = rank, verse
                if rank == (0, 0, 0):
                    break
            memory.extend(kept[1].lines)
            yield kept[1]

    @validate.keywords
    def rhymes(self, word: str, near: bool = False, strict: bool = False) -> list[str]:
        """Words of this model's corpus that rhyme with ``word``, most frequent first (near ones: closest first).

        Raises WrongType for a non-string word or non-bool ``near``, LexiconError for an unusable word (with
        ``strict``, for one missing from CMU dict too).

        >>> import rhymer
        >>> rhymer.load("markov").rhymes("night")[:5]
        ['might', 'light', 'bright', 'right', 'white']
        """
        word, strict = normalize_word(word), validate.boolean("strict", strict)
        if validate.boolean("near", near):
            return list(self.index.near_rhymes(word, strict=strict))
        return rhymepolicy.most_frequent(self.index.rhymes(word, strict=strict))


def _differs(text: str, chosen: list[Line]) -> bool:
    """Whether a line may join the ``chosen`` answers: it neither says one again nor echoes one (``scoring.repetition``),
    nor ends on the same ECHO_WORDS words as one ("But that thou art the fairest" after "And that thou art the
    fairest" is one answer twice to a songwriter, though an echo leaves out the run that ends a line)."""
    ending = tokens(text)[-ECHO_WORDS:]
    return (repetition([text], [line.text for line in chosen]) == (0, 0)
            and all(tokens(line.text)[-ECHO_WORDS:] != ending for line in chosen))


def _line_of(j: Judgement, word: str, near: bool, attempts: int, target: int | None, rules: Rules) -> Line:
    return Line(j.text, word, round(j.score, 4), round(j.logprob, 4), round(j.real_words, 4), j.syllables, near, j.failed,
                attempts, target, rules.syllable_tolerance)


def failure_note(line: Line, number: int | str, rules: Rules = Rules()) -> str:
    """What a returned line still gets wrong, in plain words: what was wanted and what was written, e.g.
    "line 3 ('... of the force') has 9 syllables, wanted 5±1". ``rules`` are the ones the verse was written with;
    ``number`` is the line's in its verse, or what to call it ("the answer")."""
    words, written = tokens(line.text), line.text.split()
    shown = ("... " if len(written) > NOTE_WORDS else "") + " ".join(written[-NOTE_WORDS:])
    said = {
        "syllables": f"has {line.syllables} syllables, wanted {line.target_syllables}"
                     + (f"±{line.syllable_tolerance}" if line.syllable_tolerance else ""),
        "too_short": f"has {len(words)} word{'s' * (len(words) != 1)}, wanted at least {rules.min_words}",
        "too_long": f"has {len(words)} words, wanted at most {rules.max_words}",
        "unfinished": "was cut off: the model had not begun it within the length limit",
        "repeated_line": "repeats an earlier line",
        "unbalanced_marks": "has a quotation mark or a bracket with no partner",
        "copied": "copies the corpus (a long run of its words)",
    }
    return f"{f'line {number}' if isinstance(number, int) else number} ('{shown}') " + ("; ".join(said.get(f, f) for f in line.failed) or "passes every check")
