"""Prototype: each line's candidates gain WEIGHT x cosine between the LSA vector of their content words and
that of the verse's other lines (written lines and end words of the lines still to come)."""
from __future__ import annotations

import dataclasses

import vectors
from cohesion import content

from rhymer import verse as V


def install(weight: float):
    state = {}
    orig_line, orig_lines = V.Rhymer._line, V.Rhymer._lines

    def _lines(self, form, words, nears, rng, s, carry, punctuate):
        state["words"], state["i"] = words, len(words)
        return orig_lines(self, form, words, nears, rng, s, carry, punctuate)

    def _line(self, words, near, target, previous, rng, s, context=None, follows=None, ending=""):
        if "ids" not in state:
            state["ids"], state["vec"] = vectors.load(self)
        ids, vec = state["ids"], state["vec"]
        state["i"] -= 1
        others = set().union(*(content(p) for p in previous)) if previous else set()
        for ws in state["words"][: state["i"]]:
            others |= {w for w in ws}
        target_vec = vectors.mean_vec(ids, vec, others)
        orig_judge = V.judge
        cache = {}

        def judge(text, *a, **k):
            j = orig_judge(text, *a, **k)
            if target_vec is None:
                return j
            v = vectors.mean_vec(ids, vec, content(text))
            c = 0.0 if v is None else float(v @ target_vec)
            cache[text] = c
            return dataclasses.replace(j, score=j.score + weight * c)
        V.judge = judge
        try:
            return orig_line(self, words, near, target, previous, rng, s, context, follows, ending)
        finally:
            V.judge = orig_judge

    V.Rhymer._line, V.Rhymer._lines = _line, _lines
