"""The reader model: a reranking term fitted to blind readers' ratings of couplets (issue 9, readings 48-53)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import rhymer
from rhymer import linemodel, modeldir
from rhymer.errors import GenerationError, InvalidArgument
from rhymer.readermodel import ReaderModel
from rhymer.words import tokens
from tests.conftest import assert_huge_file_refused, assert_reranking_term, assert_tampered_refused, tamper

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _couplets(text: str) -> list[tuple[str, str]]:
    lines = [line.strip() for line in text.split("\n") if len(tokens(line)) >= 4]
    return list(zip(lines[0::2], lines[1::2]))


def _scrambled(couplet: tuple[str, str], rng: np.random.Generator) -> tuple[str, ...]:
    """The same words in a random order: what a reader rates as word salad."""
    return tuple(" ".join(rng.permutation(line.split())) for line in couplet)


@pytest.fixture(scope="module")
def rated(small_corpus):
    """Couplets of verse rated +1 and scrambled ones rated -1, with a reader's noise, in random order."""
    rng = np.random.default_rng(0)
    couplets = _couplets(small_corpus)
    half = len(couplets) // 2
    examples = [*couplets[:half], *(_scrambled(c, rng) for c in couplets[half:])]
    ratings = np.r_[np.ones(half), -np.ones(len(couplets) - half)] + rng.normal(0, 0.5, len(examples))
    order = rng.permutation(len(examples))
    return [examples[i] for i in order], ratings[order]


@pytest.fixture(scope="module")
def fitted(rated, small_corpus):
    couplets, ratings = rated
    cut = int(0.8 * len(couplets))
    return ReaderModel.fit(couplets[:cut], ratings[:cut], tokens(small_corpus))


def test_it_predicts_the_ratings_of_couplets_it_never_saw(fitted, rated):
    couplets, ratings = rated
    cut = int(0.8 * len(couplets))
    assert len(couplets) - cut > 50
    predicted = [fitted.score(c).sum() for c in couplets[cut:]]
    assert np.corrcoef(predicted, ratings[cut:])[0, 1] > 0.6


def test_it_reads_shape_not_topic(fitted):
    """Function words and word classes, not which nouns: "love" and "time" in one frame score alike (words
    of one length the corpus knows, as the dense features count length and known words)."""
    same = fitted.score(["And in my love I see the light", "And in my time I see the light"])
    assert same[0] == same[1] != fitted.score(["Light the see I love my in and"])[0]


def test_a_couplets_rating_is_the_sum_of_its_lines(fitted, rated):
    couplet = rated[0][0]
    assert fitted.bias == 0  # ratings are relative to their reading's mean: no intercept
    biased = ReaderModel(fitted.weights, fitted.dense, 0.25, fitted.known)  # as a file may carry
    for model in (fitted, biased):
        assert model._logits(*model._matrix([couplet]))[0] == pytest.approx(model.score(couplet).sum())


def test_json_round_trip_gives_identical_scores(fitted, rated, tmp_path):
    lines = [line for c in rated[0][:20] for line in c]
    again = ReaderModel.from_json(fitted.to_json())
    assert np.array_equal(again.score(lines), fitted.score(lines)) and again.to_json() == fitted.to_json()
    fitted.save(tmp_path / modeldir.READER)
    assert np.array_equal(ReaderModel.load(tmp_path / modeldir.READER).score(lines), fitted.score(lines))


@pytest.mark.parametrize("edit, message", [
    (tamper(lambda d: d.update(format="rhymer-discriminator")), "not a rhymer-reader file"),
    (tamper(lambda d: d.update(version=99)), "upgrade rhymer"),
    (tamper(lambda d: d.update(weights=d["weights"][:-8])), "weights holds"),
    (tamper(lambda d: d.update(bias=float("inf"))), "not finite or beyond"),
])
def test_a_tampered_file_is_refused(fitted, tmp_path, edit, message):
    data = edit(json.loads(fitted.to_json()))
    assert_tampered_refused(ReaderModel.load, tmp_path / modeldir.READER, data, message)


