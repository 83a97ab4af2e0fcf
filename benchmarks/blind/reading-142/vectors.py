"""Prototype: LSA word vectors of the corpus (PPMI of content words in a line and its neighbour, SVD)."""
from __future__ import annotations

import collections
import pickle
from pathlib import Path

import numpy as np
from cohesion import content

CACHE = Path("vectors.pkl")  # the vectors, built once (about 3 s)
MIN_COUNT, DIMS = 6, 100


def build(corpus: str):
    lines = [content(line) for line in corpus.split("\n")]
    counts = collections.Counter(w for ws in lines for w in ws)
    vocab = sorted(w for w, n in counts.items() if n >= MIN_COUNT)
    ids = {w: i for i, w in enumerate(vocab)}
    m = np.zeros((len(vocab), len(vocab)), dtype=np.float32)
    for i, ws in enumerate(lines):
        window = [ids[w] for w in (ws | (lines[i + 1] if i + 1 < len(lines) else set())) if w in ids]
        for a in window:
            for b in window:
                if a != b:
                    m[a, b] += 1
    total = m.sum()
    row = m.sum(1, keepdims=True)
    col = m.sum(0, keepdims=True) ** 0.75
    col /= col.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log((m / total) / ((row / total) * col))
    pmi = np.where(np.isfinite(pmi) & (pmi > 0), pmi, 0).astype(np.float32)
    u, s, vt = np.linalg.svd(pmi, full_matrices=False)
    vec = u[:, :DIMS] * np.sqrt(s[:DIMS])
    vec /= np.linalg.norm(vec, axis=1, keepdims=True) + 1e-9
    return ids, vec


def load(r):
    if CACHE.exists():
        return pickle.loads(CACHE.read_bytes())
    t = build(r.copies.corpus)
    CACHE.write_bytes(pickle.dumps(t))
    return t


def mean_vec(ids, vec, words):
    rows = [ids[w] for w in words if w in ids]
    if not rows:
        return None
    v = vec[rows].mean(0)
    return v / (np.linalg.norm(v) + 1e-9)
