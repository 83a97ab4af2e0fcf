import json

import numpy as np
import pytest

from rhymer.charmodel import heldout_bpc, prime
from rhymer.corpus import split_heldout
from rhymer.errors import ModelError
from rhymer.markov import MarkovModel


@pytest.fixture(scope="module")
def model_and_heldout(small_corpus):
    train, held = split_heldout(small_corpus[::-1], 0.1)
    return MarkovModel.build(train, 5, sorted(set(small_corpus))), held


def test_distributions_are_proper_and_never_dead_end(model_and_heldout):
    model, _ = model_and_heldout
    contexts = ["", "\n", "\nthg", "zzzzz", "\nthgin"]
    p = np.exp(model.logprobs(contexts))
    assert np.allclose(p.sum(axis=1), 1.0)
    assert (p > 0).all()  # smoothing: every character stays possible
    _, logp = prime(model, "\nthgin", 1)  # "night" reversed, after a line break
    assert model.vocab[int(np.argmax(logp[0]))] == " "


def test_heldout_bpc_beats_uniform_and_lower_orders(model_and_heldout, small_corpus):
    model, held = model_and_heldout
    bpc = heldout_bpc(model, held)
    assert bpc < np.log2(len(model.vocab)) - 2
    train, _ = split_heldout(small_corpus[::-1], 0.1)
    unigram = MarkovModel.build(train, 1, model.vocab)
    assert bpc < heldout_bpc(unigram, held)


def test_kneser_ney_matches_a_hand_computation():
    model = MarkovModel.build("abab", order=1, vocab=["a", "b", "c"])
    # bigrams ab, ba, ab: context "a" -> b x2 (D1 = n1/(n1+2 n2) = 1/(1+2) with counts {ab:2, ba:1})
    d1 = 1 / 3
    # unigram continuation counts: b preceded by {a}, a preceded by {b}: each 1 -> D0 = 2/(2+0) = 1
    p_uni = {"a": 0 + 1 * 2 / 2 / 3, "b": 0 + 1 * 2 / 2 / 3, "c": 1 * 2 / 2 / 3}  # all mass to uniform
    expected_b = (2 - d1) / 2 + d1 * 1 / 2 * p_uni["b"]
    p = np.exp(model.logprobs(["a"]))[0]
    assert p[1] == pytest.approx(expected_b)
    assert p.sum() == pytest.approx(1.0)


def test_json_round_trip_gives_identical_probabilities(model_and_heldout, tmp_path):
    model, _ = model_and_heldout
    for name in ("m.json", "m.json.gz"):
        model.save(tmp_path / name)
        again = MarkovModel.load(tmp_path / name)
        ctx = ["\nthgin", "eht ni ", ""]
        assert np.array_equal(model.logprobs(ctx), again.logprobs(ctx))
    assert json.loads((tmp_path / "m.json").read_text())["format"] == "rhymer-markov"


def test_malformed_files_are_refused(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        MarkovModel.load(bad)
    bad.write_text(json.dumps({"format": "rhymer-markov", "order": 2, "vocab": ["a"], "discounts": [0.5], "tables": []}))
    with pytest.raises(ModelError, match="malformed"):
        MarkovModel.load(bad)
    with pytest.raises(ModelError, match="does not exist"):
        MarkovModel.load(tmp_path / "missing.json")
    with pytest.raises(ModelError, match="too few"):
        MarkovModel.build("ab", order=5)