def test_a_huge_file_is_refused_unread(tmp_path):
    assert_huge_file_refused(ReaderModel.load, tmp_path / modeldir.READER, linemodel.MAX_BYTES)


def test_a_fit_needs_a_finite_rating_for_each_couplet(rated):
    couplets, ratings = rated
    with pytest.raises(InvalidArgument, match="a rating for each couplet"):
        ReaderModel.fit(couplets[:30], ratings[:29], [])
    with pytest.raises(InvalidArgument, match="20 at the least"):
        ReaderModel.fit(couplets[:5], ratings[:5], [])
    for wrong in ([" ".join(c) for c in couplets[:30]], [1] * 30, [[]] * 30):
        with pytest.raises(InvalidArgument, match="non-empty sequence of lines"):
            ReaderModel.fit(wrong, ratings[:30], [])
    for wrong in (["x"] * 30, [[1, 2]] * 30, 3.0):
        with pytest.raises(InvalidArgument, match="ratings must be numbers"):
            ReaderModel.fit(couplets[:30], wrong, [])
    assert ReaderModel.fit(iter(couplets[:30]), ratings[:30], []).buckets  # any iterable of couplets
    with pytest.raises(InvalidArgument, match="not a finite number"):
        ReaderModel.fit(couplets[:30], [*ratings[:29], float("nan")], [])


def test_a_model_names_only_feature_kinds_that_exist():
    from rhymer.linemodel import LineModel

    with pytest.raises(TypeError, match="unknown feature kinds"):
        type("Odd", (LineModel,), {"FORMAT": "odd", "FEATURES": ("s2", "s9"), "FIX": ""})


def test_weights_refuse_a_negative_reader_weight():
    with pytest.raises(GenerationError, match="reader"):
        rhymer.Weights(reader=-1)


def test_a_folder_ranks_lines_by_its_reader_model(small_corpus, fitted, tmp_path):
    modeldir.write_markov_model(tmp_path, small_corpus, order=4)
    plain = rhymer.load(str(tmp_path))
    assert plain.reader is None
    before = plain.couplet("night", seed=3, candidates=8)

    fitted.save(tmp_path / modeldir.READER)
    scored = assert_reranking_term(tmp_path, modeldir.READER, "reader", before)
    assert scored.reader is not None
    # with lines of many lengths to choose from, a strong reader term picks what the model rates higher
    options = {"seed": 3, "candidates": 32, "rules": rhymer.Rules(syllable_tolerance=4)}
    plain = scored.couplet("night", weights=rhymer.Weights(reader=0), **options)
    strong = scored.couplet("night", weights=rhymer.Weights(reader=100), **options)
    assert strong.lines != plain.lines and sum(fitted.score(strong.lines)) > sum(fitted.score(plain.lines))


def test_the_shipped_model_has_one_and_it_is_rhymers_own():
    assert modeldir.READER in modeldir.OWN_FILES
    assert rhymer.load("default").reader is not None


def test_the_ratings_are_read_back_as_the_blind_set_wrote_them(tmp_path):
    """benchmarks/build_reader.py fits on what blind_set.rated reads from the readings' folders."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import blind_set
    finally:
        sys.path.remove(str(BENCHMARKS))
    system = tmp_path / "mine.json"
    mine = [["The sea is calm tonight,", "The tide is full, the moon lies fair"]] * 3
    system.write_text(json.dumps({"couplets": mine}))
    blind_set.build({"mine": system}, tmp_path / "reading-7", seed=1)
    key = json.loads((tmp_path / "reading-7" / "key.json").read_text())
    ratings = {cid: {"grammar": 4, "sense": 3, "quality": 3, "rhythm": 4, "human": False} for cid in key}
    (tmp_path / "reading-7" / "ratings.json").write_text(json.dumps(ratings))
    found = blind_set.rated(tmp_path)
    assert len(found) == len(key) == 3 + blind_set.COUPLETS
    ours = [(n, lines, r["grammar"]) for n, system_name, lines, r in found if system_name == "mine"]
    assert ours == [(7, ("The sea is calm tonight", "The tide is full, the moon lies fair"), 4)] * 3
