"""Readings 142-145's systems: the defaults with a lexical-cohesion term (lsa_patch.py) in the score.

    PYTHONPATH=.:benchmarks/blind/reading-142 python benchmarks/blind/reading-142/lsa_gen.py 5 72000 lsa5.json

Weight 0 writes the defaults. The corpus's word vectors (vectors.py) are built on first use, in about 3 s.
"""

import json
import sys

import lsa_patch

import rhymer

sys.path.insert(0, "benchmarks")
from blind_set import COUPLETS, SEED_WORDS  # noqa: E402

weight, seed, out = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if weight:
    lsa_patch.install(weight)
r = rhymer.load()
couplets = [list(r.couplet(w, seed=seed + i).lines) for i, w in enumerate(SEED_WORDS[:COUPLETS])]
settings = {"model": "default", "lsa_weight": weight, "seed": seed}
json.dump({"settings": settings, "couplets": couplets}, open(out, "w"), indent=1)
