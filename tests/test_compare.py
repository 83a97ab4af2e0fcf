"""Each comparison metric on hand-made verse, then `rhymer compare` end to end on a tiny corpus."""

import json

import pytest

from rhymer import metrics
from rhymer.compare import corpus_couplets
from rhymer.lexicon import syllables
from rhymer.sampler import DEFAULT_TOP_P

CORPUS = "The stars are bright above the sea\nAnd all the world is dark and free\n"


def test_rhyme_rates_fail_non_rhymes_identical_words_and_homophones():
    couplets = [
        ("I walked into the night", "and saw a distant light"),  # perfect
        ("I walked into the night", "and it was not right"),  # perfect
        ("the sun is on the hill", "the sun is on the road"),  # non-rhyme
        ("we stayed up all the night", "we stayed up all the night"),  # identical word
        ("turn to the right", "and then I write"),  # homophones
        ("it is time", "a fine line"),  # near rhyme only
    ]
    assert metrics.perfect_rhyme_rate(couplets) == pytest.approx(2 / 6)
    assert metrics.near_rhyme_rate(couplets) == pytest.approx(1 / 6)


def test_copied_lines_are_caught_verbatim_and_by_overlap():
    lines = [
        "The stars are bright above the sea",  # verbatim
        "the stars are bright upon the waves",  # 7 words: a run of round(4.9)+1 = 6 would be needed
        "And all the world is dark and free tonight",  # 8 of 9 in a run > round(6.3)+1 = 7
        "A brand new line of verse",
    ]
    verbatim, overlap = metrics.copied_rates(lines, CORPUS)
    assert verbatim == pytest.approx(1 / 4)
    assert overlap == pytest.approx(2 / 4)


def test_real_words_syllables_and_distinct_2():
    known = {"the", "cat", "sat"}
    assert metrics.real_word_rate(["the cat sat", "the zzyzx"], known.__contains__) == pytest.approx(4 / 5)
    pairs = [("the cat sat on the mat", "a dog lay on a log"), ("hello there", "the extraordinarily long line of words")]
    assert metrics.syllable_match_rate(pairs, syllables) == pytest.approx(1 / 2)
    assert metrics.distinct_2(["a b a b", "a b"]) == pytest.approx(2 / 4)


def test_rhyme_density_follows_malmi():
    # "cat"/"mat" share one vowel: a single-vowel match counts 0
    assert metrics.rhyme_density("cat mat") == 0.0
    # "the mat" matches "the cat" over two vowels (AH AE) across word boundaries: 2 of 6 words' worth
    assert metrics.rhyme_density("the cat sat on the mat") == pytest.approx(2 / 6)
    # "fire burned higher": "higher" (AY ER) matches "fire" (AY ER): 2 vowels
    text = "fire higher"
    assert metrics.rhyme_density(text) == pytest.approx(2 / 2)
    # identical words are skipped
    assert metrics.rhyme_density("higher higher") == 0.0


def test_corpus_couplets_pair_lines_within_stanzas():
    text = "a one\nb two\nc three\nd four\n\ne five\nf six\n"
    assert corpus_couplets(text, 10) == [("a one", "b two"), ("c three", "d four"), ("e five", "f six")]


def test_compare_command_on_a_tiny_corpus(cli, tmp_path, small_corpus):
    corpus = tmp_path / "tiny.txt"
    corpus.write_text(small_corpus[:40000])
    out = tmp_path / "report"
    r = cli("compare", "--corpus", str(corpus), "--couplets", "6", "--markov-orders", "2-4", "--out", str(out))
    assert r.returncode == 0, r.stderr
    report = json.loads((out / "report.json").read_text())
    names = [m["model"] for m in report["models"]]
    assert names == ["lstm", "markov-5", "lstm K=1", "markov-5 K=1"]
    # the reranked models sample at the default top-p, one candidate is plain sampling (every character)
    assert report["top_p"] == DEFAULT_TOP_P and [m["top_p"] for m in report["models"]] == [DEFAULT_TOP_P] * 2 + [1.0] * 2
    fresh = report["models"][1]
    assert fresh["perfect_rhyme"] == 1.0 and fresh["heldout_bpc"] > 1.0
    note = report["models"][0]["note"]  # the shipped model saw other text: said so, where the table is read
    assert note and f"lstm: {note}" in r.stdout and f"- *lstm: {note}*" in (out / "report.md").read_text()
    assert "markov-5:" not in r.stdout  # (built here, on this split: nothing to say)
    assert set(report["markov_order_sweep"]) == {"2", "3", "4"}
    assert report["markov_order_sweep"]["4"] < report["markov_order_sweep"]["2"]
    html = (out / "report.html").read_text()
    assert html.count("<img") == 3 and "Samples" in html
    assert "| metric |" in (out / "report.md").read_text()
    assert len(report["samples"]) == 6 and all(len(s["markov-5"]) == 2 for s in report["samples"])


def test_a_report_from_before_top_p_reads_back_as_plain_sampling():
    from rhymer.compare import Report
    from tests.conftest import ROOT

    old = json.loads((ROOT / "docs" / "results" / "report.json").read_text())
    del old["top_p"]
    assert Report.from_json(old).top_p == 1.0
    del old["couplets"]  # a field without a default is still required
    with pytest.raises(KeyError):
        Report.from_json(old)


def test_compare_can_train_a_fresh_lstm_within_a_budget(cli, tmp_path, small_corpus):
    pytest.importorskip("tensorflow")
    corpus = tmp_path / "tiny.txt"
    corpus.write_text(small_corpus[:40000])
    out = tmp_path / "report"
    r = cli("compare", "--corpus", str(corpus), "--couplets", "3", "--no-plain", "--train-lstm", "0.05", "--out", str(out))
    assert r.returncode == 0, r.stderr
    report = json.loads((out / "report.json").read_text())
    fresh = [m for m in report["models"] if "lstm-fresh" in m["model"]]
    # trained on this corpus and split, but fine-tuned (the default) from the shipped model, which saw this verse:
    # how much of the held-out text it read is measured, in compare's note and in training's metadata
    metrics = json.loads((out / "lstm-fresh" / "rhymer.json").read_text())["metrics"]
    read = metrics["heldout_read_by_parent"]
    assert len(fresh) == 1 and read > 0.5 and f"trained on {read:.0%} of these held-out lines" in fresh[0]["note"]
    assert ("whose weights it kept" in fresh[0]["note"]) == (metrics["best_epoch"] == 0)  # as train says it
    assert fresh[0]["heldout_bpc"] > 1.0 and fresh[0]["perfect_rhyme"] == 1.0
    assert (out / "lstm-fresh" / "manifest.json").exists()
    trained = {p.name: p.read_bytes() for p in (out / "lstm-fresh").iterdir() if p.is_file()}
    again = cli("compare", "--corpus", str(corpus), "--couplets", "3", "--train-lstm", "0.05", "--out", str(out))
    assert again.returncode == 2 and again.stderr.count("\n") == 1, again.stderr  # refused before any work
    assert "lstm-fresh' is not empty; pass --force to replace the model in it" in again.stderr
    compared = cli("compare", "--corpus", str(corpus), "--model", str(out / "lstm-fresh"), "--train-lstm", "0.05",
                   "--out", str(out), "--force")  # --force replaces an earlier run's model, never one it compares
    assert compared.returncode == 2 and "lstm-fresh' is the input" in compared.stderr, compared.stderr
    assert {p.name: p.read_bytes() for p in (out / "lstm-fresh").iterdir() if p.is_file()} == trained
