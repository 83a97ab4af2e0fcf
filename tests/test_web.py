"""The static page in a real Chromium (Debian's, driven by Playwright), served by the INSTALLED package:
network, rhymes, controls, escaping, memory, parity with the Python library (next-character probabilities,
rhymes, judging, syllables, real words, the known-word and word-run masks of sampling, the follow score of
answers), known words only, state carry, the endless feed at desktop and phone sizes, share links, line
limits, answering a typed line, and axe-core."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import rhymer
from rhymer import is_rhyme, lexicon, modeldir, rhymepolicy, sampler, scoring
from rhymer.charmodel import prime
from rhymer.files import read_json
from rhymer.lexicon import cmu_words
from rhymer.lstm import LSTMModel
from rhymer.markov import MarkovModel
from rhymer.rhymeindex import RhymeIndex
from rhymer.sampler import continuation_logprob, read_after
from rhymer.scoring import LINE_SYLLABLES, Rules, Weights, echoes, judge, repetition
from rhymer.verse import Rhymer
from rhymer.vocabtrie import CAPITAL
from rhymer.website import PAGE_CANDIDATES, PAGE_MAX_WORDS, PAGE_TEMPERATURE
from rhymer.wordruns import RunTries, WordRuns
from rhymer.words import last_word, tokens
from tests.conftest import ROOT, capitals_inside, run_cli

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"  # a test-only dev dependency (npm ci in web/)
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("browser tests need Debian chromium (.ci/run installs it)")
    pytest.skip("chromium missing", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield b
        b.close()


def _outside_env() -> dict:
    """The environment of a user's shell: nothing points Python at this checkout.

    One BLAS thread: on a busy machine OpenBLAS threads spin against each other and the export's
    logit check runs 15x slower (measured 127 s against 8.7 s on 2 shared cores).
    """
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return {**env, "OPENBLAS_NUM_THREADS": "1"}


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Path:
    """`pip install .` of this checkout into a fresh venv (offline, no build isolation); its bin folder.

    The page, ml5.min.js and the default model must all come from the installed package: the tests
    below run that venv's `rhymer` from a folder outside the checkout.
    """
    tmp = tmp_path_factory.mktemp("installed")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", "node_modules", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "runs", ".venv"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True)
    r = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                        "--no-index", str(src)], capture_output=True, text=True, cwd=tmp, env=_outside_env(), timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    shutil.rmtree(src)
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import rhymer.website as w; print(w.find_ml5())"],
                           capture_output=True, text=True, cwd=tmp, env=_outside_env())
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr  # not the checkout's copy
    return venv / "bin"


def _rhymer_web(installed: Path, *args: str):
    """Start the installed `rhymer web --port 0 ARGS` outside the checkout; returns (process, page URL)."""
    proc = subprocess.Popen([str(installed / "rhymer"), "web", "--port", "0", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=installed.parent.parent, env=_outside_env())
    line = proc.stdout.readline()  # "serving ... at http://127.0.0.1:PORT/ ..."
    found = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if not found:
        proc.kill()
        pytest.fail(f"rhymer web did not start: {line} {proc.stderr.read()}")
    return proc, found.group()


@pytest.fixture(scope="module")
def default_site(installed):
    proc, url = _rhymer_web(installed)  # exports the shipped default model, with the shipped ml5.min.js
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def _open(browser, url, viewport=DESKTOP, scheme="light", **context):
    page = browser.new_context(viewport=viewport, color_scheme=scheme, **context).new_page()
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


def _screen_filled(page):
    """Wait until the feed reaches past the bottom of the screen, with no click and no call from here."""
    page.wait_for_function("document.getElementById('sentinel').getBoundingClientRect().top > window.innerHeight",
                           timeout=120_000)


def _resting(page):
    """Wait until the page stops writing ahead: the end of the feed is out of its reach."""
    page.wait_for_function("!window.rhymerPage.state.nearEnd", timeout=120_000)


def test_page_writes_rhyming_couplets_offline(browser, default_site):
    page, requests, _, errors = _open(browser, default_site)
    assert page.evaluate("performance.getEntriesByName('rhymer:first-couplet').length") == 1  # the first couplet, unasked
    counted = page.evaluate("[document.getElementById('count').textContent, document.querySelectorAll('.couplet').length]")
    assert counted == [f"{counted[1]} couplet{'' if counted[1] == 1 else 's'}", counted[1]], counted  # "1 couplet"
    # it is on screen before ml5.js has started: the page opened on a couplet the library wrote
    assert page.evaluate("""['first-couplet', 'backend'].map(m => performance.getEntriesByName('rhymer:' + m)[0].startTime)
                            .reduce((first, backend) => first < backend)""")
    assert page.evaluate("document.querySelector('.couplet').dataset.opening !== undefined")
    _screen_filled(page)  # the LSTM fills the first screen by itself
    couplets = _couplets(page, 20)
    index = RhymeIndex.load(modeldir.DEFAULT_DIR / modeldir.WORDS)
    for c in couplets:
        a, b = (last_word(line) for line in c["lines"])
        assert [a, b] == c["rhymes"]
        assert b in index.rhymes(a), c
    hosts = {u.split("/")[2] for u in requests}
    assert hosts == {default_site.split("/")[2]}, hosts  # nothing but the local server
    assert not errors
    published = json.loads(urllib.request.urlopen(default_site + "model/rhymer.json", timeout=30).read())
    shipped = read_json(modeldir.DEFAULT_DIR / modeldir.METADATA)  # its maker's command and folders stay home
    assert "command" in shipped and "command" not in published and published["parent"]["model"] == "pretrain-gpc"
    assert published["vocab"] == shipped["vocab"] and published["metrics"] == shipped["metrics"]
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
    page.fill("#seed", "moon")  # a name among the rhymes is offered as the verse spells it
    page.wait_for_function("[...document.querySelectorAll('#suggestions option')].some(o => o.value === 'June')")
    page.fill("#seed", "night")
    assert page.evaluate("window.rhymerPage.options().seedWord") is None  # typing alone changes nothing...
    page.click("#more")  # ...the write button (or Enter) applies the word, and it sticks
    assert page.inner_text("#seedNow") == "“night”"
    page.wait_for_function("[...document.querySelectorAll('.couplet')].some(li => li.dataset.rhymes.startsWith('night '))",
                           timeout=60_000)
    last = _couplets(page, 1)[-1]
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
        for seed in ("\nthgin", "\nniar ", "\neb ot ton ro eb oT", "\n", "\nthgin eht fo dnE\nyad"):  # the last: carried
            got = np.array(page.evaluate("([k, t]) => window.rhymerPage.nextProbs(k, t)", [kind, seed]))
            _, logp = prime(engine, seed, 1)
            assert np.abs(got - np.exp(logp[0])).max() <= 1e-4, (kind, seed)
    page.close()


def test_page_picks_rhymes_like_python(browser, default_site):
    page, *_ = _open(browser, default_site)
    index = RhymeIndex.load(modeldir.DEFAULT_DIR / modeldir.WORDS)
    # the last three are outside the corpus: the page pronounces them from prons.json.gz, as CMU dict does
    for word in ("night", "day", "love", "sea", "heart", "fire", "a", "wind", "phone", "guitar", "jeans"):
        got = page.evaluate("(w) => window.rhymerPage.rhymes(w)", word)
        assert got == index.rhymes(word), word
    assert "phone" not in index.words and len(index.rhymes("phone")) > 5
    assert "re" in index.prons and "re" not in index.rhymes("day") and "way" in index.rhymes("day")  # no "they re"
    # near rhymes, where a word has no perfect one: the same words, distances and order as Python's
    hard = ["purple", "orange", "silver", "empty", "month", "wolf", "ocean", "music", "image", "window", "night", "baby"]
    words = hard + sorted(index.prons)[::97]
    got = page.evaluate("(ws) => window.rhymerPage.nearRhymes(ws)", words)
    expected = [[[w, d] for w, d in index.near_rhymes(word, avoid=[word]).items()] for word in words]
    assert got == expected
    assert sum(map(bool, expected)) > len(words) // 3 and expected[0][:2] == [["circle", 0.5], ["turtle", 0.5]]
    for word in ("purple", "empty", "night", "baby"):  # what a couplet or an answer draws from (rhymepolicy.rhyme_choices)
        found = page.evaluate("(w) => window.rhymerPage.rhymeFor(w)", word)
        drawn = [rhymepolicy.rhyme_choices(index, [word], [word], np.random.default_rng(seed), "auto", 4) for seed in range(100)]
        assert {w for ws, _ in drawn for w in ws} <= set(found["rhymes"]) and {near for _, near in drawn} == {found["near"]}, word
        near = index.near_rhymes(word, avoid=[word])
        assert set(found["rhymes"]) == (set(index.rhymes(word, avoid=[word])) if word == "night" else
                                        {w for w, d in near.items() if d <= min(near.values()) + rhymepolicy.NEAR_BAND}), word
        assert all(n == index.frequency(w) for w, n in found["rhymes"].items())
    assert page.evaluate("(w) => window.rhymerPage.rhymeFor(w)", "music") == {"rhymes": {}, "near": True}
    page.close()


@pytest.fixture(scope="module")
def index() -> RhymeIndex:
    return RhymeIndex.load(modeldir.DEFAULT_DIR / modeldir.WORDS)


def test_page_knows_syllables_and_real_words_like_python(browser, default_site, index):
    page, *_ = _open(browser, default_site)
    written = [w for c in _couplets(page, 4) for line in c["lines"] for w in tokens(line)]
    cmu_sample = sorted(w for w in cmu_words() if tokens(w) == [w])[::50]
    invented = ["table", "rountinemitated", "suffiction", "glimmerlight", "xyzzy", "o'er", "thee", "fire", "pale", "eyee"]
    words = sorted(set(index.words) | set(cmu_sample) | set(invented) | set(written))
    got = page.evaluate("(ws) => window.rhymerPage.words(ws)", words)
    wrong = [(w, g, [index.is_real(w), index.syllables(w)]) for w, g in zip(words, got) if g != [index.is_real(w), index.syllables(w)]]
    assert not wrong, wrong[:10]
    assert got[words.index("table")] == [True, 2] and got[words.index("xyzzy")][0] is False  # both kinds are covered
    page.close()


def test_page_judges_candidates_like_python(browser, default_site, index, verse_text):
    page, *_ = _open(browser, default_site)
    lines = [line for line in verse_text.splitlines() if line.strip()][::997][:40]
    lines += ["  The rountinemitated suffiction of the table  ", "Night and day", "Fair night", "a " * 20 + "night", "NIGHT AND DAY",
              '"It was such pleasure to be done.', 'The current of her breast?" she cried,', '"Come," she said, "to night.',
              "Though (hateful; I myself when by.", "The night (so still) was come,"]
    cands = [{"text": t, "logprob": -1.5 + (i % 7) * 0.13, "finished": i % 5 != 0} for i, t in enumerate(lines)]
    for i, cand in enumerate(cands[::3]):  # an answer's candidates: how well the given line reads after them
        cand["follow"] = -2.1 + (i % 5) * 0.17
    rules, weights, seen, echoes_seen = Rules(), Weights(), set(), 0
    echoed = " ".join(tokens(lines[7])[-4:])  # a run of a candidate's words, not the whole line: an echo
    for target, previous in [(None, []), (8, ["night and day ", echoed]), (11, [lines[3].upper()])]:
        got = page.evaluate("([c, t, p]) => window.rhymerPage.judge(c, t, p)", [cands, target, previous])
        for cand, js in zip(cands, got):
            py = judge(cand["text"], cand["logprob"], cand["finished"], index, rules, weights, previous, target,
                       follow_logprob=cand.get("follow"))
            assert (js["text"], js["failed"], js["syllables"]) == (py.text, list(py.failed), py.syllables), (cand, target)
            assert abs(js["score"] - py.score) <= 1e-9, (cand, target)
            seen.update(py.failed)
            echoes_seen += echoes(cand["text"], previous) and cand["text"].strip().lower() != previous[-1].lower()
    assert seen == {"unfinished", "too_short", "too_long", "syllables", "repeated_line", "unbalanced_marks"}  # every check was met
    assert echoes_seen  # and the echo penalty, on a line that only echoes
    page.close()


def test_the_feed_skips_a_seed_whose_couplet_echoes_the_lines_shown(browser, default_site):
    """As Rhymer.series: the first seed whose couplet echoes nothing shown, else of its tries the earliest one
    that repeats the lines shown least (scoring.repetition)."""
    page, *_ = _open(browser, default_site + "?model=markov")
    _screen_filled(page)
    _resting(page)
    page.wait_for_function("!window.rhymerPage.state.busy")
    before = _count(page)
    # the lines of seed 7's couplet as if just shown: the feed, writing from seed 7, must skip it
    seventh = page.evaluate("""async () => { const p = window.rhymerPage;
        const c = await p.couplet('markov', { seedWord: 'night' }, 7);
        p.state.recent.push(...c.lines);
        p.state.seed = 7;
        await p.more(12, { seedWord: 'night' });
        return c.lines; }""")
    assert any(echoes(line, seventh) for line in seventh)  # (it does echo itself)
    feed = page.evaluate("""() => [...document.querySelectorAll('.couplet')].map(li => ({
        lines: [...li.querySelectorAll('p')].map(p => p.textContent), seed: Number(li.dataset.seed) }))""")
    series = page.evaluate("window.rhymerPage.state.site.page.series")
    memory, tries = series["memory"], series["tries"]
    assert feed[before]["seed"] > 7
    start = 7
    for i in range(before, before + 12):
        shown = ([line for c in feed[:before] for line in c["lines"]] + seventh
                 + [line for c in feed[before:i] for line in c["lines"]])[-memory:]
        tried = []
        for seed in range(start, start + tries):  # the seeds after the last one tried for the couplet before
            c = page.evaluate("([s]) => window.rhymerPage.couplet('markov', { seedWord: 'night' }, s)", [seed])
            tried.append((repetition(c["lines"], shown), seed, c["lines"]))
            if tried[-1][0] == (0, 0):
                break
        _, seed, lines = min(tried, key=lambda t: t[0])  # the earliest of the least repeating (Python's rule)
        assert (feed[i]["seed"], feed[i]["lines"]) == (seed, lines), (i, tried)
        start += len(tried)
    page.close()


def test_first_line_follows_from_the_second(browser, default_site):
    # the same random draws with and without the state carried from line 2: line 2 is the same, line 1 not
    page, *_ = _open(browser, default_site)
    differ = 0
    for seed in (1, 2, 3, 4):
        # T=1 and no known-word limits (word runs leave few words to choose from): the state shows in the draws
        args = {"seedWord": "night", "candidates": 1, "temperature": 1.0, "knownWords": False}
        carried = page.evaluate("([o, s]) => window.rhymerPage.couplet('lstm', o, s)", [args, seed])
        fresh = page.evaluate("([o, s]) => window.rhymerPage.couplet('lstm', o, s)", [{**args, "carry": False}, seed])
        assert carried["lines"][1] == fresh["lines"][1] and carried["rhymeWords"] == fresh["rhymeWords"]
        again = page.evaluate("([o, s]) => window.rhymerPage.couplet('lstm', o, s)", [args, seed])
        assert again["lines"] == carried["lines"]  # and it is no accident of sampling
        differ += carried["lines"][0] != fresh["lines"][0]
    assert differ >= 2
    page.close()


def test_page_writes_the_partner_line_for_several_rhymes(browser, default_site, index):
    # as Rhymer.verse: line 2 is written for page.rhyme_choices rhymes and the best line kept, both lines
    # aiming at page.line_syllables (the library's numbers, from site.json)
    page, *_ = _open(browser, default_site)
    settings = page.evaluate("window.rhymerPage.state.site.page")
    assert (settings["rhyme_choices"], settings["line_syllables"]) == (rhymepolicy.RHYME_CHOICES, LINE_SYLLABLES)
    asked = [[k, n] for k in range(1, 13) for n in (1, 2, 3, 4, 9)]
    assert page.evaluate("(ks) => ks.map(([k, n]) => window.rhymerPage.rhymeChoicesFor(k, n))", asked) == [
        rhymepolicy.rhyme_choices_for(k, n) for k, n in asked]
    kept, off = [], {}  # rhyme words kept; syllables off the target, per candidates
    for k in (1, 16):
        for seed in range(8):
            c = page.evaluate("([o, s]) => window.rhymerPage.couplet('markov', o, s)", [{"seedWord": "day", "candidates": k}, seed])
            assert [last_word(line) for line in c["lines"]] == c["rhymeWords"] and c["rhymeWords"][1] in index.rhymes("day"), c
            kept.append(c["rhymeWords"][1])
            off.setdefault(k, []).extend(abs(sum(index.syllables(w) for w in tokens(line)) - LINE_SYLLABLES) for line in c["lines"])
    # one candidate is plain sampling (no judging); 16 keep to 8 ± 1 where one candidate misses by ~4
    assert len(set(kept[8:])) >= 3 and sum(o <= 1 for o in off[16]) >= 14 and sum(off[16]) < sum(off[1]) / 3, (kept, off)
    page.close()


@pytest.fixture(scope="module")
def markup_site(installed, tmp_path_factory):
    """A Markov-only site of a corpus full of markup and of few letters, exported from a model folder without
    wordruns.json (as folders made before word runs): (its model folder, its folder, its URL)."""
    tmp = tmp_path_factory.mktemp("markup")
    lines = ["<script>alert(1)</script> under the night", "<img src=x onerror=alert(2)> in the light",
             "and <b>bold</b> words in the day", "<img src=y onerror=alert(3)> we go away"]
    corpus = tmp / "evil.txt"
    corpus.write_text("\n".join(lines * 200) + "\n")
    model = tmp / "markov"
    assert run_cli("markov", str(corpus), "--out", str(model), "--val-fraction", "0").returncode == 0
    (model / modeldir.RUNS).unlink()
    site = tmp / "site"
    export = subprocess.run([str(installed / "rhymer"), "export", str(model), "--web", str(site)], capture_output=True,
                            text=True, cwd=tmp, env=_outside_env())
    assert export.returncode == 0, export.stderr
    proc, url = _rhymer_web(installed, "--site", str(site))
    yield model, site, url
    proc.terminate()
    proc.wait(timeout=30)


def test_generated_markup_is_shown_as_text(browser, markup_site):
    _, site, url = markup_site
    assert (site / "ml5.LICENSE.md").is_file()  # ml5's license travels with it
    page, _, dialogs, _ = _open(browser, url)
    # a Markov-only site: it opens on a couplet the library wrote with that model, never starts ml5.js
    assert page.evaluate("document.querySelector('.couplet').dataset.opening !== undefined && typeof ml5 === 'undefined'")
    assert "ml5.min.js" not in (site / "index.html").read_text()
    page.evaluate("window.rhymerPage.more(6, { knownWords: false })")  # "<" is no letter of a known word
    couplets = _couplets(page, 7)
    text = " ".join(line for c in couplets for line in c["lines"])
    assert "<img" in text.lower() or "<script>" in text.lower()  # the markup was generated...
    given = "<img src=x onerror=alert(document)> and <b>bold</b> in the night"  # ...and typed, to be answered (no digits: refused)
    assert _answer(page, given) == "" and _answers(page)[0]["lines"][0] == given
    assert page.evaluate("document.querySelectorAll('#feed img, #feed script, #feed b').length") == 0  # ...as text
    assert not dialogs
    page.close()


@pytest.fixture(scope="module")
def poets() -> dict[str, Rhymer]:
    """The shipped model's two engines as the library writes with them (their known words and word runs)."""
    return {kind: Rhymer(modeldir.DEFAULT_DIR, kind) for kind in ("lstm", "markov")}


