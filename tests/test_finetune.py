"""Fine-tuning (--from), bfloat16, --xla auto and the budget rule: tiny models on real verse."""

import json

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from rhymer import ml5  # noqa: E402
from rhymer.errors import TrainingError  # noqa: E402
from rhymer.lstm import LSTMModel  # noqa: E402
from rhymer.train import TrainConfig, build_model, export_weights, train  # noqa: E402
from rhymer.train_finetune import apply, extend_vocab, factor, load_parent, resolve_parent  # noqa: E402
from rhymer.train_speed import XlaChooser, choose_precision, cpu_flags, stop_reason  # noqa: E402

TINY = TrainConfig(rnn_size=16, embedding_size=8, seq_length=32, batch_size=16, epochs=1, parent="none",
                   xla="off", precision="float32")
NEW_CHARS = "\nÆsop’s café — naïve façade\n"


@pytest.fixture(scope="module")
def texts(small_corpus):
    """The parent's corpus, and another stretch of verse with characters the parent never saw."""
    return small_corpus[:30000], small_corpus[30000:55000] + NEW_CHARS * 3


@pytest.fixture(scope="module")
def parent_dir(tmp_path_factory, texts):
    corpus = tmp_path_factory.mktemp("parent") / "a.txt"
    corpus.write_text(texts[0])
    out = corpus.parent / "model"
    train(corpus, out, TINY, progress=False)
    return out


def _probabilities(model, ids: np.ndarray) -> np.ndarray:
    return keras.ops.convert_to_numpy(keras.ops.softmax(model(ids, training=False), axis=-1))


def _engine_probabilities(path, ids: np.ndarray) -> np.ndarray:
    engine = LSTMModel.load(path)
    state, got = engine.start(len(ids)), []
    for t in range(ids.shape[1]):
        state, logp = engine.feed(state, ids[:, t])
        got.append(np.exp(logp))
    return np.stack(got, axis=1)


def _ids(text: str, vocab: list[str], rows: int = 3, width: int = 60) -> np.ndarray:
    index = {c: i for i, c in enumerate(vocab)}
    return np.array([[index[c] for c in text[::-1][i * 997 : i * 997 + width]] for i in range(rows)], dtype="int32")


def test_ml5_conversion_has_an_exact_inverse():
    rng = np.random.default_rng(0)
    kernel, recurrent, bias = rng.normal(size=(5, 12)), rng.normal(size=(3, 12)), rng.normal(size=12)
    back = ml5.ml5_lstm_to_keras(*ml5.keras_lstm_to_ml5(kernel, recurrent, bias))
    for got, want in zip(back, (kernel, recurrent, bias)):
        assert np.abs(got - want).max() < 1e-6


def test_factor_splits_folded_rows_at_their_rank():
    rng = np.random.default_rng(1)
    folded = (rng.normal(size=(40, 6)) @ rng.normal(size=(6, 64))).astype(np.float32)
    embedding, kernel = factor(folded)
    assert embedding.shape == (40, 6) and kernel.shape == (6, 64)
    assert np.abs(embedding @ kernel - folded).max() < 1e-4


def test_parent_weights_come_back_from_the_ml5_folder_exactly(parent_dir, texts):
    parent = load_parent(str(parent_dir))
    assert parent.rnn_size == 16 and parent.embedding_size == 8 and parent.direction == "backward"
    model = build_model(keras, len(parent.vocab), TrainConfig(rnn_size=16, embedding_size=parent.embedding_size))
    apply(model, parent, parent.vocab)
    ids = _ids(texts[0], parent.vocab)
    assert np.abs(_probabilities(model, ids) - _engine_probabilities(parent_dir, ids)).max() <= 1e-5


def test_new_characters_get_rows_and_old_ones_keep_their_probabilities(parent_dir, texts):
    parent = load_parent(str(parent_dir))
    vocab = extend_vocab(parent.vocab, texts[1])
    new = sorted(set(texts[1]) - set(parent.vocab))
    assert vocab[: len(parent.vocab)] == parent.vocab and vocab[len(parent.vocab):] == new and "Æ" in new
    model = build_model(keras, len(vocab), TrainConfig(rnn_size=16, embedding_size=parent.embedding_size))
    apply(model, parent, vocab)
    ids = _ids(texts[0], parent.vocab)  # old characters only: the parent can read them
    got, want = _probabilities(model, ids), _engine_probabilities(parent_dir, ids)
    old = got[..., : len(parent.vocab)]
    # old characters' logits are unchanged: renormalised over them, the parent's distribution comes back
    assert np.abs(old / old.sum(-1, keepdims=True) - want).max() <= 1e-5
    # each new character starts as unlikely as the parent's rarest guess would be on its bias alone
    assert got[..., len(parent.vocab):].max() < 0.05 and got[..., len(parent.vocab):].min() > 0
    # and a text with new characters runs through the model (they have embedding rows)
    assert np.isfinite(_probabilities(model, _ids(NEW_CHARS * 3, vocab, rows=1, width=40))).all()


