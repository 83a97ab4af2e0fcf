"""Readings 158-161's systems: couplets by a beam over their lines (beam.patch applied).

    git apply benchmarks/blind/reading-158/beam.patch
    python benchmarks/blind/reading-158/beam_gen.py 4 0 72800 beam4.json    # 1 0: the defaults, 4 1: K per context
"""

import json
import sys

import rhymer
from rhymer import verse

sys.path.insert(0, "benchmarks")
from blind_set import COUPLETS, SEED_WORDS  # noqa: E402

beam, full, seed, out = int(sys.argv[1]), bool(int(sys.argv[2])), int(sys.argv[3]), sys.argv[4]
verse.BEAM = (beam, full)
r = rhymer.load()
couplets = [list(r.couplet(w, seed=seed + i).lines) for i, w in enumerate(SEED_WORDS[:COUPLETS])]
settings = {"model": "default", "beam": beam, "full_candidates": full, "seed": seed}
json.dump({"settings": settings, "couplets": couplets}, open(out, "w"), indent=1)
