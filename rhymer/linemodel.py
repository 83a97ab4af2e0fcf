"""A linear model over cheap features of a line of verse: the engine of the two learned reranking terms.

- discriminator.py: real corpus lines against the model's own samples (logistic loss);
- readermodel.py: blind readers' ratings of whole couplets (least squares).

Features, fitted in numpy in seconds: hashed word unigrams and bigrams (with line-start and line-end
markers), n-grams of the line's shape (function words kept, other words reduced to a class such as -ing,
-ly, capitalised, odd case; punctuation kept), length in words, and DENSE dense values (see ``features``).
Each model names the kinds of hashed features it uses (``FEATURES``, keys of ``FEATURE_KINDS``). A model
scores an example of several lines as the sum of its lines' scores, so a couplet's rating is fitted as two
lines' parts and a candidate line is scored alone.

Saved as one JSON file in the model folder (markovify style, ``to_json``/``from_json``):

    {"format": FORMAT, "version": VERSION, "buckets": B, "weights": base64 of B float32 (little-endian),
     "dense": [DENSE floats], "bias": b, "known_bits": K, "known": base64 bit set of K bits}

The weights travel as base64 rather than a list of numbers: the file loads in a few milliseconds.
``known`` holds a hashed vocabulary (for the known-word share).
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import ClassVar, TypeVar

import numpy as np

from rhymer.errors import ModelError
from rhymer.files import read_model_json, write_text
from rhymer.words import FUNCTION_WORDS

MAX_BYTES = 16 * 1024 * 1024  # a model's file; the shipped ones are about 0.4 MB
BUCKETS = 2**16  # hashed sparse features (a power of two; collisions only blur rare features)
MIN_BUCKETS, MAX_BUCKETS = 2**8, 2**20
KNOWN_BITS = 2**18  # the hashed vocabulary's bit set: about 7% false "known" for 20,000 words
DENSE = 6  # words / 10, known share, repeated share, a word repeated at once, mean word length / 5, function share
MAX_LENGTH_FEATURE = 16  # lines of more words share the last length feature
STEPS, LEARNING_RATE = 300, 0.05  # full-batch Adam
MAX_WEIGHT = 1e4  # a fitted weight is a few units; larger ones in a file would only overflow the score

_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*|[,;:.!?()\"-]")
_SUFFIXES = (("ing", "ING"), ("ed", "ED"), ("ly", "LY"), ("est", "EST"), ("eth", "ETH"), ("'s", "POS"), ("s", "S"))


def _hash(feature: str, size: int) -> int:
    return zlib.crc32(feature.encode("utf-8")) % size


def _grams(prefix: str, items: Sequence[str], n: int) -> list[str]:
    return [f"{prefix}:{' '.join(items[i : i + n])}" for i in range(len(items) - n + 1)]


# the kinds of hashed features, each from (the line's lower-case words padded with <s> and </s>, its
# shapes padded alike, its word count): word unigrams and bigrams, shape bigrams to 4-grams, length in words
FEATURE_KINDS = {
    "u": lambda words, shapes, n: [f"u:{w}" for w in words[1:-1]],
    "b": lambda words, shapes, n: _grams("b", words, 2),
    "s2": lambda words, shapes, n: _grams("s2", shapes, 2),
    "s3": lambda words, shapes, n: _grams("s3", shapes, 3),
    "s4": lambda words, shapes, n: _grams("s4", shapes, 4),
    "len": lambda words, shapes, n: [f"len:{min(n, MAX_LENGTH_FEATURE)}"],
}
Model = TypeVar("Model", bound="LineModel")


def _shape(token: str, first: bool) -> str:
    lower = token.lower()
    if not token[0].isalpha() or lower in FUNCTION_WORDS:
        return lower
    if not token[1:].islower() and len(token) > 1:  # "tEmperament": a case no real word has
        return "MIX"
    if token[0].isupper() and not first:
        return "CAP"
    return next((name for end, name in _SUFFIXES if lower.endswith(end) and len(lower) > len(end) + 2), "W")


@lru_cache(maxsize=4096)  # both reranking models read each candidate line
def _parse(line: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A line's lower-case words and its shapes, each padded with <s> and </s>.

    The line is read up to its last word, taken in lower case: reranked candidates all end in their rhyme
    word as the verse layer wrote it, so punctuation after it or its case would only teach a model what sets
    lines apart from the candidates of one rhyme word, which it cannot use.
    """
    found = _TOKEN.findall(line)
    while found and not found[-1][0].isalpha():
        found.pop()
    if found:  # and its last word is the rhyme word, which the verse layer chose
        found[-1] = found[-1].lower()
    words = [t.lower() for t in found if t[0].isalpha()]
    return ("<s>", *words, "</s>"), ("<s>", *(_shape(t, i == 0) for i, t in enumerate(found)), "</s>")


def known_bits(words: Iterable[str]) -> np.ndarray:
    """The hashed vocabulary a model's known-word share is measured against."""
    known = np.zeros(KNOWN_BITS, dtype=bool)
    for word in set(words):
        known[_hash(word, KNOWN_BITS)] = True
    return known


