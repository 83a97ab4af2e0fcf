"""Hostile input to train, markov, corpus and compare: one "error:" line, no traceback, nothing changed."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from rhymer.errors import CorpusError, FetchError
from rhymer.fetch import fetch_text
from rhymer.modeldir import undo_on_failure

TINY = ["--rnn-size", "32", "--embedding-size", "8", "--seq-length", "32", "--batch-size", "16", "--quiet"]
SHA = "0" * 64


def _files(tmp_path: Path, small_corpus: str) -> None:
    """The working folder every hostile command starts in: a corpus, odd texts, and odd recipes."""
    (tmp_path / "c.txt").write_text(small_corpus, encoding="utf-8")
    (tmp_path / "punct.txt").write_text("... ,,, !!! --- ??? ;;; 123\n" * 200, encoding="utf-8")
    (tmp_path / "aaa.txt").write_text("a" * 40 + "\nthe night\n", encoding="utf-8")
    (tmp_path / "curly.txt").write_text("\u2018Tis night\u2019s end, caf\u00e9\n" * 50, encoding="utf-8")
    (tmp_path / "bin.toml").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "folder.toml").mkdir()
    (tmp_path / "keep.txt").write_text("a user's file that must survive\n")
    recipes = {
        "sha_int": '[[source]]\npath = "c.txt"\nsha256 = 5\n',
        "path_int": f'[[source]]\npath = 3\nsha256 = "{SHA}"\n',
        "title_list": f'[[source]]\npath = "c.txt"\nsha256 = "{SHA}"\ntitle = [1]\n',
        "source_str": 'source = "c.txt"\n',
        "clean_int": f'clean = 3\n[[source]]\npath = "c.txt"\nsha256 = "{SHA}"\n',
        "regex_int": f'[clean]\ndrop_line_regex = 5\n[[source]]\npath = "c.txt"\nsha256 = "{SHA}"\n',
        "regex_bad": f'[clean]\ndrop_line_regex = "("\n[[source]]\npath = "c.txt"\nsha256 = "{_sha(tmp_path / "c.txt")}"\n',
        "unknown": f'[[source]]\npath = "c.txt"\nsha256 = "{SHA}"\nsha = "x"\n',
        "no_sha": '[[source]]\npath = "c.txt"\n',
        "url_file": f'[[source]]\nurl = "/etc/hostname"\nsha256 = "{SHA}"\n',
        "url_scheme": f'[[source]]\nurl = "file:///etc/hostname"\nsha256 = "{SHA}"\n',
        "escape": f'[[source]]\npath = "../../../../../../etc/hostname"\nsha256 = "{SHA}"\n',
        "absolute": f'[[source]]\npath = "/etc/hostname"\nsha256 = "{SHA}"\n',
        "both": f'[[source]]\npath = "c.txt"\nurl = "http://127.0.0.1:9/x"\nsha256 = "{SHA}"\n',
        "dir_source": f'[[source]]\npath = "folder.toml"\nsha256 = "{SHA}"\n',
        "long_path": f'[[source]]\npath = "{"a" * 5000}"\nsha256 = "{SHA}"\n',  # over the system's limit for a name
    }
    for name, text in recipes.items():
        (tmp_path / f"{name}.toml").write_text(text)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


HOSTILE = [
    # train: every refusal comes before the output folder is made (and before TensorFlow is imported)
    ["train", "c.txt", "-o", "m", "--seed", "-1"],
    ["train", "c.txt", "-o", "m", "--seed", str(2**70)],
    ["train", "c.txt", "-o", "m", "--patience", "0"],
    ["train", "c.txt", "-o", "m", "--strategy", "bogus"],
    ["train", "c.txt", "-o", "m", "--strategy", "multiworker"],
    ["train", "c.txt", "-o", "m", "--rnn-size", "100000"],
    ["train", "c.txt", "-o", "m", "--lr", "nan"],
    ["train", "c.txt", "-o", "m", "--max-minutes", "nan"],
    ["train", "c.txt", "-o", "m", "--val-fraction", "0.7"],
    ["train", "c.txt", "-o", "m", "--val-fraction", "nan"],
    ["train", "punct.txt", "-o", "m"],
    ["train", "c.txt", "-o", "m", "--resume"],
    ["train", "missing.txt", "-o", "m"],
    # markov
    ["markov", "c.txt", "-o", "m", "--order", "0"],
    ["markov", "c.txt", "-o", "m", "--order", "13"],
    ["markov", "c.txt", "-o", "m", "--val-fraction", "0.9"],
    ["markov", "c.txt", "-o", "m", "--val-fraction", "nan"],
    ["markov", "punct.txt", "-o", "m"],
    ["markov", "c.txt", "-o", "m", "--encoding", "utf-16"],
    ["markov", "curly.txt", "-o", "m", "--encoding", "utf-16"],
    ["markov", "curly.txt", "-o", "m", "--encoding", "latin-1"],
    ["markov", "c.txt", "-o", "m", "--encoding", "bogus"],
    ["markov", "c.txt", "-o", "m", "--encoding", "rot13"],
    # corpus fetch: bad addresses and settings are refused before any connection
    ["corpus", "fetch", "http://[::1/x", "-o", "f.txt"],
    ["corpus", "fetch", "file:///etc/hostname", "-o", "f.txt"],
    ["corpus", "fetch", "http://127.0.0.1:9/x", "-o", "f.txt", "--timeout", "0"],
    ["corpus", "fetch", "http://127.0.0.1:9/x", "-o", "f.txt", "--timeout", "-1"],
    ["corpus", "fetch", "http://127.0.0.1:9/x", "-o", "f.txt", "--timeout", "nan"],
    ["corpus", "fetch", "http://127.0.0.1:9/x", "-o", "f.txt", "--timeout", "inf"],
    ["corpus", "fetch", "http://127.0.0.1:9/x", "-o", "f.txt", "--timeout", "1e300"],
    ["corpus", "fetch", "http://127.0.0.1:9/x", "-o", "f.txt", "--retries", "-1"],
    ["corpus", "fetch", "http://127.0.0.1:9/x", "-o", "f.txt", "--max-bytes", "0"],
    ["corpus", "fetch", "http://127.0.0.1:9/x", "-o", "f.txt", "--encoding", "bogus", "--retries", "0"],
    # corpus clean
    ["corpus", "clean", "c.txt", "-o", "out.txt", "--drop-lines", "("],
    ["corpus", "clean", "c.txt", "-o", "out.txt", "--drop-lines", "a{2,1}"],
    ["corpus", "clean", "aaa.txt", "-o", "out.txt", "--drop-lines", "(a|aa)+b"],
    ["corpus", "clean", "curly.txt", "-o", "out.txt", "--encoding", "utf-16"],
    ["corpus", "clean", "curly.txt", "-o", "out.txt", "--encoding", "utf-32"],
    ["corpus", "clean", "curly.txt", "-o", "out.txt", "--encoding", "cp1252"],
    ["corpus", "clean", "bin.toml", "-o", "out.txt"],
    # corpus build: a recipe is untrusted input
    *[["corpus", "build", f"{name}.toml", "-o", "out.txt"] for name in (
        "sha_int", "path_int", "title_list", "source_str", "clean_int", "regex_int", "regex_bad", "unknown",
        "no_sha", "url_file", "url_scheme", "escape", "absolute", "both", "dir_source", "bin", "folder",
        "missing", "long_path",
    )],
    ["corpus", "build", "long_path.toml", "-o", "keep.txt", "--force"],  # (keep.txt compared with the recipe's path)
    # corpus stats
    ["corpus", "stats", "curly.txt", "--encoding", "utf-16"],
    ["corpus", "stats", "folder.toml"],
    ["corpus", "stats", "a" * 5000],  # a name over the system's limit
    ["markov", "a" * 5000, "-o", "m"],
    # compare: the order sweep is checked before anything is built
    ["compare", "-c", "c.txt", "--markov-orders", "1-1000000000"],
    ["compare", "-c", "c.txt", "--markov-orders", "8-3"],
    ["compare", "-c", "c.txt", "--markov-orders", "0-3"],
    ["compare", "-c", "c.txt", "--markov-orders", "3,99"],
    ["compare", "-c", "c.txt", "--markov-orders", "three"],
    ["compare", "-c", "c.txt", "--markov-order", "99"],
    ["compare", "-c", "punct.txt"],
    ["compare", "-c", "c.txt", "--train-lstm", "-1"],  # named as the option, not as training's --max-minutes
]


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    return subprocess.run([sys.executable, "-m", "rhymer", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120, env={**environment, **env})


def _main(args: list[str], cwd: Path, monkeypatch, capsys) -> subprocess.CompletedProcess:
    """Run ``rhymer ARGS`` in this process (as its entry point does, minus the interpreter's start-up)."""
    from rhymer.cli import main

    monkeypatch.chdir(cwd)
    monkeypatch.setattr(sys, "argv", ["rhymer", *args])
    try:
        main()
        code = 0  # a command that succeeds returns (typer runs outside its standalone mode)
    except SystemExit as exited:
        code = exited.code
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out, err)