def _partials(words) -> list[str]:
    """Every partial word that writing ``words`` backward passes through (reversed), each whole one begun with
    a capital too (``CAPITAL``), and some no word has."""
    return sorted({w[::-1][:k] for w in words for k in range(len(w) + 1)} | {w[::-1] + CAPITAL for w in words}
                  | {"zzq", "thgi", "'", "q'", "eht'", "sit'", "sit^'", "sawt^'", "thgin'"})


def _mask_mismatches(page, kind: str, trie_of, queries: list, *runs) -> list:
    """The [words after, partial word] queries whose mask on the page is not Python's
    ``trie_of(after).allowed(partial)``; the page narrows by the site's word runs, or by ``runs`` (a
    wordruns.json's contents; None: no runs) when given."""
    got = page.evaluate("([k, q, ...r]) => window.rhymerPage.masks(k, q, ...r)", [kind, queries, *runs])
    assert len(got) == len(queries)
    return [(q, g) for q, g in zip(queries, got)
            if g != "".join("1" if ok else "0" for ok in trie_of(tuple(q[0])).allowed(q[1]))]


def _page_runs(runs: WordRuns, folder) -> dict:
    """``runs`` as the page reads them: the file ``WordRuns.save`` writes."""
    runs.save(folder / "runs.json.gz", compress=True)
    return read_json(folder / "runs.json.gz")


