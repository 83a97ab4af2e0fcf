"""Word-level text helpers shared by the lexicon, the verse layer and the metrics."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
_ANY_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")  # letters of any script and digits (web/rhymer.js endWord)
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_CASED_WORD = re.compile(r"(?<![\w'])[A-Za-z]+(?:'[a-z]+)*")
_SENTENCE_START = ".!?:;\"'(-"  # after these (or at a line start) a capital says nothing about the word
MIN_NAME_COUNT = 2  # a capitalised spelling seen once mid-line may be a typo
# the words that carry grammar rather than sense: the discriminator's features keep them, and a repeated
# phrase of nothing else ("and on the") is no echo (rhymer.scoring)
FUNCTION_WORDS = frozenset("""
a an the this that these those some any no every each all both either neither such what which whose
i me my mine we us our ours you your yours thou thee thy thine ye he him his she her hers it its they them
their theirs who whom myself himself herself itself themselves ourselves yourself one none naught aught
is are was were be been being am art wast wert have has had hast hath having do does did doth dost didst
shall will would should could can may might must shalt wilt canst mayst couldst wouldst shouldst
not nor and or but if then than so as yet though although because since while when where whence whither
why how till until unless lest ere for of to in on at by with from into upon onto over under about above
below between among through against without within before after behind beneath beyond around along
across toward towards near off out up down o oh ah there here now thus too very more most
""".split())
# the words of one or two letters that verse uses: CMU dict's others are letter names and abbreviations
# ("t", "lb", "pc"), and the corpus's are what is left of "'t were", "they're" and "th' abyss" once the
# apostrophe is gone, which read as "t were", "they re" and "th abyss" (and archaic "mo", "wo", which a
# reader today takes for such tails)
SHORT_VERSE_WORDS = frozenset("""
a i o ah am an as at aw ax ay be by do eh go ha he hi ho if in is it la lo ma me my no of oh on or ow ox pa
so to up us we ye
""".split())

# words the corpus writes only after an apostrophe that stands for an elided letter ("'Tis", "'twas"): the
# known words (rhymer.vocabtrie) write them so, never bare ("Tis double death"), and no line ends in one
ELIDED_WORDS = frozenset({"tis", "twas", "twere", "twill", "twould"})


def without_accents(text: str) -> str:
    """``text`` with its accents and other combining marks taken off the letters they sit on (the page's
    ``normalize("NFKD")`` less ``\\p{M}``, recomposed).

    >>> without_accents("caf\u00e9 Z\u00fcrich na\u00efve")
    'cafe Zurich naive'
    """
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.category(c).startswith("M"))
    return unicodedata.normalize("NFC", bare)


def tokens(text: str) -> list[str]:
    """Lower-case word tokens (letters with inner apostrophes), punctuation dropped."""
    return _WORD.findall(text.lower())


def is_verse_word(word: str) -> bool:
    """Whether a word may stand in a verse: any of three letters or more, of fewer only SHORT_VERSE_WORDS.
    The known words (``VocabTrie.known``) and the rhyme words (``rhymepolicy.is_rhyme_word``) keep to it.

    >>> [is_verse_word(w) for w in ("night", "me", "a", "re", "th", "t")]
    [True, True, True, False, False, False]
    """
    return len(word) > 2 or word in SHORT_VERSE_WORDS


def last_word(line: str) -> str | None:
    """The line's final word token, or None for a line without words."""
    found = tokens(line)
    return found[-1] if found else None


def is_word(token: str) -> bool:
    """Whether ``token`` is one word token (``tokens``) and nothing more: letters a-z, inner apostrophes.

    >>> is_word("night"), is_word("o'er"), is_word("42"), is_word("æsir")
    (True, True, False, False)
    """
    return bool(_WORD.fullmatch(token))


