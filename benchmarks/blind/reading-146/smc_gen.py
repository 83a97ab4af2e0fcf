"""Readings 146-149's systems: the defaults with their candidates steered by a backward word model (smc.py).

    PYTHONPATH=.:benchmarks/blind/reading-146 python benchmarks/blind/reading-146/smc_gen.py 1 72200 smc1.json

Beta 0 writes the defaults.
"""

import json
import sys

import smc

import rhymer

sys.path.insert(0, "benchmarks")
from blind_set import COUPLETS, SEED_WORDS  # noqa: E402

beta, seed, out = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
r = rhymer.load()
if beta:
    smc.install(beta, r)
couplets = [list(r.couplet(w, seed=seed + i).lines) for i, w in enumerate(SEED_WORDS[:COUPLETS])]
json.dump({"settings": {"model": "default", "smc_beta": beta, "seed": seed}, "couplets": couplets}, open(out, "w"), indent=1)