def test_page_masks_are_the_librarys_known_words_and_runs(browser, default_site, poets, tmp_path):
    page, *_ = _open(browser, default_site + "?model=markov")  # a feed quickly full: the hooks wait behind it
    # a context whose two words have too few known predecessors falls back to its next word, one with
    # too few there to any known word
    crafted = WordRuns({("night", "is"): ["xyzzy", "qqqz", "the", "a", "dark"], ("night",): ["the", "a", "all", "dark", "long", "o'er"],
                        ("day",): ["the", "a", "xyzzy", "qqqz", "zzzq"]}, 5)
    for kind, poet in poets.items():
        runs, tries = poet.runs, poet.run_tries
        two = [c for c in runs.before if len(c) == 2][::500][:5]
        one = [c for c in runs.before if len(c) == 1][::400][:5]
        unstored = [(one[0][0], "xyzzy"), ("xyzzy",), ("night", "xyzzy")]  # the next word's context, then none
        contexts = [(), *two, *one, *unstored]
        assert sum(tries.trie(c) is not poet.trie for c in contexts) >= len(two) + len(one) and tries.trie(("xyzzy",)) is poet.trie
        words = ({w for c in two + one for w in runs.before[c][::5]} | set(sorted(poet.index.words)[::700])
                 | {"night", "o'er", "i", "o", "i'll", "in", "on", "tis", "twas"})
        queries = [[list(c), p] for c in contexts for p in _partials(words)]
        assert not _mask_mismatches(page, kind, tries.trie, queries), kind
        narrowed = RunTries(crafted, poet.trie)
        assert narrowed.trie(("night", "is")) is narrowed.trie(("night",)) and narrowed.trie(("day",)) is poet.trie
        queries = [[list(c), p] for c in [("night", "is"), ("night",), ("day",), ("dark", "night")]
                   for p in _partials(["the", "a", "all", "dark", "long", "o'er", "light"])]
        assert not _mask_mismatches(page, kind, narrowed.trie, queries, _page_runs(crafted, tmp_path)), kind
    cut = ['rlbut-Om"macaw" night', 'ght" and the night', " the night", "night", "tis' o'er the sea", "é, we", ""]
    assert page.evaluate("(bodies) => bodies.map(window.rhymerPage.withoutBrokenWord)", cut) == [
        sampler.without_broken_word(body) for body in cut]
    typed = ["Night,", "\u2018Tis", "nig\u200bht!", "  \u201cRome\u201d ", "o\u2019er", "(night)...", "\u00abnight\u00bb", "caf\u00e9",
             "Z\u00fcrich", "cafe\u0301", "\ufb01re", "o\u00b4er", "o\u02bcer", "`night`"]
    assert page.evaluate("(words) => words.map(window.rhymerPage.typedWord)", typed) == [
        lexicon.normalize_word(w) for w in typed]
    assert page.evaluate("(words) => words.map(window.rhymerPage.typedSpelling)", typed + ["Paris!", "NASA"]) == [
        lexicon.typed_spelling(w) for w in typed + ["Paris!", "NASA"]]
    page.close()


