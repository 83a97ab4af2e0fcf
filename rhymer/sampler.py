"""Backward line sampling: prime with a line break and the reversed end word, sample to the next break.

The models read reversed text, so the characters they write after ``"\\n" + reversed(word)`` are the
line's remaining characters from right to left. K candidates are advanced together as one batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from rhymer import validate
from rhymer.charmodel import CharModel, State, char_index, encode, prime
from rhymer.errors import GenerationError
from rhymer.vocabtrie import VocabTrie, is_letter, word_of
from rhymer.wordruns import CONTEXT_WORDS, Context, RunTries

MIN_TEMPERATURE, MAX_TEMPERATURE = 0.05, 3.0
# the temperature and candidates per line (best-of-K), chosen by blind readings 54-65 and 110-117: with the
# reader model to choose, 64 candidates at 0.6 gain grammar +0.24 over 32 at 0.5, 128 another +0.21 (sense +0.10,
# quality +0.12, rhythm +0.10), and 256 (with top-p 0.9) another +0.21 (sense +0.12); before it, neither more
# candidates nor a higher temperature paid (readings 5-9, 29-31, 44-45); 0.6 at 32 candidates loses, 0.7 at 64
# is no better. Each doubling costs 1.7-1.9x the time
DEFAULT_TEMPERATURE = 0.6
MAX_CANDIDATES = 1024
DEFAULT_CANDIDATES = 256
# nucleus sampling (Holtzman et al. 2019): each character is drawn from the likeliest ones that hold this share
# of the probability, never from the unlikely tail; 1 is off. Blind readings 66-81 (three sets of fresh seeds,
# each read twice) at 128 candidates and T=0.6: grammar +0.14, +0.16, +0.11 (240 couplets: +0.14 ± 0.06, rhythm
# +0.10, sense +0.03); 0.8 reads as 0.9; with it T=0.8 or 0.9 is no better, and 64 candidates still lose to
# 128 (docs/results/verse-levers.md). It costs about 6% of a couplet's time
DEFAULT_TOP_P = 0.9
MIN_TOP_P = 0.01  # at or below 1 / len(vocab) it is greedy (the top character alone), so lower adds nothing
MAX_LINE_CHARS = 120  # a line not ended by then is returned unfinished
# a sampling of more than two candidates a word stops once this share of them has ended its line: the slowest
# few rarely win, and waiting for them made every line as slow as its longest candidate
FINISHED_SHARE = 0.75
AFTER_BROKEN_WORD = ' ,;:.!?)-"'  # marks dropped with the broken word an unfinished line begins with


@dataclass(frozen=True)
class Candidate:
    text: str  # the whole line, read left to right, ending with the end word
    logprob: float  # mean natural-log probability per generated character (at temperature 1)
    finished: bool  # False when the line hit the length limit before a line break
    # the model's state after the line's first character, about to read its line break (None if unfinished):
    # the context of the line before it, and where a line that follows it is scored from
    state: State | None = field(default=None, repr=False, compare=False)


def check_settings(temperature: float, candidates: int, top_p: float) -> tuple[float, int, float]:
    """Refuse settings that cannot sample (T <= 0 or huge overflows ml5's softmax; K or top-p out of range).

    Raises WrongType for a non-number, GenerationError for a value out of range; returns plain floats/ints.
    """
    return (
        validate.number("temperature", temperature, MIN_TEMPERATURE, MAX_TEMPERATURE, error=GenerationError),
        validate.integer("candidates", candidates, 1, MAX_CANDIDATES, error=GenerationError),
        validate.number("top_p", top_p, MIN_TOP_P, 1.0, error=GenerationError),
    )


def sample_lines(
    model: CharModel,
    end_words: list[str],
    candidates: int,
    temperature: float,
    rng: np.random.Generator,
    max_chars: int = MAX_LINE_CHARS,
    *,
    context: State | None = None,
    trie: VocabTrie | None = None,
    runs: RunTries | None = None,
    ending: str = "",
    top_p: float = 1.0,  # (off here: Rhymer passes its top_p setting; the discriminator's samples, fitted without, none)
) -> list[list[Candidate]]:
    """Sample ``candidates`` lines for each end word, all in one batch, backward.

    ``context`` (a one-sequence state) is what the model has read before the line: the lines that
    follow it in the verse, each with its line break; without it a line starts from a fresh line
    break. With ``trie`` every word written is a known word (see rhymer.vocabtrie), and with ``runs``
    too, one the corpus has seen before the words after it (see rhymer.wordruns). ``ending`` (such
    as "." or ",") follows the end word: the model then writes a line that closes a sentence or a clause.
    Each character is drawn at ``temperature`` from the smallest set of the likeliest that holds ``top_p``
    of the tempered probability (``nucleus``): at a lower temperature fewer characters make up the share.
    Sampling stops once every end word has most of its candidates finished (3 in 4, or all when
    K <= 2): the stragglers are long lines that would rank last anyway, and are returned unfinished.
    The caller has checked the settings (``check_settings``).
    """
    trie = runs.known if trie is None and runs is not None else trie  # word runs narrow the known words
    newline = char_index(model).get("\n")
    if newline is None:
        raise GenerationError("the model's vocabulary has no line break, so it cannot end a line; retrain on verse")
    opening = "\n" if context is None else ""  # a carried context has read the line break already
    primed = [prime(model, opening + (word + ending)[::-1], 1, context) for word in end_words]
    rows = len(end_words) * candidates
    group = np.repeat(np.arange(len(end_words)), candidates)
    # distinct states: the candidates of one end word share it at first, and often their first characters after
    # it, so each distinct history is fed once (``_feed_distinct``); ``node`` is each active row's state there
    state, node = model.join([st for st, _ in primed]), group
    logp = _word_boundary(model, np.concatenate([lp for _, lp in primed]))[node]  # the end word stays whole
    need = candidates if candidates <= 2 else math.ceil(FINISHED_SHARE * candidates)
    written = np.zeros((rows, max_chars), dtype=np.int64)
    lengths = np.full(rows, -1)  # characters before the line break; -1 while unfinished
    count = np.zeros(rows, dtype=np.int64)  # characters sampled (the break included)
    total_lp = np.zeros(rows)
    active = np.arange(rows)  # rows still writing; finished ones leave the batch
    ends: dict[int, tuple[State, int]] = {}  # row -> (a batch of states, its position there)
    partials = [""] * rows  # each row's word being written, reversed (for the trie; vocabtrie.CAPITAL once done)
    after: list[Context] = [(end_words[g].lower(),) for g in group]  # each row's words after that one (for runs)
    for t in range(max_chars):
        if trie is not None:  # one mask per distinct history: the rows that share one share its words
            _, first, shared = np.unique(node, return_index=True, return_inverse=True)
            masks = trie.masks([partials[i] for i in first]) if runs is None else np.stack(
                [runs.trie(after[i]).allowed(partials[i]) for i in first])
            logp = _renormalise(np.where(masks[shared], logp, -np.inf))
        scaled = logp / temperature
        probs = np.exp(scaled - scaled.max(axis=1, keepdims=True))
        if top_p < 1.0:
            probs = nucleus(probs, top_p)
        cdf = np.cumsum(probs, axis=1)
        draws = rng.random(len(active)) * cdf[:, -1]
        ids = np.minimum((cdf < draws[:, None]).sum(axis=1), len(model.vocab) - 1)
        total_lp[active] += logp[np.arange(len(active)), ids]
        written[active, t] = ids
        count[active] = t + 1
        going = ids != newline
        lengths[active[~going]] = t
        if not going.all():
            ended = np.flatnonzero(~going)
            chunk = model.take(state, node[ended])
            ends.update((int(active[e]), (chunk, j)) for j, e in enumerate(ended))
        done = np.bincount(group[lengths >= 0], minlength=len(end_words))
        if not going.any() or done.min() >= need:
            break
        if trie is not None:
            if runs is not None:
                after = [_after(a, p, model.vocab[i]) for a, p, i, g in zip(after, partials, ids, going) if g]
            partials = trie.advance([p for p, g in zip(partials, going) if g], ids[going])
        if not going.all():
            active, ids, node = active[going], ids[going], node[going]
        state, logp, node = _feed_distinct(model, state, node, ids)
    lines = [_candidate(model, written[r], int(lengths[r]), int(count[r]), total_lp[r], end_words[group[r]] + ending, ends.get(r))
             for r in range(rows)]
    return [lines[i * candidates : (i + 1) * candidates] for i in range(len(end_words))]


def _candidate(model: CharModel, written: np.ndarray, length: int, count: int, total_lp: float, end_word: str,
               end: tuple[State, int] | None) -> Candidate:
    finished = length >= 0
    body = "".join(model.vocab[i] for i in written[: length if finished else count])[::-1]
    if not finished:  # cut off mid-line
        body = without_broken_word(body)
    state = model.take(end[0], np.array([end[1]])) if end else None
    return Candidate(body + end_word, float(total_lp / count), finished, state)


def without_broken_word(body: str) -> str:
    """An unfinished line from its first whole word on: without the word it was writing when it was cut off
    and the marks after that word (the page does the same).

    >>> without_broken_word('rlbut-Om night'), without_broken_word('ght" and the night'), without_broken_word(' the night')
    ('Om night', 'and the night', 'the night')
    """
    start = 0
    while start < len(body) and is_letter(body[start]):
        start += 1
    return body[start:].lstrip(AFTER_BROKEN_WORD)


def _after(after: Context, partial: str, char: str) -> Context:
    """The words after the next one, once ``char`` is written after ``partial``: a space ends the word
    (it joins the context), a letter goes on with it, any other mark ends the clause (no context)."""
    if char == " ":
        return (word_of(partial), *after[: CONTEXT_WORDS - 1]) if partial else after
    return after if char.isalpha() or char == "'" else ()


def nucleus(probs: np.ndarray, top_p: float) -> np.ndarray:
    """Each row's weights (unnormalised probabilities) with all but its nucleus zeroed: the likeliest
    entries whose share, counted before each is added, is still under ``top_p``, so the top one always stays.
    Of entries tied with the last one kept, the earlier characters are kept first.

    >>> nucleus(np.array([[0.5, 0.3, 0.15, 0.05], [2.0, 1.0, 0.5, 0.5]]), 0.8)
    array([[0.5, 0.3, 0. , 0. ],
           [2. , 1. , 0.5, 0. ]])
    """
    ranked = -np.sort(-probs, axis=1)  # a sort, not an argsort: a third of the time at 256 candidates
    before = np.cumsum(ranked, axis=1) - ranked
    kept = (before < top_p * ranked.sum(axis=1, keepdims=True)).sum(axis=1)  # how many, the top one always
    keep = probs >= ranked[np.arange(len(probs)), kept - 1][:, None]  # at least the last one kept
    tied = np.flatnonzero(keep.sum(axis=1) > kept)  # more equal to the last kept: earlier ones first
    for row in tied:
        ties = np.flatnonzero(probs[row] == ranked[row, kept[row] - 1])
        keep[row, ties[kept[row] - (keep[row].sum() - len(ties)):]] = False
    return np.where(keep, probs, 0.0)


def _feed_distinct(model: CharModel, state: State, node: np.ndarray, ids: np.ndarray) -> tuple[State, np.ndarray, np.ndarray]:
    """Each row reads ``ids[row]`` after its state ``state[node[row]]``; rows with the same state reading the
    same character share one new state, computed once (a line's candidates share their first characters:
    a quarter of the rows at 256 candidates). Returns the distinct new states, each row's log-probs and
    each row's index among the new states."""
    _, first, shared = np.unique(node * len(model.vocab) + ids, return_index=True, return_inverse=True)
    state, logp = model.feed(model.take(state, node[first]), ids[first])
    return state, logp[shared], shared


def _word_boundary(model: CharModel, logp: np.ndarray) -> np.ndarray:
    """Forbid letters, digits and apostrophes right before the end word, then renormalise."""
    glue = np.array([c.isalnum() or c == "'" for c in model.vocab])
    return _renormalise(np.where(glue[None, :], -np.inf, logp))


def _renormalise(logp: np.ndarray) -> np.ndarray:
    """Each row's log-probabilities made to sum to 1 again, shifted by its largest (a tenth of the time of
    ``np.logaddexp.reduce``, which takes a sixth of a couplet's)."""
    top = logp.max(axis=1, keepdims=True)
    return logp - (top + np.log(np.exp(logp - top).sum(axis=1, keepdims=True)))


def read_after(model: CharModel, context: State | None, text: str) -> State:
    """The one-sequence state after reading ``text`` (from ``context``, or a fresh state)."""
    state, _ = prime(model, text, 1, context)
    return state


def continuation_logprob(model: CharModel, states: list[State], text: str) -> np.ndarray:
    """Per one-sequence state (each at the end of a line, about to read its line break), the mean
    log-probability per character of reading the line break and then ``text``. Answering a line uses
    it: how well the backward model reads the given line after each candidate.
    """
    if not text or not states:
        raise GenerationError("a continuation needs states and a non-empty text")
    ids = encode(model, "\n" + text)
    batch, total = model.join(states), np.zeros(len(states))
    for i, nxt in zip(ids[:-1], ids[1:]):
        batch, logp = model.feed(batch, np.full(len(states), i))
        total += logp[:, nxt]
    return total / len(text)
