"""Word runs the corpus has seen: each word written must have been seen before the words that follow it.

The models write a line backward, so when a word is begun the one or two words after it are already
written. Where the corpus has seen those two words (or, failing that, the next one) after at least
``MIN_PREDECESSORS`` different words, the new word must be one of those; elsewhere any known word may
come (rhymer.vocabtrie). Runs are counted within a clause: punctuation breaks them, so nothing is asked
of the word before a comma. This rules out "was takes" and "shall will make" by construction, as the
known-word trie rules out invented words. Blind readings 14 and 15 favoured it on every aspect (grammar
+0.15 and +0.23, sense +0.07 and +0.20 over the same couplets without it), with contexts of at least 5
predecessors; readings 20, 24, 26 and 27 favoured every context the corpus has seen (1 predecessor) over
that: grammar +0.15 +- 0.07, quality +0.11 +- 0.05, sense +0.06 +- 0.05 over 160 couplets
(docs/results/verse-levers.md).

Only contexts that constrain are stored, as one JSON file in the model folder (1.8 MB and 71,064
contexts for the shipped corpus), read and checked in about 0.1 s; a context's words are split when first asked for:

    {"format": "rhymer-wordruns", "version": VERSION, "min_predecessors": 1,
     "before": {"b c": "a the ...", "c": "b ..."}}   (the words before each context, sorted, space-separated)
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from itertools import repeat
from pathlib import Path

from rhymer.errors import ModelError
from rhymer.files import read_model_json, write_json
from rhymer.vocabtrie import VocabTrie
from rhymer.words import tokens

FORMAT, VERSION = "rhymer-wordruns", 1
MAX_BYTES = 384 * 1024 * 1024  # wordruns.json, about 2.4 bytes per corpus byte: room for the largest corpus
# (3x corpus.MAX_CORPUS_BYTES; 1.8 MB shipped)
MIN_PREDECESSORS = 1  # a context seen after fewer different words asks nothing (readings 20, 24, 26, 27 favoured 1 over 5)
CONTEXT_WORDS = 2  # the words after the new one that are looked at; one is the fall-back
MAX_REMEMBERED = 1 << 14  # word contexts (and narrowed tries) a RunTries remembers before it starts afresh
_CLAUSE_BREAK = re.compile(r"[^A-Za-z' ]+")  # runs never cross punctuation, digits or markup
_WORD = r"[a-z]+(?:'[a-z]+)*"
_WORDS = re.compile(rf"{_WORD}(?: {_WORD})*")  # one or more words, one space apart
# lines of words: letter runs one apostrophe, space or line break apart (the same as _WORDS per line, and
# three times faster to match than that pattern nested: a folder's 10^5 lists are checked on every load)
_WORD_LINES = re.compile(r"[a-z]+(?:['\n ][a-z]+)*")
FIX = "rebuild the model folder with 'rhymer markov' or 'rhymer train'"

Context = tuple[str, ...]  # the words after the one being written, nearest first; () asks nothing


class WordRuns:
    """For each context of one or two words, the words the corpus has seen right before it.

    >>> runs = WordRuns.build("the night is dark, all night long\\nthe night was long", min_predecessors=1)
    >>> runs.before[("night",)], runs.before[("night", "is")]
    (['all', 'the'], ['the'])
    >>> runs.contexts(("night", "long")), runs.contexts(("night", "falls")), runs.contexts(("day",))
    ([('night', 'long'), ('night',)], [('night',)], [])
    """

    def __init__(self, before: dict[Context, list[str]], min_predecessors: int = MIN_PREDECESSORS) -> None:
        self._joined = {" ".join(ctx): " ".join(ws) for ctx, ws in before.items()}
        self.min_predecessors = min_predecessors

    @classmethod
    def _of_joined(cls, joined: dict[str, str], min_predecessors: int) -> WordRuns:
        """Runs kept as stored ("b c" -> "a the ..."): a file holds 10^5 contexts and a verse meets a few
        dozen, so lists are split when asked for, not when read."""
        runs = cls({}, min_predecessors)
        runs._joined = joined
        return runs

    @functools.cached_property
    def before(self) -> dict[Context, list[str]]:
        """Every context and the words seen before it (all of them split: for inspection and tests)."""
        return {tuple(key.split(" ")): joined.split(" ") for key, joined in self._joined.items()}

    def words_before(self, context: Context) -> list[str]:
        """The words the corpus has seen right before the stored ``context``."""
        return self._joined[" ".join(context)].split(" ")

    @classmethod
    def build(cls, text: str, min_predecessors: int = MIN_PREDECESSORS) -> WordRuns:
        """Count the runs of ``text`` and keep the contexts seen after ``min_predecessors`` words or more."""
        seen: dict[Context, set[str]] = defaultdict(set)
        for clause in _CLAUSE_BREAK.split(text):
            words = tokens(clause)
            for i in range(1, len(words)):
                for n in range(1, CONTEXT_WORDS + 1):
                    if i + n <= len(words):
                        seen[tuple(words[i : i + n])].add(words[i - 1])
        return cls._of_joined({" ".join(ctx): " ".join(sorted(ws)) for ctx, ws in sorted(seen.items())
                               if len(ws) >= min_predecessors}, min_predecessors)

    def contexts(self, after: Context) -> list[Context]:
        """The stored contexts that may decide what comes before ``after``, the longest first (none: any word)."""
        return [after[:n] for n in range(min(len(after), CONTEXT_WORDS), 0, -1) if " ".join(after[:n]) in self._joined]

    # -- storage ------------------------------------------------------------------------------------
    def save(self, path: str | Path, compress: bool = False) -> None:
        runs = {"format": FORMAT, "version": VERSION, "min_predecessors": self.min_predecessors, "before": self._joined}
        write_json(path, runs, compress=compress)

    @classmethod
    def load(cls, path: str | Path) -> WordRuns:
        """Read and check a wordruns.json (untrusted: size limit, version, every key and word a word)."""
        data = read_model_json(path, FIX, MAX_BYTES, FORMAT, VERSION)
        try:
            least = data["min_predecessors"]
            if type(least) is not int or least < 1:
                raise ValueError("min_predecessors must be a whole number of at least 1")
            before = data["before"]
            if not isinstance(before, dict):
                raise TypeError("before is not an object")
            if not _all_well_formed(before, least):  # find the first entry that is not, and say which
                for key, joined in before.items():
                    _check(key, joined, least)
            return cls._of_joined(before, least)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise ModelError(f"word runs '{path}' are malformed ({str(err)[:100]}); {FIX}") from None


def _all_well_formed(before: dict, least: int) -> bool:
    """Whether every key is one to CONTEXT_WORDS words and every list at least ``least`` words, one space
    apart: checked in bulk, over all keys and all lists joined by line breaks (10^5 of each: a pattern per
    entry would take longer than reading the file)."""
    keys, lists = list(before), list(before.values())
    if not keys:
        return True
    try:
        if not (_word_lines(keys) and _word_lines(lists)):
            return False
    except TypeError:  # a value that is no string
        return False
    return (max(map(str.count, keys, repeat(" "))) < CONTEXT_WORDS
            and min(map(str.count, lists, repeat(" "))) + 1 >= least)


def _word_lines(items: list[str]) -> bool:
    """Whether each item is words (``_WORDS``): the items joined by line breaks are lines of words, as many
    lines as items (so no item holds a line break of its own)."""
    joined = "\n".join(items)
    return joined.count("\n") == len(items) - 1 and bool(_WORD_LINES.fullmatch(joined))


def _check(key: object, joined: object, least: int) -> None:
    """Raise ValueError naming ``key`` unless it is one to CONTEXT_WORDS words and ``joined`` at least ``least``."""
    if type(key) is not str or not 1 <= len(key.split(" ")) <= CONTEXT_WORDS or not _WORDS.fullmatch(key):
        raise ValueError(f"context {str(key)[:40]!r} is not one or two words")
    if type(joined) is not str or not _WORDS.fullmatch(joined) or joined.count(" ") + 1 < least:
        raise ValueError(f"the words before {key[:40]!r} are not {least} or more words, one space apart")


class RunTries:
    """The known-word trie narrowed to each context's predecessors (built on first use and kept), for the
    sampler: ``trie(after)`` is what may be written before the words ``after``."""

    def __init__(self, runs: WordRuns, known: VocabTrie) -> None:
        self.runs, self.known = runs, known
        self._tries: dict[Context, VocabTrie] = {}  # per stored context met, up to MAX_REMEMBERED
        self._by_after: dict[Context, VocabTrie] = {}  # the sampler asks per character: one lookup

    def trie(self, after: Context) -> VocabTrie:
        found = self._by_after.get(after)
        if found is None:
            if len(self._by_after) >= MAX_REMEMBERED:  # a long-lived process meets ever more word pairs
                self._by_after.clear()
                self._tries.clear()
            found = self._by_after[after] = self._narrowed(after)
        return found

    def _narrowed(self, after: Context) -> VocabTrie:
        for context in self.runs.contexts(after):
            found = self._tries.get(context)
            if found is None:
                found = self._tries[context] = self.known.narrowed(self.runs.words_before(context))  # never wider
            if len(found) >= self.runs.min_predecessors:  # else too few that the model can spell: the next
                return found
        return self.known