def _hot_couplets(page, kind: str, seeds, **overrides) -> list[str]:
    """The words of the page's couplets on ``seeds`` at temperature 1.5, plain sampling (one candidate), as
    written (not lower-cased)."""
    couplets = page.evaluate("""async ([k, o, seeds]) => { const out = [];
        for (const s of seeds) out.push(await window.rhymerPage.couplet(k, o, s));
        return out; }""", [kind, {"temperature": 1.5, "candidates": 1, **overrides}, list(seeds)])
    return [w for c in couplets for line in c["lines"] for w in re.findall(r"[A-Za-z]+(?:'[A-Za-z]+)*", line)]


def test_page_writes_only_known_words_even_when_hot(browser, default_site, poets):
    page, *_ = _open(browser, default_site + "?model=markov")
    for kind, seeds in (("markov", range(40)), ("lstm", range(4))):
        known = poets[kind].trie
        words = _hot_couplets(page, kind, seeds)
        assert len(words) > 8 * len(seeds) and [w for w in words if w not in known] == [], kind
        assert capitals_inside(words) == [], kind  # a capital only begins a word
        free = _hot_couplets(page, kind, seeds, knownWords=False)  # the same checks find the words the model invents
        assert [w for w in free if w not in known], kind
        if kind == "markov":  # and capitals inside them ("HETrpispk")
            assert capitals_inside(free)
    page.close()


def test_a_site_without_word_runs_writes_known_words(browser, markup_site):
    model, site, url = markup_site
    assert not (site / modeldir.RUNS).exists()
    poet = Rhymer(model)  # few letters: many real words are no known words here
    assert poet.run_tries is None and poet.index.is_real("fight") and "fight" not in poet.trie
    page, _, _, errors = _open(browser, url)
    assert page.evaluate("window.rhymerPage.state.site.page.word_runs") is None
    queries = [[after, p] for after in ([], ["night"], ["the", "night"]) for p in _partials(["night", "light", "day", "fight", "o'er"])]
    assert not _mask_mismatches(page, "markov", lambda _: poet.trie, queries)
    words = _hot_couplets(page, "markov", range(20))
    assert len(words) > 80 and [w for w in words if w not in poet.trie] == []
    assert not errors
    page.close()


def _count(page) -> int:
    return page.evaluate("document.querySelectorAll('.couplet').length")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x900", "390x844"])
def test_feed_keeps_growing_as_the_page_scrolls(browser, default_site, viewport):
    page, *_ = _open(browser, default_site + "?model=markov", viewport)  # Markov: fast enough for many screens
    _screen_filled(page)
    _resting(page)
    first = page.evaluate("document.documentElement.scrollHeight")
    for _ in range(3):  # each scroll to the end brings more couplets, without any click
        before, y = _count(page), page.evaluate("window.scrollY")
        page.mouse.wheel(0, 4 * viewport["height"])
        page.wait_for_function(f"window.scrollY > {y}", timeout=60_000)  # a busy page may scroll late
        page.wait_for_function(f"document.querySelectorAll('.couplet').length > {before}", timeout=60_000)
        _screen_filled(page)
        _resting(page)
    assert page.evaluate("document.documentElement.scrollHeight") > max(first + viewport["height"], 2 * viewport["height"])
    _resting(page)  # and it rests once the end is off screen
    # the sticky controls stay on top of the scrolled couplets; on a phone (where they would take a third of the
    # screen) they scroll away with the page
    on_top = page.evaluate("""() => { const r = document.getElementById('controls').getBoundingClientRect();
        return r.bottom > 0 && document.elementFromPoint(r.left + r.width / 2, r.bottom - 4).closest('#controls') !== null; }""")
    assert page.evaluate("window.scrollY") > 0 and on_top == (viewport is DESKTOP)
    # nothing on a couplet (the copy button, the link) covers its lines, rhyme words included
    overlaps = page.evaluate("""() => [...document.querySelectorAll('.couplet')].filter(li => {
        const boxes = [...li.querySelectorAll('p')].map(p => p.getBoundingClientRect());
        return [...li.querySelectorAll('button, a')].some(b => { const r = b.getBoundingClientRect();
          return boxes.some(p => r.left < p.right && p.left < r.right && r.top < p.bottom && p.top < r.bottom); });
        }).length""")
    assert overlaps == 0
    page.close()


