"""What a user meets while waiting or asking: --help, progress, `rhymer rhymes`, verse notes, compare anywhere."""

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

import rhymer
from rhymer import lexicon, modeldir, rhymepolicy
from rhymer.cli import RHYMES_SHOWN, app
from rhymer.progress import StepProgress, TrainingProgress, figures, no_steps
from rhymer.scoring import Rules
from rhymer.verse import Line, failure_note


def _commands(group, path=()):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # a group (typer carries its own copy of click)
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = list(_commands(typer.main.get_command(app)))


def test_every_command_is_found():
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"couplet", "rhymes", "compare", "export", "web", "train", "corpus fetch", "corpus clean"} <= names


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_help_explains_every_option_and_shows_flags_as_flags(path, command):
    for param in command.params:
        assert getattr(param, "help", None), f"{' '.join(path)} {param.name} has no help text"
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    for param in command.params:
        if param.param_type_name == "option" and param.is_flag and not param.secondary_opts:
            line = next(row for row in result.output.splitlines() if row.split() and row.split()[0].rstrip(",") in param.opts)
            assert "<" not in line, line  # `--json`, not `--json <something>`


def test_help_keeps_bracketed_words():
    result = CliRunner().invoke(app, ["corpus", "clean", "--help"], env={"COLUMNS": "200"})
    assert "drop [annotations], tidy" in result.output


def test_commands_take_their_defaults_from_the_library():
    """Every default a command shows is the library's own, so changing one changes both."""
    import inspect
    from dataclasses import fields

    from rhymer import Rhymer, fetch
    from rhymer.compare import DEFAULT_COUPLETS
    from rhymer.corpus import DEFAULT_VAL_FRACTION
    from rhymer.markov import DEFAULT_ORDER
    from rhymer.sampler import DEFAULT_CANDIDATES, DEFAULT_TEMPERATURE, DEFAULT_TOP_P
    from rhymer.scoring import DEFAULT_VARIETY
    from rhymer.train import TrainConfig

    defaults = {" ".join(path): {p.name: p.default for p in command.params} for path, command in COMMANDS}
    train = defaults["train"]
    shown = {f.name: train[{"parent": "from_model"}.get(f.name, f.name)] for f in fields(TrainConfig)
             if {"parent": "from_model"}.get(f.name, f.name) in train}
    assert shown == {f.name: f.default for f in fields(TrainConfig) if f.name in shown} and len(shown) >= 18
    library = inspect.signature(Rhymer.verse).parameters
    assert library["temperature"].default == DEFAULT_TEMPERATURE and library["candidates"].default == DEFAULT_CANDIDATES
    assert library["top_p"].default == inspect.signature(Rhymer.replies).parameters["top_p"].default == DEFAULT_TOP_P
    for name in ("couplet", "verse", "reply"):
        assert defaults[name]["variety"] == library["variety"].default == DEFAULT_VARIETY
    assert inspect.signature(Rhymer.replies).parameters["variety"].default == DEFAULT_VARIETY
    assert defaults["couplet"]["punctuate"] == defaults["verse"]["punctuate"] == library["punctuate"].default
    for name in ("couplet", "verse", "reply", "compare"):
        assert (defaults[name]["temperature"], defaults[name]["candidates"], defaults[name]["top_p"]) == (
            DEFAULT_TEMPERATURE, DEFAULT_CANDIDATES, DEFAULT_TOP_P)
    for name in ("couplet", "verse", "reply"):
        assert (defaults[name]["min_words"], defaults[name]["max_words"]) == (Rules().min_words, Rules().max_words)
    assert (defaults["markov"]["order"], defaults["markov"]["val_fraction"]) == (DEFAULT_ORDER, DEFAULT_VAL_FRACTION)
    assert (defaults["compare"]["markov_order"], defaults["compare"]["couplets"]) == (DEFAULT_ORDER, DEFAULT_COUPLETS)
    assert (TrainConfig().markov_order, TrainConfig().val_fraction) == (DEFAULT_ORDER, DEFAULT_VAL_FRACTION)
    fetched = defaults["corpus fetch"]
    assert (fetched["timeout"], fetched["retries"], fetched["max_bytes"]) == (fetch.DEFAULT_TIMEOUT, fetch.DEFAULT_RETRIES, fetch.MAX_BYTES)


def _rhymes(*args: str):
    return CliRunner().invoke(app, ["rhymes", *args])  # in-process: CMU dict is parsed once