class LineModel:
    """A linear score over hashed and dense line features; subclasses name the file format, the feature
    kinds and what the score means."""

    FORMAT: ClassVar[str]
    VERSION: ClassVar[int] = 1  # of FORMAT: a file of a later version asks for a newer rhymer
    FEATURES: ClassVar[tuple[str, ...]]  # keys of FEATURE_KINDS
    FIX: ClassVar[str]  # what a user does about a malformed file

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        unknown = set(cls.FEATURES) - set(FEATURE_KINDS)
        if unknown:
            raise TypeError(f"{cls.__name__}.FEATURES names unknown feature kinds {sorted(unknown)}")

    def __init__(self, weights: np.ndarray, dense: np.ndarray, bias: float, known: np.ndarray) -> None:
        self.weights, self.dense, self.bias, self.known = weights, dense, float(bias), known
        self.buckets = len(weights)

    # -- features ---------------------------------------------------------------------------------
    def _is_known(self, word: str) -> bool:
        return bool(self.known[_hash(word, len(self.known))])

    def features(self, line: str) -> tuple[list[int], list[float]]:
        """The line's hashed feature buckets (with repeats) and its DENSE dense values."""
        padded, shapes = _parse(line)
        words = padded[1:-1]
        names = [name for kind in self.FEATURES for name in FEATURE_KINDS[kind](padded, shapes, len(words))]
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

    def _matrix(self, examples: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(example of each sparse entry, its bucket, the dense matrix with the example's line count last):
        a sparse matrix as index arrays. An example's lines add up: their buckets all count, their dense
        values are summed, and the bias counts once per line."""
        rows, cols, owners, values = [], [], [], []
        for i, lines in enumerate(examples):
            for line in lines:
                buckets, line_values = self.features(line)
                rows.extend([i] * len(buckets))
                cols.extend(buckets)
                owners.append(i)
                values.append([*line_values, 1.0])
        dense = np.zeros((len(examples), DENSE + 1))
        np.add.at(dense, owners, np.array(values).reshape(len(owners), DENSE + 1))  # one conversion, not one per line
        return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), dense

    def _logits(self, rows: np.ndarray, cols: np.ndarray, dense: np.ndarray) -> np.ndarray:
        sparse = np.bincount(rows, weights=self.weights[cols], minlength=len(dense))
        return sparse + dense[:, :DENSE] @ self.dense + dense[:, DENSE] * self.bias

    def score(self, lines: Sequence[str]) -> np.ndarray:
        """Per line, the model's linear score (what it means is the subclass's to say)."""
        return self._logits(*self._matrix([[line] for line in lines])) if len(lines) else np.zeros(0)

    # -- fitting ----------------------------------------------------------------------------------
    @classmethod
    def _fit(cls: type[Model], examples: Sequence[Sequence[str]], y: np.ndarray, known: np.ndarray, *, logistic: bool,
             buckets: int, l2: float, steps: int) -> Model:
        """Full-batch Adam on the mean loss + L2: log-loss against labels 0/1 (``logistic``), else half the
        squared error against ``y`` with no intercept (the length features take up an offset)."""
        model = cls(np.zeros(buckets), np.zeros(DENSE), 0.0, known)
        rows, cols, dense = model._matrix(examples)
        params = [model.weights, model.dense, np.zeros(1)]
        moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
        for step in range(1, steps + 1):
            model.bias = float(params[2][0])
            logits = model._logits(rows, cols, dense)
            predicted = np.exp(-np.logaddexp(0.0, -logits)) if logistic else logits  # sigmoid, or the score itself
            error = (predicted - y) / len(y)
            grads = [np.bincount(cols, weights=error[rows], minlength=buckets) + l2 * model.weights,
                     dense[:, :DENSE].T @ error + l2 * model.dense,
                     np.array([dense[:, DENSE] @ error if logistic else 0.0])]
            for p, g, (m, v) in zip(params, grads, moments):  # Adam, in place
                m *= 0.9
                m += 0.1 * g
                v *= 0.999
                v += 0.001 * g * g
                p -= LEARNING_RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
        model.bias = float(params[2][0])
        model.weights[:] = model.weights.astype(np.float32)  # as stored: a saved model scores exactly alike
        return model

    # -- storage ------------------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps({
            "format": self.FORMAT, "version": self.VERSION, "buckets": self.buckets,
            "weights": _b64(self.weights.astype("<f4")), "dense": [float(w) for w in self.dense],
            "bias": self.bias, "known_bits": len(self.known), "known": _b64(np.packbits(self.known)),
        }, separators=(",", ":"))

    @classmethod
    def from_json(cls: type[Model], text: str | dict, name: str | None = None) -> Model:
        """The inverse of ``to_json`` (a string or its parsed object); any malformation is a ModelError."""
        from rhymer.files import check_version

        name = name or f"{cls.FORMAT} JSON"
        try:
            data = json.loads(text) if isinstance(text, str) else text
            if not isinstance(data, dict):
                raise TypeError("it is not a JSON object")
            check_version(data, name, cls.FORMAT, cls.VERSION, cls.FIX)
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
            raise ModelError(f"'{name}' is malformed ({str(err)[:100]}); {cls.FIX}") from None

    def save(self, path: str | Path) -> None:
        write_text(path, self.to_json())

    @classmethod
    def load(cls: type[Model], path: str | Path) -> Model:
        """Read and check a model's file (untrusted: size limit, version, shapes, finite numbers)."""
        return cls.from_json(read_model_json(path, cls.FIX, MAX_BYTES), str(path))


def term_or_none(score: Callable[[Sequence[str]], np.ndarray] | None, lines: Sequence[str]) -> list[float | None]:
    """A reranking term for candidate lines (``score`` of a model, e.g. Discriminator.log_real), or None for
    each where the folder has no such model or its weight is 0."""
    return [float(x) for x in score(lines)] if score is not None else [None] * len(lines)


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
