"""A learned reranking term: how much a line reads like the corpus rather than like the model's own samples.

Holtzman et al. (2018, "Learning to Write with Cooperative Discriminators") raised human ratings by
reranking a language model's candidates with small discriminators trained to tell real text from the
model's samples. This one is a logistic regression on cheap features of a line, fitted in numpy in
seconds: hashed word unigrams and bigrams (with line-start and line-end markers), n-grams of the line's
shape (function words kept, other words reduced to a class such as -ing, -ly, capitalised, odd case;
punctuation kept), length in words, the share of words the corpus knows and repeated words.

Saved as one JSON file in the model folder (markovify style, ``to_json``/``from_json``):

    {"format": "rhymer-discriminator", "version": VERSION, "buckets": B, "weights": base64 of B float32
     (little-endian), "dense": [DENSE floats], "bias": b, "known_bits": K, "known": base64 bit set of K bits}

The weights travel as base64 rather than a list of numbers: the file loads in a few milliseconds.

``known`` holds the hashed vocabulary of the real lines it was fitted on (for the known-word share).
"""

from __future__ import annotations

import base64
import json
import re
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rhymer.errors import ModelError
from rhymer.files import read_model_json, write_text
from rhymer.sampler import DEFAULT_TEMPERATURE
from rhymer.words import FUNCTION_WORDS, tokens

if TYPE_CHECKING:
    from rhymer.api import Rhymer

FORMAT, VERSION = "rhymer-discriminator", 1
MAX_BYTES = 16 * 1024 * 1024  # discriminator.json; the shipped model's is about 0.4 MB
BUCKETS = 2**16  # hashed sparse features (a power of two; collisions only blur rare features)
MIN_BUCKETS, MAX_BUCKETS = 2**8, 2**20
KNOWN_BITS = 2**18  # the hashed vocabulary's bit set: about 7% false "known" for 20,000 words
DENSE = 6  # words / 10, known share, repeated share, a word repeated at once, mean word length / 5, function share
MAX_LENGTH_FEATURE = 16  # lines of more words share the last length feature
L2 = 3e-3  # L2 penalty on the weights: held-out accuracy is flat from 1e-4 to 1e-2, the scores are tamer
STEPS, LEARNING_RATE = 300, 0.05  # full-batch Adam
DEFAULT_LINES = 4000  # real and as many sampled lines the builder fits on
MAX_WEIGHT = 1e4  # a fitted weight is a few units; larger ones in a file would only overflow the score
HELDOUT_SHARE = 0.2  # of both sets, to measure accuracy on lines the fit did not see
MIN_LINES = 20  # real lines a fit needs at the least
SAMPLE_BATCH = 256  # lines sampled together (one row each)
FIX = "rebuild it (rhymer.discriminator.build) or delete it: a folder without one still works"

_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*|[,;:.!?()\"-]")
_SUFFIXES = (("ing", "ING"), ("ed", "ED"), ("ly", "LY"), ("est", "EST"), ("eth", "ETH"), ("'s", "POS"), ("s", "S"))


def _hash(feature: str, size: int) -> int:
    return zlib.crc32(feature.encode("utf-8")) % size


