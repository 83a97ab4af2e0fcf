"""Readings 126-129's iterated discriminator, step 1: real corpus lines, and the lines the shipped defaults
choose (best of 256) for couplets ending in those lines' last words. Writes lines.json (run from the
repository root; about 11 minutes on 2 cores).

    python benchmarks/blind/reading-126/disc_lines.py lines.json
"""

import json
import sys

import rhymer
from rhymer.discriminator import training_lines
from rhymer.errors import RhymerError
from rhymer.words import last_word

r = rhymer.load()
real, k1 = training_lines(r, 4000, 0, 0.5)
words = [last_word(line) for line in real]
chosen, i = [], 0
while len(chosen) < 4000 and i < 3000:
    try:
        chosen += list(r.couplet(words[i % len(words)].lower(), seed=20000 + i).lines)
    except RhymerError:  # an end word without rhymes
        pass
    i += 1
with open(sys.argv[1], "w") as f:
    json.dump({"real": real, "k1": k1, "chosen": chosen}, f)