def test_fine_tuned_model_exports_to_ml5_that_numpy_reads_like_keras(parent_dir, texts, tmp_path):
    parent = load_parent(str(parent_dir))
    vocab = extend_vocab(parent.vocab, texts[1])
    keras.utils.set_random_seed(2)
    model = build_model(keras, len(vocab), TrainConfig(rnn_size=16, embedding_size=parent.embedding_size))
    apply(model, parent, vocab)
    ids = np.array([vocab.index(c) for c in texts[1][::-1]], dtype="int32")
    n = (len(ids) - 1) // 32
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(ids[: n * 32].reshape(n, 32), ids[1 : n * 32 + 1].reshape(n, 32), epochs=1, batch_size=32, verbose=0)
    layers, w, b = export_weights(model)
    ml5.write(tmp_path, layers, w, b, vocab, tag="ft")
    batch = np.stack([ids[100:160], ids[10:70]])  # the second holds new characters (the text is reversed)
    assert set(batch[1].tolist()) & set(range(len(parent.vocab), len(vocab)))
    assert np.abs(_engine_probabilities(tmp_path, batch) - _probabilities(model, batch)).max() <= 1e-5


def test_fine_tuned_run_records_its_parent_and_resumes(parent_dir, texts, tmp_path):
    corpus = tmp_path / "b.txt"
    corpus.write_text(texts[1])
    out = tmp_path / "ft"
    config = TrainConfig(**{**TINY.__dict__, "parent": str(parent_dir), "embedding_size": 64})
    meta = train(corpus, out, config, progress=False)
    parent_meta = json.loads((parent_dir / "rhymer.json").read_text())
    assert meta["parent"] == {"model": str(parent_dir), "corpus_sha256": parent_meta["corpus_sha256"],
                              "rhymer_version": parent_meta["rhymer_version"], "direction": "backward",
                              "vocab_size": len(parent_meta["vocab"])}
    assert meta["vocab"][: len(parent_meta["vocab"])] == parent_meta["vocab"] and "Æ" in meta["vocab"]
    assert meta["hyperparameters"]["embedding_size"] == 8  # the parent's shape wins
    assert meta["speed"]["precision"] == "float32" and meta["speed"]["xla"]["chosen"] == "off"
    resumed = train(corpus, out, TrainConfig(**{**config.__dict__, "epochs": 2}), resume=True, progress=False)
    assert resumed["metrics"]["epochs_trained"] == 2 and resumed["vocab"] == meta["vocab"]
    assert LSTMModel.load(out).hidden == 16


def test_fine_tuning_keeps_the_parent_where_no_epoch_reads_better(parent_dir, texts, tmp_path):
    corpus = tmp_path / "b.txt"
    corpus.write_text(texts[1])
    config = TrainConfig(**{**TINY.__dict__, "parent": str(parent_dir), "lr": 1e-9, "epochs": 2})  # epochs that learn nothing
    meta = train(corpus, tmp_path / "ft", config, progress=False)
    assert meta["metrics"]["best_epoch"] == 0 and meta["metrics"]["epochs_trained"] == 2
    (parent, _), (kept, _) = ml5.read(parent_dir), ml5.read(tmp_path / "ft")
    assert all(np.array_equal(parent[role], kept[role]) for role in ("kernel_1", "bias_1", "bias_0"))  # (vocabulary-free)


def test_parent_must_fit_the_run(parent_dir):
    with pytest.raises(TrainingError, match="--direction backward"):
        resolve_parent(str(parent_dir), 16, "forward")
    assert resolve_parent(str(parent_dir), 16, "forward", cross_direction=True).direction == "backward"
    with pytest.raises(TrainingError, match="--rnn-size 16"):
        resolve_parent(str(parent_dir), 32, "backward")
    with pytest.raises(TrainingError, match="--from"):
        resolve_parent(str(parent_dir / "missing"), 16, "backward")
    # auto fine-tunes the shipped model only where it fits: 2x256 backward
    assert resolve_parent("auto", 16, "backward") is None and resolve_parent("none", 256, "backward") is None
    assert resolve_parent("auto", 256, "backward").label == "default"


