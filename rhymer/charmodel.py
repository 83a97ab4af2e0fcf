"""The one interface every character model implements, so the layers above never know which it is.

A model keeps a batch of independent states. ``feed`` advances each state by one character and
returns the natural-log probabilities of the next character, shape ``[batch, vocab]``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from rhymer.blas import one_thread
from rhymer.errors import GenerationError
from rhymer.words import without_accents

State = Any


class CharModel(Protocol):
    kind: str  # "lstm" or "markov"
    vocab: Sequence[str]  # index -> character

    def start(self, batch: int) -> State:
        """Fresh states (nothing read yet) for ``batch`` independent sequences."""

    def feed(self, state: State, ids: np.ndarray) -> tuple[State, np.ndarray]:
        """Read one character per sequence; return the new states and next-character log-probs."""

    def take(self, state: State, rows: np.ndarray) -> State:
        """Select (or repeat) sequences of a batch, e.g. to branch K candidates from one primed state."""

    def join(self, states: list[State]) -> State:
        """One batch made of several, in order (the lines of a verse are sampled together)."""


def encode(model: CharModel, text: str, parameter: str | None = None) -> np.ndarray:
    """Character ids of ``text``; characters the model never saw are refused (ml5 would zero them), naming
    ``parameter`` where the text is an argument's."""
    index = char_index(model)
    missing = sorted({c for c in text if c not in index})
    if missing:
        raise GenerationError(
            f"the model has never seen the character(s) {''.join(missing)!r}; write the text without them", parameter
        )
    return np.fromiter((index[c] for c in text), dtype=np.int64, count=len(text))


# typographic marks that phones and word processors type, and the plain ones corpora mostly hold
TYPOGRAPHIC = {"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u00b4": "'", "\u0060": "'", "\u2032": "'", "\u201c": '"',
               "\u201d": '"', "\u201e": '"', "\u2013": "-", "\u2014": "-", "\u2026": "..."}


def plain_marks(model: CharModel, text: str) -> str:
    """``text`` (NFC-normalised) as the model can read it: each typographic mark it cannot read
    (``TYPOGRAPHIC``) written plainly where it can read the plain one (a line typed on a phone has curly
    apostrophes that the corpus rarely has); the symbols and punctuation it cannot read (a post's emoji, "@",
    "/") and unassigned or private characters read as a space, so that "day/night" stays two words; the
    invisible format characters and combining marks it cannot read (a web page's zero-width spaces and soft
    hyphens, an emoji's variation selector) left out; a letter it cannot read written without its accent where
    it reads the bare letter. Other letters (another script) stay, for ``encode`` to refuse.

    >>> import rhymer
    >>> print(plain_marks(rhymer.load("markov").model, "I\u2019m \u201cthe\u201d nig\u200bht\u2026 \u2764\ufe0f @Na\u00efve day/night"))
    I'm "the" night...    Naive day night
    """
    index = char_index(model)
    plain = {c: p for c, p in TYPOGRAPHIC.items() if c not in index and all(ch in index for ch in p)}
    return "".join(c if c in index else plain.get(c) or _readable_form(c, index)
                   for c in unicodedata.normalize("NFC", text))


def _readable_form(c: str, index: dict[str, int]) -> str:
    """An unreadable character's stand-in (the page's readableForm): a space for a symbol, punctuation, an
    unassigned or private character; nothing for an invisible or combining mark; the bare letter for an
    accented one the model reads bare; else the character itself."""
    kind = unicodedata.category(c)
    if kind[0] in "SP" or kind in ("Cn", "Co"):
        return " "
    if kind[0] == "M" or kind == "Cf":
        return ""
    bare = without_accents(c)
    return bare if bare and all(ch in index for ch in bare) else c


def char_index(model: CharModel) -> dict[str, int]:
    return {c: i for i, c in enumerate(model.vocab)}


def prime(model: CharModel, text: str, batch: int, context: State | None = None) -> tuple[State, np.ndarray]:
    """Feed ``text`` once (after ``context``, a one-sequence state, or from a fresh one) and branch the
    result into ``batch`` identical states (with their log-probs)."""
    state, logp = (model.start(1) if context is None else context), None
    for i in encode(model, text):
        state, logp = model.feed(state, np.array([i]))
    rows = np.zeros(batch, dtype=np.int64)
    return model.take(state, rows), logp[rows]


@one_thread
def heldout_bpc(model: CharModel, text: str, streams: int = 16) -> float:
    """Bits per character on ``text``, read in ``streams`` parallel chunks from a fresh state.

    Each chunk starts where the previous one ends; the first character of each chunk is scored with
    no context, which costs a negligible amount on held-out texts of thousands of characters.
    """
    ids = encode(model, text)
    n = len(ids)
    streams = max(1, min(streams, n // 64 or 1))
    length = n // streams
    chunks = ids[: length * streams].reshape(streams, length)
    state = model.start(streams)
    total = 0.0
    logp = np.full((streams, len(model.vocab)), -np.log(len(model.vocab)))
    for t in range(length):
        col = chunks[:, t]
        total -= float(logp[np.arange(streams), col].sum())
        state, logp = model.feed(state, col)
    return total / (length * streams) / np.log(2)
