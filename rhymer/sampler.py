"""Backward line sampling: prime with a line break and the reversed end word, sample to the next break.

The models read reversed text, so the characters they write after ``"\\n" + reversed(word)`` are the
line's remaining characters from right to left. K candidates are advanced together as one batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rhymer import validate
from rhymer.charmodel import CharModel, char_index, prime
from rhymer.errors import GenerationError

MIN_TEMPERATURE, MAX_TEMPERATURE = 0.05, 3.0
MAX_CANDIDATES = 1024


@dataclass(frozen=True)
class Candidate:
    text: str  # the whole line, read left to right, ending with the end word
    logprob: float  # mean natural-log probability per generated character (at temperature 1)
    finished: bool  # False when the line hit the length limit before a line break


def check_settings(temperature: float, candidates: int) -> tuple[float, int]:
    """Refuse settings that cannot sample (T <= 0 or huge overflows ml5's softmax; K out of range).

    Raises WrongType for a non-number, GenerationError for a value out of range; returns plain floats/ints.
    """
    return (
        validate.number("temperature", temperature, MIN_TEMPERATURE, MAX_TEMPERATURE, error=GenerationError),
        validate.integer("candidates", candidates, 1, MAX_CANDIDATES, error=GenerationError),
    )


def sample_lines(
    model: CharModel,
    end_words: list[str],
    candidates: int,
    temperature: float,
    rng: np.random.Generator,
    max_chars: int = 120,
) -> list[list[Candidate]]:
    """Sample ``candidates`` lines for each end word, all lines of a verse in one batch, backward.

    Sampling stops once every end word has most of its candidates finished (3 in 4, or all when
    K <= 2): the stragglers are long lines that would rank last anyway, and are returned unfinished.
    The caller has checked the settings (``check_settings``).
    """
    newline = char_index(model).get("\n")
    if newline is None:
        raise GenerationError("the model's vocabulary has no line break, so it cannot end a line; retrain on verse")
    primed = [prime(model, "\n" + word[::-1], candidates) for word in end_words]
    state = model.join([st for st, _ in primed])
    logp = _word_boundary(model, np.concatenate([lp for _, lp in primed]))  # the end word stays whole
    rows = len(end_words) * candidates
    group = np.repeat(np.arange(len(end_words)), candidates)
    need = candidates if candidates <= 2 else -(-3 * candidates // 4)
    written = np.zeros((rows, max_chars), dtype=np.int64)
    lengths = np.full(rows, -1)  # characters before the line break; -1 while unfinished
    count = np.zeros(rows, dtype=np.int64)  # characters sampled (the break included)
    total_lp = np.zeros(rows)
    active = np.arange(rows)  # rows still writing; finished ones leave the batch
    for t in range(max_chars):
        scaled = logp / temperature
        probs = np.exp(scaled - scaled.max(axis=1, keepdims=True))
        cdf = np.cumsum(probs, axis=1)
        draws = rng.random(len(active)) * cdf[:, -1]
        ids = np.minimum((cdf < draws[:, None]).sum(axis=1), len(model.vocab) - 1)
        total_lp[active] += logp[np.arange(len(active)), ids]
        written[active, t] = ids
        count[active] = t + 1
        going = ids != newline
        lengths[active[~going]] = t
        done = np.bincount(group[lengths >= 0], minlength=len(end_words))
        if not going.any() or done.min() >= need:
            break
        if not going.all():
            active, ids = active[going], ids[going]
            state = model.take(state, np.flatnonzero(going))
        state, logp = model.feed(state, ids)
    lines = [_candidate(model, written[r], int(lengths[r]), int(count[r]), total_lp[r], end_words[group[r]])
             for r in range(rows)]
    return [lines[i * candidates : (i + 1) * candidates] for i in range(len(end_words))]


def _candidate(model: CharModel, written: np.ndarray, length: int, count: int, total_lp: float, end_word: str) -> Candidate:
    finished = length >= 0
    body = "".join(model.vocab[i] for i in written[: length if finished else count])[::-1]
    if not finished:  # cut off mid-line: drop the broken first word
        body = body[body.find(" ") + 1 :] if " " in body.strip() else body
    return Candidate(body + end_word, float(total_lp / count), finished)


def _word_boundary(model: CharModel, logp: np.ndarray) -> np.ndarray:
    """Forbid letters, digits and apostrophes right before the end word, then renormalise."""
    glue = np.array([c.isalnum() or c == "'" for c in model.vocab])
    masked = np.where(glue[None, :], -np.inf, logp)
    return masked - np.logaddexp.reduce(masked, axis=1, keepdims=True)