class Discriminator:
    """Logistic regression over hashed and dense line features; ``score`` is the log-odds of "real"."""

    def __init__(self, weights: np.ndarray, dense: np.ndarray, bias: float, known: np.ndarray) -> None:
        self.weights, self.dense, self.bias, self.known = weights, dense, float(bias), known
        self.buckets = len(weights)

    # -- features ---------------------------------------------------------------------------------
    def _is_known(self, word: str) -> bool:
        return bool(self.known[_hash(word, len(self.known))])

    @staticmethod
    def _shape(token: str, first: bool) -> str:
        lower = token.lower()
        if not token[0].isalpha() or lower in FUNCTION_WORDS:
            return lower
        if not token[1:].islower() and len(token) > 1:  # "tEmperament": a case no real word has
            return "MIX"
        if token[0].isupper() and not first:
            return "CAP"
        return next((name for end, name in _SUFFIXES if lower.endswith(end) and len(lower) > len(end) + 2), "W")

    def features(self, line: str) -> tuple[list[int], list[float]]:
        """The line's hashed feature buckets (with repeats) and its DENSE dense values.

        The line is read up to its last word, taken in lower case: reranked candidates all end in their
        rhyme word as the verse layer wrote it, so punctuation after it or its case would only teach the
        model what sets real lines apart from the candidates of one rhyme word, which it cannot use.
        """
        found = _TOKEN.findall(line)
        while found and not found[-1][0].isalpha():
            found.pop()
        if found:  # and its last word is the rhyme word, which the verse layer chose
            found[-1] = found[-1].lower()
        words = [t.lower() for t in found if t[0].isalpha()]
        shapes = ["<s>", *(self._shape(t, i == 0) for i, t in enumerate(found)), "</s>"]
        padded = ["<s>", *words, "</s>"]
        names = [f"u:{w}" for w in words] + [f"b:{a} {b}" for a, b in zip(padded, padded[1:])]
        names += [f"s2:{a} {b}" for a, b in zip(shapes, shapes[1:])]
        names += [f"s3:{a} {b} {c}" for a, b, c in zip(shapes, shapes[1:], shapes[2:])]
        names.append(f"len:{min(len(words), MAX_LENGTH_FEATURE)}")
        n = max(len(words), 1)
        dense = [
            len(words) / 10,
            sum(map(self._is_known, words)) / n,
            1 - len(set(words)) / n if words else 0.0,
            float(any(a == b for a, b in zip(words, words[1:]))),
            sum(map(len, words)) / n / 5,
            sum(w in FUNCTION_WORDS for w in words) / n,
        ]
        return [_hash(name, self.buckets) for name in names], dense

    def _matrix(self, lines: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row of each sparse entry, its bucket, the dense matrix): a sparse matrix as index arrays."""
        rows, cols, dense = [], [], []
        for i, line in enumerate(lines):
            buckets, values = self.features(line)
            rows.extend([i] * len(buckets))
            cols.extend(buckets)
            dense.append(values)
        return (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64),
                np.array(dense, dtype=np.float64).reshape(len(lines), DENSE))

    def _logits(self, rows: np.ndarray, cols: np.ndarray, dense: np.ndarray) -> np.ndarray:
        sparse = np.bincount(rows, weights=self.weights[cols], minlength=len(dense))
        return sparse + dense @ self.dense + self.bias

    # -- fitting and scoring ------------------------------------------------------------------------
    @classmethod
    def fit(cls, real_lines: Sequence[str], sampled_lines: Sequence[str], *, buckets: int = BUCKETS,
            l2: float = L2, steps: int = STEPS) -> Discriminator:
        """Fit real (label 1) against sampled (label 0) lines: full-batch Adam on the mean log-loss + L2."""
        if not real_lines or not sampled_lines:
            raise ModelError("a discriminator needs real and sampled lines to learn from; pass both")
        known = np.zeros(KNOWN_BITS, dtype=bool)
        for word in {w for line in real_lines for w in tokens(line)}:
            known[_hash(word, KNOWN_BITS)] = True
        model = cls(np.zeros(buckets), np.zeros(DENSE), 0.0, known)
        lines = [*real_lines, *sampled_lines]
        y = np.r_[np.ones(len(real_lines)), np.zeros(len(sampled_lines))]
        rows, cols, dense = model._matrix(lines)
        params = [model.weights, model.dense, np.zeros(1)]
        moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
        for step in range(1, steps + 1):
            model.bias = float(params[2][0])
            error = (np.exp(-np.logaddexp(0.0, -model._logits(rows, cols, dense))) - y) / len(y)  # sigmoid - y
            grads = [np.bincount(cols, weights=error[rows], minlength=buckets) + l2 * model.weights,
                     dense.T @ error + l2 * model.dense, np.array([error.sum()])]
            for p, g, (m, v) in zip(params, grads, moments):  # Adam, in place
                m *= 0.9
                m += 0.1 * g
                v *= 0.999
                v += 0.001 * g * g
                p -= LEARNING_RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
        model.bias = float(params[2][0])
        model.weights[:] = model.weights.astype(np.float32)  # as stored: a saved model scores exactly alike
        return model

    def score(self, lines: Sequence[str]) -> np.ndarray:
        """Per line, the log-odds that it is a real corpus line rather than a sample of the model."""
        return self._logits(*self._matrix(lines)) if len(lines) else np.zeros(0)

    def log_real(self, lines: Sequence[str]) -> np.ndarray:
        """Per line, log P(real) in nats (at most 0): the reranking term, on the scale of the other log terms."""
        return -np.logaddexp(0.0, -self.score(lines))

    def accuracy(self, real_lines: Sequence[str], sampled_lines: Sequence[str]) -> float:
        """Share of lines it labels right (real: log-odds above 0)."""
        right = (self.score(real_lines) > 0).sum() + (self.score(sampled_lines) <= 0).sum()
        return float(right / (len(real_lines) + len(sampled_lines)))

    # -- storage ------------------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "version": VERSION, "buckets": self.buckets,
            "weights": _b64(self.weights.astype("<f4")), "dense": [float(w) for w in self.dense],
            "bias": self.bias, "known_bits": len(self.known), "known": _b64(np.packbits(self.known)),
        }, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | dict, name: str = "discriminator JSON") -> Discriminator:
        """The inverse of ``to_json`` (a string or its parsed object); any malformation is a ModelError."""
        from rhymer.files import check_version

        fix = FIX
        try:
            data = json.loads(text) if isinstance(text, str) else text
            if not isinstance(data, dict):
                raise TypeError("it is not a JSON object")
            check_version(data, name, FORMAT, VERSION, fix)
            buckets, bits = data["buckets"], data["known_bits"]
            if type(buckets) is not int or not MIN_BUCKETS <= buckets <= MAX_BUCKETS or buckets & (buckets - 1):
                raise ValueError(f"buckets must be a power of two from {MIN_BUCKETS} to {MAX_BUCKETS}")
            if type(bits) is not int or not 8 <= bits <= MAX_BUCKETS * 8 or bits % 8:
                raise ValueError("known_bits must be a multiple of 8 within the size limit")
            raw = _unb64(data["weights"], 4 * buckets, "weights")
            weights = _checked(np.frombuffer(raw, dtype="<f4").astype(np.float64), "weights")
            dense = _checked(np.array(data["dense"]), "dense", DENSE)
            (bias,) = _checked(np.array([data["bias"]]), "bias", 1)
            known = np.unpackbits(np.frombuffer(_unb64(data["known"], bits // 8, "known"), dtype=np.uint8))
            return cls(weights, dense, bias, known.astype(bool))
        except ModelError:
            raise
        except (KeyError, TypeError, ValueError, RecursionError, OverflowError) as err:
            raise ModelError(f"'{name}' is malformed ({str(err)[:100]}); {fix}") from None

    def save(self, path: str | Path) -> None:
        write_text(path, self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> Discriminator:
        """Read and check a discriminator.json (untrusted: size limit, version, shapes, finite numbers)."""
        return cls.from_json(read_model_json(path, FIX, MAX_BYTES), str(path))


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(array.tobytes()).decode("ascii")


def _unb64(text: object, size: int, name: str) -> bytes:
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a base64 string")
    raw = base64.b64decode(text, validate=True)
    if len(raw) != size:
        raise ValueError(f"{name} holds {len(raw)} bytes, {size} expected")
    return raw


def _checked(array: np.ndarray, name: str, size: int | None = None) -> np.ndarray:
    """Numbers (a 1-d float array of ``size``), each finite and within ±MAX_WEIGHT."""
    if array.dtype.kind not in "fiu" or array.ndim != 1 or (size is not None and len(array) != size):
        raise ValueError(f"{name} must be a list of {size} numbers")
    array = array.astype(np.float64)
    if not (np.abs(array) <= MAX_WEIGHT).all():  # NaN fails too
        raise ValueError(f"{name} holds a number that is not finite or beyond ±{MAX_WEIGHT:g}")
    return array


# -- building one for a model folder -----------------------------------------------------------------

def build(model_dir: str | Path, lines: int = DEFAULT_LINES, seed: int = 0, *, temperature: float = DEFAULT_TEMPERATURE,
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


def training_lines(composer: Rhymer, lines: int, seed: int, temperature: float = DEFAULT_TEMPERATURE) -> tuple[list[str], list[str]]:
    """Up to ``lines`` real lines and as many of the model's own samples, in random order.

    Real lines come from the training split of the folder's corpus (held-out text stays unseen);
    sampled ones from the model itself, one plain sample (K=1, with the known-words constraint and the
    word runs, as generation samples) ending in each real line's last word as the verse layer spells it,
    so both sets share their end words.
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


def log_real_or_none(model: Discriminator | None, lines: Sequence[str]) -> list[float | None]:
    """The reranking term for candidate lines, or None for each when there is no discriminator."""
    return [float(x) for x in model.log_real(lines)] if model is not None else [None] * len(lines)

