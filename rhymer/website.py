"""`rhymer export --web` and `rhymer web`: the static page of endless rhymes, self-contained.

The site holds the page (web/), ml5.js 0.12.2 (vendored in web/vendor/ with its license, refreshed from
web/package-lock.json by web/vendor/refresh.sh and checked by sha256 here), the model's ml5 files under
model/, the rhyme index (words.json), the spelling of capitalised words (names.json) and the Markov
baseline (markov.json). It makes no request to any other host.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
import tempfile
from pathlib import Path

import numpy as np

from rhymer import ml5, modeldir
from rhymer.errors import ModelError
from rhymer.files import read_json, write_json

PAGE_FILES = ("index.html", "rhymer.js", "style.css")
ML5_VENDORED = ("vendor", "ml5.min.js")  # shipped with the package, beside its license and sha256
ML5_LICENSE = ("vendor", "ml5.LICENSE.md")
NAMES = "names.json"
MIN_NAME_COUNT = 2  # a capitalised spelling seen once mid-line may be a typo
ML5_SHA256 = "8906ded3234dd3792a2dcef790c1f27033f059313f8b85bc8f81e10420e8c346"  # ml5@0.12.2 dist/ml5.min.js
# ml5 exponentiates logits/T without a max shift, so float32 overflows past 88.7. The page always
# calls ml5 with T = 1 (its own temperature is applied afterwards) and refuses models whose logits
# come anywhere near the limit on their own corpus.
SAFE_LOGIT = 60.0

def page_dir() -> Path:
    """The page sources: web/ beside the package in a checkout, or the copy installed with it."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "web", here / "webpage"):
        if all((candidate / f).is_file() for f in PAGE_FILES):
            return candidate
    raise ModelError("the web page sources are missing from this installation; reinstall rhymer from its source tree")


def find_ml5(explicit: Path | None = None) -> Path:
    """ml5.min.js 0.12.2: --ml5 PATH, else the copy shipped with the page; checked by sha256."""
    candidates = [explicit] if explicit else [page_dir().joinpath(*ML5_VENDORED)]
    for path in candidates:
        if path and path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != ML5_SHA256:
                raise ModelError(f"'{path}' is not ml5.js 0.12.2 (sha256 {digest[:12]}…); pass the pinned one with --ml5 or reinstall rhymer")
            return path
    raise ModelError("ml5.min.js 0.12.2 was not found beside the page; reinstall rhymer or pass --ml5 PATH/TO/ml5.min.js")


def logit_range(path: Path, characters: int = 64_000) -> float:
    """Largest |logit| the model produces reading (reversed) text of its own corpus, in 32 streams.

    The worst case over all hidden states is far looser (every unit saturated in the worst
    direction at once); this is what the model really emits.
    """
    from rhymer.charmodel import encode
    from rhymer.lstm import LSTMModel

    model = LSTMModel.load(path)
    text = modeldir.orient(modeldir.read_corpus(path)[:characters], "backward")
    ids = encode(model, text)
    ids = ids[: len(ids) // 32 * 32].reshape(32, -1)
    state, top = model.start(32), 0.0
    for t in range(ids.shape[1]):
        state, _ = model.feed(state, ids[:, t])
        top = max(top, float(np.abs(model.logits(state)).max()))
    return top


def capitalised_words(text: str) -> dict[str, str]:
    """Words the corpus writes capitalised mid-line ("France", "I"): lower case -> that spelling.

    The page writes a rhyme word as the corpus spells it, so proper nouns keep their capital at a
    line's end; line starts are left out since every verse line starts with a capital.
    """
    import re
    from collections import Counter

    spellings: Counter = Counter()
    for line in text.split("\n"):
        for match in re.finditer(r"(?<![\w'])[A-Za-z]+(?:'[a-z]+)*", line):
            before = line[: match.start()].rstrip()
            if before and before[-1] not in ".!?:;\"'(-":
                spellings[match.group()] += 1
    lower = Counter({w: n for w, n in spellings.items() if w.islower()})
    return {w.lower(): w for w, n in spellings.items()
            if w[0].isupper() and (len(w) == 1 or w[1:].islower()) and n >= MIN_NAME_COUNT and n > lower[w.lower()]}


def export(model: Path, out: Path, ml5_path: Path | None = None, force: bool = False) -> dict:
    """Write the static site for a model directory into ``out``; returns the site description."""
    meta = modeldir.read_metadata(model)
    if meta.get("direction") != "backward":
        raise ModelError(f"'{model}' is a forward model; the page needs a backward one (rhymer train --direction backward)")
    ml5_file = find_ml5(ml5_path)
    if out.exists() and any(out.iterdir()) and not force:
        raise ModelError(f"'{out}' is not empty; pass --force to replace it or choose another --web folder")
    staging = Path(tempfile.mkdtemp(prefix=".rhymer-site-", dir=out.parent if out.parent.exists() else None))
    try:
        src = page_dir()
        for name in PAGE_FILES:
            shutil.copy2(src / name, staging / name)
        shutil.copy2(ml5_file, staging / "ml5.min.js")
        shutil.copy2(src.joinpath(*ML5_LICENSE), staging / "ml5.LICENSE.md")  # its license travels with it
        write_json(staging / NAMES, capitalised_words(modeldir.read_corpus(model)))
        for name in (modeldir.WORDS, modeldir.MARKOV):
            shutil.copy2(model / name, staging / name)
        site = {"lstm": meta["kind"] == "lstm", "model_kind": meta["kind"], "rhymer_version": meta.get("rhymer_version")}
        if site["lstm"]:
            bound = logit_range(model)
            if bound > SAFE_LOGIT:
                raise ModelError(f"the model's logits reach {bound:.0f} on its own corpus, too near ml5's overflow at 88.7; retrain with more dropout")
            (staging / "model").mkdir()
            manifest = read_json(model / ml5.MANIFEST)
            for name in [ml5.MANIFEST, ml5.VOCAB, modeldir.METADATA, *(e["filename"] for e in manifest.values())]:
                shutil.copy2(model / name, staging / "model" / name)
            site["max_logit"] = round(bound, 2)
        write_json(staging / "site.json", site)
        staging.chmod(0o755)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return site


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript",
                      ".json": "application/json", ".bin": "application/octet-stream"}

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        pass


def serve(site: Path, host: str = "127.0.0.1", port: int = 8000) -> http.server.ThreadingHTTPServer:
    """An HTTP server for one site folder only (requests cannot leave it)."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    return http.server.ThreadingHTTPServer((host, port), handler)
