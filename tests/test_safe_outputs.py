"""rhymer deletes or replaces only what it created: every command that writes, aimed at paths it must
not touch. Each refusal is one line on stderr with a non-zero exit, and the user's files stay as they were."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from rhymer import files, modeldir, outputs
from rhymer.errors import OutputError

TINY_TRAINING = ["--rnn-size", "16", "--embedding-size", "8", "--epochs", "1", "--seq-length", "16",
                 "--batch-size", "8", "--quiet"]


def rhymer(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rhymer", *args], check=False, capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})}, timeout=300)


def refused(result: subprocess.CompletedProcess, *words: str) -> None:
    """Exit 2 with one line on stderr naming the problem, and no traceback."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert all(w in lines[0] for w in words), lines[0]


def snapshot(folder: Path) -> dict:
    """Every entry under ``folder``: what it is and what it holds (links are not followed)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        mode = path.lstat().st_mode
        found[path.relative_to(folder).as_posix()] = (
            path.read_bytes() if stat.S_ISREG(mode) else os.readlink(path) if stat.S_ISLNK(mode) else stat.S_IFMT(mode))
    return found


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, verse_text) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "sonnets.txt"
    path.write_text(verse_text[:20000])
    return path


@pytest.fixture(scope="module")
def markov_model(tmp_path_factory, corpus) -> Path:
    out = tmp_path_factory.mktemp("models") / "markov"
    result = rhymer("markov", str(corpus), "--out", str(out), "--order", "3")
    assert result.returncode == 0, result.stderr
    return out


def marked_site(folder: Path) -> Path:
    """A folder that carries a site's marker, so that only the never-a-target rule can refuse it."""
    folder.mkdir(parents=True, exist_ok=True)
    files.write_json(folder / "site.json", {"format": "rhymer-site"})
    (folder / "photo.bin").write_bytes(b"the user's photo")
    return folder


# -- folders that are never targets ---------------------------------------------------------------

@pytest.mark.parametrize("target", ["/", "home", "cwd", "cwd parent", "package", "default model"])
def test_root_home_cwd_and_package_are_refused_before_anything(target):
    path = {"/": Path("/"), "home": Path.home(), "cwd": Path.cwd(), "cwd parent": Path.cwd().parent,
            "package": outputs.PACKAGE_DIR, "default model": modeldir.DEFAULT_DIR}[target]
    # even a folder that looked like rhymer's own, with --force, is refused: check_folder only checks
    with pytest.raises(OutputError, match="never writes"):
        outputs.check_folder(path, lambda _: True, force=True, what="site", option="--web")


def test_export_force_refuses_the_current_folder_its_parent_and_home(tmp_path, markov_model):
    home = marked_site(tmp_path / "home")
    work = marked_site(home / "work")
    before = snapshot(home)
    for target in (".", ".."):
        refused(rhymer("export", str(markov_model), "--web", target, "--force", cwd=work), "current folder")
    refused(rhymer("export", str(markov_model), "--web", str(home), "--force", env={"HOME": str(home)}), "home folder")
    assert snapshot(home) == before


def test_export_refuses_the_models_own_folder_and_the_package(tmp_path, markov_model):
    before = snapshot(markov_model)
    refused(rhymer("export", str(markov_model), "--web", str(markov_model), "--force"), "input")
    assert snapshot(markov_model) == before
    shipped = snapshot(modeldir.DEFAULT_DIR)
    refused(rhymer("export", "default", "--web", str(modeldir.DEFAULT_DIR), "--force"), "rhymer's own installation")
    assert snapshot(modeldir.DEFAULT_DIR) == shipped


def test_export_force_replaces_only_the_sites_own_files(tmp_path, markov_model):
    site = tmp_path / "site"
    assert rhymer("export", str(markov_model), "--web", str(site)).returncode == 0
    (site / "photo.bin").write_bytes(b"mine")
    (site / "model").mkdir()
    (site / "model" / "notes.txt").write_text("mine too")
    (site / "model" / "manifest.json").write_text("{}")  # a file the site owns by name: replaced or removed
    refused(rhymer("export", str(markov_model), "--web", str(site)), "not empty; pass --force")
    result = rhymer("export", str(markov_model), "--web", str(site), "--force")
    assert result.returncode == 0, result.stderr
    assert (site / "photo.bin").read_bytes() == b"mine" and (site / "model" / "notes.txt").read_text() == "mine too"
    assert not (site / "model" / "manifest.json").exists()  # a Markov site has no LSTM files
    assert '"format":"rhymer-site"' in (site / "site.json").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".rhymer-site-")]  # no staging left


