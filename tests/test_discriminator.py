"""The learned reranker (issue 9, lever 7): a discriminator of real corpus lines against the model's samples."""

from __future__ import annotations

import base64
import json
import os

import numpy as np
import pytest

import rhymer
from rhymer import discriminator, linemodel, modeldir
from rhymer.discriminator import Discriminator
from rhymer.errors import GenerationError
from rhymer.words import tokens
from tests.conftest import assert_huge_file_refused, assert_reranking_term, assert_tampered_refused, tamper


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if len(tokens(line)) >= 4]


def _scrambled(lines: list[str], seed: int) -> list[str]:
    """The same words in a random order: real vocabulary, no grammar."""
    rng = np.random.default_rng(seed)
    return [" ".join(rng.permutation(line.split())) for line in lines]


@pytest.fixture(scope="module")
def sets(small_corpus):
    lines = _lines(small_corpus)
    half = len(lines) // 2
    real, fakes = lines[:half], _scrambled(lines[half:], 0)  # different lines on each side
    cut_r, cut_f = int(0.8 * len(real)), int(0.8 * len(fakes))
    return real[:cut_r], fakes[:cut_f], real[cut_r:], fakes[cut_f:]


@pytest.fixture(scope="module")
def fitted(sets):
    real, fakes, _, _ = sets
    return Discriminator.fit(real, fakes)


def test_it_tells_real_lines_from_scrambled_ones_it_never_saw(fitted, sets):
    _, _, real, fakes = sets
    assert len(real) > 50 and len(fakes) > 50
    assert fitted.accuracy(real, fakes) > 0.75  # chance is 0.5
    assert np.mean(fitted.score(real)) > np.mean(fitted.score(fakes))
    logp = fitted.log_real(real + fakes)
    assert (logp <= 0).all() and np.allclose(np.exp(logp), 1 / (1 + np.exp(-fitted.score(real + fakes))))


def test_the_end_words_case_and_punctuation_are_ignored(fitted):
    """Candidates all end in their rhyme word, in lower case and bare: real lines' ends teach nothing."""
    same = fitted.score(["And all the world is Fair,", "And all the world is fair"])
    assert same[0] == same[1] != fitted.score(["And all the World is fair"])[0]


def test_json_round_trip_gives_identical_scores(fitted, sets, tmp_path):
    lines = sets[2][:20] + sets[3][:20]
    again = Discriminator.from_json(fitted.to_json())
    assert np.array_equal(again.score(lines), fitted.score(lines))
    assert again.to_json() == fitted.to_json()
    fitted.save(tmp_path / "d.json")
    assert np.array_equal(Discriminator.load(tmp_path / "d.json").score(lines), fitted.score(lines))


def _nan_weight(data: dict) -> None:
    weights = np.frombuffer(base64.b64decode(data["weights"]), dtype="<f4").copy()
    weights[3] = np.nan
    data["weights"] = base64.b64encode(weights.tobytes()).decode()


@pytest.mark.parametrize("edit, message", [
    (tamper(lambda d: d.update(version=99)), "upgrade rhymer"),
    (tamper(lambda d: d.update(format="rhymer-wordgrams")), "not a rhymer-discriminator file"),
    (tamper(lambda d: d.update(weights=d["weights"][:-8])), "weights holds"),
    (tamper(lambda d: d.update(weights=[0.0] * d["buckets"])), "weights must be a base64 string"),
    (tamper(lambda d: d.update(dense=d["dense"] + [1.0])), "dense must be a list of"),
    (tamper(lambda d: d.update(dense=[d["dense"]])), "dense must be a list of"),
    (tamper(lambda d: d.update(buckets=1000)), "power of two"),
    (tamper(_nan_weight), "weights holds a number that is not finite"),
    (tamper(lambda d: d["dense"].__setitem__(2, float("nan"))), "dense holds a number that is not finite"),
    (tamper(lambda d: d.update(bias=1e300)), "not finite or beyond"),
    (tamper(lambda d: d.update(known="!!notbase64")), "malformed"),
    (tamper(lambda d: d.update(known_bits=d["known_bits"] * 2)), "known holds"),
    (tamper(lambda d: d.pop("weights")), "malformed"),
    (tamper(lambda d: d["dense"].__setitem__(0, "1")), "dense must be a list of"),
])
def test_a_tampered_file_is_refused(fitted, tmp_path, edit, message):
    data = edit(json.loads(fitted.to_json()))
    assert_tampered_refused(Discriminator.load, tmp_path / modeldir.DISCRIMINATOR, data, message)


def test_a_huge_file_is_refused_unread(tmp_path):
    assert_huge_file_refused(Discriminator.load, tmp_path / modeldir.DISCRIMINATOR, linemodel.MAX_BYTES)


def test_weights_refuse_a_negative_discriminator_weight():
    with pytest.raises(GenerationError, match="discriminator"):
        rhymer.Weights(discriminator=-1)


@pytest.fixture(scope="module")
def folder(small_corpus, tmp_path_factory):
    """A model folder without a discriminator, as every folder made before it existed."""
    path = tmp_path_factory.mktemp("model")
    modeldir.write_markov_model(path, small_corpus, order=4)
    return path


def test_a_folder_without_one_works_and_build_adds_it(folder):
    before = rhymer.load(str(folder))
    assert before.discriminator is None
    plain = before.couplet("night", seed=3, candidates=8)
    assert not os.path.lexists(folder / modeldir.DISCRIMINATOR)

    report = discriminator.build(folder, lines=300, seed=1)
    assert report["real_lines"] == 300 and report["sampled_lines"] > 150  # finished lines of 3-12 words
    assert report["heldout_accuracy"] > 0.6  # a Markov model's samples are easy to tell from verse
    after = assert_reranking_term(folder, modeldir.DISCRIMINATOR, "discriminator", plain)
    assert after.discriminator is not None


def test_it_is_among_the_files_rhymer_owns():
    assert modeldir.DISCRIMINATOR in modeldir.OWN_FILES
