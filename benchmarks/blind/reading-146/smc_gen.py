"""Readings 146-149's systems: the defaults with candidates steered by a backward word model (smc.patch).

Each time a row completes a word, its log-weight gains beta x (log P_back(word | the next two words) -
log P_back(word)); within each end word's rows, when the effective sample size of those still writing falls
under half of them, they are resampled (systematic), each chosen row's history and state copied.

    git apply benchmarks/blind/reading-146/smc.patch
    python benchmarks/blind/reading-146/smc_gen.py 1 72200 smc1.json    # beta 0: the defaults

The backward word model is built from the folder's corpus in a few seconds: Kneser-Ney (rhymer.wordmodel)
over each line's words in reverse order.
"""

import json
import sys

import rhymer
from rhymer import modeldir, sampler
from rhymer.wordmodel import WordModel
from rhymer.words import tokens

sys.path.insert(0, "benchmarks")
from blind_set import COUPLETS, SEED_WORDS  # noqa: E402

beta, seed, out = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
r = rhymer.load()
if beta:
    corpus = modeldir.read_corpus(r.path)
    backward = WordModel.build("\n".join(" ".join(reversed(tokens(line))) for line in corpus.split("\n")))
    sampler.STEER = (backward, beta)
couplets = [list(r.couplet(w, seed=seed + i).lines) for i, w in enumerate(SEED_WORDS[:COUPLETS])]
json.dump({"settings": {"model": "default", "smc_beta": beta, "seed": seed}, "couplets": couplets}, open(out, "w"), indent=1)
