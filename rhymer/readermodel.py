"""A learned reranking term: how a blind reader would rate a couplet's grammar and sense.

Every blind reading of issue 9 (benchmarks/blind, docs/results/verse-levers.md) left ratings of machine
couplets, 1 to 5, by readers who did not know what wrote them. This model is fitted to them: a least-squares
linear model (linemodel.py) over the shape of a line (bigrams to 4-grams of function words, punctuation
and word classes: its grammar, not its topic), its length and the dense features. The target is a
couplet's mean of grammar and sense less its reading's mean (readers differ in how they use the scale).
A couplet's predicted rating is the sum of its lines' scores, so a candidate line is scored alone.

Each distinct couplet is one example (the frozen control, rated in every reading, counts once). On lines
it never saw, its predictions correlate about 0.26-0.30 with the ratings among one system's couplets of one
reading. As a score term (``Weights.reader``), fitted on fewer readings, it raised sense and quality by
0.1 in blind readings 48-53 and 56-57, and let more candidates at T=0.6 gain grammar (+0.24 for 64, another
+0.21 for 128: readings 54-65, another +0.21 for 256: readings 110-117). Each refit on more readings read a
little better than the fit before it: grammar +0.04 ± 0.03 and sense +0.05 ± 0.03 for readings 1-65 (160
couplets, readings 66-69, 78-81), grammar +0.07 ± 0.05 for 1-101 (80 couplets, readings 102-105), grammar
+0.06 ± 0.03 for 1-117 (80 couplets, readings 118-121). Refits on 1-137 and 1-165 read level with 1-117
(grammar +0.04 ± 0.04, readings 138-141; 0.00 ± 0.06, readings 166-169), so the fit on 1-117 ships (see
docs/results/verse-levers.md).

Saved as ``reader.json`` in the model folder; benchmarks/build_reader.py fits the shipped one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from rhymer.errors import InvalidArgument
from rhymer.linemodel import BUCKETS, STEPS, LineModel, known_bits

L2 = 0.014  # L2 penalty (ridge's alpha of about 70 over the ~5,000 rated couplets; held-out correlation flat 0.005-0.04)
MIN_COUPLETS = 20  # rated couplets a fit needs at the least
TARGET = ("grammar", "sense")  # the rated aspects a couplet's target is the mean of (the two issue 9 asks most of)


class ReaderModel(LineModel):
    """Linear regression over line-shape features; ``score`` is a line's part of its couplet's predicted
    rating, in rating points above its reading's mean."""

    FORMAT = "rhymer-reader"
    FEATURES = ("s2", "s3", "s4", "len")
    FIX = "delete it (a folder without one still works) or refit it (benchmarks/build_reader.py in rhymer's source)"

    @classmethod
    def fit(cls, couplets: Sequence[Sequence[str]], ratings: Sequence[float], known_words: Iterable[str], *,
            buckets: int = BUCKETS, l2: float = L2, steps: int = STEPS) -> ReaderModel:
        """Fit couplets (each a sequence of lines) to their ratings, each relative to its reading's mean;
        ``known_words`` is the vocabulary of the known-word share (the model's corpus)."""
        couplets = list(couplets)
        try:
            y = np.asarray(ratings, dtype=np.float64)
        except (TypeError, ValueError):
            y = np.zeros(0)
        if y.ndim != 1 or not len(y):
            raise InvalidArgument("ratings must be numbers, one per couplet; pass a list of floats", "ratings")
        if len(couplets) != len(y) or len(y) < MIN_COUPLETS:
            raise InvalidArgument(f"a reader model needs a rating for each couplet, {MIN_COUPLETS} at the least; "
                                  f"got {len(couplets)} couplets and {len(y)} ratings", "ratings")
        if any(isinstance(c, str) or not isinstance(c, Sequence) or not c or not all(isinstance(line, str) for line in c)
               for c in couplets):
            raise InvalidArgument("each couplet must be a non-empty sequence of lines (strings); pass [line, line]", "couplets")
        if not np.isfinite(y).all():
            raise InvalidArgument("a rating is not a finite number; pass numbers", "ratings")
        return cls._fit(couplets, y, known_bits(known_words), logistic=False, buckets=buckets, l2=l2, steps=steps)
