"""Word runs by construction: every word sampled is one the corpus has seen before the words after it."""

import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rhymer
from rhymer import modeldir, wordruns
from rhymer.errors import ModelError
from rhymer.sampler import sample_lines
from rhymer.wordruns import RunTries, WordRuns
from rhymer.words import tokens
from tests.conftest import assert_huge_file_refused, assert_tampered_refused, tamper


@pytest.fixture(scope="module")
def poet():
    return rhymer.load("markov")


def _unruly_words(poet, lines: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    """(word, the words after it) wherever a word breaks the rule, read straight from the runs' lists: the
    first stored context (two words, else one) with enough words the model knows decides."""
    runs, found = poet.runs, []
    for line in lines:
        for clause in wordruns._CLAUSE_BREAK.split(line):
            words = tokens(clause)
            for i, word in enumerate(words[:-1]):
                after = tuple(words[i + 1 : i + 3])
                for context in (after[:2], after[:1]):
                    allowed = {w for w in runs.before.get(context, ()) if w in poet.trie}
                    if len(allowed) >= runs.min_predecessors:
                        if word not in allowed:
                            found.append((word, after))
                        break
    return found


def test_every_sampled_word_was_seen_before_the_words_after_it(poet):
    kwargs = dict(candidates=48, temperature=1.0, trie=poet.trie, ending=",")
    free = sample_lines(poet.model, ["night", "love", "sea"], rng=np.random.default_rng(5), **kwargs)
    held = sample_lines(poet.model, ["night", "love", "sea"], rng=np.random.default_rng(5), runs=poet.run_tries,
                        **kwargs)
    free_lines = [c.text for group in free for c in group if c.finished]
    held_lines = [c.text for group in held for c in group if c.finished]
    assert len(held_lines) > 100 and all(line.endswith(("night,", "love,", "sea,")) for line in held_lines)
    assert _unruly_words(poet, held_lines) == []
    assert len(_unruly_words(poet, free_lines)) > 20  # without the runs the model writes such words freely
    # the constraint asks something: most words sampled had a context to satisfy
    asked = sum(bool(poet.runs.contexts(tuple(tokens(line)[i + 1 : i + 3])))
                for line in held_lines for i in range(len(tokens(line)) - 1))
    assert asked > 0.8 * sum(len(tokens(line)) - 1 for line in held_lines)


def test_a_context_with_too_few_spellable_words_falls_back(poet):
    runs = WordRuns({("night",): ["the", "a", "all", "dark", "long"], ("night", "is"): ["x-ray"] * 5}, 5)
    tries = RunTries(runs, poet.trie)
    known = poet.trie
    assert tries.trie(("night", "is")) is tries.trie(("night", "was"))  # both the one-word context's
    assert "dark" in tries.trie(("night", "is")) and "day" not in tries.trie(("night", "is"))
    assert tries.trie(("day",)) is known and tries.trie(()) is known


def test_rules_turn_it_off_and_verses_still_rhyme(poet):
    held = poet.couplet("night", seed=2, candidates=8)
    free = poet.couplet("night", seed=2, candidates=8, rules=rhymer.Rules(word_runs=False))
    assert held.lines != free.lines and all(rhymer.is_rhyme(*v.rhyme_words) for v in (held, free))  # (the line picks its rhyme)
    assert _unruly_words(poet, list(held.lines)) == []
    with pytest.raises(rhymer.RhymerError, match="word_runs"):
        rhymer.Rules(word_runs="yes")


@pytest.fixture(scope="module")
def folder(small_corpus, tmp_path_factory):
    path = tmp_path_factory.mktemp("model")
    modeldir.write_markov_model(path, small_corpus, order=4)
    return path


def test_a_model_folder_is_built_with_them_and_they_round_trip(folder, small_corpus):
    saved = WordRuns.load(folder / modeldir.RUNS)
    assert saved.before == WordRuns.build(small_corpus, wordruns.MIN_PREDECESSORS).before
    assert min(map(len, saved.before.values())) >= wordruns.MIN_PREDECESSORS
    assert rhymer.load(str(folder)).runs.before == saved.before
    assert modeldir.RUNS in modeldir.OWN_FILES


def test_a_folder_without_them_writes_as_word_runs_off(folder):
    off = rhymer.load(str(folder)).couplet("night", seed=3, candidates=6, rules=rhymer.Rules(word_runs=False))
    data = (folder / modeldir.RUNS).read_bytes()
    try:
        (folder / modeldir.RUNS).unlink()
        plain = rhymer.load(str(folder))
        assert plain.runs is None and plain.run_tries is None
        assert plain.couplet("night", seed=3, candidates=6) == off
    finally:
        (folder / modeldir.RUNS).write_bytes(data)


def test_the_context_follows_words_and_clauses():
    from rhymer.sampler import _after

    assert _after(("rome",), "sih", " ") == ("his", "rome")  # a space ends a word (written reversed)
    assert _after(("his", "rome"), "thgin", " ") == ("night", "his")  # two words are kept
    assert _after(("rome",), "", " ") == ("rome",)  # a second space changes nothing
    assert _after(("rome",), "s", "'") == ("rome",) and _after(("rome",), "", "A") == ("rome",)  # inside a word
    assert _after(("rome",), "sih", ",") == () and _after(("rome",), "", "-") == ()  # a mark ends the clause


def test_a_file_narrows_the_known_words_and_never_widens_them(poet):
    runs = WordRuns({("night",): ["zzzq", "qqqz", "xxzq", "zqzq", "qzqz", "the"]}, 5)
    assert RunTries(runs, poet.trie).trie(("night",)) is poet.trie  # only "the" is known
    held = sample_lines(poet.model, ["night"], 16, 1.0, np.random.default_rng(1), runs=RunTries(
        WordRuns({("night",): ["the", "a", "all", "dark", "long", "this"]}, 5), poet.trie))
    ends = [c.text for c in held[0] if c.finished and re.search(r"[a-z] night$", c.text)]  # not "dark, night"
    assert len(ends) > 4 and {tokens(line)[-2] for line in ends} <= {"the", "a", "all", "dark", "long", "this"}


def test_export_checks_them_too(folder, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (copy / modeldir.RUNS).write_text('{"format": "rhymer-wordruns", "version": 1}')
    with pytest.raises(ModelError, match="wordruns.json"):
        modeldir.verify(copy)


@pytest.mark.parametrize("edit, message", [
    (tamper(lambda d: d.update(format="other")), "format"),
    (tamper(lambda d: d.update(version=99)), "version"),
    (tamper(lambda d: d.update(min_predecessors=0)), "min_predecessors"),
    (tamper(lambda d: d.update(min_predecessors="5")), "min_predecessors"),
    (tamper(lambda d: d["before"].update({"a b c": "x y z w v"})), "not one or two words"),
    (tamper(lambda d: d["before"].update({"Night": "x y z w v"})), "not one or two words"),
    (tamper(lambda d: d.update(min_predecessors=3) or d.update(before={"night": "the a b", "day": "the a"})),
     "before 'day' are not 3 or more words"),
    (tamper(lambda d: d["before"].update({"night": ["the", "a", "b", "c", "d"]})), "1 or more words"),
    (tamper(lambda d: d["before"].update({"night": "the  a b c d"})), "1 or more words"),
    (tamper(lambda d: d["before"].update({"night": "the a b c <script>"})), "1 or more words"),
    (tamper(lambda d: d["before"].update({"night": "the a\nb"})), "1 or more words"),
    (tamper(lambda d: d["before"].update({"night": "the 'a"})), "1 or more words"),
    (tamper(lambda d: d["before"].update({"night": ""})), "1 or more words"),
    (tamper(lambda d: d["before"].update({"night\nday": "the"})), "not one or two words"),
    (tamper(lambda d: d["before"].update({"night ": "the"})), "not one or two words"),
    (tamper(lambda d: d.pop("before")), "malformed"),
    (tamper(lambda d: d.update(before=[])), "malformed"),
])
def test_a_tampered_file_is_refused(folder, tmp_path, edit, message):
    data = edit(json.loads((folder / modeldir.RUNS).read_text()))
    assert_tampered_refused(WordRuns.load, tmp_path / modeldir.RUNS, data, message)


def test_a_huge_file_is_refused_unread(tmp_path):
    assert_huge_file_refused(WordRuns.load, tmp_path / modeldir.RUNS, wordruns.MAX_BYTES)


# near-words: mostly well formed, else one piece out of place ("a''b", "ab ", "\nab", "a<")
_TEXT = st.lists(st.sampled_from(["ab", "a'b", " ab", " ", "'", "\n", "<", ""]), max_size=4).map("".join)


def _each_passes(before: dict, least: int) -> bool:
    try:
        for key, joined in before.items():
            wordruns._check(key, joined, least)
    except ValueError:
        return False
    return True


# every way a word list can be out of place, in a key and in a list, beside well-formed entries
_NEAR_MISSES = ["ab''ab", "ab  ab", "ab \nab", "ab\n ab", "ab '", "ab ' ab", "ab' ab", "ab\n'ab", "ab'\nab",
                "ab\n\nab", "ab\n", "\nab", " ab", "ab ", "'ab", "ab'", "", "a<b"]


@pytest.mark.parametrize("bad", _NEAR_MISSES)
@pytest.mark.parametrize("where", ["key", "list"])
def test_the_bulk_check_refuses_each_near_miss(bad, where):
    before = {"night": "the a", "night is": "o'er it", **({bad: "the"} if where == "key" else {"day": bad})}
    assert not wordruns._all_well_formed(before, 1) and not _each_passes(before, 1)


def test_the_bulk_check_accepts_runs_and_refuses_three_word_contexts():
    assert wordruns._all_well_formed({"night": "the a", "night is": "o'er it"}, 1)
    assert not wordruns._all_well_formed({"night is dark": "the"}, 1)  # three words: no context
    assert not wordruns._all_well_formed({"night": "the a"}, 3)  # too few words before it


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_TEXT, _TEXT, max_size=3), st.integers(1, 3))
def test_the_bulk_check_agrees_with_the_check_of_each_entry(before, least):
    """load checks 10^5 entries at once (joined by line breaks); it must accept exactly what the check of
    each entry accepts, line breaks and apostrophes out of place included."""
    assert wordruns._all_well_formed(before, least) == _each_passes(before, least)
