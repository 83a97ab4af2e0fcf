"""Readings 130-133's system: the defaults with a forward model's term in the score (forward.patch applied).

The forward model (held-out 2.292 bits/char reading forward) was fine-tuned from the shipped backward one for
30 minutes on the bundled corpus:

    rhymer train corpora/verse.txt --out fwd --from default --cross-direction --direction forward \\
        --max-minutes 38 --epochs 100 --lr 0.001     # stopped by hand after epoch 57

    python benchmarks/blind/reading-130/forward_gen.py fwd 5 71400 forward5.json
"""

import json
import sys

import rhymer
from rhymer.lstm import LSTMModel

sys.path.insert(0, "benchmarks")
from blind_set import COUPLETS, SEED_WORDS  # noqa: E402

forward, weight, seed, out = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
r = rhymer.load()
r.forward = LSTMModel.load(forward)
couplets = [list(r.couplet(word, seed=seed + i, weights=rhymer.Weights(forward=weight)).lines)
            for i, word in enumerate(SEED_WORDS[:COUPLETS])]
with open(out, "w") as f:
    json.dump({"settings": {"forward": forward, "weight": weight, "seed": seed}, "couplets": couplets}, f, indent=1)
