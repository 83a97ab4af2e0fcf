"""Readings 126-129's iterated discriminator, step 2: fit it on training-split corpus lines of eight
syllables (the length the chosen lines have) against the chosen lines of disc_lines.py, and write a copy
of the shipped model folder with it (held out: 0.835; the shipped discriminator: 0.643 on the same lines).

    python benchmarks/blind/reading-126/disc_fit.py lines.json OUT_DIR
"""

import json
import random
import shutil
import sys
from pathlib import Path

import rhymer
from rhymer import modeldir
from rhymer.corpus import split_heldout
from rhymer.discriminator import Discriminator
from rhymer.scoring import Rules, syllable_count
from rhymer.words import tokens

r, rules = rhymer.load(), Rules()
train, _ = split_heldout(modeldir.read_corpus(r.path), r.metadata["val_fraction"])
pool = [line.strip() for line in train.split("\n") if rules.min_words <= len(tokens(line)) <= rules.max_words]
eight = [line for line in pool if syllable_count(r.index, line) == 8]
random.Random(0).shuffle(eight)
chosen = json.loads(Path(sys.argv[1]).read_text())["chosen"]
n = min(len(eight), len(chosen))
real, chosen = eight[:n], chosen[:n]
cut = int(n * 0.8)
model = Discriminator.fit(real[:cut], chosen[:cut])
print("held out", round(model.accuracy(real[cut:], chosen[cut:]), 3))
out = Path(sys.argv[2])
shutil.copytree(r.path, out)
model.save(out / "discriminator.json")