def _assert_one_error_line(result: subprocess.CompletedProcess) -> None:
    assert result.returncode not in (0, None), result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


@pytest.mark.parametrize("args", HOSTILE, ids=lambda a: " ".join(a)[:60])
def test_hostile_invocation_is_one_error_line_and_changes_nothing(args, tmp_path, small_corpus, monkeypatch, capsys):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    _files(tmp_path, small_corpus)
    before = _snapshot(tmp_path)
    _assert_one_error_line(_main(args, tmp_path, monkeypatch, capsys))
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("tf_config", ["{bad", "[]", '{"cluster": 5}', '{"cluster": {"worker": "a"}}',
                                       '{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 7}}'])
def test_malformed_tf_config_is_one_error_line(tf_config, tmp_path, small_corpus, monkeypatch, capsys):
    monkeypatch.setenv("TF_CONFIG", tf_config)
    _files(tmp_path, small_corpus)
    before = _snapshot(tmp_path)
    _assert_one_error_line(_main(["train", "c.txt", "-o", "m", *TINY], tmp_path, monkeypatch, capsys))
    assert _snapshot(tmp_path) == before


def test_a_real_process_ends_in_the_same_one_line(tmp_path, small_corpus):
    _files(tmp_path, small_corpus)
    result = _run(["train", "c.txt", "-o", "m", "--seed", str(2**70)], tmp_path)
    _assert_one_error_line(result)
    assert result.returncode == 2 and not (tmp_path / "m").exists()


