"""A word-level n-gram model (interpolated Kneser-Ney) of a corpus: fluency at the level of words.

Character models happily write "shall shall be" or "they was bands"; a word trigram model of the corpus
scores such lines low, so its mean log-probability per word is a reranking term beside the character
log-probability. It is small (n-grams seen once are pruned above the unigrams) and saved as one JSON
file in the model directory:

    {"format": "rhymer-wordgrams", "version": VERSION, "order": n, "discounts": [D_0..D_n-1],
     "tables": [{context: [[words], [counts]]}, ...]}

``tables[k]`` holds contexts of k words joined by spaces; the top order keeps raw counts, the lower
orders Kneser-Ney continuation counts. Totals and the weight left for the lower order are computed
from the stored (pruned) counts, so every context's distribution still sums to one.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from rhymer.errors import ModelError
from rhymer.files import MAX_COUNT, read_model_json, write_json
from rhymer.words import tokens

FORMAT, VERSION = "rhymer-wordgrams", 1
MAX_BYTES = 64 * 1024 * 1024  # ngrams.json; the shipped model's is 0.4 MB
ORDER = 3
MAX_ORDER = 6  # scoring a word costs about order^2: a tampered file's order 3000 took a second per line
MIN_COUNT = 2  # n-grams (above unigrams) seen fewer times are pruned: the file stays small
BOS, EOS, UNK = "<s>", "</s>", "<unk>"


class WordModel:
    """Interpolated Kneser-Ney over lower-cased word tokens, one corpus line per sentence."""

    def __init__(self, order: int, discounts: list[float], tables: list[dict[str, tuple[list[str], list[int]]]]) -> None:
        self.order, self.discounts, self._raw = order, discounts, tables
        # per order, each context's distribution and the weight it leaves to the lower order, derived when first
        # asked for (a verse meets a few hundred of the file's thousands of contexts: a cold couplet's ~0.06 s)
        self._tables: list[dict[str, tuple[dict[str, float], float]]] = [{} for _ in tables]
        self.vocab = sorted({*tables[0].get("", ([], []))[0], UNK})  # every word it can predict
        self._known = frozenset(self.vocab)

    @classmethod
    def build(cls, text: str, order: int = ORDER, min_count: int = MIN_COUNT) -> WordModel:
        """Count the n-grams of ``text``'s lines and derive the pruned Kneser-Ney tables."""
        if not 1 <= order <= MAX_ORDER:
            raise ModelError(f"word model order {order} is out of range; pass 1 to {MAX_ORDER}")
        grams: Counter = Counter()
        for line in text.split("\n"):
            words = tokens(line)
            if words:
                seq = [BOS] * (order - 1) + words + [EOS]
                grams.update(tuple(seq[i : i + order]) for i in range(len(seq) - order + 1))
        if not grams:
            raise ModelError("the corpus has no words to build a word model from; use a corpus of text")
        levels = [grams]
        for _ in range(order - 1):  # continuation counts: distinct words seen before each shorter gram
            levels.append(Counter(g[1:] for g in levels[-1]))
        levels.reverse()  # levels[k] holds grams of k + 1 words
        tables, discounts = [], []
        for k, counts in enumerate(levels):
            n1 = sum(1 for c in counts.values() if c == 1)
            n2 = sum(1 for c in counts.values() if c == 2)
            discounts.append(n1 / (n1 + 2 * n2) if n1 else 0.5)  # (never 0: it would leave unseen words no mass)
            table: dict[str, tuple[list[str], list[int]]] = {}
            for gram in sorted(counts):
                if k and counts[gram] < min_count:
                    continue
                words, cnts = table.setdefault(" ".join(gram[:-1]), ([], []))
                words.append(gram[-1])
                cnts.append(counts[gram])
            tables.append(table)
        return cls(order, discounts, tables)

    # -- storage ------------------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        write_json(path, {"format": FORMAT, "version": VERSION, "order": self.order, "discounts": self.discounts,
                          "tables": [{k: [w, c] for k, (w, c) in t.items()} for t in self._raw]})

    @classmethod
    def load(cls, path: str | Path) -> WordModel:
        fix = "rebuild the model folder with 'rhymer markov' or 'rhymer train'"
        data = read_model_json(path, fix, MAX_BYTES, FORMAT, VERSION)
        try:
            order = data["order"]
            if type(order) is not int or not 1 <= order <= MAX_ORDER:
                raise ValueError(f"order must be a whole number from 1 to {MAX_ORDER}")
            tables = [{str(k): (list(map(str, v[0])), list(v[1])) for k, v in t.items()} for t in data["tables"]]
            discounts = [float(d) for d in data["discounts"]]
            if not all(0 < d <= 1 for d in discounts):  # NaN fails too; 0 leaves an unseen word no probability
                raise ValueError("a discount is outside (0, 1]")
            if len(tables) != order or len(discounts) != order:
                raise ValueError("table count does not match the order")
            if any(len(w) != len(c) or not w or not all(type(n) is int and 1 <= n <= MAX_COUNT for n in c)
                   for t in tables for w, c in t.values()):
                raise ValueError(f"a table entry has mismatched or empty counts, or counts not whole numbers from 1 to {MAX_COUNT}")
            return cls(order, discounts, tables)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as err:
            raise ModelError(f"word model '{path}' is malformed ({err}); {fix}") from None

    # -- probabilities ----------------------------------------------------------------------------
    def prob(self, context: Iterable[str], word: str) -> float:
        """P(word | the last order-1 words of context); unknown words are ``<unk>``."""
        context = list(context)
        p = 1.0 / len(self.vocab)
        for k in range(self.order):
            if k > len(context):
                break
            entry = self._entry(k, " ".join(context[len(context) - k :]) if k else "")
            if entry is not None:  # a pruned context leaves the lower order's distribution as it is
                probs, gamma = entry
                p = gamma * p + probs.get(word, 0.0)
        return p

    def _entry(self, k: int, ctx: str) -> tuple[dict[str, float], float] | None:
        """The order-k distribution after ``ctx`` and the weight it leaves to the lower order (None if pruned)."""
        entry = self._tables[k].get(ctx)
        if entry is None and ctx in self._raw[k]:  # kept once derived: at most the file's own contexts
            words, counts = self._raw[k][ctx]
            total, d = float(sum(counts)), self.discounts[k]
            entry = self._tables[k][ctx] = ({w: max(c - d, 0.0) / total for w, c in zip(words, counts)}, d * len(words) / total)
        return entry

    def line_logprob(self, line: str) -> float:
        """Mean natural-log probability per word of a line (its end included); 0.0 for a line without words."""
        words = tokens(line)
        if not words:
            return 0.0
        seq = [BOS] * (self.order - 1) + [w if w in self._known else UNK for w in words] + [EOS]
        n = self.order - 1
        total = sum(math.log(self.prob(seq[i - n : i], seq[i])) for i in range(n, len(seq)))
        return total / (len(seq) - n)

    def perplexity(self, lines: Iterable[str]) -> float:
        """Word-level perplexity of lines (each line's end counted as a word)."""
        logp, count = 0.0, 0
        for line in lines:
            n = len(tokens(line)) + 1
            if n > 1:
                logp += self.line_logprob(line) * n
                count += n
        return math.exp(-logp / count) if count else float("nan")
