"""The classic baseline: an order-k character Markov model with interpolated Kneser-Ney smoothing.

Trained on reversed text like the LSTM, it implements the same ``CharModel`` interface. Smoothing
means it never dead-ends (every character keeps some probability) and can score held-out text in
bits per character. Saved as one JSON file that the web page reads too:

    {"format": "rhymer-markov", "version": 1, "order": k, "vocab": [chars],
     "discounts": [D_0..D_k], "tables": [{context: [next_chars, [counts]]}, ...]}

``tables[n]`` holds contexts of n characters; the top order keeps raw counts, lower orders keep
Kneser-Ney continuation counts (how many distinct characters precede the n-gram).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rhymer.errors import ModelError
from rhymer.files import read_model_json, write_json

FORMAT, VERSION = "rhymer-markov", 1
DEFAULT_ORDER = 5
MIN_ORDER, MAX_ORDER = 1, 12  # beyond 12 characters of context the tables only memorise the corpus
MAX_BYTES = 128 * 1024 * 1024  # markov.json; the shipped order-5 model on 645 KB of verse is 4 MB
FIX = "rebuild it with 'rhymer markov'"


@dataclass(frozen=True)
class _Table:
    """All contexts of one length, stored flat (CSR) so a batch is scored with a few numpy calls."""

    index: dict[str, int]
    indptr: np.ndarray
    ids: np.ndarray
    discounted: np.ndarray  # max(count - D, 0)
    totals: np.ndarray
    gammas: np.ndarray  # D * distinct / total: the weight left for the lower order

    @classmethod
    def from_entries(cls, entries: dict[str, tuple[str, list[int]]], char_ids: dict[str, int], discount: float):
        index, indptr, ids, counts = {}, [0], [], []
        for ctx, (chars, cnts) in entries.items():
            index[ctx] = len(index)
            ids.extend(char_ids[c] for c in chars)
            counts.extend(cnts)
            indptr.append(len(ids))
        indptr_a = np.asarray(indptr, dtype=np.int64)
        counts_a = np.asarray(counts, dtype=np.float64)
        totals = np.add.reduceat(counts_a, indptr_a[:-1]) if len(counts_a) else np.zeros(0)
        distinct = np.diff(indptr_a).astype(np.float64)
        return cls(
            index, indptr_a, np.asarray(ids, dtype=np.int64), np.maximum(counts_a - discount, 0.0),
            totals, discount * distinct / np.maximum(totals, 1e-12),
        )


def check_order(order: int) -> None:
    """Refuse a Markov order outside MIN_ORDER..MAX_ORDER (or one that is not a whole number)."""
    if isinstance(order, bool) or not isinstance(order, int) or not MIN_ORDER <= order <= MAX_ORDER:
        raise ModelError(f"Markov order {order!r} is out of range; pass an order between {MIN_ORDER} and {MAX_ORDER}")


class MarkovModel:
    """Order-k interpolated Kneser-Ney character model; state = the last k characters read."""

    kind = "markov"

    def __init__(self, order: int, vocab: list[str], discounts: list[float], entries: list[dict]) -> None:
        self.order = order
        self.vocab = vocab
        self.discounts = discounts
        self._entries = entries
        char_ids = {c: i for i, c in enumerate(vocab)}
        self._tables = [_Table.from_entries(e, char_ids, d) for e, d in zip(entries, discounts)]

    # -- building and storage -------------------------------------------------------------------
    @classmethod
    def build(cls, text: str, order: int = DEFAULT_ORDER, vocab: list[str] | None = None) -> MarkovModel:
        """Count (order+1)-grams of ``text`` (already reversed by the caller) and derive KN tables."""
        check_order(order)
        if len(text) <= order:
            raise ModelError(f"the corpus has {len(text)} characters, too few for order {order}; use more text")
        vocab = vocab or sorted(set(text))
        grams = Counter(text[i : i + order + 1] for i in range(len(text) - order))
        levels = [grams]
        for _ in range(order):  # continuation counts: distinct left extensions of each shorter gram
            levels.append(Counter(g[1:] for g in levels[-1]))
        levels.reverse()  # levels[n] holds grams of n+1 characters
        entries, discounts = [], []
        for counts in levels:
            n1 = sum(1 for c in counts.values() if c == 1)
            n2 = sum(1 for c in counts.values() if c == 2)
            discounts.append(n1 / (n1 + 2 * n2) if n1 + 2 * n2 else 0.5)
            grouped: dict[str, tuple[list[str], list[int]]] = {}
            for gram in sorted(counts):
                chars, cnts = grouped.setdefault(gram[:-1], ([], []))
                chars.append(gram[-1])
                cnts.append(counts[gram])
            entries.append({ctx: ("".join(chars), cnts) for ctx, (chars, cnts) in grouped.items()})
        return cls(order, vocab, discounts, entries)

    def to_json(self) -> dict:
        return {
            "format": FORMAT, "version": VERSION, "order": self.order, "vocab": self.vocab,
            "discounts": self.discounts, "tables": [{k: [c, n] for k, (c, n) in e.items()} for e in self._entries],
        }

    def save(self, path: str | Path) -> None:
        write_json(path, self.to_json(), compress=str(path).endswith(".gz"))

    @classmethod
    def load(cls, path: str | Path) -> MarkovModel:
        """Read and check a saved model (an untrusted file: any flaw is a one-line ModelError)."""
        data = read_model_json(path, FIX, MAX_BYTES, FORMAT, VERSION)
        try:
            order, vocab, discounts, entries = _parse(data)
        except (KeyError, TypeError, ValueError, OverflowError) as err:
            raise ModelError(f"Markov model '{path}' is malformed ({err}); {FIX}") from None
        return cls(order, vocab, discounts, entries)

    # -- CharModel ------------------------------------------------------------------------------
    def start(self, batch: int) -> list[str]:
        return [""] * batch

    def take(self, state: list[str], rows: np.ndarray) -> list[str]:
        return [state[r] for r in rows]

    def join(self, states: list[list[str]]) -> list[str]:
        return [ctx for state in states for ctx in state]

    def feed(self, state: list[str], ids: np.ndarray) -> tuple[list[str], np.ndarray]:
        new = [(ctx + self.vocab[i])[-self.order :] for ctx, i in zip(state, ids)]
        return new, self.logprobs(new)

    def logprobs(self, contexts: list[str]) -> np.ndarray:
        """Interpolated KN log-probabilities of the next character for each context, ``[B, V]``."""
        batch = len(contexts)
        p = np.full((batch, len(self.vocab)), 1.0 / len(self.vocab))
        for n, table in enumerate(self._tables):
            found = [(b, table.index.get(ctx[len(ctx) - n :])) for b, ctx in enumerate(contexts) if len(ctx) >= n]
            found = [(b, r) for b, r in found if r is not None]
            if not found:
                break  # a longer context cannot be known if this one is not
            rows_b = np.fromiter((b for b, _ in found), dtype=np.int64)
            rows = np.fromiter((r for _, r in found), dtype=np.int64)
            p[rows_b] *= table.gammas[rows][:, None]
            starts, ends = table.indptr[rows], table.indptr[rows + 1]
            lengths = ends - starts
            pos = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths) + np.repeat(starts, lengths)
            np.add.at(p, (np.repeat(rows_b, lengths), table.ids[pos]), table.discounted[pos] / np.repeat(table.totals[rows], lengths))
        return np.log(p)


def _parse(data: dict) -> tuple[int, list[str], list[float], list[dict]]:
    """Order, vocabulary, discounts and tables of a markov.json object, every field checked."""
    order, vocab, discounts, tables = data["order"], data["vocab"], data["discounts"], data["tables"]
    if type(order) is not int or not 1 <= order <= MAX_ORDER:
        raise ValueError(f"order {str(order)[:20]} is not between 1 and {MAX_ORDER}")
    if not isinstance(vocab, list) or not all(isinstance(c, str) and len(c) == 1 for c in vocab) or len(set(vocab)) != len(vocab):
        raise ValueError("the vocabulary must be a list of distinct characters")
    if not isinstance(discounts, list) or not isinstance(tables, list) or not len(discounts) == len(tables) == order + 1:
        raise ValueError("the counts of tables and discounts do not match the order")
    if not all(type(d) in (int, float) and 0.0 <= d <= 1.0 for d in discounts):  # NaN fails both comparisons
        raise ValueError("discounts must be numbers between 0 and 1")
    known, entries, counts = set(vocab), [], []
    for n, table in enumerate(tables):
        if not isinstance(table, dict) or not all(len(ctx) == n for ctx in table):
            raise ValueError(f"table {n} must map contexts of {n} characters")
        entry = {}
        for ctx, value in table.items():
            chars, cnts = value
            if not isinstance(chars, str) or not isinstance(cnts, list) or len(chars) != len(cnts):
                raise ValueError(f"context {ctx!r} needs as many counts as characters")
            entry[ctx] = (chars, cnts)
            counts.append(cnts)
        if not set("".join(table)) <= known or not set("".join(c for c, _ in entry.values())) <= known:
            raise ValueError(f"table {n} uses characters outside the vocabulary")
        entries.append(entry)
    flat = np.array([c for cnts in counts for c in cnts])
    if flat.ndim != 1 or flat.dtype.kind not in "iu" or (flat.size and flat.min() < 1):
        raise ValueError("counts must be positive integers")
    return order, vocab, [float(d) for d in discounts], entries
