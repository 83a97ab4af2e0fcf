"""Prototype: sequential Monte Carlo steering of backward line sampling by a backward word trigram model.

Each time a row completes a word, its log-weight gains BETA x (log P_back(word | the words after it) -
log P_back(word)): how much likelier the word is in its context than alone. Within each end word's group,
when the effective sample size of the active rows falls under half of them, the rows are resampled
(systematic), copying each chosen row's history and state. The candidates are then drawn, approximately,
from the char model's distribution tilted toward lines whose words fit each other. Not in the library."""
from __future__ import annotations

import math

import numpy as np

from rhymer import modeldir
from rhymer import sampler as S
from rhymer import verse as V
from rhymer.charmodel import char_index, prime
from rhymer.errors import GenerationError
from rhymer.vocabtrie import word_of
from rhymer.wordmodel import BOS, UNK, WordModel
from rhymer.words import tokens

STATE = {}


def backward_model(path) -> WordModel:
    if "wm" not in STATE:
        corpus = modeldir.read_corpus(path)
        text = "\n".join(" ".join(reversed(tokens(line))) for line in corpus.split("\n"))
        STATE["wm"] = WordModel.build(text)
    return STATE["wm"]


def fit(wm: WordModel, words: list[str], word: str) -> float:
    """log P(word | the last two of words) - log P(word), ``words`` in writing (backward) order."""
    w = word if word in wm._known else UNK
    ctx = [BOS, BOS] + [x if x in wm._known else UNK for x in words]
    return math.log(wm.prob(ctx[-2:], w)) - math.log(wm.prob([], w))


def sample_lines(model, end_words, candidates, temperature, rng, max_chars=S.MAX_LINE_CHARS, *, context=None,
                 trie=None, runs=None, ending="", top_p=1.0, beta=None, wm=None):
    beta = STATE["beta"] if beta is None else beta
    wm = STATE["wm"] if wm is None else wm
    trie = runs.known if trie is None and runs is not None else trie
    newline = char_index(model).get("\n")
    if newline is None:
        raise GenerationError("no line break")
    opening = "\n" if context is None else ""
    primed = [prime(model, opening + (word + ending)[::-1], 1, context) for word in end_words]
    rows = len(end_words) * candidates
    group = np.repeat(np.arange(len(end_words)), candidates)
    state, node = model.join([st for st, _ in primed]), group
    logp = S._word_boundary(model, np.concatenate([lp for _, lp in primed]))[node]
    need = candidates if candidates <= 2 else -(-3 * candidates // 4)
    written = np.zeros((rows, max_chars), dtype=np.int64)
    lengths = np.full(rows, -1)
    count = np.zeros(rows, dtype=np.int64)
    total_lp = np.zeros(rows)
    active = np.arange(rows)
    ends = {}
    partials = [""] * rows
    after = [(end_words[g].lower(),) for g in group]
    said = [[end_words[g].lower()] for g in group]  # each active row's words so far, in writing order
    lw = np.zeros(rows)  # each active row's log-weight since its group was last resampled
    for t in range(max_chars):
        if trie is not None:
            _, first, shared = np.unique(node, return_index=True, return_inverse=True)
            masks = trie.masks([partials[i] for i in first]) if runs is None else np.stack(
                [runs.trie(after[i]).allowed(partials[i]) for i in first])
            logp = S._renormalise(np.where(masks[shared], logp, -np.inf))
        scaled = logp / temperature
        probs = np.exp(scaled - scaled.max(axis=1, keepdims=True))
        if top_p < 1.0:
            probs = S.nucleus(probs, top_p)
        cdf = np.cumsum(probs, axis=1)
        draws = rng.random(len(active)) * cdf[:, -1]
        ids = np.minimum((cdf < draws[:, None]).sum(axis=1), len(model.vocab) - 1)
        total_lp[active] += logp[np.arange(len(active)), ids]
        written[active, t] = ids
        count[active] = t + 1
        # words completed by this character: weigh them
        for p, (part, i) in enumerate(zip(partials, ids)):
            c = model.vocab[i]
            if part and not (c.isalpha() or c == "'"):
                word = word_of(part)
                lw[p] += beta * fit(wm, said[p], word)
                said[p] = said[p] + [word]
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
                after = [S._after(a, p, model.vocab[i]) for a, p, i, g in zip(after, partials, ids, going) if g]
            partials = trie.advance([p for p, g in zip(partials, going) if g], ids[going])
        if not going.all():
            keep = going
            active, ids, node = active[keep], ids[keep], node[keep]
            said = [s for s, g in zip(said, keep) if g]
            lw = lw[keep]
        state, logp, node = S._feed_distinct(model, state, node, ids)
        # resample each group's active rows when their weights have drifted apart
        for g in range(len(end_words)):
            pos = np.flatnonzero(group[active] == g)
            if len(pos) < 2:
                continue
            w = np.exp(lw[pos] - lw[pos].max())
            if w.sum() ** 2 / (w ** 2).sum() >= 0.5 * len(pos):
                continue
            u = (rng.random() + np.arange(len(pos))) / len(pos)
            src = pos[np.minimum(np.searchsorted(np.cumsum(w) / w.sum(), u), len(pos) - 1)]
            rows_to, rows_from = active[pos], active[src]
            written[rows_to] = written[rows_from]
            total_lp[rows_to] = total_lp[rows_from]
            node[pos], logp[pos] = node[src], logp[src]
            partials, after = list(partials), list(after)
            snap_p, snap_a, snap_s = [partials[b] for b in src], [after[b] for b in src], [said[b] for b in src]
            for a, sp, sa, ss in zip(pos.tolist(), snap_p, snap_a, snap_s):
                partials[a], after[a], said[a] = sp, sa, ss
            lw[pos] = 0.0
    lines = [S._candidate(model, written[r], int(lengths[r]), int(count[r]), total_lp[r], end_words[group[r]] + ending, ends.get(r))
             for r in range(rows)]
    return [lines[i * candidates : (i + 1) * candidates] for i in range(len(end_words))]


def install(beta: float, r) -> None:
    STATE["beta"] = beta
    backward_model(r.path)
    V.sample_lines = sample_lines
