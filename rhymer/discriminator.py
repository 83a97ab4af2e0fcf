"""A learned reranking term: how much a line reads like the corpus rather than like the model's own samples.

Holtzman et al. (2018, "Learning to Write with Cooperative Discriminators") raised human ratings by
reranking a language model's candidates with small discriminators trained to tell real text from the
model's samples. This one is a logistic regression (linemodel.py) on hashed word unigrams and bigrams,
shape bigrams and trigrams, the length in words and the dense features, fitted in numpy in seconds and
saved as ``discriminator.json`` in the model folder. Its ``known`` bit set holds the vocabulary of the
real lines it was fitted on.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rhymer.blas import one_thread
from rhymer.errors import InvalidArgument, ModelError
from rhymer.linemodel import BUCKETS, STEPS, LineModel, known_bits
from rhymer.words import tokens

if TYPE_CHECKING:
    from rhymer.api import Rhymer

L2 = 3e-3  # L2 penalty on the weights: held-out accuracy is flat from 1e-4 to 1e-2, the scores are tamer
DEFAULT_LINES = 4000  # real and as many sampled lines the builder fits on
HELDOUT_SHARE = 0.2  # of both sets, to measure accuracy on lines the fit did not see
MIN_LINES = 20  # real lines a fit needs at the least
SAMPLE_BATCH = 256  # lines sampled together (one row each)
# the temperature the model's own lines are sampled at: the shipped discriminator.json was fitted at 0.5, the
# sampling default when it was built (generation now samples at 0.6 and picks among more candidates)
SAMPLE_TEMPERATURE = 0.5


class Discriminator(LineModel):
    """Logistic regression over line features; ``score`` is the log-odds of "real"."""

    FORMAT = "rhymer-discriminator"
    FEATURES = ("u", "b", "s2", "s3", "len")
    FIX = "rebuild it (rhymer.discriminator.build) or delete it: a folder without one still works"

    @classmethod
    def fit(cls, real_lines: Sequence[str], sampled_lines: Sequence[str], *, buckets: int = BUCKETS,
            l2: float = L2, steps: int = STEPS) -> Discriminator:
        """Fit real (label 1) against sampled (label 0) lines."""
        if not real_lines or not sampled_lines:
            raise InvalidArgument("a discriminator needs real and sampled lines to learn from; pass both", "real_lines")
        known = known_bits(w for line in real_lines for w in tokens(line))
        lines = [[line] for line in (*real_lines, *sampled_lines)]
        y = np.r_[np.ones(len(real_lines)), np.zeros(len(sampled_lines))]
        return cls._fit(lines, y, known, logistic=True, buckets=buckets, l2=l2, steps=steps)

    def log_real(self, lines: Sequence[str]) -> np.ndarray:
        """Per line, log P(real) in nats (at most 0): the reranking term, on the scale of the other log terms."""
        return -np.logaddexp(0.0, -self.score(lines))

    def accuracy(self, real_lines: Sequence[str], sampled_lines: Sequence[str]) -> float:
        """Share of lines it labels right (real: log-odds above 0)."""
        right = (self.score(real_lines) > 0).sum() + (self.score(sampled_lines) <= 0).sum()
        return float(right / (len(real_lines) + len(sampled_lines)))


# -- building one for a model folder -----------------------------------------------------------------

def build(model_dir: str | Path, lines: int = DEFAULT_LINES, seed: int = 0, *, temperature: float = SAMPLE_TEMPERATURE,
          out: str | Path | None = None) -> dict:
    """Fit a discriminator for a model folder and write it there (or to ``out``); returns a report.

    A share of both sets of lines (HELDOUT_SHARE) is kept out of the fit to measure its accuracy.
    """
    import rhymer
    from rhymer import modeldir

    start = time.perf_counter()
    real, sampled = training_lines(rhymer.load(model_dir), lines, seed, temperature)
    sample_seconds = time.perf_counter() - start
    cut_real, cut_sampled = int(len(real) * (1 - HELDOUT_SHARE)), int(len(sampled) * (1 - HELDOUT_SHARE))
    fit_start = time.perf_counter()
    model = Discriminator.fit(real[:cut_real], sampled[:cut_sampled])
    fit_seconds = time.perf_counter() - fit_start
    target = Path(out) if out is not None else Path(model_dir) / modeldir.DISCRIMINATOR
    model.save(target)
    return {
        "file": str(target), "real_lines": len(real), "sampled_lines": len(sampled),
        "train_accuracy": round(model.accuracy(real[:cut_real], sampled[:cut_sampled]), 4),
        "heldout_accuracy": round(model.accuracy(real[cut_real:], sampled[cut_sampled:]), 4),
        "sample_seconds": round(sample_seconds, 1), "fit_seconds": round(fit_seconds, 1),
        "bytes": target.stat().st_size,
        "examples": {"real": real[cut_real : cut_real + 3], "sampled": sampled[cut_sampled : cut_sampled + 3]},
    }


@one_thread  # it samples batches of SAMPLE_BATCH lines, as generation does
def training_lines(composer: Rhymer, lines: int, seed: int, temperature: float = SAMPLE_TEMPERATURE) -> tuple[list[str], list[str]]:
    """Up to ``lines`` real lines and as many of the model's own samples, in random order.

    Real lines come from the training split of the folder's corpus (held-out text stays unseen);
    sampled ones from the model itself, one plain sample (K=1, with the known-words constraint and the
    word runs, as generation samples, but from every character: the shipped file was fitted before the
    library's nucleus, sampler.DEFAULT_TOP_P) ending in each real line's last word as the verse layer spells
    it, so both sets share their end words.
    Both keep only lines of as many words as a rerank accepts (Rules' defaults), finished ones.
    """
    from rhymer import modeldir
    from rhymer.corpus import split_heldout
    from rhymer.sampler import sample_lines
    from rhymer.scoring import Rules
    from rhymer.words import last_word

    rules, rng = Rules(), np.random.default_rng(seed)

    def fits(text: str) -> bool:
        return rules.min_words <= len(tokens(text)) <= rules.max_words

    train, _ = split_heldout(modeldir.read_corpus(composer.path), composer.metadata["val_fraction"])
    pool = [line.strip() for line in train.split("\n") if fits(line)]
    if len(pool) < MIN_LINES:
        raise ModelError(f"the corpus of '{composer.path}' has {len(pool)} usable lines, too few to fit a "
                         f"discriminator ({MIN_LINES}); train on more text")
    real = [pool[i] for i in rng.permutation(len(pool))[:lines]]
    sampled: list[str] = []
    for chunk in range(0, len(real), SAMPLE_BATCH):
        ends = [composer.spelling(last_word(line)) for line in real[chunk : chunk + SAMPLE_BATCH]]
        batch = sample_lines(composer.model, ends, 1, temperature, rng, trie=composer.trie, runs=composer.run_tries)
        sampled += [c.text for (c,) in batch if c.finished and fits(c.text)]
    return real, sampled
