"""Fit the learned reranker (rhymer/discriminator.py) for a model folder and write its discriminator.json.

Samples --lines lines from the model itself (K=1, ending in real lines' end words) against as many
training-split corpus lines, fits, prints the report (held-out accuracy included) as JSON.

    python benchmarks/build_discriminator.py MODEL_DIR [--lines 4000] [--seed 0] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rhymer.discriminator import DEFAULT_LINES, build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--lines", type=int, default=DEFAULT_LINES)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="where to write it (default: MODEL_DIR/discriminator.json)")
    args = parser.parse_args()
    print(json.dumps(build(args.model_dir, args.lines, args.seed, out=args.out), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