def test_rhymes_are_ranked_by_commonness_and_limited():
    found = rhymer.rhymes("night")
    assert len(found) > 100
    common = lexicon.commonness()
    assert [common.get(w, 0) for w in found] == sorted((common.get(w, 0) for w in found), reverse=True)
    assert found.index("light") < found.index("albright") and found.index("bright") < found.index("applewhite")
    shown = _rhymes("night")
    assert shown.exit_code == 0 and shown.stdout.split() == lexicon.in_verse(found)[:RHYMES_SHOWN] == found[:RHYMES_SHOWN]
    assert f"most common of {len(found)}" in shown.stderr
    baby = _rhymes("baby")  # the common ones are those verse uses: not CMU dict's surnames (achebe, cabey...)
    assert baby.stdout.split() == ["maybe"] and "1 most common of 11 (10 of them names or words verse never uses)" in baby.stderr
    assert _rhymes("baby", "--limit", "0").stdout.split() == rhymer.rhymes("baby")
    rare = _rhymes("chimney")  # verse uses none of its rhymes: they are shown, and said to be rare
    assert rare.stdout.split() == rhymer.rhymes("chimney") != [] and "verse uses none of them" in rare.stderr
    assert json.loads(_rhymes("night", "--limit", "0", "--json").stdout) == found
    assert _rhymes("night", "-l", "3").stdout.split() == found[:3]
    assert _rhymes("night", "--limit", "-1").exit_code != 0


def test_rhymes_beyond_the_corpus_come_by_their_frequency_in_verse_names_last():
    # the words the shipped corpus lacks came alphabetically, names first; verse's small-letter counts order them
    town = rhymer.rhymes("town")
    assert town.index("clown") < town.index("abbotstown") and town.index("sundown") < town.index("adamstown")
    assert rhymer.rhymes("argentina").index("marina") < RHYMES_SHOWN  # it was 128th
    rows = gzip.decompress(lexicon.VERSE_FREQUENCY.read_bytes()).decode().splitlines()
    counts = {w: int(n) for w, n in (row.split(" ") for row in rows)}
    assert len(counts) == len(rows) > 30_000 and min(counts.values()) >= 2 and list(counts) == sorted(counts)
    assert all(lexicon.in_cmu(w) for w in list(counts)[::97]) and counts["love"] > counts["dove"] > 100
    assert "bonaparte" not in counts and counts.get("athena", 0) < 10  # names are written with capitals


def test_rhymes_offer_no_letter_names_or_contraction_tails():
    """CMU dict lists "t", "ve" and "b" as rhymes of "see" and "a" (the letter) of "day"; no line of rhymer's
    ends in them (rhymepolicy.is_rhyme_word), and the listing a songwriter reads offers none either."""
    raw, offered = lexicon.rhymes("see"), rhymer.rhymes("see")
    assert {"t", "ve", "b", "re"} <= set(raw) and not {"t", "ve", "b", "re"} & set(offered)
    assert offered == [w for w in raw if rhymepolicy.is_rhyme_word(w) and w not in rhymepolicy.UNENDING_WORDS]
    assert "he" in offered and "ye" in offered and "and" in lexicon.rhymes("hand") and "and" not in rhymer.rhymes("hand")
    assert "a" in lexicon.rhymes("day") and _rhymes("day", "-l", "0").stdout.split() == rhymer.rhymes("day")
    assert "a" not in rhymer.rhymes("day") and "a" not in rhymer.rhymes("day", near=True)


def test_no_rhymes_goes_to_stderr_only():
    result = _rhymes("orange")
    assert result.exit_code == 0 and result.stdout == ""
    assert "no rhymes found for 'orange'; --near lists near rhymes" in result.stderr


def test_a_word_no_dictionary_knows_is_said_to_be_guessed_with_the_words_it_may_mean(cli):
    # "nigth" rhymes with "length" by its spelling's guess: the user hears so, and what it may be a typo of
    note = "# 'nigth' is in neither CMU dict nor the corpus: its rhymes are guessed from its spelling (did you mean 'nigh' or 'night'?)"
    listed = _rhymes("nigth")
    assert listed.exit_code == 0 and "length" in listed.stdout.split() and note in listed.stderr.splitlines()
    written = cli("couplet", "-w", "nigth", "-m", "markov", "--seed", "1")
    assert written.returncode == 0 and note in written.stderr.splitlines() and "nigth" in written.stdout
    quiet = cli("couplet", "-w", "nigth", "-m", "markov", "--seed", "1", "--json")  # JSON output: no notes
    assert quiet.returncode == 0 and "guessed" not in quiet.stderr
    answered = cli("reply", "Out in the cold nigth", "-m", "markov", "--seed", "1")  # a line ending on it, the same
    assert answered.returncode == 0 and note in answered.stderr.splitlines(), answered.stderr
    assert lexicon.unknown_note("night") is None and lexicon.unknown_note("thee") is None