@pytest.mark.parametrize("content", ["user", "fake-marker"])
def test_export_force_refuses_a_folder_rhymer_did_not_write(tmp_path, markov_model, content):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work")
    if content == "fake-marker":  # a site.json of someone else's is no marker
        (folder / "site.json").write_text('{"title": "my site"}')
    before = snapshot(folder)
    refused(rhymer("export", str(markov_model), "--web", str(folder), "--force"), "not a site rhymer wrote")
    assert snapshot(folder) == before


def test_export_to_an_existing_file_is_one_line(tmp_path, markov_model):
    target = tmp_path / "notes.txt"
    target.write_text("keep")
    refused(rhymer("export", str(markov_model), "--web", str(target)), "not a folder")
    assert target.read_text() == "keep"


# -- model folders ----------------------------------------------------------------------------------

def test_markov_force_keeps_the_users_files_and_refuses_their_folders(tmp_path, corpus):
    out = tmp_path / "model"
    assert rhymer("markov", str(corpus), "--out", str(out), "--order", "2").returncode == 0
    (out / "photo.bin").write_bytes(b"mine")
    result = rhymer("markov", str(corpus), "--out", str(out), "--order", "3", "--force")
    assert result.returncode == 0, result.stderr
    assert (out / "photo.bin").read_bytes() == b"mine" and (out / "rhymer.json").exists()
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "data.csv").write_text("1,2")
    refused(rhymer("markov", str(corpus), "--out", str(folder), "--force"), "not a model folder rhymer wrote")
    assert snapshot(folder) == {"data.csv": b"1,2"}


def test_train_force_keeps_photo_bin_and_checkpoints_keep_txt(tmp_path, corpus):
    pytest.importorskip("tensorflow")
    out = tmp_path / "model"
    assert rhymer("markov", str(corpus), "--out", str(out), "--order", "2").returncode == 0  # an earlier model
    (out / "checkpoints").mkdir()
    (out / "checkpoints" / "ckpt-7.index").write_bytes(b"an earlier run's checkpoint")
    (out / "e007-softmax_w.bin").write_bytes(b"an earlier run's weights")
    (out / "photo.bin").write_bytes(b"mine")
    (out / "checkpoints" / "keep.txt").write_text("mine too")
    result = rhymer("train", str(corpus), "--out", str(out), *TINY_TRAINING, "--force")
    assert result.returncode == 0, result.stderr
    assert (out / "photo.bin").read_bytes() == b"mine"
    assert (out / "checkpoints" / "keep.txt").read_text() == "mine too"
    assert not (out / "checkpoints" / "ckpt-7.index").exists() and not (out / "e007-softmax_w.bin").exists()
    assert [p.name for p in out.glob("*-softmax_w.bin")] == ["e001-softmax_w.bin"]
    assert modeldir.read_metadata(out)["kind"] == "lstm"


