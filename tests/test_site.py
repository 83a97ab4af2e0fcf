"""`rhymer export --web` and `rhymer web` without a browser: files, refusals, and the local server."""

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

import rhymer
from rhymer import modeldir
from rhymer.website import ML5_SHA256, find_ml5, page_settings
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
                     "markov.json", "site.json", "wordfacts.json.gz"}
    html = (site / "index.html").read_text()
    assert "http" not in html.replace("http-equiv", "")  # every resource is local
    preloads = re.findall(r'<link rel="preload" href="([^"]+)" as="fetch" crossorigin>', html)
    assert "site.json" in preloads and all((site / name).is_file() for name in preloads), preloads
    again = cli("export", "markov", "--web", str(site))
    assert again.returncode == 2 and "not empty; pass --force" in again.stderr
    assert cli("export", "markov", "--web", str(site), "--force").returncode == 0


def test_export_refuses_a_wrong_ml5(cli, tmp_path):
    fake = tmp_path / "ml5.min.js"
    fake.write_text("console.log('not ml5')")
    r = cli("export", "markov", "--web", str(tmp_path / "site"), "--ml5", str(fake))
    assert r.returncode == 2 and "is not ml5.js 0.12.2" in r.stderr
    assert not (tmp_path / "site").exists()
    with pytest.raises(Exception, match="was not found") as missing:
        find_ml5(tmp_path / "missing.js")
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


def test_the_page_ends_couplets_on_the_words_python_would():
    r = rhymer.load("markov")
    page = page_settings(r.index)  # what the exported site.json gives the page
    drawn = [r.couplet(seed=seed, candidates=1).rhyme_words for seed in range(40)]
    assert {first for first, _ in drawn} <= set(page["end_words"]) and len({first for first, _ in drawn}) >= 20
    assert all(second in page["end_word_rhymes"][first] for first, second in drawn)
    assert all(len(w) >= 3 and page["end_word_rhymes"][w] for w in page["end_words"])
