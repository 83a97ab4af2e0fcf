"""Shared fixtures: real text from the bundled corpus, a local HTTP server, a CLI runner."""

from __future__ import annotations

import http.server
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpora" / "verse.txt"


@pytest.fixture(scope="session")
def verse_text() -> str:
    return CORPUS.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def small_corpus(verse_text: str) -> str:
    """About 60 KB of real rhymed verse (the sonnets): enough for tiny models trained in seconds."""
    return verse_text[:60000]


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m rhymer ARGS`` as a user would and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "rhymer", *args], capture_output=True, text=True, cwd=cwd, timeout=timeout
    )


@pytest.fixture
def cli():
    return run_cli


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict = {}
    hits: dict = {}

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.hits[self.path] = self.hits.get(self.path, 0) + 1
        route = self.routes.get(self.path)
        if route is None:
            self.send_response(404)
            self.end_headers()
            return
        status, headers, body = route(self.hits[self.path]) if callable(route) else route
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def http_server():
    """A real HTTP server on 127.0.0.1; tests register routes: path -> (status, headers, body)."""
    _Handler.routes, _Handler.hits = {}, {}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    server.routes, server.hits = _Handler.routes, _Handler.hits
    yield server
    server.shutdown()
    server.server_close()


# -- model files as untrusted input: shared checks for the JSON files a model folder may hold -------------

def tamper(edit):
    """A parametrize value: ``edit`` (which changes a parsed file in place) as a function returning the file."""
    def apply(data: dict) -> dict:
        edit(data)
        return data
    return apply


def assert_tampered_refused(load, path: Path, data: dict, message: str) -> None:
    """``load(path)`` refuses ``data`` written there with a one-line ModelError naming the file and ``message``."""
    import json

    from rhymer.errors import ModelError

    path.write_text(json.dumps(data))  # json writes NaN as NaN, as an attacker can
    with pytest.raises(ModelError, match=message) as err:
        load(path)
    assert "\n" not in str(err.value) and path.name in str(err.value)


def assert_huge_file_refused(load, path: Path, limit: int) -> None:
    """``load(path)`` refuses a file one byte over ``limit`` before reading it (sparse: no disk used)."""
    from rhymer.errors import ModelError

    with open(path, "wb") as fh:
        fh.truncate(limit + 1)
    with pytest.raises(ModelError, match="over the limit"):
        load(path)


def assert_reranking_term(folder: Path, file_name: str, weight: str, plain):
    """A model folder's optional reranking file, just written there: the folder verifies and loads, the term
    changes nothing at weight 0 (``plain``: the folder's couplet("night", seed=3, candidates=8) before the
    file) and counts otherwise; a malformed file is refused by name. Removes the file; returns the Rhymer."""
    import json

    import rhymer
    from rhymer import modeldir
    from rhymer.errors import ModelError

    modeldir.verify(folder)
    loaded = rhymer.load(str(folder))
    off = loaded.couplet("night", seed=3, candidates=8, weights=rhymer.Weights(**{weight: 0}))
    assert off.lines == plain.lines and off.scores == plain.scores  # weight 0: no term at all
    assert loaded.couplet("night", seed=3, candidates=8).details[1].score != plain.details[1].score
    fmt = json.loads((folder / file_name).read_text())["format"]
    (folder / file_name).write_text(json.dumps({"format": fmt, "version": 1}))
    with pytest.raises(ModelError, match=file_name):
        rhymer.load(str(folder))
    (folder / file_name).unlink()
    return loaded


def capitals_inside(lines: list[str]) -> list[str]:
    """The words of ``lines`` with a capital letter past their first ("THere", "catAracts"), which the
    known-word trie never writes."""
    return [w for line in lines for w in re.findall(r"[A-Za-z']+", line) if w[1:] != w[1:].lower()]
