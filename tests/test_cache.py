"""rhymer.cache: what is derived from installed data once per machine is kept, read back, and derived
again when it is damaged or when what it came from changes; a cache that cannot be written costs only time."""

from __future__ import annotations

import os
import string
from concurrent.futures import ThreadPoolExecutor

import pytest

from rhymer import cache, lexicon, vocabtrie
from rhymer.vocabtrie import VocabTrie
from rhymer.words import is_verse_word


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def counting(values: list[str]):
    calls = []

    def derive() -> list[str]:
        calls.append(1)
        return list(values)

    return derive, calls


def test_a_derived_list_is_kept_and_read_back(folder):
    derive, calls = counting(["thgin", "yad", ""])
    assert cache.lines("words", ["1", "abc"], derive) == ["thgin", "yad", ""]
    assert cache.lines("words", ["1", "abc"], derive) == ["thgin", "yad", ""]
    assert len(calls) == 1
    (entry,) = folder.iterdir()
    assert entry.name.startswith("words-")
    assert cache.lines("words", ["1", "abd"], derive) == ["thgin", "yad", ""]  # other inputs: a new entry
    assert len(calls) == 2 and len(list(folder.iterdir())) == 2
    empty, _ = counting([])
    assert cache.lines("none", [], empty) == [] and cache.lines("none", [], empty) == []


def test_a_damaged_entry_is_derived_again_and_mended(folder):
    derive, calls = counting(["a", "b"])
    cache.lines("words", ["x"], derive)
    (entry,) = folder.iterdir()
    entry.write_text(entry.read_text().replace("\nb", "\nz"))  # a line changed behind rhymer's back
    assert cache.lines("words", ["x"], derive) == ["a", "b"]
    entry.write_bytes(b"\xff\xfe not text")
    assert cache.lines("words", ["x"], derive) == ["a", "b"]
    assert len(calls) == 3
    assert cache.lines("words", ["x"], derive) == ["a", "b"] and len(calls) == 3  # mended


def test_a_folder_that_cannot_be_written_costs_only_time(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("a file where the folder would be")
    monkeypatch.setenv(cache.ENV, str(tmp_path / "file" / "cache"))
    derive, calls = counting(["a"])
    assert cache.lines("words", [], derive) == ["a"] and cache.lines("words", [], derive) == ["a"]
    assert len(calls) == 2
    assert (tmp_path / "file").read_text() == "a file where the folder would be"


def test_a_folder_that_cannot_be_searched_costs_only_time(folder, monkeypatch):
    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cache, "write_text", refused)  # where a root-made ~/.cache refuses the look before the write
    derive, calls = counting(["a"])
    assert cache.lines("words", [], derive) == ["a"] and len(calls) == 1


def test_only_a_regular_file_of_the_users_own_is_read(folder):
    """A link (even to a good entry) and a FIFO (which would block a read for ever) are not read."""
    derive, calls = counting(["a", "b"])
    cache.lines("words", ["x"], derive)
    (entry,) = folder.iterdir()
    good = folder.parent / "good.txt"
    entry.rename(good)
    entry.symlink_to(good)
    assert cache.lines("words", ["x"], derive) == ["a", "b"] and len(calls) == 2
    assert entry.is_symlink()  # not replaced either: rhymer replaces only what it made
    entry.unlink()
    good.rename(folder / "beside.txt")  # a link to a file in the same folder: still a link
    entry.symlink_to(folder / "beside.txt")
    assert cache.lines("words", ["x"], derive) == ["a", "b"] and len(calls) == 3
    entry.unlink()
    os.mkfifo(entry)
    assert cache.lines("words", ["x"], derive) == ["a", "b"] and len(calls) == 4
    entry.unlink()
    entry.mkdir()  # a folder (os.open opens one: reading it was an IsADirectoryError)
    assert cache.lines("words", ["x"], derive) == ["a", "b"] and len(calls) == 5 and entry.is_dir()


def test_the_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(cache.ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.folder() == tmp_path / "xdg" / "rhymer"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/xdg")  # ignored, as the XDG spec says
    assert cache.folder() == tmp_path / "home" / ".cache" / "rhymer"
    monkeypatch.setenv("HOME", "")  # no home: no cache, not one in the working folder
    assert cache.folder() is None
    assert cache.lines("words", [], lambda: ["a"]) == ["a"]
    monkeypatch.setenv(cache.ENV, str(tmp_path / "mine"))
    assert cache.folder() == tmp_path / "mine"
    monkeypatch.setenv(cache.ENV, "relative/mine")  # ignored like a relative XDG_CACHE_HOME
    assert cache.folder() is None


def test_known_words_from_the_cache_are_the_derived_ones(folder, monkeypatch):
    """For the shipped model's alphabet, one without "z" or apostrophes, and one without letters: a cold
    cache and a warm one (which derives nothing) give the same trie, and both what the definition says;
    the alphabets share one entry (a model folder's alphabet makes no files)."""
    corpus = ["night", "glimmerlight", "re", "th", "zephyr", "o'er", "fifty5"]
    for vocab in [list(string.ascii_letters + " \n,.;:!?'-"), list("abcdefghijklmnopqrstuvwxy \n,."), list(" \n,.'")]:
        cold = VocabTrie.known(corpus, vocab)
        with monkeypatch.context() as patched:
            patched.setattr(vocabtrie, "cmu_words_matching", None)  # a warm cache derives nothing
            warm = VocabTrie.known(corpus, vocab)
        letters = set(vocab) & set(string.ascii_lowercase)
        spellable = [w for w in lexicon.cmu_words().union(corpus) if w and all(c in letters or (c == "'" and "'" in vocab) for c in w)
                     and w[0] != "'" and w[-1] != "'" and "''" not in w and (len(w) > 2 or is_verse_word(w))]
        assert cold._rev == warm._rev == sorted(w[::-1] for w in spellable)
        assert ("glimmerlight" in warm) == bool(letters) and "re" not in warm and ("zephyr" in warm) == ("z" in vocab)
    assert len(list(folder.iterdir())) == 1


def test_threads_that_start_cold_together_agree(folder):
    """A bot's threads that write their first couplets at once share one Rhymer: the known-word trie, its
    cache entry and the word model's distributions are derived concurrently, and change no couplet."""
    import rhymer

    expected = [rhymer.load().couplet("night", seed=s, candidates=4).lines for s in range(4)]
    for entry in folder.iterdir():
        entry.unlink()
    poet = rhymer.load()
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda s: poet.couplet("night", seed=s, candidates=4).lines, range(4)))
    assert got == expected
    assert [entry.name.startswith("known-cmu-words-") for entry in folder.iterdir()] == [True]
