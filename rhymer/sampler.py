"""Backward line sampling: prime with a line break and the reversed end word, sample to the next break.

The models read reversed text, so the characters they write after ``"\\n" + reversed(word)`` are the
line's remaining characters from right to left. K candidates are advanced together as one batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rhymer.charmodel import CharModel, char_index, prime
from rhymer.errors import GenerationError

MIN_TEMPERATURE, MAX_TEMPERATURE = 0.05, 3.0
MAX_CANDIDATES = 1024


@dataclass(frozen=True)
class Candidate:
    text: str  # the whole line, read left to right, ending with the end word
    logprob: float  # mean natural-log probability per generated character (at temperature 1)
    finished: bool  # False when the line hit the length limit before a line break


def check_settings(temperature: float, candidates: int) -> None:
    """Refuse settings that cannot sample (T <= 0 or huge overflows ml5's softmax; K out of range)."""
    if not MIN_TEMPERATURE <= temperature <= MAX_TEMPERATURE:
        raise GenerationError(
            f"temperature {temperature} is out of range; pass a value between {MIN_TEMPERATURE} and {MAX_TEMPERATURE}"
        )
    if not 1 <= candidates <= MAX_CANDIDATES:
        raise GenerationError(f"{candidates} candidates is out of range; pass between 1 and {MAX_CANDIDATES}")


def sample_lines(
    model: CharModel,
    end_word: str,
    candidates: int,
    temperature: float,
    rng: np.random.Generator,
    max_chars: int = 120,
) -> list[Candidate]:
    """Sample ``candidates`` lines ending in ``end_word``, all at once, backward."""
    check_settings(temperature, candidates)
    newline = char_index(model).get("\n")
    if newline is None:
        raise GenerationError("the model's vocabulary has no line break, so it cannot end a line; retrain on verse")
    state, logp = prime(model, "\n" + end_word[::-1], candidates)
    logp = _word_boundary(model, logp)  # the end word must stay whole: no letter may precede it
    written = np.zeros((candidates, max_chars), dtype=np.int64)
    lengths = np.full(candidates, max_chars)
    total_lp = np.zeros(candidates)
    alive = np.ones(candidates, dtype=bool)
    rows = np.arange(candidates)
    for t in range(max_chars):
        scaled = logp / temperature
        probs = np.exp(scaled - scaled.max(axis=1, keepdims=True))
        cdf = np.cumsum(probs, axis=1)
        draws = rng.random(candidates) * cdf[:, -1]
        ids = np.minimum((cdf < draws[:, None]).sum(axis=1), len(model.vocab) - 1)
        total_lp += np.where(alive, logp[rows, ids], 0.0)
        written[:, t] = ids
        ended = alive & (ids == newline)
        lengths[ended] = t
        alive &= ~ended
        if not alive.any():
            break
        state, logp = model.feed(state, ids)
    out = []
    for r in range(candidates):
        n = int(lengths[r])
        body = "".join(model.vocab[i] for i in written[r, :n])[::-1]
        if n == max_chars:  # cut off mid-line: drop the broken first word
            body = body[body.find(" ") + 1 :] if " " in body.strip() else body
        out.append(Candidate(body + end_word, float(total_lp[r] / (n + 1)), n < max_chars))
    return out


def _word_boundary(model: CharModel, logp: np.ndarray) -> np.ndarray:
    """Forbid letters, digits and apostrophes right before the end word, then renormalise."""
    glue = np.array([c.isalnum() or c == "'" for c in model.vocab])
    masked = np.where(glue[None, :], -np.inf, logp)
    return masked - np.logaddexp.reduce(masked, axis=1, keepdims=True)
