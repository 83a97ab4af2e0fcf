"""`rhymer export --web` and `rhymer web`: the static page of endless rhymes, self-contained.

The site holds the page (web/), ml5.js 0.12.2 (from web/node_modules, pinned by web/package-lock.json
and checked by sha256 here), the model's ml5 files under model/, the rhyme index (words.json) and the
Markov baseline (markov.json). It makes no request to any other host.
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
from rhymer.progress import Steps, no_steps

PAGE_FILES = ("index.html", "rhymer.js", "style.css")
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
    """ml5.min.js 0.12.2: --ml5 PATH, else web/node_modules (run `npm ci` in web/); checked by sha256."""
    candidates = [explicit] if explicit else [page_dir() / "node_modules" / "ml5" / "dist" / "ml5.min.js"]
    for path in candidates:
        if path and path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != ML5_SHA256:
                raise ModelError(f"'{path}' is not ml5.js 0.12.2 (sha256 {digest[:12]}…); install the pinned version with `npm ci` in web/")
            return path
    raise ModelError("ml5.min.js 0.12.2 was not found; run `npm ci` in web/ or pass --ml5 PATH/TO/ml5.min.js")


def logit_range(path: Path, characters: int = 64_000, progress: Steps = no_steps) -> float:
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
    with progress("checking logits fit ml5's range", ids.size) as advance:
        for t in range(ids.shape[1]):
            state, _ = model.feed(state, ids[:, t])
            top = max(top, float(np.abs(model.logits(state)).max()))
            advance(ids.shape[0])
    return top


def export(model: Path, out: Path, ml5_path: Path | None = None, force: bool = False,
           progress: Steps = no_steps) -> dict:
    """Write the static site for a model directory into ``out``; returns the site description."""
    meta = modeldir.read_metadata(model)
    if meta.get("direction") != "backward":
        raise ModelError(f"'{model}' is a forward model; the page needs a backward one (rhymer train --direction backward)")
    ml5_file = find_ml5(ml5_path)
    if out.exists() and any(out.iterdir()) and not force:
        raise ModelError(f"'{out}' is not empty; pass --force to replace it or choose another --web folder")
    staging = Path(tempfile.mkdtemp(prefix=".rhymer-site-", dir=out.parent if out.parent.exists() else None))
    try:
        with progress("copying page, ml5.js, index, Markov", None):
            src = page_dir()
            for name in PAGE_FILES:
                shutil.copy2(src / name, staging / name)
            shutil.copy2(ml5_file, staging / "ml5.min.js")
            for name in (modeldir.WORDS, modeldir.MARKOV):
                shutil.copy2(model / name, staging / name)
        site = {"lstm": meta["kind"] == "lstm", "model_kind": meta["kind"], "rhymer_version": meta.get("rhymer_version")}
        if site["lstm"]:
            bound = logit_range(model, progress=progress)
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
