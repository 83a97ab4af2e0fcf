"""The static page in a real Chromium (Debian's, driven by Playwright): network, rhymes, controls,
escaping, memory, and parity of next-character probabilities with the Python engines."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from rhymer import modeldir
from rhymer.charmodel import prime
from rhymer.lstm import LSTMModel
from rhymer.markov import MarkovModel
from rhymer.rhymeindex import RhymeIndex
from rhymer.website import serve
from rhymer.words import last_word
from tests.conftest import ROOT, run_cli

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NODE_ML5 = ROOT / "web" / "node_modules" / "ml5" / "dist" / "ml5.min.js"

if not (Path(CHROMIUM).exists() and NODE_ML5.exists()):
    if os.environ.get("CI"):
        raise RuntimeError("browser tests need Debian chromium and `npm ci` in web/ (.ci/run installs both)")
    pytest.skip("chromium or web/node_modules missing", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield b
        b.close()


def _site(tmp: Path, model: Path) -> str:
    site = tmp / "site"
    result = run_cli("export", str(model), "--web", str(site))
    assert result.returncode == 0, result.stderr
    server = serve(site, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def default_site(tmp_path_factory):
    return _site(tmp_path_factory.mktemp("default"), modeldir.DEFAULT_DIR)


def _open(browser, url):
    page = browser.new_page()
    requests, dialogs, errors = [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    return page, requests, dialogs, errors


def _couplets(page, n):
    page.evaluate(f"async () => {{ while (document.querySelectorAll('.couplet').length < {n}) await window.rhymerPage.more(1); }}")
    return page.evaluate("""() => [...document.querySelectorAll('.couplet')].map(li => ({
        lines: [...li.querySelectorAll('p')].map(p => p.textContent), model: li.dataset.model,
        rhymes: li.dataset.rhymes.split(' ') }))""")


def test_page_writes_rhyming_couplets_offline(browser, default_site):
    page, requests, _, errors = _open(browser, default_site)
    couplets = _couplets(page, 20)
    index = RhymeIndex.load(modeldir.DEFAULT_DIR / modeldir.WORDS)
    for c in couplets:
        a, b = (last_word(line) for line in c["lines"])
        assert [a, b] == c["rhymes"]
        assert b in index.rhymes(a), c
    hosts = {u.split("/")[2] for u in requests}
    assert hosts == {default_site.split("/")[2]}, hosts  # nothing but the local server
    assert not errors
    shot = ROOT / "docs" / "screenshot.png" if os.environ.get("RHYMER_SCREENSHOT") else Path("/tmp/rhymer-page.png")
    page.screenshot(path=str(shot))
    page.close()


def test_switch_and_sliders(browser, default_site):
    page, *_ = _open(browser, default_site)
    page.evaluate("""() => { const t = document.getElementById('temperature'); t.value = '9'; t.dispatchEvent(new Event('input'));
                            const l = document.getElementById('length'); l.value = '6'; l.dispatchEvent(new Event('input')); }""")
    opts = page.evaluate("() => window.rhymerPage.options()")
    assert opts["temperature"] == 1.5 and opts["maxWords"] == 6  # clamped to the safe range
    assert page.inner_text("#temperatureValue") == "1.50" and page.inner_text("#lengthValue") == "6"
    page.select_option("#model", "markov")
    page.wait_for_function("[...document.querySelectorAll('.couplet')].some(li => li.dataset.model === 'markov')", timeout=60_000)
    page.fill("#seed", "night")
    page.wait_for_function("document.querySelectorAll('#suggestions option').length > 3")
    assert "light" in page.evaluate("() => [...document.querySelectorAll('#suggestions option')].map(o => o.value)")
    before = page.evaluate("document.querySelectorAll('.couplet').length")
    page.click("#more")
    page.wait_for_function(f"document.querySelectorAll('.couplet').length > {before}", timeout=60_000)
    last = _couplets(page, before + 1)[-1]
    assert last["model"] == "markov" and last["rhymes"][0] == "night"
    page.close()


def test_lstm_memory_stays_bounded(browser, default_site):
    page, *_ = _open(browser, default_site)
    page.fill("#seed", "day")
    counts = page.evaluate("""async () => {
        const counts = [];
        for (let i = 0; i < 100; i++) {
          await window.rhymerPage.more(1, { candidates: 1 });
          if (i % 25 === 24) counts.push(ml5.tf.memory().numTensors);
        }
        return counts; }""")
    assert max(counts) - counts[0] <= 20, counts  # no growth with the number of couplets
    page.close()


def test_next_character_probabilities_match_python(browser, default_site):
    page, *_ = _open(browser, default_site)
    engines = {"lstm": LSTMModel.load(modeldir.DEFAULT_DIR), "markov": MarkovModel.load(modeldir.DEFAULT_DIR / modeldir.MARKOV)}
    for kind, engine in engines.items():
        for seed in ("\nthgin", "\nniar ", "\neb ot ton ro eb oT", "\n"):
            got = np.array(page.evaluate("([k, t]) => window.rhymerPage.nextProbs(k, t)", [kind, seed]))
            _, logp = prime(engine, seed, 1)
            assert np.abs(got - np.exp(logp[0])).max() <= 1e-4, (kind, seed)
    page.close()


def test_page_picks_rhymes_like_python(browser, default_site):
    page, *_ = _open(browser, default_site)
    index = RhymeIndex.load(modeldir.DEFAULT_DIR / modeldir.WORDS)
    for word in ("night", "day", "love", "sea", "heart", "fire", "a", "wind"):
        got = page.evaluate("(w) => window.rhymerPage.state.index.rhymes(w)", word)
        assert got == index.rhymes(word), word
    page.close()


def test_generated_markup_is_shown_as_text(browser, tmp_path):
    lines = ["<script>alert(1)</script> under the night", "<img src=x onerror=alert(2)> in the light",
             "and <b>bold</b> words in the day", "<img src=y onerror=alert(3)> we go away"]
    corpus = tmp_path / "evil.txt"
    corpus.write_text("\n".join(lines * 200) + "\n")
    model = tmp_path / "markov"
    assert run_cli("markov", str(corpus), "--out", str(model), "--val-fraction", "0").returncode == 0
    page, _, dialogs, _ = _open(browser, _site(tmp_path, model))
    couplets = _couplets(page, 6)
    text = " ".join(line for c in couplets for line in c["lines"])
    assert "<img" in text or "<script>" in text  # the markup was generated...
    assert page.evaluate("document.querySelectorAll('#feed img, #feed script, #feed b').length") == 0  # ...as text
    assert not dialogs
    page.close()