def test_feed_pauses_while_the_tab_is_hidden(browser, default_site):
    page, *_ = _open(browser, default_site + "?model=markov", PHONE)
    _screen_filled(page)
    page.evaluate("""() => { Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
                            document.dispatchEvent(new Event('visibilitychange')); }""")
    page.wait_for_function("window.rhymerPage.state.paused && !window.rhymerPage.state.busy")
    before = _count(page)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("window.rhymerPage.state.nearEnd")
    page.wait_for_timeout(1500)  # the Markov model writes dozens of couplets a second when it runs
    assert _count(page) == before
    page.evaluate("""() => { Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
                            document.dispatchEvent(new Event('visibilitychange')); }""")
    page.wait_for_function(f"document.querySelectorAll('.couplet').length > {before}", timeout=60_000)
    page.close()


def _first(page, nth: int = 1) -> dict:
    return page.evaluate(f"""() => {{ const li = document.querySelector('.couplet:nth-child({nth})');
        return {{ lines: [...li.querySelectorAll('p')].map(p => p.textContent), seed: li.dataset.seed,
                 link: li.querySelector('a.share').getAttribute('href'), opening: li.dataset.opening !== undefined }}; }}""")


def test_share_link_writes_the_same_couplet_first(browser, default_site):
    # a fresh seed per visit
    seeds = set()
    for _ in range(2):
        page, *_ = _open(browser, default_site)
        page.wait_for_function("document.querySelectorAll('.couplet').length >= 2", timeout=60_000)
        first, own = _first(page), _first(page, 2)
        seeds.add(own["seed"])
        page.close()
    assert len(seeds) == 2
    # the couplet a visit opens on (the library's, from site.json), the first the page wrote (LSTM, best of 3),
    # and a later Markov couplet on a seed word (best of 3)
    assert first["opening"] and "opening=" in first["link"] and not own["opening"] and "candidates=3" in own["link"]
    page, *_ = _open(browser, default_site + "?model=markov")
    page.fill("#seed", "day")
    # the feed writes until the screen is full, and a couplet in flight when Enter is pressed may end on
    # "day" by chance: wait until it rests, then look only at couplets begun after the word applied
    _screen_filled(page)
    _resting(page)
    page.wait_for_function("!window.rhymerPage.state.busy")
    after = _count(page)
    page.press("#seed", "Enter")
    written = f"[...document.querySelectorAll('.couplet')].slice({after}).find(li => li.dataset.rhymes.startsWith('day '))"
    page.wait_for_function(f"!!{written}", timeout=60_000)
    later = page.evaluate(f"""() => {{ const li = {written};
        return {{ lines: [...li.querySelectorAll('p')].map(p => p.textContent), link: li.querySelector('a.share').getAttribute('href') }}; }}""")
    page.close()
    assert "word=day" in later["link"] and "model=markov" in later["link"] and "candidates=3" in later["link"]
    for couplet in (first, own, later):
        page, requests, _, errors = _open(browser, default_site + couplet["link"].lstrip("/"))
        again = _first(page)
        assert again["lines"] == couplet["lines"] and again["link"] == couplet["link"]
        assert page.evaluate("document.querySelector('.couplet').classList.contains('shared')")
        assert not errors
        page.close()
    # a link with a fractional number of candidates writes with a whole number of them
    page, _, _, errors = _open(browser, default_site + "?model=markov&seed=12&word=day&candidates=2.4")
    shared = _first(page)
    assert "candidates=2" in shared["link"] and "undefined" not in " ".join(shared["lines"]) and not errors, shared
    page.close()
    # a link with a seed word typed in capitals writes it so, and its own link keeps them (Rhymer.spelling)
    page, _, _, errors = _open(browser, default_site + "?model=markov&seed=12&word=Paris&candidates=2")
    shared = _first(page)
    assert shared["lines"][0].endswith(" Paris,") and "word=Paris" in shared["link"] and not errors, shared
    assert page.inner_text(".couplet .tag").startswith("Markov · Paris / ")  # the tag spells it as the line does
    page.close()
    # a link whose temperature or length is no number writes at the page's defaults, not a slider's midpoint
    page, *_ = _open(browser, default_site + "?model=markov&seed=5&temperature=abc&words=")
    assert float(page.input_value("#temperature")) == PAGE_TEMPERATURE
    assert int(page.input_value("#length")) == PAGE_MAX_WORDS
    page.close()
    page, *_ = _open(browser, default_site + "?model=markov&seed=5&temperature=+0.7&words=5.")  # "+": a space
    assert float(page.input_value("#temperature")) == 0.7 and int(page.input_value("#length")) == 5
    page.close()


def test_page_opens_on_the_librarys_couplet_before_ml5_starts(browser, default_site):
    # ml5.min.js never arrives: the visit still opens on a couplet, says why the LSTM is missing, and the
    # Markov model writes on (the feed and the reply form work without ml5)
    context = browser.new_context(viewport=DESKTOP)
    context.route("**/ml5.min.js", lambda route: route.abort())
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(default_site)
    page.wait_for_function("document.getElementById('loading').textContent.includes('ml5.min.js did not load')", timeout=60_000)
    assert "the Markov model writes instead" in page.inner_text("#loading")
    site = page.evaluate("window.rhymerPage.state.site")
    shown = _first(page)
    assert shown["opening"] and page.evaluate("typeof ml5") == "undefined"
    assert shown["lines"] in [c["lines"] for c in site["openings"]]
    page.wait_for_function("document.querySelectorAll('.couplet[data-model=markov]').length >= 2", timeout=60_000)
    assert page.evaluate("[...document.querySelectorAll('#model option')].map(o => o.value)") == ["markov"]
    assert _answer(page, REPLY) == "" and page.evaluate("document.querySelector('.couplet.answer').dataset.model") == "markov"
    assert not errors
    # a link to an LSTM couplet, which cannot be written again: a plain visit's feed, not an error, and no
    # Markov couplet passed off as the shared one; a link to an answer is answered
    page.goto(default_site + "?model=lstm&seed=12&candidates=3")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    assert "the Markov model writes instead" in page.inner_text("#loading")
    assert page.evaluate("document.querySelectorAll('.couplet.shared').length") == 0
    page.wait_for_function("document.querySelectorAll('.couplet[data-model=markov]').length >= 1", timeout=60_000)
    assert page.inner_text("#status") == "" and not errors
    page.goto(default_site + "?model=lstm&seed=12&reply=" + REPLY.replace(" ", "+"))
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    assert _answers(page)[0]["lines"][0] == REPLY and page.inner_text("#replyStatus") == "" and not errors
    context.close()


