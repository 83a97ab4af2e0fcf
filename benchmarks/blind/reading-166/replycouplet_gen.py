"""Readings 166-169's system: a couplet as a line and its answer. Line 1 is the best of K lines ending in
the seed word, written alone; line 2 is ``Rhymer.reply`` to it (candidates ranked with how well the backward
model reads line 1 after them), instead of line 2 written alone and line 1 after it (the defaults).

    python benchmarks/blind/reading-166/replycouplet_gen.py 73200 reply.json
"""

import json
import sys

import rhymer
from rhymer import rhymepolicy
from rhymer.sampler import DEFAULT_CANDIDATES, DEFAULT_TEMPERATURE, DEFAULT_TOP_P

sys.path.insert(0, "benchmarks")
from blind_set import COUPLETS, SEED_WORDS  # noqa: E402

first_seed, out = int(sys.argv[1]), sys.argv[2]
r = rhymer.load()
couplets = []
for seed, word in enumerate(SEED_WORDS[:COUPLETS], first_seed):
    s, _, rng = r._prepare(DEFAULT_TEMPERATURE, DEFAULT_CANDIDATES, DEFAULT_TOP_P, 0.0, None, "auto", None, None, seed,
                           False, word)
    first, _ = r._line((word,), False, 8, [], rng, s, None, ending=r._readable(rhymepolicy.line_ending(0, 2)))
    couplets.append([first.text, r.reply(first.text, seed=seed).lines[0]])
settings = {"model": "default", "couplet": "line 1 alone, line 2 its reply", "seed": first_seed}
json.dump({"settings": settings, "couplets": couplets}, open(out, "w"), indent=1)
