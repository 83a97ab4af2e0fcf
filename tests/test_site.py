"""`rhymer export --web` and `rhymer web` without a browser: files, refusals, and the local server."""

import gzip
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import rhymer
from rhymer import modeldir
from rhymer.errors import ModelError
from rhymer.rhymeindex import RhymeIndex
from rhymer.scoring import Rules
from rhymer.vocabtrie import VocabTrie
from rhymer.website import ML5_SHA256, OPENINGS, PAGE_MAX_WORDS, find_ml5, openings, outside_pronunciations, page_settings, word_facts
from rhymer.wordruns import WordRuns
from rhymer.words import last_word, tokens
from tests.conftest import ROOT


def test_ml5_ships_with_the_page_with_its_license_and_hash():
    vendored = find_ml5()  # no node_modules needed: the copy beside the page, checked by sha256
    assert vendored.parent == ROOT / "web" / "vendor"
    recorded = (vendored.parent / "ml5.min.js.sha256").read_text().split()
    assert recorded == [ML5_SHA256, "ml5.min.js"]
    assert "ml5.js" in (vendored.parent / "ml5.LICENSE.md").read_text()


def test_export_writes_a_self_contained_site(cli, tmp_path):
    site = tmp_path / "site"
    r = cli("export", "markov", "--web", str(site))
    assert r.returncode == 0, r.stderr
    names = {p.name for p in site.iterdir()}
    assert names >= {"index.html", "rhymer.js", "style.css", "ml5.min.js", "ml5.LICENSE.md", "words.json", "names.json",
                     "markov.json", "site.json", "wordfacts.json.gz", "wordruns.json.gz", "prons.json.gz"}
    html = (site / "index.html").read_text()
    assert "http" not in html.replace("http-equiv", "")  # every resource is local
    preloads = re.findall(r'<link rel="preload" href="([^"]+)" as="fetch" crossorigin>', html)
    assert {"site.json", "wordfacts.json.gz", "wordruns.json.gz"} <= set(preloads) and all((site / name).is_file() for name in preloads), preloads
    assert "prons.json.gz" not in preloads  # 1.1 MB, fetched only for a seed or last word outside the corpus
    # the model folder's word runs, as the library reads them
    assert WordRuns.load(site / "wordruns.json.gz").before == WordRuns.load(modeldir.DEFAULT_DIR / modeldir.RUNS).before
    # ml5.min.js is fetched at once but started by the page only when the LSTM is needed (after the first couplet)
    assert '<link rel="preload" href="ml5.min.js" as="script" fetchpriority="low">' in html and 'src="ml5.min.js"' not in html
    # the couplets the page opens on: the library's, each different, rhyming, within the page's first word limit
    data = json.loads((site / "site.json").read_text())
    opening, index = data["openings"], RhymeIndex.load(modeldir.DEFAULT_DIR / modeldir.WORDS)
    assert len(opening) == OPENINGS and len({tuple(c["lines"]) for c in opening}) == OPENINGS
    for c in opening:
        assert [last_word(line) for line in c["lines"]] == c["rhyme_words"], c
        assert c["rhyme_words"][1] in index.rhymes(c["rhyme_words"][0]), c
        assert all(Rules().min_words <= len(tokens(line)) <= PAGE_MAX_WORDS for line in c["lines"]), c
    assert data["page"]["max_words"] == PAGE_MAX_WORDS and data["files"]["word_runs"] == "wordruns.json.gz"
    # every file the page fetches is named in site.json (by role), and every one of rhymer's data files says the
    # format and version site.json expects of it
    assert all((site / name).exists() for name in data["files"].values() if name), data["files"]
    for role, (fmt, version) in data["formats"].items():
        own = json.loads(gzip.decompress((site / data["files"][role]).read_bytes()))
        assert (own["format"], own["version"]) == (fmt, version), role
    as_model = cli("couplet", "-w", "night", "--model", str(site))  # a site is served, not read as a model
    assert as_model.returncode == 2 and f"serve it with 'rhymer web --site {site}'" in as_model.stderr, as_model.stderr
    again = cli("export", "markov", "--web", str(site))
    assert again.returncode == 2 and "not empty; pass --force" in again.stderr
    assert cli("export", "markov", "--web", str(site), "--force").returncode == 0


def test_export_refuses_a_wrong_ml5(cli, tmp_path):
    fake = tmp_path / "ml5.min.js"
    fake.write_text("console.log('not ml5')")
    r = cli("export", "markov", "--web", str(tmp_path / "site"), "--ml5", str(fake))
    assert r.returncode == 2 and "is not ml5.js 0.12.2" in r.stderr
    assert not (tmp_path / "site").exists()
    for odd in (tmp_path / "missing.js", tmp_path, Path("/dev/zero")):  # never read whole, never "reinstall" alone
        with pytest.raises(ModelError, match=f"--ml5 '{re.escape(str(odd))}' is not a file") as missing:
            find_ml5(odd)
        assert "\n" not in str(missing.value)  # one line
    assert len(ML5_SHA256) == 64