def test_refused_training_never_imports_tensorflow(tmp_path, small_corpus):
    """Validation, the memory estimate last, runs before TensorFlow's (slow) import and before any folder."""
    corpus = tmp_path / "c.txt"
    corpus.write_text(small_corpus)
    code = (
        "import sys\nfrom rhymer.train import TrainConfig, train\nfrom rhymer.errors import TrainingError\n"
        f"try:\n    train({str(corpus)!r}, {str(tmp_path / 'm')!r}, TrainConfig(rnn_size=100000))\n"
        "except TrainingError as err:\n    print(err)\n    print('tensorflow' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    message, imported = result.stdout.strip().splitlines()
    assert message.startswith("out of memory: --rnn-size 100000") and "pass --rnn-size " in message
    suggested = int(message.split("pass --rnn-size ")[1].split()[0])
    assert 1 <= suggested < 100000 and suggested & (suggested - 1) == 0  # a smaller power of two
    assert imported == "False" and not (tmp_path / "m").exists()


def test_best_effort_lines_break_rules_only_on_request(tmp_path, monkeypatch, capsys):
    args = ["couplet", "-w", "night", "--min-words", "100", "--max-words", "200", "--seed", "1", "-k", "1", "-m", "markov"]
    strict = _main(args, tmp_path, monkeypatch, capsys)
    _assert_one_error_line(strict)
    assert "wanted at least 100" in strict.stderr and "--best-effort" in strict.stderr
    assert len(strict.stdout.splitlines()) == 2  # the lines are still printed
    lenient = _main([*args, "--best-effort"], tmp_path, monkeypatch, capsys)
    assert lenient.returncode == 0 and lenient.stdout == strict.stdout
    assert "# line 1 (" in lenient.stderr and "wanted at least 100" in lenient.stderr


def test_encoding_is_honoured_and_mojibake_refused(tmp_path, cli):
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\u00e9 at night\n".encode("latin-1"))
    wide = tmp_path / "wide.txt"
    wide.write_bytes("caf\u00e9 at night\n".encode("utf-16"))
    for source, encoding in ((latin, "latin-1"), (wide, "utf-16")):
        out = tmp_path / f"{source.stem}.out"
        r = cli("corpus", "clean", str(source), "-o", str(out), "--encoding", encoding)
        assert r.returncode == 0, r.stderr
        assert out.read_text(encoding="utf-8") == "caf\u00e9 at night\n"
    r = cli("corpus", "clean", str(wide), "-o", str(tmp_path / "x.txt"))
    assert r.returncode == 2 and "--encoding utf-16" in r.stderr  # the BOM names the encoding


# -- fetching: deadlines and encodings, against servers on 127.0.0.1 ------------------------------

@pytest.fixture
def dripping_server():
    """A server that answers 200 and then sends one byte every half second, for ever."""
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n")
                try:
                    while not stop.wait(0.5):
                        conn.sendall(b"a")
                except OSError:
                    pass  # the client gave up: what the test wants

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/drip.txt"
    stop.set()
    thread.join()
    listener.close()


def test_dripping_server_is_cut_off_at_the_deadline(dripping_server):
    with pytest.raises(FetchError, match="did not finish within 2 s"):
        fetch_text(dripping_server, timeout=2)


def test_unanswering_host_is_cut_off_at_the_deadline_retries_included():
    with socket.create_server(("127.0.0.1", 0), backlog=1) as silent:  # listens, never accepts or answers
        with pytest.raises(FetchError, match="did not finish within 2 s"):
            fetch_text(f"http://127.0.0.1:{silent.getsockname()[1]}/x", timeout=2, retries=3)


def test_fetch_encoding_option(http_server, tmp_path, cli):
    http_server.routes["/latin.txt"] = (200, {"Content-Type": "text/plain"}, "caf\u00e9\n".encode("latin-1"))
    out = tmp_path / "f.txt"
    refused = cli("corpus", "fetch", http_server.base + "/latin.txt", "-o", str(out), "--retries", "0")
    assert refused.returncode == 2 and "--encoding latin-1" in refused.stderr and not out.exists()
    r = cli("corpus", "fetch", http_server.base + "/latin.txt", "-o", str(out), "--encoding", "latin-1")
    assert r.returncode == 0, r.stderr
    assert out.read_text(encoding="utf-8") == "caf\u00e9\n"


# -- library pieces a table cannot reach -----------------------------------------------------------

def test_catastrophic_regex_is_refused_in_the_library():
    from rhymer.corpus import clean

    with pytest.raises(CorpusError, match="takes too long"):
        clean("a" * 40 + "\n", "(a|aa)+b")
    assert clean("# x\nkept\n", "#.*") == "kept\n"


def test_undo_on_failure_removes_only_what_the_block_added(tmp_path):
    fresh = tmp_path / "fresh"
    with pytest.raises(KeyboardInterrupt), undo_on_failure(fresh / "deeper" / "model"):
        (fresh / "deeper" / "model" / "checkpoints").mkdir(parents=True)
        raise KeyboardInterrupt
    assert not fresh.exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "photo.bin").write_bytes(b"user data")
    with pytest.raises(ValueError), undo_on_failure(mine):
        (mine / "markov.json").write_text("{}")
        (mine / "checkpoints").mkdir()
        raise ValueError
    assert sorted(p.name for p in mine.iterdir()) == ["photo.bin"]
    with pytest.raises(ValueError), undo_on_failure(fresh, keep=lambda: True):
        fresh.mkdir()
        raise ValueError
    assert fresh.exists()  # work worth keeping (a resumable epoch) stays