def test_failure_notes_say_what_was_wanted_and_what_was_written(cli):
    line = Line("And all the stars were gone in the force", "force", 0.0, -1.0, 1.0, 9,
                failed=("syllables", "too_long"), target_syllables=5)
    assert failure_note(line, 3, Rules(max_words=6)) == (
        "line 3 ('... gone in the force') has 9 syllables, wanted 5; has 9 words, wanted at most 6")
    loose = Line(line.text, "force", 0.0, -1.0, 1.0, 9, failed=("syllables",), target_syllables=5, syllable_tolerance=1)
    assert failure_note(loose, 3) == "line 3 ('... gone in the force') has 9 syllables, wanted 5±1"
    passed = Line("By night", "night", 0.0, -1.0, 1.0, 2)
    assert failure_note(passed, 1) == "line 1 ('By night') passes every check"
    result = cli("couplet", "-m", "markov", "-w", "night", "--seed", "1", "-k", "1", "--max-words", "3", "--best-effort")
    notes = [row for row in result.stderr.splitlines() if row.startswith("# line")]
    assert result.returncode == 0 and notes, result.stderr
    assert all(re.fullmatch(r"# line [12] \('.+'\) (has|was|repeats|copies) .+", row) for row in notes), notes
    assert "still fails" not in result.stderr


@pytest.mark.parametrize("args", [[], ["corpus"]])
def test_a_bare_command_prints_its_help(cli, args):
    result = cli(*args)
    assert result.returncode == 2 and re.match(rf"Usage: (python -m )?rhymer {' '.join(args)} ?\[OPTIONS\] COMMAND", result.stderr), result
    assert "Commands:" in result.stderr and "Traceback" not in result.stderr


def test_the_seed_word_may_come_as_an_argument(cli):
    by_option = cli("couplet", "-w", "night", "-m", "markov", "--seed", "3")
    by_argument = cli("couplet", "night", "-m", "markov", "--seed", "3")
    assert by_option.returncode == 0 and by_argument.stdout == by_option.stdout and "night" in by_option.stdout
    by_verse = cli("verse", "sea", "-s", "ABAB", "-m", "markov", "--seed", "3")
    assert by_verse.returncode == 0 and by_verse.stdout.splitlines()[0].rstrip(",.;:!?").endswith("sea"), by_verse
    twice = cli("couplet", "night", "-w", "day", "-m", "markov")
    assert twice.returncode == 2 and twice.stderr == "error: the seed word is given twice ('night' and --seed-word 'day'); pass it once\n"


def test_a_mistyped_command_is_one_sentence_with_the_fix(cli):
    typo = cli("couplt", "night")
    assert typo.returncode == 2 and re.fullmatch(
        r"error: No such command 'couplt'\. Did you mean 'couplet'\? See '(python -m )?rhymer --help'\n", typo.stderr), typo.stderr


def test_version_and_model_names_in_any_case(cli, tmp_path):
    assert cli("--version").stdout == f"rhymer {rhymer.__version__}\n"
    assert [modeldir.resolve(name) for name in ("LSTM", "Markov", "Default")] == [
        modeldir.resolve(name) for name in ("lstm", "markov", "default")]
    (tmp_path / "Markov").mkdir()  # a folder of that name is read as a model folder (and refused as none)
    refused = cli("couplet", "night", "-m", "Markov", cwd=tmp_path)
    assert refused.returncode == 2 and refused.stderr.startswith("error: 'Markov' is not a rhymer model"), refused.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_a_full_disk_is_one_line_not_a_traceback():
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "rhymer", "couplet", "night", "-m", "markov", "--seed", "1"],
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=300)
    assert result.returncode == 2 and result.stderr == "error: could not write the output: no space left on the device; free some space or write elsewhere\n"


def test_every_rhymer_error_has_a_parameter_to_read(tmp_path):
    with pytest.raises(rhymer.RhymerError, match="'no-such-model' not found") as refused:
        rhymer.load("no-such-model")
    assert refused.value.parameter == "model"  # the argument names nothing there
    (tmp_path / "empty").mkdir()
    with pytest.raises(rhymer.RhymerError, match="is not a rhymer model") as refused:
        rhymer.load(tmp_path / "empty")
    assert refused.value.parameter is None  # a folder's own fault names no argument, yet a handler may read it
    (tmp_path / "notes.txt").write_text("no model")
    with pytest.raises(rhymer.RhymerError, match="is a file, not a model directory; pass lstm"):
        rhymer.load(tmp_path / "notes.txt")
    with pytest.raises(rhymer.RhymerError) as refused:
        rhymer.load("markov").couplet("night", temperature=-1)
    assert refused.value.parameter == "temperature"


