"""`rhymer export --web` and `rhymer web` without a browser: files, refusals, and the local server."""

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from rhymer import modeldir
from rhymer.website import ML5_SHA256, find_ml5
from tests.conftest import ROOT

NODE_ML5 = ROOT / "web" / "node_modules" / "ml5" / "dist" / "ml5.min.js"
needs_ml5 = pytest.mark.skipif(not NODE_ML5.exists(), reason="run `npm ci` in web/ first")


@needs_ml5
def test_export_writes_a_self_contained_site(cli, tmp_path):
    site = tmp_path / "site"
    r = cli("export", "markov", "--web", str(site))
    assert r.returncode == 0, r.stderr
    names = {p.name for p in site.iterdir()}
    assert names >= {"index.html", "rhymer.js", "style.css", "ml5.min.js", "words.json", "markov.json", "site.json"}
    html = (site / "index.html").read_text()
    assert "http" not in html.replace("http-equiv", "")  # every resource is local
    again = cli("export", "markov", "--web", str(site))
    assert again.returncode == 2 and "not empty; pass --force" in again.stderr
    assert cli("export", "markov", "--web", str(site), "--force").returncode == 0


def test_export_refuses_a_wrong_ml5(cli, tmp_path):
    fake = tmp_path / "ml5.min.js"
    fake.write_text("console.log('not ml5')")
    r = cli("export", "markov", "--web", str(tmp_path / "site"), "--ml5", str(fake))
    assert r.returncode == 2 and "is not ml5.js 0.12.2" in r.stderr
    assert not (tmp_path / "site").exists()
    with pytest.raises(Exception, match="was not found"):
        find_ml5(tmp_path / "missing.js")
    assert len(ML5_SHA256) == 64


@needs_ml5
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