# -- training: damaged runs and Ctrl-C (real TensorFlow, a tiny model) ----------------------------

@pytest.fixture(scope="module")
def interrupted_run(tmp_path_factory, small_corpus):
    """A tiny training run stopped by Ctrl-C (SIGINT) right after its first epoch was reported."""
    pytest.importorskip("tensorflow")
    folder = tmp_path_factory.mktemp("interrupted")
    corpus = folder / "c.txt"
    corpus.write_text(small_corpus)
    out = folder / "m"
    cmd = [sys.executable, "-m", "rhymer", "train", str(corpus), "-o", str(out), "--epochs", "30", *TINY]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = [proc.stderr.readline()]
    while seen[-1] and not seen[-1].startswith("epoch 1:"):
        seen.append(proc.stderr.readline())
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=120)
    return corpus, out, proc.returncode, "".join(seen) + rest


def test_ctrl_c_says_how_to_resume_and_resume_continues(interrupted_run, cli):
    corpus, out, code, stderr = interrupted_run
    assert code == 130, stderr
    assert stderr.strip().splitlines()[-1] == "interrupted; rerun with --resume", stderr
    assert "Traceback" not in stderr
    r = cli("train", str(corpus), "-o", str(out), "--resume", "--epochs", "2", *TINY)
    assert r.returncode == 0, r.stderr
    assert "epoch 2:" in r.stderr and "epoch 1:" not in r.stderr