def test_web_serves_only_its_folder_on_loopback(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "rhymer", "web", "--model", "markov", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line, proc.stderr.read() if proc.poll() is not None else line
        base = line.split("at ")[1].split()[0]
        with urllib.request.urlopen(base + "site.json", timeout=10) as resp:
            assert json.loads(resp.read())["model_kind"] == modeldir.read_metadata(modeldir.DEFAULT_DIR)["kind"]
        for sneaky in ("../../../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd"):
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(base + sneaky, timeout=10)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_openings_are_the_librarys_couplets_that_pass_its_checks(monkeypatch):
    from dataclasses import replace

    from rhymer.errors import GenerationError
    from rhymer.verse import Rhymer

    r, rules = rhymer.load("markov"), Rules(max_words=PAGE_MAX_WORDS)
    assert [c["lines"] for c in openings(modeldir.DEFAULT_DIR, "markov", count=2)] == [
        list(r.couplet(seed=seed, rules=rules).lines) for seed in (0, 1)]

    def some_fail(self, *args, seed=None, **options):  # seed 1 cannot be written, seed 2 copies the corpus
        if seed == 1:
            raise GenerationError("no word in the model's vocabulary rhymes")
        verse = real(self, *args, seed=seed, **options)
        return replace(verse, details=(replace(verse.details[0], failed=("copied",)), *verse.details[1:])) if seed == 2 else verse

    real = Rhymer.couplet
    monkeypatch.setattr(Rhymer, "couplet", some_fail)
    assert [c["seed"] for c in openings(modeldir.DEFAULT_DIR, "markov", count=3)] == [0, 3, 4]  # more seeds fill in


def test_the_page_ends_couplets_on_the_words_python_would():
    r = rhymer.load("markov")
    page = page_settings(r.index)  # what the exported site.json gives the page
    drawn = [r.couplet(seed=seed, candidates=1).rhyme_words for seed in range(40)]
    assert {first for first, _ in drawn} <= set(page["end_words"]) and len({first for first, _ in drawn}) >= 20
    assert all(second in page["end_word_rhymes"][first] for first, second in drawn)
    assert all(len(w) >= 3 and page["end_word_rhymes"][w] for w in page["end_words"])


def test_the_page_refuses_the_rhyme_words_the_library_refuses():
    index = RhymeIndex.load(modeldir.DEFAULT_DIR / modeldir.WORDS)
    refused = set(page_settings(index)["no_rhyme_words"])  # the page's RhymeIndex skips these as candidates
    answering = {w for word in index.prons for w in index.rhymes(word) if len(word) > 2}
    assert {"a", "re", "ve", "th"} <= refused and not refused & answering and {"me", "day"} <= answering
    assert "re" in index.prons and "re" not in index.rhymes("day")  # "they re": what is left of "they're"


def test_the_page_pronounces_cmu_words_outside_the_corpus_as_the_library_does():
    index = RhymeIndex.load(modeldir.DEFAULT_DIR / modeldir.WORDS)
    outside = outside_pronunciations(index)
    assert (outside["format"], outside["version"]) == ("rhymer-prons", 1)
    prons = outside["prons"]
    assert not set(prons) & set(index.prons) and len(prons) > 100_000  # CMU dict's words, less the corpus's
    for word in ("phone", "guitar", "jeans", "okay"):  # what the page's rhymes start from
        assert prons[word] == [p.as_list() for p in index.pronunciations(word)] and word not in index.words, word
    assert "non-member" not in prons and "night" not in prons  # no word a line's tokens cannot end on; no corpus word
    for word in ("o'er", "heav'n", "look'd"):  # elided corpus words the index holds without a pronunciation: as sung
        assert word in index.words and word not in index.prons and prons[word] == [p.as_list() for p in index.pronunciations(word)]
    assert "ev'ry" in index.words and "ev'ry" not in prons  # no elision rule, no CMU word: no guess on the page


def test_the_page_samples_exactly_the_librarys_known_words():
    index, vocab = RhymeIndex.load(modeldir.DEFAULT_DIR / modeldir.WORDS), list(" \n,.abcdeghilmnorstuwy")  # no f, k, p, '...
    facts = word_facts(index, vocab, "")
    real, not_known = facts["real"].split("\n"), set(facts["not_known"].split("\n"))
    page = [w for w in real if w not in not_known]  # what rhymer.js's WordFacts keeps
    known = VocabTrie.known(index.words, vocab)
    assert len(page) == len(known) and all(w in known for w in page) and "fight" in not_known
    assert {"re", "th", "t"} <= not_known and "me" in page  # what is left of "they're" is no verse word
    assert real == sorted(real, key=lambda w: w[::-1])  # the order the page's trie searches
