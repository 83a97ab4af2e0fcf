import hashlib

import pytest

from rhymer.errors import CorpusError
from rhymer.recipe import build
from tests.conftest import CORPUS, ROOT


def test_bundled_recipe_rebuilds_the_committed_corpus(cli, tmp_path):
    out = tmp_path / "verse.txt"
    result = cli("corpus", "build", str(ROOT / "corpora" / "default.toml"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == CORPUS.read_bytes()
    assert len(out.read_bytes()) > 250_000
    text = out.read_text(encoding="utf-8")
    assert not set("{}|#[]_") & set(text) and " 10\n" not in text  # the sources' markup is gone


def test_recipe_caps_a_source_at_a_poem_break_and_deletes_markup(tmp_path):
    long = tmp_path / "long.txt"
    long.write_text("First poem line,\nits end. 5\n\nSecond poem line\nand more\n\nThird\n")
    short = tmp_path / "short.txt"
    short.write_text("i{Come away,} O child!\n")
    digest = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (long, short)}
    recipe = tmp_path / "r.toml"
    recipe.write_text(
        "[clean]\ndelete_regex = 'i\\{|\\}|\\s+\\d+$'\n"
        f'[[source]]\npath = "long.txt"\nsha256 = "{digest["long.txt"]}"\nmax_characters = 55\n'
        f'[[source]]\npath = "short.txt"\nsha256 = "{digest["short.txt"]}"\n'
    )
    assert build(recipe) == "First poem line,\nits end.\n\nSecond poem line\nand more\n\nCome away, O child!\n"
    kept = recipe.read_text()
    recipe.write_text(kept.replace(kept.splitlines()[1], "delete_regex = '.+'"))  # it deletes all: no training text
    with pytest.raises(CorpusError, match="nothing is left of recipe .* check its delete_regex"):
        build(recipe)
    recipe.write_text(kept.replace(kept.splitlines()[1], "drop_line_regex = '('"))  # named as the recipe names it
    with pytest.raises(CorpusError, match=r"drop_line_regex '\(' is not a valid regular expression"):
        build(recipe)
    recipe.write_text(kept)
    recipe.write_text(recipe.read_text().replace("max_characters = 55", "max_characters = '55'"))
    with pytest.raises(CorpusError, match="'max_characters' must be a positive integer"):
        build(recipe)


def test_recipe_with_url_and_file_sources(http_server, tmp_path):
    local = tmp_path / "a.txt"
    local.write_text("[Intro]\nThe moon is bright\n\n\n\nAnd so is night  \n")
    remote = b"<p>Second<br>poem</p>"
    http_server.routes["/b.html"] = (200, {"Content-Type": "text/html"}, remote)
    recipe = tmp_path / "r.toml"
    recipe.write_text(
        f'[[source]]\npath = "a.txt"\nsha256 = "{hashlib.sha256(local.read_bytes()).hexdigest()}"\n'
        f'[[source]]\nurl = "{http_server.base}/b.html"\nsha256 = "{hashlib.sha256(remote).hexdigest()}"\n'
    )
    assert build(recipe) == "The moon is bright\n\nAnd so is night\n\nSecond\npoem\n"


def test_recipe_refuses_changed_sources_and_bad_toml(tmp_path):
    (tmp_path / "a.txt").write_text("text\n")
    recipe = tmp_path / "r.toml"
    recipe.write_text('[[source]]\npath = "a.txt"\nsha256 = "' + "0" * 64 + '"\n')
    with pytest.raises(CorpusError, match="expects 0000"):
        build(recipe)
    recipe.write_text("[[source]\n")
    with pytest.raises(CorpusError, match="not valid TOML"):
        build(recipe)
    recipe.write_text("[clean]\n")
    with pytest.raises(CorpusError, match="no \\[\\[source\\]\\]"):
        build(recipe)
    for misspelt in ("[clen]\ndrop_line_regex = 'x'\n", "title = 'x'\n"):  # refused, not silently left out
        recipe.write_text(misspelt + '[[source]]\npath = "a.txt"\nsha256 = "' + "0" * 64 + '"\n')
        with pytest.raises(CorpusError, match=r"unknown table '(clen|title)'; use \[source\], \[clean\]"):
            build(recipe)
    recipe.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")  # deeper than Python's recursion limit
    with pytest.raises(CorpusError, match="nests too deeply"):
        build(recipe)
    recipe.write_text('[[source]]\npath = "a\\u0000b"\nsha256 = "' + "0" * 64 + '"\n')
    with pytest.raises(CorpusError, match="NUL"):
        build(recipe)


def test_a_source_in_another_encoding_names_a_fix_a_recipe_can_take(tmp_path):
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Il \u00e9tait une fois\n".encode("latin-1"))
    recipe = tmp_path / "r.toml"
    recipe.write_text(f'[[source]]\npath = "latin.txt"\nsha256 = "{hashlib.sha256(latin.read_bytes()).hexdigest()}"\n')
    with pytest.raises(CorpusError, match="--encoding latin-1 .* point the recipe's path and sha256 at the new file"):
        build(recipe)  # (a recipe has no --encoding, and converting the file changes the sha256 it pins)
