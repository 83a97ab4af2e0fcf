"""`rhymer train`: tiny models on real verse, resuming after kill -9, two workers, refused input."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

pytest.importorskip("tensorflow")

import rhymer  # noqa: E402
from rhymer.lstm import LSTMModel  # noqa: E402
from rhymer.words import last_word  # noqa: E402

TINY = ["--rnn-size", "32", "--embedding-size", "8", "--seq-length", "32", "--batch-size", "16", "--quiet"]


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory, small_corpus):
    path = tmp_path_factory.mktemp("corpus") / "verse.txt"
    path.write_text(small_corpus)
    return path


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory, corpus_file):
    from tests.conftest import run_cli

    out = tmp_path_factory.mktemp("models") / "tiny"
    result = run_cli("train", str(corpus_file), "--out", str(out), "--epochs", "2", *TINY)
    assert result.returncode == 0, result.stderr
    return out, result


def test_training_writes_a_complete_model_directory(tiny_model, corpus_file):
    out, result = tiny_model
    assert "held-out" in result.stdout and "epoch 2:" in result.stderr
    assert "nan" not in result.stderr and "elapsed" in result.stderr
    for noise in ("cpu_feature_guard", "oneDNN", "absl"):  # TensorFlow's start-up log stays hidden
        assert noise not in result.stderr, result.stderr
    meta = json.loads((out / "rhymer.json").read_text())
    assert meta["kind"] == "lstm" and meta["direction"] == "backward"
    assert meta["corpus_sha256"] == rhymer.corpus.sha256(corpus_file.read_text())
    assert meta["hyperparameters"]["rnn_size"] == 32 and meta["vocab"] == sorted(set(corpus_file.read_text()))
    m = meta["metrics"]
    assert 1.0 < m["heldout_bpc"] < np.log2(len(meta["vocab"])) and m["markov_heldout_bpc"] > 1.0
    assert m["epochs_trained"] == 2 and meta["training_seconds"] > 0 and meta["command"].startswith("rhymer train")
    assert LSTMModel.load(out).hidden == 32


def test_couplet_cli_uses_an_lstm_model_path(tiny_model, cli):
    out, _ = tiny_model
    # two epochs of a 32-unit model write short lines at times: this test is about the model path, not the rules
    result = cli("couplet", "-w", "night", "--model", str(out), "--seed", "1", "--json", "-k", "4", "--best-effort")
    assert result.returncode == 0, result.stderr
    c = json.loads(result.stdout)
    assert c["model"].startswith("lstm:") and last_word(c["lines"][0]) == "night"
    assert rhymer.is_rhyme("night", last_word(c["lines"][1]))


def test_existing_output_needs_resume_or_force(tiny_model, corpus_file, cli):
    out, _ = tiny_model
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    result = cli("train", str(corpus_file), "--out", str(out), *TINY)
    assert result.returncode == 2 and "not empty; pass --resume" in result.stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before  # nothing overwritten


def test_resume_refuses_other_corpus_or_settings(tiny_model, corpus_file, tmp_path, cli):
    out, _ = tiny_model
    other = tmp_path / "other.txt"
    other.write_text("a line of verse\n" * 3000)
    r = cli("train", str(other), "--out", str(out), "--resume", *TINY)
    assert r.returncode == 2 and "different corpus" in r.stderr
    tiny = [a if a != "32" else "33" for a in TINY]
    r = cli("train", str(corpus_file), "--out", str(out), "--resume", *tiny)
    assert r.returncode == 2 and "other settings (rnn_size 32, now 33, seq_length 32, now 33)" in r.stderr, r.stderr


def test_resume_of_a_finished_run_says_so_and_changes_nothing(tiny_model, corpus_file, cli):
    out, _ = tiny_model  # two epochs of two: finished
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    r = cli("train", str(corpus_file), "--out", str(out), "--epochs", "2", "--resume", *TINY)
    assert r.returncode == 2 and "already finished (epochs after epoch 2); to go on, resume with a higher --epochs" in r.stderr, r.stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before  # rhymer.json (its command) not rewritten


def test_resume_finishes_a_run_cut_short_while_it_wrote_its_last_metadata(tiny_model, corpus_file, tmp_path, cli):
    import shutil

    out = tmp_path / "cut"
    shutil.copytree(tiny_model[0], out)
    meta = json.loads((out / "rhymer.json").read_text())
    meta["metrics"].update(stopped_by="still training", heldout_bpc=None)  # what the folder says until the run's end
    (out / "rhymer.json").write_text(json.dumps(meta))
    r = cli("train", str(corpus_file), "--out", str(out), "--epochs", "2", "--resume", *TINY)
    assert r.returncode == 0, r.stderr
    assert json.loads((out / "rhymer.json").read_text())["metrics"]["stopped_by"] == "epochs"


@pytest.mark.parametrize(
    "text, args, message",
    [
        ("short\n" * 3, [], "shorter than one sequence"),
        ("".join(chr(0x4E00 + i) for i in range(400)) * 3, [], "over the limit of 256"),
        ("a line of verse\n" * 300, ["--batch-size", "4096"], "fewer than one batch"),
        ("a line of verse\n" * 300, ["--lr", "0"], "--lr 0.0 must be above 0 and below 1"),
    ],
)
def test_bad_training_input_is_refused(tmp_path, cli, text, args, message):
    corpus = tmp_path / "c.txt"
    corpus.write_text(text)
    out = tmp_path / "out"
    r = cli("train", str(corpus), "--out", str(out), "--val-fraction", "0", *TINY, *args)
    assert r.returncode == 2 and message in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not out.exists() or not any(out.iterdir())


def test_with_nothing_held_out_no_figure_is_called_held_out(corpus_file, tmp_path, cli):
    # the epochs' training figures were printed, and kept in rhymer.json, as held-out ones
    out = tmp_path / "all"
    r = cli("train", str(corpus_file), "--out", str(out), "--val-fraction", "0", "--epochs", "2", *TINY)
    assert r.returncode == 0 and r.stderr.count("epoch 2: train ") == 1 and "held-out" not in r.stderr, r.stderr
    metrics = json.loads((out / "rhymer.json").read_text())["metrics"]
    assert metrics["heldout_bpc"] is None and metrics["heldout_bpc_windowed"] is None and metrics["best_epoch"] == 2


def test_resume_after_kill_9_continues_from_the_last_checkpoint(corpus_file, tmp_path, cli):
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "rhymer", "train", str(corpus_file), "--out", str(out), "--epochs", "6", *TINY]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 240
    while not list((out / "checkpoints").glob("ckpt-2.index")) and time.time() < deadline:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert list((out / "checkpoints").glob("ckpt-2.index")), "no checkpoint was written in time"
    LSTMModel.load(out)  # whatever moment the kill hit, the directory holds a whole model...
    assert rhymer.load(out).couplet("night", seed=1, candidates=2).rhyme_words[0] == "night"  # ...usable at once
    done = int(open(out / "checkpoints" / "checkpoint").read().split('"ckpt-')[1].split('"')[0])
    r = cli("train", str(corpus_file), "--out", str(out), "--epochs", "6", "--resume", *TINY)
    assert r.returncode == 0, r.stderr
    epochs_run = [int(line.split()[1].rstrip(":")) for line in r.stderr.splitlines() if line.startswith("epoch ")]
    assert epochs_run == list(range(done + 1, 7))  # nothing before the checkpoint was redone
    meta = json.loads((out / "rhymer.json").read_text())
    assert meta["metrics"]["epochs_trained"] == 6


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_workers_train_with_multiworker_mirrored_strategy(corpus_file, tmp_path):
    ports = [_free_port(), _free_port()]
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    procs = []
    for index in range(2):
        env = dict(os.environ, TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}))
        out = tmp_path / f"worker{index}"
        cmd = [sys.executable, "-m", "rhymer", "train", str(corpus_file), "--out", str(out), "--epochs", "1", *TINY]
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = [p.communicate(timeout=300) for p in procs]
    for proc, (_, err) in zip(procs, results):
        assert proc.returncode == 0, err[-2000:]
    meta = json.loads((tmp_path / "worker0" / "rhymer.json").read_text())
    assert meta["distribution"] == {"strategy": "MultiWorkerMirroredStrategy", "replicas": 2, "workers": 2}
    assert meta["metrics"]["epochs_trained"] == 1
    LSTMModel.load(tmp_path / "worker0")
    assert not (tmp_path / "worker1" / "manifest.json").exists()  # only the chief writes the model


_WRITES = """
import os
from rhymer.train import _START_UP_NOISE, _filtered_stderr
with _filtered_stderr(_START_UP_NOISE):
    os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n")
    os.write(2, b"I0000 00:00:1796244938.010890   18964 port.cc:153] oneDNN custom operations are on.\\n")
    os.write(2, b"2024-01-11 05:40:05.061907: W tensorflow/core/x.cc:1] a warning\\n")
    os.write(2, b"E0000 00:00:1796244938.0 18964 cuda.cc:1] an error\\nplain words\\n")
print("done")
"""


def test_tensorflows_start_up_log_lines_are_filtered_and_the_rest_passes(tmp_path):
    """TensorFlow 2.19+ writes oneDNN's notice through absl before TF_CPP_MIN_LOG_LEVEL is read: lines below
    error level are dropped from what C++ code writes to fd 2 while it is imported, the rest passes as it
    comes, and a process without a stderr still imports it."""
    out = subprocess.run([sys.executable, "-c", _WRITES], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout == "done\n"
    assert out.stderr == "E0000 00:00:1796244938.0 18964 cuda.cc:1] an error\nplain words\n"
    imports = "from rhymer.train import _import_tensorflow\n_import_tensorflow()\nprint('done')"
    closed = subprocess.run([sys.executable, "-c", imports], stdout=subprocess.PIPE, text=True, timeout=120,
                            preexec_fn=lambda: os.close(2))
    assert closed.returncode == 0 and closed.stdout == "done\n"
