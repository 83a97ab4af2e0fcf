"""Word runs the corpus has seen: each word written must have been seen before the words that follow it.

The models write a line backward, so when a word is begun the one or two words after it are already
written. Where the corpus has seen at least ``MIN_PREDECESSORS`` different words right before those two
words (or, failing that, before the next one), the new word must be one of them; elsewhere any known word
may come (rhymer.vocabtrie). Runs are counted within a clause: punctuation breaks them, so nothing is
asked of the word before a comma. This rules out "was takes" and "shall will make" by construction, as the
known-word trie rules out invented words. Blind readings 14 and 15 favoured it on every aspect (grammar
+0.15 and +0.23, sense +0.07 and +0.20 over the same couplets without it; about 1.7 standard errors
pooled: docs/results/verse-levers.md).

Only contexts that constrain are stored, as one JSON file in the model folder (0.4 MB for the shipped
corpus):

    {"format": "rhymer-wordruns", "version": VERSION, "min_predecessors": 5,
     "before": {"b c": "a the ...", "c": "b ..."}}   (the words before each context, sorted, space-separated)
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from rhymer.errors import ModelError
from rhymer.files import read_model_json, write_json
from rhymer.vocabtrie import VocabTrie
from rhymer.words import tokens

FORMAT, VERSION = "rhymer-wordruns", 1
MAX_BYTES = 128 * 1024 * 1024  # wordruns.json, about 0.6 bytes per corpus byte: room for the largest corpus (0.4 MB shipped)
MIN_PREDECESSORS = 5  # a context seen after fewer different words asks nothing (too few choices to write well)
CONTEXT_WORDS = 2  # the words after the new one that are looked at; one is the fall-back
MAX_REMEMBERED = 1 << 16  # word contexts whose trie a RunTries remembers before it starts afresh
_CLAUSE_BREAK = re.compile(r"[^A-Za-z' ]+")  # runs never cross punctuation, digits or markup
_WORD = r"[a-z]+(?:'[a-z]+)*"
_WORDS = re.compile(rf"{_WORD}(?: {_WORD})*")  # one or more words, one space apart
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
        self.before, self.min_predecessors = before, min_predecessors

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
        return cls({ctx: sorted(ws) for ctx, ws in sorted(seen.items()) if len(ws) >= min_predecessors}, min_predecessors)

    def contexts(self, after: Context) -> list[Context]:
        """The stored contexts that may decide what comes before ``after``, the longest first (none: any word)."""
        return [after[:n] for n in range(min(len(after), CONTEXT_WORDS), 0, -1) if after[:n] in self.before]

    # -- storage ------------------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        write_json(path, {"format": FORMAT, "version": VERSION, "min_predecessors": self.min_predecessors,
                          "before": {" ".join(ctx): " ".join(ws) for ctx, ws in self.before.items()}})

    @classmethod
    def load(cls, path: str | Path) -> WordRuns:
        """Read and check a wordruns.json (untrusted: size limit, version, every key and word a word)."""
        data = read_model_json(path, FIX, MAX_BYTES, FORMAT, VERSION)
        try:
            least = data["min_predecessors"]
            if type(least) is not int or least < 1:
                raise ValueError("min_predecessors must be a whole number of at least 1")
            before: dict[Context, list[str]] = {}
            for key, joined in data["before"].items():
                context = tuple(key.split(" "))
                if not 1 <= len(context) <= CONTEXT_WORDS or not _WORDS.fullmatch(key):
                    raise ValueError(f"context {key[:40]!r} is not one or two words")
                words = joined.split(" ") if type(joined) is str and _WORDS.fullmatch(joined) else []
                if len(words) < least:
                    raise ValueError(f"the words before {key[:40]!r} are not at least {least} words, one space apart")
                before[context] = words
            return cls(before, least)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise ModelError(f"word runs '{path}' are malformed ({str(err)[:100]}); {FIX}") from None


class RunTries:
    """The known-word trie narrowed to each context's predecessors (built on first use and kept), for the
    sampler: ``trie(after)`` is what may be written before the words ``after``."""

    def __init__(self, runs: WordRuns, known: VocabTrie, vocab: list[str]) -> None:
        self.runs, self.known, self.vocab = runs, known, vocab
        self._tries: dict[Context, VocabTrie] = {}  # per stored context: at most one per context in the file
        self._by_after: dict[Context, VocabTrie] = {}  # the sampler asks per character: one lookup

    def trie(self, after: Context) -> VocabTrie:
        found = self._by_after.get(after)
        if found is None:
            if len(self._by_after) >= MAX_REMEMBERED:  # a long-lived process meets ever more word pairs
                self._by_after.clear()
            found = self._by_after[after] = self._narrowed(after)
        return found

    def _narrowed(self, after: Context) -> VocabTrie:
        for context in self.runs.contexts(after):
            found = self._tries.get(context)
            if found is None:
                known = [w for w in self.runs.before[context] if w in self.known]  # a file never widens them
                found = self._tries[context] = VocabTrie(known, self.vocab)
            if len(found) >= self.runs.min_predecessors:  # else too few that the model can spell: the next
                return found
        return self.known