def test_a_forced_run_cut_short_over_a_resumable_one_does_not_say_resume(interrupted_run, tmp_path):
    """The earlier run comes back whole, checkpoint and all, but it is not this run: --resume with this run's
    settings would be refused, so Ctrl-C must not advise it."""
    import shutil

    corpus, out, _, _ = interrupted_run
    copy = tmp_path / "m"
    shutil.copytree(out, copy)
    before = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    cmd = [sys.executable, "-m", "rhymer", "train", str(corpus), "-o", str(copy), "--epochs", "30", "--lr", "0.001", "--force", *TINY]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not (copy / ".replaced-by-a-forced-run").exists() and proc.poll() is None:  # the new run has begun
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "interrupted before the first epoch ended; nothing of this run was kept"
    assert {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()} == before


def test_the_model_a_killed_forced_run_set_aside_goes_once_that_run_is_resumed_or_replaced(interrupted_run, tmp_path, cli):
    """A forced run killed outright (kill -9) after its first epoch left the model it replaced set aside:
    resumed, the run finishes and then that model goes; a new forced run removes it at once."""
    import shutil

    from rhymer import modeldir, outputs

    corpus, out, _, _ = interrupted_run
    earlier = tmp_path / "earlier"
    assert cli("markov", str(corpus), "--out", str(earlier), "--order", "2").returncode == 0
    copies = {}
    for name in ("resumed", "forced"):
        copies[name] = copy = tmp_path / name
        shutil.copytree(out, copy)
        shutil.copytree(earlier, tmp_path / "moving")
        outputs.set_aside(tmp_path / "moving", modeldir.OWN_FILES, copy / modeldir.REPLACED)
        assert outputs.is_aside(copy / modeldir.REPLACED) and modeldir.read_metadata(copy / modeldir.REPLACED)["kind"] == "markov"
        shutil.rmtree(tmp_path / "moving")
    r = cli("train", str(corpus), "-o", str(copies["resumed"]), "--resume", "--epochs", "3", *TINY)
    assert r.returncode == 0 and "epoch 3:" in r.stderr, r.stderr
    assert not (copies["resumed"] / modeldir.REPLACED).exists() and modeldir.read_metadata(copies["resumed"])["kind"] == "lstm"
    forced = copies["forced"]
    aside = modeldir.prepare_out(forced, force=True, set_aside=True)  # the run's own epoch is what it sets aside now
    assert aside == forced / modeldir.REPLACED and modeldir.read_metadata(aside)["kind"] == "lstm"
    assert modeldir.resumable(aside) and not modeldir.resumable(forced) and not any(forced.glob("*.json"))
    outputs.put_back(forced, aside, modeldir.OWN_FILES)
    assert modeldir.resumable(forced) and not aside.exists() and modeldir.read_metadata(forced)["kind"] == "lstm"


@pytest.mark.parametrize("damage", ["run_json", "index", "data"])
def test_damaged_checkpoint_refuses_resume(interrupted_run, damage, tmp_path, cli):
    import shutil

    corpus, out, _, _ = interrupted_run
    copy = tmp_path / "m"
    shutil.copytree(out, copy)
    checkpoints = copy / "checkpoints"
    if damage == "run_json":
        (checkpoints / "run.json").write_text("{not json")
    elif damage == "index":
        for index in checkpoints.glob("ckpt-*.index"):
            index.unlink()
    else:
        for data in checkpoints.glob("ckpt-*.data-*"):
            data.write_bytes(data.read_bytes()[:100])
    before = _snapshot(copy)
    r = cli("train", str(corpus), "-o", str(copy), "--resume", "--epochs", "30", *TINY)
    _assert_one_error_line(r)
    assert r.returncode == 2 and "damaged" in r.stderr
    assert _snapshot(copy) == before


def test_ctrl_c_before_the_first_epoch_leaves_nothing(tmp_path, small_corpus):
    pytest.importorskip("tensorflow")
    corpus = tmp_path / "c.txt"
    corpus.write_text(small_corpus * 4)
    out = tmp_path / "m"
    cmd = [sys.executable, "-m", "rhymer", "train", str(corpus), "-o", str(out), "--epochs", "30", *TINY]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not (out / "checkpoints" / "run.json").exists() and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "Traceback" not in stderr, stderr
    assert stderr.strip().splitlines()[-1] == "interrupted before the first epoch ended; nothing of this run was kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.txt"]