def end_word(line: str) -> str | None:
    """The line's last word as a reader sees it, lower-cased, accents folded, or None for a line without
    one: letters of any script and digits count, so "Zürich" is "zurich" (not "rich") and "42" stays "42"
    for the caller to refuse (not "to", the word before it).

    >>> end_word("We met at the Café."), end_word("I counted to 42"), end_word("rock'n'roll"), end_word("...")
    ('cafe', '42', "rock'n'roll", None)
    """
    found = _ANY_WORD.findall(unicodedata.normalize("NFC", line).lower())
    if not found:
        return None
    return without_accents(found[-1])


def guess_syllables(word: str) -> int:
    """Spelling-based syllable estimate for words missing from CMU dict (vowel groups, silent e); an
    apostrophe stands for a letter left unsaid, so "o'er", "heav'n" and "ev'ry" are sung in one and two.

    >>> guess_syllables("glimmerlight"), guess_syllables("o'er"), guess_syllables("heav'n"), guess_syllables("ev'ry")
    (3, 1, 1, 2)
    """
    word = word.lower().replace("'", "")
    count = len(_VOWEL_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    return max(count, 1)


def capitalised_words(text: str) -> dict[str, str]:
    """Words the corpus writes capitalised mid-line ("France", "I"): lower case -> that spelling.

    Rhyme words come from the lexicon in lower case; a verse writes them as the corpus spells them, so
    proper nouns keep their capital at a line's end. Line and sentence starts are left out, since every
    verse line starts with a capital. The page gets this table (names.json); the library asks per word.

    >>> capitalised_words("Fair Rome and Rome\\nto rome, I say\\nIn Rome I sing")
    {'rome': 'Rome', 'i': 'I'}
    """
    return _names(_mid_line(text, _CASED_WORD.finditer(text)))


def corpus_spelling(text: str, word: str) -> str | None:
    """The lower-case ``word`` as ``capitalised_words(text)`` spells it, in a few milliseconds: only the
    places where ``word`` or its capitalised form occur are read, not the whole corpus. None where the
    corpus has no say: it never writes ``word`` mid-line, in small letters or capitalised often enough, so
    the case a user typed it in decides (a "Paris" seen once mid-line, or only at lines' starts, stays "Paris";
    ``Rhymer.spelling``).

    >>> corpus_spelling("Fair Rome and Rome\\nto rome", "rome"), corpus_spelling("The night\\nNight", "night")
    ('Rome', 'night')
    >>> corpus_spelling("Paris\\nthe night", "paris") is None
    True
    """
    matches = []
    for form in {word, word[:1].upper() + word[1:]}:
        at = text.find(form)
        while at >= 0:
            match = _CASED_WORD.match(text, at)  # the same token rule as capitalised_words
            if match and match.end() == at + len(form):
                matches.append(match)
            at = text.find(form, at + 1)
    spellings = _mid_line(text, matches)
    return _names(spellings).get(word) or (word if spellings[word] else None)


def written_small(text: str) -> set[str]:
    """The words ``text`` writes in small letters mid-line: for the others a user's capitals are kept where
    ``capitalised_words`` has no spelling (``corpus_spelling`` is None; the page gets the corpus words that are
    not among them).

    >>> sorted(written_small("Paris and Rome\\nin rome, I say"))
    ['and', 'rome', 'say']
    """
    return {w for w in _mid_line(text, _CASED_WORD.finditer(text)) if w.islower()}


def _mid_line(text: str, matches: Iterable[re.Match]) -> Counter:
    """How often each spelling occurs after another word on its line (not at a line or sentence start)."""
    spellings: Counter = Counter()
    for match in matches:
        before = text[text.rfind("\n", 0, match.start()) + 1 : match.start()].rstrip()
        if before and before[-1] not in _SENTENCE_START:
            spellings[match.group()] += 1
    return spellings


def _names(spellings: Counter) -> dict[str, str]:
    lower = Counter({w: n for w, n in spellings.items() if w.islower()})
    return {w.lower(): w for w, n in spellings.items()
            if w[0].isupper() and (len(w) == 1 or w[1:].islower()) and n >= MIN_NAME_COUNT and n > lower[w.lower()]}