def _twenty_second_epoch(display: TrainingProgress, now: list[float]) -> None:
    """The display's first epoch: ten steps two seconds apart on the clock ``now``."""
    display.start_epoch(0)
    for _ in range(10):
        now[0] += 2
        display.step(1.0, 500.0)
    display.end_epoch(1, 1.5, 1.4)


def test_training_display_shows_only_known_figures_and_a_whole_run_eta(capsys):
    assert figures(float("nan"), None, 0.0) == ""
    assert figures(2.0, None, 1234.4) == "loss 2.000 bpc · 1,234 chars/s"
    now = [100.0]
    display = TrainingProgress(True, False, epochs=4, steps=10, clock=lambda: now[0])
    display.start_epoch(0)
    assert display.times() == "0:00:00 elapsed"  # no ETA before a step is timed
    for _ in range(5):
        now[0] += 2
        display.step(1.0, 500.0)
    assert display.times() == "0:00:10 elapsed · about 0:01:10 left"  # 10 s left of this epoch, 3 x 20 s after
    for _ in range(5):
        now[0] += 2
        display.step(1.0, 500.0)
    display.end_epoch(1, 1.5, 1.4)
    assert capsys.readouterr().err == "epoch 1: train 1.500 bpc, held-out 1.400 bpc, 0:00:20 elapsed, about 0:01:00 left\n"
    # a 50 s budget: the epoch ending at 60 s is the last one (training checks the budget after each epoch)
    budget = TrainingProgress(True, False, epochs=30, steps=10, max_minutes=50 / 60, clock=lambda: now[0])
    _twenty_second_epoch(budget, now)
    assert budget.times() == "0:00:20 elapsed · about 0:00:40 left"
    # past the epoch cap a budgeted run goes on while it improves: the budget, not a negative count, bounds it
    capped = TrainingProgress(True, False, epochs=1, steps=10, max_minutes=50 / 60, clock=lambda: now[0])
    _twenty_second_epoch(capped, now)
    capped.start_epoch(1)
    now[0] += 4
    assert capped.times() == "0:00:24 elapsed · about 0:00:40 left"  # this epoch (no step timed: 20 s), one more past 50 s


def test_step_progress_is_silent_off_a_terminal(capsys):
    with no_steps("nothing", 3) as advance:
        advance(2)
    with StepProgress() as steps:  # pytest's stderr is no terminal
        assert not steps.enabled
        with steps("a step", 2) as advance:
            advance()
            advance()
    assert capsys.readouterr() == ("", "")


def test_compare_runs_outside_the_repository_with_progress_on_stderr(tmp_path):
    env = {**os.environ, "FORCE_COLOR": "1", "COLUMNS": "120"}  # rich draws its bars as on a terminal
    result = subprocess.run(
        [sys.executable, "-m", "rhymer", "compare", "-m", "markov", "--couplets", "2", "--no-plain", "--markov-order", "3"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "the shipped model's corpus" in result.stdout and "held-out bpc" in result.stdout
    for step in ("indexing the corpus's rhymes", "building the order-3 Markov model", "2 couplets with markov-3"):
        assert step in result.stderr and step not in result.stdout


def test_report_explains_its_rows_and_fits_a_phone(tmp_path):
    """report.html from the committed results: every row explained, couplets on two lines, no sideways scroll."""
    import shutil

    from rhymer.compare import Report
    from rhymer.report import EXPLANATIONS, ROW_NAMES, write_outputs
    from tests.conftest import ROOT

    report = json.loads((ROOT / "docs" / "results" / "report.json").read_text())
    write_outputs(Report.from_json(report), tmp_path)
    html = (tmp_path / "report.html").read_text()
    assert set(EXPLANATIONS) == set(ROW_NAMES) and all(html.count(f"<dt>{name}</dt>") == 1 for name in ROW_NAMES.values())
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(chromium):
        pytest.skip("Debian chromium is missing")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto((tmp_path / "report.html").as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        first, second = page.locator(".couplet").first.locator("span").all()
        assert second.bounding_box()["y"] > first.bounding_box()["y"]  # a couplet's lines on two lines
        browser.close()