def test_a_forced_training_cut_short_before_its_first_epoch_puts_the_earlier_model_back(tmp_path, corpus):
    pytest.importorskip("tensorflow")
    out = tmp_path / "model"
    assert rhymer("markov", str(corpus), "--out", str(out), "--order", "2").returncode == 0  # an earlier model
    (out / "photo.bin").write_bytes(b"mine")
    before = snapshot(out)
    proc = subprocess.Popen([sys.executable, "-m", "rhymer", "train", str(corpus), "--out", str(out), *TINY_TRAINING,
                             "--epochs", "30", "--force"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not (out / "checkpoints" / "run.json").exists() and proc.poll() is None:  # the new run has begun
        time.sleep(0.05)
    assert (out / modeldir.REPLACED / modeldir.METADATA).is_file() and not (out / modeldir.METADATA).exists()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "nothing of this run was kept" in stderr, stderr
    assert snapshot(out) == before  # the earlier model whole again, the user's file untouched, nothing set aside
    outputs.set_aside(out, modeldir.OWN_FILES, out / modeldir.REPLACED)  # a forced run killed outright (kill -9)
    (out / "checkpoints").mkdir()  # before its first epoch left this
    (out / "checkpoints" / "run.json").write_text(json.dumps({"format": modeldir.RUN_FORMAT}))
    (out / modeldir.MARKOV).write_text("{}")
    modeldir.prepare_out(out, force=True, set_aside=True)  # the next forced run sets the earlier model aside again
    assert (out / modeldir.REPLACED / modeldir.METADATA).is_file() and not (out / "checkpoints").exists()
    outputs.put_back(out, out / modeldir.REPLACED, modeldir.OWN_FILES)
    assert snapshot(out) == before
    for theirs in ("link", "folder"):  # by that name, but not one rhymer set aside: refused, nothing touched
        (out / modeldir.REPLACED).symlink_to(tmp_path) if theirs == "link" else (out / modeldir.REPLACED).mkdir()
        (tmp_path / "photo.bin").write_bytes(b"theirs")
        refused(rhymer("train", str(corpus), "--out", str(out), *TINY_TRAINING, "--force"), modeldir.REPLACED, "move it away")
        assert (out / modeldir.METADATA).is_file() and (out / "photo.bin").read_bytes() == b"mine"
        (out / modeldir.REPLACED).unlink() if theirs == "link" else (out / modeldir.REPLACED).rmdir()


def test_a_resumed_forced_run_cut_short_before_its_first_epoch_puts_the_earlier_model_back(tmp_path, corpus):
    """A forced run killed outright (kill -9) before its first epoch leaves the earlier model set aside; a --resume
    of it that fails before an epoch of its own has nothing to keep, so the earlier model comes back (it was deleted)."""
    pytest.importorskip("tensorflow")
    out = tmp_path / "model"
    assert rhymer("markov", str(corpus), "--out", str(out), "--order", "2").returncode == 0  # an earlier model
    (out / "photo.bin").write_bytes(b"mine")
    before = snapshot(out)
    args = ["train", str(corpus), "--out", str(out), *TINY_TRAINING]
    proc = subprocess.Popen([sys.executable, "-m", "rhymer", *args, "--force"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    while not (out / "checkpoints" / "run.json").exists() and proc.poll() is None:  # set aside, TensorFlow loading
        time.sleep(0.01)
    proc.kill()
    proc.wait(timeout=60)
    assert outputs.is_aside(out / modeldir.REPLACED) and not (out / modeldir.METADATA).exists()
    refused(rhymer("couplet", "--model", str(out), "-w", "night"), "cut short", modeldir.REPLACED, "--resume")
    fake = tmp_path / "fake" / "tensorflow"  # a Ctrl-C while the resumed run loads TensorFlow
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise KeyboardInterrupt\n")
    path = os.pathsep.join(filter(None, [str(fake.parent), os.environ.get("PYTHONPATH")]))
    result = rhymer(*args, "--resume", env={"PYTHONPATH": path})
    assert result.returncode == 130 and "nothing of this run was kept" in result.stderr, result.stderr
    assert snapshot(out) == before


def test_a_ctrl_c_while_a_set_aside_model_is_put_back_waits_until_it_is_whole(tmp_path, monkeypatch):
    out = tmp_path / "model"
    (out / "checkpoints").mkdir(parents=True)
    for name in (modeldir.METADATA, "manifest.json", "e001-softmax_w.bin", "checkpoints/ckpt-1.index"):
        (out / name).write_text(name)
    before = snapshot(out)
    outputs.set_aside(out, modeldir.OWN_FILES, out / modeldir.REPLACED)
    moves = []

    def impatient(source, target):  # the user presses Ctrl-C again as the first file moves back
        moves.append(target)
        if len(moves) == 1:
            os.kill(os.getpid(), signal.SIGINT)
        os.rename(source, target)

    monkeypatch.setattr(outputs.os, "replace", impatient)
    with pytest.raises(KeyboardInterrupt):
        outputs.put_back(out, out / modeldir.REPLACED, modeldir.OWN_FILES)
    assert len(moves) == 4 and snapshot(out) == before  # then it stops, with the earlier model whole


def test_a_planted_set_aside_folder_puts_back_only_a_models_files_and_never_through_a_link(tmp_path, corpus):
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("mine")
    out = tmp_path / "model"
    assert rhymer("markov", str(corpus), "--out", str(out), "--order", "2").returncode == 0
    (out / "mynotes.txt").write_text("mine too")
    (out / "docs").symlink_to(home)  # links inside the model folder, and a set-aside folder made to use them
    (out / "checkpoints").symlink_to(home)
    aside = out / modeldir.REPLACED
    for name in ("docs/notes.txt", "mynotes.txt", "docs/" + modeldir.MARKOV, modeldir.MARKOV, "checkpoints/run.json",
                 "checkpoints/checkpoint"):  # (the last two are a model's own names, but behind a link)
        (aside / name).parent.mkdir(parents=True, exist_ok=True)
        (aside / name).write_text("planted")
    (aside / outputs.ASIDE_MARKER).write_text(json.dumps({"format": outputs.ASIDE_FORMAT}))
    theirs = snapshot(home)
    assert rhymer("markov", str(corpus), "--out", str(out), "--order", "2", "--force").returncode == 0
    assert snapshot(home) == theirs and (out / "mynotes.txt").read_text() == "mine too" and not aside.exists()
    assert modeldir.read_metadata(out)["kind"] == "markov" and (out / modeldir.MARKOV).read_text() != "planted"


def test_a_users_checkpoints_are_no_training_of_rhymers(tmp_path, corpus):
    folder = tmp_path / "project"
    (folder / "checkpoints").mkdir(parents=True)
    for name in ("run.json", "ckpt-7.index", "checkpoint"):
        (folder / "checkpoints" / name).write_text("{}")  # a run.json, but not one a training wrote
    (folder / "manifest.json").write_text("{}")
    before = snapshot(folder)
    refused(rhymer("markov", str(corpus), "--out", str(folder), "--force"), "not a model folder rhymer wrote")
    assert snapshot(folder) == before
    model = tmp_path / "model"  # a model folder whose checkpoints folder links to the project's
    assert rhymer("markov", str(corpus), "--out", str(model), "--order", "2").returncode == 0
    (model / "checkpoints").symlink_to(folder / "checkpoints")
    refused(rhymer("train", str(corpus), "--out", str(model), *TINY_TRAINING, "--force"), "checkpoints", "symbolic link")
    refused(rhymer("train", str(corpus), "--out", str(model), *TINY_TRAINING, "--resume"), "checkpoints", "symbolic link")
    assert snapshot(folder) == before and modeldir.read_metadata(model)["kind"] == "markov"


def test_train_force_refuses_a_users_folder_before_training(tmp_path, corpus):
    folder = tmp_path / "mine"
    (folder / "checkpoints").mkdir(parents=True)
    (folder / "checkpoints" / "keep.txt").write_text("mine")
    refused(rhymer("train", str(corpus), "--out", str(folder), *TINY_TRAINING, "--force"), "not a model folder")
    assert snapshot(folder) == {"checkpoints": stat.S_IFDIR, "checkpoints/keep.txt": b"mine"}


# -- output files -----------------------------------------------------------------------------------

def _special(tmp_path: Path, kind: str) -> Path:
    if kind == "fifo":
        os.mkfifo(tmp_path / "pipe")
        return tmp_path / "pipe"
    if kind == "symlink":
        (tmp_path / "precious.txt").write_text("precious")
        (tmp_path / "link.txt").symlink_to(tmp_path / "precious.txt")
        return tmp_path / "link.txt"
    if kind == "folder":
        (tmp_path / "folder").mkdir()
        (tmp_path / "folder" / "inside.txt").write_text("inside")
        return tmp_path / "folder"
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    return Path("/dev/full")


@pytest.mark.parametrize("kind", ["fifo", "symlink", "folder", "device"])
@pytest.mark.parametrize("command", ["clean", "fetch"])
def test_file_outputs_never_replace_a_device_fifo_link_or_folder(tmp_path, corpus, kind, command):
    target = _special(tmp_path, kind)
    mode, before = target.lstat().st_mode, snapshot(tmp_path)
    args = [str(corpus)] if command == "clean" else ["http://127.0.0.1:9/never-fetched.txt"]
    refused(rhymer("corpus", command, *args, "--out", str(target)), "not a regular file")
    assert stat.S_IFMT(target.lstat().st_mode) == stat.S_IFMT(mode) and snapshot(tmp_path) == before


@pytest.mark.parametrize("how", ["same path", "symlinked input", "symlinked output", "hard link"])
def test_clean_never_overwrites_its_input(tmp_path, how):
    source = tmp_path / "in.txt"
    source.write_text("  “Curly”   quotes\n\n\n\nand spaces  \n")
    out = source
    if how == "symlinked input":
        (tmp_path / "link.txt").symlink_to(source)
        source = tmp_path / "link.txt"
    elif how == "symlinked output":
        (tmp_path / "link.txt").symlink_to(source)
        out = tmp_path / "link.txt"
    elif how == "hard link":
        os.link(source, tmp_path / "hard.txt")
        out = tmp_path / "hard.txt"
    before = snapshot(tmp_path)
    refused(rhymer("corpus", "clean", str(source), "--out", str(out)))
    assert snapshot(tmp_path) == before


def test_build_refuses_to_overwrite_its_recipe_or_sources(tmp_path, corpus):
    corpus = Path(shutil.copy(corpus, tmp_path / corpus.name))  # recipes read sources beside them only
    recipe = tmp_path / "r.toml"
    digest = hashlib.sha256(corpus.read_bytes()).hexdigest()
    recipe.write_text(f'[[source]]\npath = "{corpus.name}"\nsha256 = "{digest}"\n')
    before = recipe.read_text()
    for target in (recipe, corpus):
        refused(rhymer("corpus", "build", str(recipe), "--out", str(target)), "input")
    assert recipe.read_text() == before


@pytest.mark.parametrize("command", ["clean", "build"])
def test_file_outputs_replace_an_existing_file_only_with_force(tmp_path, corpus, command):
    notes = tmp_path / "notes.txt"
    notes.write_text("my precious notes")
    if command == "clean":
        args = ["corpus", "clean", str(corpus)]
    else:
        source = Path(shutil.copy(corpus, tmp_path / corpus.name))
        recipe = tmp_path / "r.toml"
        recipe.write_text(f'[[source]]\npath = "{source.name}"\nsha256 = "{hashlib.sha256(source.read_bytes()).hexdigest()}"\n')
        args = ["corpus", "build", str(recipe)]
    refused(rhymer(*args, "--out", str(notes)), "exists", "--force")
    assert notes.read_text() == "my precious notes"
    assert rhymer(*args, "--out", str(notes), "--force").returncode == 0
    assert notes.read_text().startswith(corpus.read_text()[:40].strip())


@pytest.mark.parametrize("how", ["folder", "symlinked folder"])
def test_a_forced_markov_cut_short_puts_the_earlier_model_back(tmp_path, corpus, monkeypatch, how):
    """--force sets the earlier model aside; a rewrite cut short (Ctrl-C, a full disk) removes what it wrote,
    names the earlier model also had included, puts the earlier model back and keeps the user's own files."""
    from rhymer import wordruns

    real = tmp_path / "model"
    modeldir.write_markov_folder(corpus, real, order=3)
    (real / "notes.txt").write_text("mine")
    before, out = snapshot(real), real
    if how == "symlinked folder":
        out = tmp_path / "link"
        out.symlink_to(real, target_is_directory=True)

    def cut_short(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(wordruns.WordRuns, "build", cut_short)  # after markov.json and words.json are written
    with pytest.raises(KeyboardInterrupt):
        modeldir.write_markov_folder(corpus, out, order=3, force=True)
    assert snapshot(real) == before
    monkeypatch.undo()
    assert rhymer("couplet", "--model", str(out), "-w", "night", "-k", "4", "--best-effort").returncode == 0


def test_export_stopped_by_sigterm_leaves_no_staged_site(tmp_path, markov_model):
    """SIGTERM (and SIGHUP) unwind every command like Ctrl-C: an export's staging folder goes."""
    public = tmp_path / "public"
    public.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "rhymer", "export", str(markov_model), "--web", str(public / "site")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):  # the staging folder appears once the checks have passed
            if any(public.iterdir()) or proc.poll() is not None:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "export ended before it could be stopped"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM and "Traceback" not in err, err
    assert list(public.iterdir()) == []


def test_atomic_write_refuses_a_non_regular_target_too(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(OutputError, match="not a regular file"):
        files.write_text(tmp_path / "pipe", "x")
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere.txt")
    with pytest.raises(OutputError, match="not a regular file"):
        files.write_text(tmp_path / "link", "x")
    assert stat.S_ISFIFO((tmp_path / "pipe").lstat().st_mode) and not (tmp_path / "elsewhere.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "pipe"]  # no temporary file left


def test_compare_out_refuses_a_users_folder_before_working(tmp_path, corpus):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "report.md").write_text("my own report")
    refused(rhymer("compare", "--corpus", str(corpus), "--couplets", "1", "--out", str(folder)), "not a report folder")
    assert snapshot(folder) == {"report.md": b"my own report"}


# -- rhymer web -------------------------------------------------------------------------------------

@pytest.mark.parametrize("port", ["99999", "-1"])
def test_web_checks_the_port_before_the_model(port):
    # the model does not exist: had the site been exported first, the error would name the model
    refused(rhymer("web", "--model", "/no/such/model", "--port", port), "--port")


def test_web_refuses_a_folder_that_is_not_a_site(tmp_path):
    refused(rhymer("web", "--site", str(tmp_path / "nonexistent")), "not a site exported by rhymer")
    (tmp_path / "index.html").write_text("<p>mine</p>")
    refused(rhymer("web", "--site", str(tmp_path)), "not a site exported by rhymer")
    refused(rhymer("web", "--site", str(tmp_path / "index.html")), "not a site exported by rhymer")  # a file, not "inspected"


def _start_web(*args: str, tmp: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "rhymer", "web", "--port", "0", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(tmp)})
    line = proc.stdout.readline()
    assert "serving" in line, proc.stderr.read()
    return proc, line.split(" at ")[1].split()[0]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_web_removes_its_temporary_site_on_sigterm_and_ctrl_c(tmp_path, markov_model, stop):
    proc, base = _start_web("--model", str(markov_model), tmp=tmp_path)
    try:
        assert [p.name for p in tmp_path.iterdir()]  # the temporary site is there while serving
        with urllib.request.urlopen(base + "site.json", timeout=10) as resp:
            assert b"rhymer-site" in resp.read()
    finally:
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_web_answers_404_for_folders_and_400_for_unmappable_paths(tmp_path, markov_model):
    site = tmp_path / "site"
    assert rhymer("export", str(markov_model), "--web", str(site)).returncode == 0
    (site / "model").mkdir()
    (site / "model" / "private.txt").write_text("not to be listed")
    os.mkfifo(site / "pipe.json")  # opening it would hang the request
    (site / "etc").symlink_to("/etc", target_is_directory=True)  # a copied site's link out of it serves nothing
    proc, base = _start_web("--site", str(site), tmp=tmp_path)
    try:
        for path, status in (("model/", 404), ("model", 404), ("pipe.json", 404), ("etc/passwd", 404), ("%00", 400),
                             ("index.html%00.txt", 400), ("a%ed%a0%80b", 400)):  # "model" redirects to "model/"
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(base + path, timeout=10)
            assert caught.value.code == status, path
            assert b"private.txt" not in caught.value.read()
        with urllib.request.urlopen(base + "index.html", timeout=10) as resp:
            assert resp.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err and err.strip() == ""


def test_written_files_take_the_umask_in_force_when_written(tmp_path):
    """A program that tightens its umask after importing rhymer gets files only it may read (the mode a
    plain open gives), and a write that fails leaves no temporary file behind."""
    old = os.umask(0o077)
    try:
        files.write_text(tmp_path / "private.txt", "night")
    finally:
        os.umask(old)
    files.write_text(tmp_path / "plain.txt", "day")
    assert stat.S_IMODE((tmp_path / "private.txt").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode) == 0o666 & ~old
    (tmp_path / "folder.txt").mkdir()
    with pytest.raises(OutputError):
        files.write_text(tmp_path / "folder.txt", "refused")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.txt", "plain.txt", "private.txt"]


def test_a_report_folder_with_a_folder_where_a_report_file_goes_is_refused_whole(tmp_path):
    """compare --out rewrites an earlier report's files: one of them a folder (or a link) is refused before the
    comparison runs, and again before the first file is written, so no report is left half-rewritten."""
    from rhymer import report as reporting
    from rhymer.compare import Report
    from tests.conftest import ROOT

    out = tmp_path / "report"
    out.mkdir()
    (out / reporting.REPORT_FILE).write_text(json.dumps({"format": reporting.REPORT_FORMAT}))
    (out / reporting.HTML_FILE).write_text("the earlier page")
    (out / reporting.MARKDOWN_FILE).mkdir()
    before = snapshot(out)
    refused(rhymer("compare", "--couplets", "1", "--out", str(out)), "report.md' is a folder", "move it away")
    assert snapshot(out) == before
    earlier = Report.from_json(json.loads((ROOT / "docs" / "results" / "report.json").read_text()))
    with pytest.raises(OutputError, match="report.md' is a folder"):
        reporting.write_outputs(earlier, out)
    assert snapshot(out) == before
    (out / reporting.MARKDOWN_FILE).rmdir()
    written = reporting.write_outputs(earlier, out)
    assert sorted(p.name for p in written) == sorted(p.name for p in out.iterdir())
    assert {p.stem for p in out.glob("*.png")} in (set(), set(reporting.CHARTS))  # (none without matplotlib)


def test_a_file_name_that_is_not_utf8_is_written_escaped_not_a_late_traceback(tmp_path, corpus):
    """Python holds a name's undecodable bytes as lone surrogates, which UTF-8 cannot encode: a training's
    command in rhymer.json and a model's name in a report failed after all the work was done."""
    from rhymer.api import load
    from rhymer.files import read_json, write_json, write_text

    command = {"command": "rhymer train sm\udcff.txt"}
    write_json(tmp_path / "run.json", command)
    assert read_json(tmp_path / "run.json") == command  # JSON's own escape, read back as it was
    write_text(tmp_path / "report.md", "model lstm:t\udcff")
    assert (tmp_path / "report.md").read_bytes() == b"model lstm:t\\udcff"
    folder = Path(os.fsdecode(bytes(tmp_path) + b"/t\xff"))
    shutil.copytree(modeldir.DEFAULT_DIR, folder)
    loaded = load(folder)
    assert loaded.name.endswith("/t\\udcff") and loaded.name.encode("utf-8")  # printable and writable
    out = Path(os.fsdecode(bytes(tmp_path) + b"/m\xff"))  # printed on a strict UTF-8 stdout (a locale other than C's)
    made = rhymer("markov", str(corpus), "--out", str(out), "--order", "2", env={"PYTHONIOENCODING": "utf-8:strict"})
    assert made.returncode == 0 and made.stdout.startswith(f"wrote {tmp_path}/m\\udcff: order 2"), made.stderr


def test_a_refusal_to_overwrite_a_model_says_what_it_holds_and_offers_only_the_commands_options(tmp_path, corpus):
    """`rhymer markov` offered --resume (train's option) for a training's folder, and said nothing of the LSTM
    its --force would replace."""
    markov = tmp_path / "markov"
    assert rhymer("markov", str(corpus), "--out", str(markov), "--order", "2").returncode == 0
    refused(rhymer("markov", str(corpus), "--out", str(markov)), "pass --force to overwrite the Markov model in it")
    training = tmp_path / "training"
    (training / "checkpoints").mkdir(parents=True)
    (training / "checkpoints" / "run.json").write_text(json.dumps(
        {"format": modeldir.RUN_FORMAT, "config": {}, "corpus_sha256": "0" * 64}))
    refused(rhymer("markov", str(corpus), "--out", str(training)), "--force to overwrite the training in progress in it")
    assert "--resume" not in rhymer("markov", str(corpus), "--out", str(training)).stderr
    refused(rhymer("train", str(corpus), "--out", str(training), *TINY_TRAINING), "--resume to continue it")