@pytest.mark.parametrize("body", ['{"format": "rhymer-markov", "order": 5, "vocab": ["a"', '{"order": 5}'])
def test_a_damaged_markov_json_is_named_with_the_fix(browser, default_site, body):
    # cut short on the way to the host, or not a model at all: one line naming the file and what to do
    context = browser.new_context(viewport=DESKTOP)
    context.route("**/markov.json", lambda route: route.fulfill(status=200, body=body, content_type="application/json"))
    page = context.new_page()
    page.goto(default_site + "?model=markov")
    page.wait_for_function("document.getElementById('loading').textContent.includes('markov.json')", timeout=60_000)
    said = page.inner_text("#loading")
    assert said.startswith("could not load the model: markov.json ") and "export the site again" in said, said
    context.close()


def test_a_feed_that_fails_waits_longer_each_time(browser, default_site):
    """A file the host lacks (words.json here, needed once a seed word is typed) fails every couplet: the
    feed retries after 1, 2, 4... seconds, not once a second for ever."""
    context = browser.new_context(viewport=DESKTOP)
    asked = []
    context.route("**/words.json", lambda route: (asked.append(time.monotonic()), route.fulfill(status=404)))
    page = context.new_page()
    page.goto(default_site + "?model=markov")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    _screen_filled(page)  # then every couplet needs words.json: a seed word, and the end of the feed in reach
    page.evaluate("window.rhymerPage.state.seedWord = 'night'; window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("document.getElementById('status').textContent.includes('words.json')", timeout=60_000)
    assert page.get_attribute("#status", "role") == "alert"  # said at once
    page.wait_for_timeout(9_000)
    gaps = [b - a for a, b in zip(asked, asked[1:])]
    assert 2 <= len(asked) <= 6 and gaps[-1] > 1.5 * gaps[0], gaps  # about 1, 2, 4 s apart
    context.close()


def test_a_couplet_asked_for_is_brought_into_view_and_said(browser, default_site):
    """The feed runs on below the screen and is no live region (it would chatter without end): a couplet the
    visitor asks for (Enter in the word field, another model) is scrolled to and said by #announce."""
    page, _, _, errors = _open(browser, default_site + "?model=markov")
    _screen_filled(page)
    _resting(page)
    assert page.get_attribute("#feed", "aria-live") is None and page.get_attribute("#announce", "role") == "status"
    before = _count(page)
    page.fill("#seed", "day")
    page.press("#seed", "Enter")
    page.wait_for_function(f"document.querySelectorAll('.couplet').length > {before}", timeout=60_000)
    asked = page.evaluate(f"""() => {{ const li = document.querySelectorAll('.couplet')[{before}];
        const box = li.getBoundingClientRect();
        return {{ lines: [...li.querySelectorAll('p')].map(p => p.textContent), seen: box.top >= 0 && box.bottom <= innerHeight + 1,
                 said: document.getElementById('announce').textContent }}; }}""")
    assert asked["seen"] and asked["said"] == " / ".join(asked["lines"]), asked
    assert not errors
    page.close()
    # a visit on the Markov model of an LSTM site never starts ml5.js (it is only preloaded)
    page, _, _, errors = _open(browser, default_site + "?model=markov")
    assert not _first(page)["opening"] and page.evaluate("typeof ml5") == "undefined" and not errors
    page.close()


def test_markov_lines_keep_the_word_limits_and_capitals(browser, default_site):
    page, *_ = _open(browser, default_site + "?model=markov")
    low = page.evaluate("window.rhymerPage.state.site.page.rules.min_words")
    for max_words in (4, 7, 10):
        lines = page.evaluate("([m, s]) => window.rhymerPage.sampleLines('markov', 'night', m, 40, s)", [max_words, max_words])
        counts = [len(tokens(line)) for line in lines]
        assert low <= min(counts) and max(counts) <= max_words, (max_words, lines)
        assert all(line[0].isupper() for line in lines if line[0].isalpha()), lines
    # the slider reaches the couplets, and proper nouns keep their capital at the line's end
    page.evaluate("() => { const l = document.getElementById('length'); l.value = '5'; l.dispatchEvent(new Event('input')); }")
    page.fill("#seed", "france")
    page.press("#seed", "Enter")  # keyboard only
    page.wait_for_function("document.querySelectorAll('.couplet[data-rhymes^=\"france \"]').length >= 1", timeout=60_000)
    page.evaluate("window.rhymerPage.more(3)")  # the seed word sticks
    couplets = page.evaluate("""() => [...document.querySelectorAll('.couplet[data-rhymes^="france "]')].map(li =>
        [...li.querySelectorAll('p')].map(p => p.textContent))""")
    for lines in couplets:
        assert lines[0].endswith("France,") and lines[1].endswith("."), lines  # the marks end a clause and the couplet
        assert all(low <= len(tokens(line)) <= 5 and next(c for c in line if c.isalpha()).isupper() for line in lines), lines
    # a seed word keeps the capitals it was typed with where the corpus never writes it in small letters mid-line
    # (Rhymer.spelling): "Paris" only begins its lines there; "NIGHT" is "night"
    poet = rhymer.load("markov")
    for typed, spelled in (("Paris", "Paris"), ("NIGHT", "night")):
        assert poet.spelling(typed, typed) == spelled
        for seed in (1, 2):
            c = page.evaluate("([w, t, s]) => window.rhymerPage.couplet('markov', {seedWord: w, seedTyped: t, candidates: 2}, s)",
                              [typed.lower(), typed, seed])
            assert c["lines"][0].endswith(f" {spelled},") and c["rhymeWords"][0] == typed.lower(), c["lines"]
    page.close()


@pytest.mark.skipif(not AXE.exists(), reason="axe-core missing: run `npm ci` in web/")
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x900", "390x844"])
def test_no_serious_accessibility_violations(browser, default_site, viewport):
    for scheme in ("light", "dark"):
        page, *_ = _open(browser, default_site + "?model=markov", viewport, scheme, bypass_csp=True)
        _screen_filled(page)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate("""async () => (await axe.run(document)).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.id}: ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`)""")
        assert violations == [], (scheme, violations)
        page.close()


REPLY = "I walked along the shore at night"


def _answer(page, line: str) -> str:
    """Type ``line`` in the reply form and press Enter: the form's message once the page answered (empty) or refused."""
    page.fill("#reply", line)
    page.press("#reply", "Enter")
    page.wait_for_function("document.getElementById('replyStatus').textContent !== 'writing the answer…'", timeout=60_000)
    return page.inner_text("#replyStatus")


def _answers(page) -> list[dict]:
    return page.evaluate("""() => [...document.querySelectorAll('.couplet.answer')].map(li => ({
        lines: [...li.querySelectorAll('p')].map(p => p.textContent), rhymes: li.dataset.rhymes.split(' '),
        link: li.querySelector('a.share').getAttribute('href') }))""")


def test_page_answers_a_typed_line(browser, default_site, poets):
    page, _, _, errors = _open(browser, default_site + "?model=markov", PHONE)
    # one compact row that keeps the feed's first couplet on the first screen, and the library's line limit
    height, top = page.evaluate("""[document.getElementById('replyForm').getBoundingClientRect().height,
                                    document.querySelector('.couplet').getBoundingClientRect().top]""")
    assert height < 60 and top < PHONE["height"] * 0.6, (height, top)
    assert page.evaluate("document.getElementById('reply').maxLength") == sampler.MAX_LINE_CHARS
    assert page.evaluate("document.getElementById('seed').maxLength") == lexicon.MAX_WORD_LENGTH
    page.focus("#reply")
    assert page.evaluate("getComputedStyle(document.getElementById('reply')).outlineStyle") == "solid"  # focus shows
    assert _answer(page, REPLY) == ""  # keyboard only
    (answer,) = _answers(page)
    given, line = answer["lines"]
    end = tokens(line)[-1]
    assert given == REPLY and answer["rhymes"] == ["night", end] and is_rhyme("night", end), answer
    assert line.endswith(".") and [w for w in tokens(line) if w not in poets["markov"].trie] == [], line
    assert page.evaluate("document.querySelector('#feed .couplet').classList.contains('answer')")  # on top, under the form
    assert "reply=" in answer["link"] and "model=markov" in answer["link"] and not errors
    assert f"candidates={PAGE_CANDIDATES['answer']}&" in answer["link"] + "&"  # an answer's own, kept by its link
    # a short line is answered by one of SHORTEST_REPLY syllables, as Rhymer.reply answers it (three words
    # seldom come in at the two of "Go home"), given candidates enough to find one (the form's are 12; the
    # page samples once where the library samples again, so one of 16 may miss by one)
    off = []
    for seed in range(3):
        short = page.evaluate(f"async () => (await window.rhymerPage.answer('markov', {{candidates: 16}}, 'Go home', {seed})).lines[1]")
        off.append(abs(scoring.syllable_count(poets["markov"].index, short) - scoring.SHORTEST_REPLY))
    assert Rules().syllable_tolerance == 0 and off.count(0) >= 2 and max(off) <= 1, off
    given = "And all the while the river ran beside the mill where we had played as children in the summer days"
    answers = [page.evaluate(f"async () => (await window.rhymerPage.answer('markov', {{candidates: 16}}, '{given}', {seed})).lines[1]")
               for seed in range(3)]  # 25 syllables: answered at LONGEST_REPLY, as Rhymer.reply answers it
    off = [abs(scoring.syllable_count(poets["markov"].index, a) - scoring.LONGEST_REPLY) for a in answers]
    assert off.count(0) >= 2 and max(off) <= 1, (off, answers)
    long = "y" * 100  # a long word quoted in a message wraps: the page never scrolls sideways
    assert f"“{long}”" in _answer(page, f"I love {long}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.evaluate("document.documentElement.scrollWidth")
    long = long[:40]  # the longest word the seed field takes
    page.fill("#seed", long)
    page.press("#seed", "Enter")
    page.wait_for_function(f"document.querySelector('#seedNow').textContent.includes('nothing rhymes with “{long}”')")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.evaluate("document.documentElement.scrollWidth")
    page.close()
    page, _, _, errors = _open(browser, default_site + answer["link"].lstrip("/"))  # the link writes it again
    assert _first(page)["lines"] == answer["lines"] and page.inner_text("#replyStatus") == "" and not errors
    assert page.evaluate("document.querySelector('.couplet').classList.contains('shared')")
    page.close()


def test_page_refuses_lines_it_cannot_answer(browser, default_site, index):
    page, _, _, errors = _open(browser, default_site + "?model=markov")
    assert not index.rhymes("music") and not index.near_rhymes("music")
    for line, said in [("", "Type a line"), ("   ", "Type a line"), ("-- !", "no word to rhyme with"),
                       ("\U0001f319\U0001f319", "no word to rhyme with"),  # something typed, but no word
                       ("I counted to 1914", "ends on “1914”"), ("In 1999 we partied all night", "has digits"),
                       ("I wandered lonely through Zürich", "Nothing rhymes with “zurich”"),
                       ("I love the music", "Nothing rhymes with “music”"), ("the night \u0436 is long", "cannot read “\u0436”")]:
        message = _answer(page, line)
        assert said in message and not _answers(page), (line, message)
        assert page.get_attribute("#reply", "aria-invalid") == "true"
    message = _answer(page, "I love the music")  # it offers line ends that do rhyme here
    offered = re.findall(r"“(\w+)”", message.split("such as")[1])
    assert offered and all(index.rhymes(w) for w in offered), message
    assert _answer(page, REPLY) == "" and page.get_attribute("#reply", "aria-invalid") is None and len(_answers(page)) == 1
    assert not errors
    page.close()


def test_page_answers_near_rhymes_and_curly_quotes(browser, default_site, index):
    page, _, _, errors = _open(browser, default_site + "?model=markov")
    assert not index.rhymes("purple")
    assert _answer(page, "The sky at evening turned to purple") == ""
    (answer,) = _answers(page)
    near = index.near_rhymes("purple", avoid=["purple"])
    assert answer["rhymes"][0] == "purple" and near[answer["rhymes"][1]] <= min(near.values()) + rhymepolicy.NEAR_BAND
    assert answer["lines"][1].endswith(".") and tokens(answer["lines"][1])[-1] == answer["rhymes"][1], answer
    assert page.evaluate("document.querySelector('.couplet.answer .tag').textContent").endswith("(near rhyme)")
    assert _answer(page, "I\u2019m walking where the \u201cnight\u201d is long") == ""  # typed on a phone: read plain
    assert _answers(page)[0]["lines"][0] == "I'm walking where the \"night\" is long"
    # copied from a web page: a soft hyphen and a zero-width space inside words are left out, as Python leaves them
    assert _answer(page, "I walk a\u00adlone at nig\u200bht \ufeff") == ""
    assert _answers(page)[0]["lines"][0] == "I walk alone at night"
    # a post's emoji and "@" are left out, an accent the model cannot read is read bare, as Python reads them
    assert _answer(page, "@bob the ni\u0308ght \u2603 is long \U0001f494 \u2764\ufe0f \U0001fa77") == ""
    assert _answers(page)[0]["lines"][0] == "bob the night is long"
    assert _answer(page, "by day/night\U0001f319") == "" and _answers(page)[0]["lines"][0] == "by day night"
    assert "phone" not in index.words and _answer(page, "I waited all night by the phone") == ""  # a CMU word outside the corpus
    answer = _answers(page)[0]
    assert answer["rhymes"][0] == "phone" and answer["rhymes"][1] in index.rhymes("phone"), answer
    c = page.evaluate("window.rhymerPage.couplet('markov', { seedWord: 'guitar' }, 3)")  # so is a seed word
    assert c["rhymeWords"][0] == "guitar" and c["rhymeWords"][1] in index.rhymes("guitar"), c
    # an elided word the corpus writes (the index holds no pronunciation for it) rhymes as the library sings it
    assert "o'er" in index.words and "o'er" not in index.prons and "more" in index.rhymes("o'er")
    c = page.evaluate("window.rhymerPage.couplet('markov', { seedWord: \"o'er\" }, 3)")
    assert c["rhymeWords"][0] == "o'er" and c["rhymeWords"][1] in index.rhymes("o'er"), c
    assert _answer(page, "The lark flew singing o\u2019er") == ""  # a line ending in one, typed on a phone
    answer = _answers(page)[0]
    assert answer["rhymes"][0] == "o'er" and answer["rhymes"][1] in index.rhymes("o'er"), answer
    assert not errors
    page.close()


def test_the_word_box_says_why_a_word_is_no_seed_word(browser, default_site, index):
    page, _, _, errors = _open(browser, default_site + "?model=markov")
    for typed, said in [("two words", "“two words” is several words: type one, such as “words”"), ("rock-and-roll", "such as “roll”"),
                        ("1999", "“1999” is no English word"), ("moon\U0001f319", "is no English word"),
                        ("And", "no line ends on “and”")]:  # as the library refuses them
        _seed(page, typed, said)
    _seed(page, "of", "“of”", exact=True)  # a word a line may end on ("the one I'm thinking of"), as the library's
    _seed(page, "Paris", "“Paris”", exact=True)  # said as typed
    assert index.rhymes("and")  # (so the page's refusal, not the want of a rhyme, keeps it from ending a line)
    c = page.evaluate("window.rhymerPage.couplet('markov', { seedWord: 'and' }, 3)")  # a link's word=and: any word
    assert c["rhymeWords"][0] != "and" and not c["lines"][0].endswith(("and", "and,")), c
    assert not errors
    page.close()


def test_page_offline_refuses_only_words_outside_the_corpus_and_fetches_their_rhymes_again(browser, default_site, index):
    page, *_ = _open(browser, default_site + "?model=markov")
    page.route("**/prons.json.gz", lambda route: route.abort())  # fetched only now: offline after the page loaded
    message = _answer(page, "I waited all night by the phone")
    assert "The rhymes of “phone” could not be loaded (offline?)" in message and not _answers(page), message
    c = page.evaluate("window.rhymerPage.couplet('markov', { seedWord: 'guitar' }, 3)")  # the feed goes on
    assert c["rhymeWords"][0] != "guitar" and c["rhymeWords"][1] in index.rhymes(c["rhymeWords"][0]), c
    _seed(page, "guitar", "the rhymes of “guitar” could not be loaded")
    assert _answer(page, REPLY) == "" and len(_answers(page)) == 1  # a corpus word needs no such file
    page.unroute("**/prons.json.gz")  # online again: the next word outside the corpus fetches them...
    assert _answer(page, "I waited all night by the phone") == "" and len(_answers(page)) == 2
    page.wait_for_function("document.getElementById('seedNow').textContent === '“guitar”'")  # ...and the seed says so
    page.close()
    page, *_ = _open(browser, default_site + "?model=markov")
    page.route("**/prons.json.gz", lambda route: route.abort())
    _seed(page, "guitar", "could not be loaded: offline? Press Enter to try again")
    page.unroute("**/prons.json.gz")
    _seed(page, "guitar", "“guitar”", exact=True)  # Enter again: fetched now
    page.close()
    page, *_ = _open(browser, default_site + "?model=markov")
    asked = []  # a file that is not there stays missing: fetched once, and no word outside the corpus rhymes
    page.route("**/prons.json.gz", lambda route: (asked.append(1), route.fulfill(status=404)))
    for _ in range(2):
        assert "Nothing rhymes with “phone”" in _answer(page, "I waited all night by the phone")
    assert len(asked) == 1
    page.close()
    page = browser.new_context(viewport=DESKTOP).new_page()  # no rhyme index at all: the word is not said in use
    page.route("**/words.json", lambda route: route.fulfill(status=404))
    page.goto(default_site + "?model=markov")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    _seed(page, "night", "“night”, but the rhymes could not be loaded (words.json: HTTP 404): press Enter to try again")
    page.unroute("**/words.json")
    _seed(page, "night", "“night”", exact=True)
    page.close()


def _seed(page, word: str, said: str, exact: bool = False) -> None:
    """Type ``word`` in the word box, press Enter, and wait until the line under it says ``said`` (all it says:
    ``exact``), then a moment more: it says the word at once and why it writes on any word once it knows."""
    page.fill("#seed", word)
    page.press("#seed", "Enter")
    page.wait_for_function("([said, exact]) => exact ? document.getElementById('seedNow').textContent === said"
                           " : document.getElementById('seedNow').textContent.includes(said)", arg=[said, exact])
    if exact:  # once the page knows the word's rhymes (fetched if need be), it still says just that
        assert page.evaluate("async (w) => Object.keys((await window.rhymerPage.rhymeFor(w)).rhymes).length", word.lower())
        assert page.inner_text("#seedNow") == said


def test_page_follow_score_is_pythons_and_ranks_answers(browser, default_site):
    page, *_ = _open(browser, default_site + "?model=markov")
    engines = {"lstm": LSTMModel.load(modeldir.DEFAULT_DIR), "markov": MarkovModel.load(modeldir.DEFAULT_DIR / modeldir.MARKOV)}
    for kind, engine in engines.items():
        for line, given in [("And in the light.", REPLY), ("Where thou dost stay,", "Oh, the day!")]:
            got = page.evaluate("([k, l, g]) => window.rhymerPage.follow(k, l, g)", [kind, line, given])
            (want,) = continuation_logprob(engine, [read_after(engine, None, "\n" + line[::-1])], given[::-1])
            assert abs(got - want) <= 1e-4, (kind, line, got, want)
    # the same candidates (the same draws), ranked without the follow term and with it weighted up
    answers = page.evaluate("""async ([line]) => { const weights = window.rhymerPage.state.site.page.weights, out = [];
        for (const follow of [0, 30]) {
          weights.follow = follow;
          for (let seed = 0; seed < 8; seed++) out.push((await window.rhymerPage.answer('markov', {}, line, seed)).lines[1]);
        }
        return out; }""", [REPLY])
    assert answers[:8] != answers[8:], answers
    page.close()