def test_bfloat16_reaches_float32_heldout_bpc_after_the_same_steps(texts, tmp_path):
    import tensorflow as tf

    from rhymer.train import _Trainer

    text = texts[0][::-1]
    vocab = sorted(set(text))
    ids = np.array([vocab.index(c) for c in text], dtype="int32")
    train_ids, held_ids = ids[:27000], ids[27000:]
    config = TrainConfig(**{**TINY.__dict__, "rnn_size": 32, "lr": 1e-2})
    results = {}
    for precision in ("float32", "bfloat16"):
        trainer = _Trainer(tf, tf.distribute.get_strategy(), True, "default", config, vocab, tmp_path / precision,
                           precision=(precision, "asked for"))
        for _, (x, y) in zip(range(40), trainer._dataset(train_ids, 0)):
            trainer._train_steps["off"](x, y)
        results[precision] = trainer.heldout_bpc(held_ids)
        if precision == "bfloat16":
            assert trainer.model.get_layer("lstm_0").compute_dtype == "bfloat16"
            assert all(w.dtype == "float32" for w in trainer.model.get_weights())  # float32 master weights, export
    assert results["float32"] < np.log2(len(vocab)) - 1  # it learned something in 40 steps
    assert abs(results["bfloat16"] - results["float32"]) <= 0.02, results


@pytest.mark.parametrize("flags,gpus,expected", [
    ("fpu avx2 fma", [], "float32"),
    ("fpu avx2 avx512f avx512_bf16", [], "bfloat16"),
    ("fpu amx_bf16 amx_tile", [], "bfloat16"),
    ("fpu avx512_bf16", [(7, 5)], "float32"),  # a T4 does not have bfloat16 tensor cores
    ("fpu", [(8, 0), (9, 0)], "bfloat16"),
])
def test_precision_auto_chooses_bfloat16_only_where_native(flags, gpus, expected):
    parsed = cpu_flags(f"processor\t: 0\nmodel name\t: x\nflags\t\t: {flags}\n\nprocessor\t: 1\n")
    assert parsed == frozenset(flags.split())
    assert choose_precision("auto", parsed, gpus)[0] == expected
    assert choose_precision("float32", parsed, gpus)[0] == "float32"


def test_xla_auto_keeps_the_faster_mode():
    for faster, times in (("on", {"off": 0.03, "on": 0.02}), ("off", {"off": 0.02, "on": 0.05})):
        chooser = XlaChooser("auto")
        decided = []
        while chooser.choice is None:
            mode = chooser.mode()
            compile_cost = 5.0 if chooser.done < 2 else 0.0  # the first step of each mode compiles
            decided.append(chooser.record(mode, times[mode] + compile_cost))
        assert chooser.choice == faster and decided.count(True) == 1 and decided[-1]
        assert chooser.summary()["seconds_per_step"] == times
    assert XlaChooser("on").mode() == "on" and XlaChooser("off").mode() == "off"
    assert XlaChooser("auto", available=False).mode() == "off" and XlaChooser("on", available=False).mode() == "off"


def test_a_time_budget_outlasts_the_epoch_cap_while_improving():
    budget = dict(epochs=2, patience=3, max_minutes=0.5)
    assert stop_reason(2, bad_epochs=0, out_of_time=False, **budget) is None  # still improving: go on
    assert stop_reason(7, bad_epochs=0, out_of_time=False, **budget) is None
    assert stop_reason(7, bad_epochs=1, out_of_time=False, **budget) == "epochs"  # past the cap, stalled
    assert stop_reason(7, bad_epochs=0, out_of_time=True, **budget) == "time_budget"
    assert stop_reason(1, bad_epochs=3, out_of_time=False, **budget) == "early_stopping"
    no_budget = {**budget, "max_minutes": None}
    assert stop_reason(2, bad_epochs=0, out_of_time=False, **no_budget) == "epochs"
    assert stop_reason(1, bad_epochs=0, out_of_time=False, **no_budget) is None


@pytest.mark.parametrize("args, message", [
    (["--xla", "maybe"], "--xla maybe must be one of auto, on, off"),
    (["--precision", "fp8"], "--precision fp8 must be one of auto, float32, bfloat16"),
    (["--from", "no/such/model"], "--from no/such/model:"),
    (["--from", "default", "--direction", "forward"], "--from default reads backward, the run forward"),
    (["--from", "default", "--rnn-size", "32"], "--from default has 256 units per layer"),
])
def test_bad_fine_tuning_options_are_refused_in_one_line(tmp_path, cli, small_corpus, args, message):
    corpus = tmp_path / "c.txt"
    corpus.write_text(small_corpus[:5000])
    out = tmp_path / "out"
    r = cli("train", str(corpus), "--out", str(out), "--quiet", *args)
    assert r.returncode == 2 and message in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not out.exists()
