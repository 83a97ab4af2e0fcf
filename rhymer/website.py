"""`rhymer export --web` and `rhymer web`: the static page of endless rhymes, self-contained.

The site holds the page (web/), ml5.js 0.12.2 (vendored in web/vendor/ with its license, refreshed from
web/package-lock.json by web/vendor/refresh.sh and checked by sha256 here), the model's ml5 files under
model/, the rhyme index (words.json), the spelling of capitalised words (names.json), the Markov
baseline (markov.json), the corpus's word runs (wordruns.json.gz, where the model folder has them), and what
the page must agree on with the Python library, computed by it: the checks, weights and limits of judging,
the couplet's end words and the word boundaries of sampling (in site.json, ``page_settings``), and every
real word with its syllable count and which of them the model can write (wordfacts.json.gz,
``word_facts``), the pronunciations of CMU dict's words outside the corpus, for a seed word or a typed
line's last word that is one (prons.json.gz, ``outside_pronunciations``, loaded only then); and couplets
the library wrote for the page to open on while ml5.js starts (site.json's ``openings``, ``openings()``).
It makes no request to any other host.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import html
import http.server
import math
import os
import shutil
import sys
import tempfile
from http import HTTPStatus
from pathlib import Path

import numpy as np

from rhymer import lexicon, ml5, modeldir, outputs, rhymepolicy, sampler, wordruns
from rhymer.blas import one_thread
from rhymer.charmodel import TYPOGRAPHIC
from rhymer.errors import GenerationError, InvalidArgument, ModelError, OutputError, RhymerError
from rhymer.files import write_json, write_text
from rhymer.progress import Steps, no_steps
from rhymer.rhymeindex import RhymeIndex
from rhymer.scoring import ECHO_WORDS, LINE_SYLLABLES, LONGEST_REPLY, SHORTEST_REPLY, Rules, Weights
from rhymer.verse import SERIES_MEMORY, SERIES_TRIES, Rhymer
from rhymer.vocabtrie import BOUNDARIES, CAPITAL_ONLY_WORDS, VocabTrie
from rhymer.wordruns import CONTEXT_WORDS, MAX_REMEMBERED
from rhymer.words import ELIDED_WORDS, FUNCTION_WORDS, capitalised_words, guess_syllables, tokens, written_small

PAGE_FILES = ("index.html", "rhymer.js", "style.css")
PRELOAD_MARK = "<!-- rhymer:preload -->"  # in index.html: the export puts the first couplet's files here
ML5_FILE, ML5_LICENSE_FILE, MODEL_DIR = "ml5.min.js", "ml5.LICENSE.md", modeldir.SITE_MODEL
ML5_VENDORED = ("vendor", ML5_FILE)  # shipped with the package, beside its license and sha256
ML5_LICENSE = ("vendor", ML5_LICENSE_FILE)
NAMES = "names.json"
ML5_SHA256 = "8906ded3234dd3792a2dcef790c1f27033f059313f8b85bc8f81e10420e8c346"  # ml5@0.12.2 dist/ml5.min.js
# ml5 exponentiates logits/T without a max shift, so float32 overflows past 88.7. The page always
# calls ml5 with T = 1 (its own temperature is applied afterwards) and refuses models whose logits
# come anywhere near the limit on their own corpus.
SAFE_LOGIT = 60.0
LOGIT_STREAMS = 32  # the corpus is read in this many batched streams to find the logits' range (one is 32x slower)
SITE_FILE, SITE_FORMAT = modeldir.SITE_FILE, modeldir.SITE_FORMAT  # site.json marks a folder as a site rhymer exported
SITE_VERSION = 1  # of site.json's fields: the rhymer.js exported beside it reads this one
SITE_RUNS = "wordruns.json.gz"  # the model folder's wordruns.json, gzipped for the page (1.8 MB -> 0.6 MB shipped)
WORD_FACTS, WORD_FACTS_FORMAT, WORD_FACTS_VERSION = "wordfacts.json.gz", "rhymer-wordfacts", 4
OUTSIDE_PRONS, OUTSIDE_PRONS_FORMAT, OUTSIDE_PRONS_VERSION = "prons.json.gz", "rhymer-prons", 1  # 1.1 MB gzipped
MAX_PORT = 65535
PAGE_MAX_WORDS = 10  # the page's "max words" slider starts here (up to Rules().max_words)
# candidates the page samples per line: its first couplet (when there is no opening) as fast as it can, then the
# best of 3 (ml5 writes a character in about 3 ms: more would slow the endless feed below reading speed); an answer
# to a typed line, asked for once, the best of 12, so that it keeps the line's syllables: 12 seeds in Chromium, an
# 8-syllable line answered at 8 by 4 answers at 3, 11 at 12; a 6-syllable one (the model's lines run to eight) at 6
# by 1 and 2, within one by 1 and 6; 1.3-2.1 s an answer on two busy cores, against 0.35-0.56 s
PAGE_CANDIDATES = {"first": 1, "rest": 3, "answer": 12}
# Couplets the library writes at export, at the page's first settings: the page opens on one of them (picked
# by the visit's seed) at once, while ml5.js, which takes about a second to start, loads to write the rest.
OPENINGS = 12
ML5_MAX_BYTES = 16 * 1024 * 1024  # ml5.min.js 0.12.2 is 3.3 MB: a larger --ml5 is not it (and is never read whole)


def page_dir() -> Path:
    """The page sources: web/ beside the package in a checkout, or the copy installed with it."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "web", here / "webpage"):
        if all((candidate / f).is_file() for f in PAGE_FILES):
            return candidate
    raise ModelError("the web page sources are missing from this installation; reinstall rhymer from its source tree")


def find_ml5(explicit: Path | None = None) -> Path:
    """ml5.min.js 0.12.2: --ml5 PATH, else the copy shipped with the page; checked by sha256."""
    path = explicit or page_dir().joinpath(*ML5_VENDORED)
    if not path.is_file():  # (a folder, a FIFO, a device or nothing)
        where = f"--ml5 '{path}' is not a file" if explicit else "ml5.min.js 0.12.2 was not found beside the page"
        raise ModelError(f"{where}; pass --ml5 PATH/TO/ml5.min.js (0.12.2) or reinstall rhymer")
    size = path.stat().st_size
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if size <= ML5_MAX_BYTES else None
    if digest != ML5_SHA256:
        found = f"sha256 {digest[:12]}…" if digest else f"{size} bytes"
        raise ModelError(f"'{path}' is not ml5.js 0.12.2 ({found}); pass the pinned one with --ml5 or reinstall rhymer")
    return path


@one_thread
def logit_range(path: Path, characters: int = 64_000, progress: Steps = no_steps) -> float:
    """Largest |logit| the model produces reading (reversed) text of its own corpus, in LOGIT_STREAMS streams.

    The worst case over all hidden states is far looser (every unit saturated in the worst
    direction at once); this is what the model really emits. Infinite where a logit is not a finite number
    (weights too large for float32: NaN, which ``max`` would pass over).
    """
    from rhymer.charmodel import encode
    from rhymer.lstm import LSTMModel

    model = LSTMModel.load(path)
    text = modeldir.orient(modeldir.read_corpus(path)[:characters], "backward")
    ids = encode(model, text)
    ids = ids[: len(ids) // LOGIT_STREAMS * LOGIT_STREAMS].reshape(LOGIT_STREAMS, -1)
    state, top = model.start(LOGIT_STREAMS), 0.0
    with progress("checking logits fit ml5's range", ids.size) as advance, np.errstate(over="ignore", invalid="ignore"):
        for t in range(ids.shape[1]):
            state, _ = model.feed(state, ids[:, t])
            peak = float(np.abs(model.logits(state)).max())
            if not math.isfinite(peak):
                return math.inf
            top = max(top, peak)
            advance(ids.shape[0])
    return top


# The parts of rhymer.scoring's judging that the page implements (it has no word model, meter or corpus;
# "follow" ranks its answers to a typed line, as Rhymer.reply ranks them)
PAGE_RULES = ("min_words", "max_words", "syllable_tolerance")
PAGE_WEIGHTS = ("logprob", "real_words", "syllables", "follow", "echo")
# the page's default temperature: its writer judges PAGE_CANDIDATES without the reader model, and the library's
# 0.6 was read only with 64 or more candidates and that model to choose (blind readings 54-65; at 32 it
# lost grammar), so the page keeps the 0.5 that blind readings 1-9 chose; it samples without the library's
# nucleus (sampler.DEFAULT_TOP_P): at the page's settings it read grammar +0.05, too little to port (82-89)
PAGE_TEMPERATURE = 0.5


def page_settings(index: RhymeIndex) -> dict:
    """What rhymer.js must do as the library does, read from the library: the defaults of ``Rules`` and
    ``Weights`` it judges with, the line length limit, the syllables an answer to a short or long line aims at
    (``scoring.SHORTEST_REPLY``, ``LONGEST_REPLY``), the syllables other lines aim at (``scoring.LINE_SYLLABLES``), the rhymes a
    partner line is written for (``rhymepolicy.RHYME_CHOICES``), its temperature (PAGE_TEMPERATURE), which words may end
    a line as a rhyme (``RhymeIndex.ends_lines``, and never those of the index that ``rhymepolicy.is_rhyme_word`` refuses) and
    which a seed word may not be (``rhymepolicy.ends_no_lines``), the
    couplet's end words with their rhymes (so the first couplet needs no rhyme index), how it finds near
    rhymes where none rhymes perfectly (``lexicon.near_costs`` and ``rhymepolicy.NEAR_BAND``), how a typed
    line's curly quotes are read (``charmodel.TYPOGRAPHIC``), what an unfinished line drops
    (``sampler.AFTER_BROKEN_WORD``), how a feed avoids echoing its last lines (``scoring.echoes``,
    ``Rhymer.series``), and how it keeps to known words while sampling (rhymer.vocabtrie's word boundaries
    and capital-only words, and rhymer.wordruns' context length)."""
    rules, weights, ends = Rules(), Weights(), rhymepolicy.end_word_options(index)  # a first rhyme group's
    return {
        "rules": {name: getattr(rules, name) for name in PAGE_RULES},
        "weights": {name: getattr(weights, name) for name in PAGE_WEIGHTS},
        "max_chars": sampler.MAX_LINE_CHARS,
        "shortest_reply": SHORTEST_REPLY,  # the syllables an answer to a shorter line aims at
        "longest_reply": LONGEST_REPLY,  # ...and to a longer one
        "line_syllables": LINE_SYLLABLES,  # the syllables a couplet's lines aim at
        "rhyme_choices": rhymepolicy.RHYME_CHOICES,  # the rhymes a partner line is written for, the best kept
        "max_words": PAGE_MAX_WORDS,
        "candidates": PAGE_CANDIDATES,
        "max_word_length": lexicon.MAX_WORD_LENGTH,  # of a typed seed word (normalize_word)
        "temperature": PAGE_TEMPERATURE,
        "line_ends": {"frequent_word": rhymepolicy.LINE_END_EVIDENCE, "min_share": rhymepolicy.MIN_LINE_END_SHARE,
                      "min_uses": rhymepolicy.MIN_RHYME_USES},
        "no_rhyme_words": sorted(w for w in index.prons if not rhymepolicy.is_rhyme_word(w)),  # "a", "re"
        "no_end_words": sorted(w for w in rhymepolicy.UNENDING_WORDS if rhymepolicy.ends_no_lines(index, w)),  # "the"
        "marks": {"inner": rhymepolicy.INNER_MARK, "closing": rhymepolicy.CLOSING_MARK},
        "end_words": ends,
        "end_word_rhymes": {w: index.rhymes(w, avoid=[w]) for w in ends},  # as rhymepolicy.rhyme_choices draws from
        "near_rhymes": {**lexicon.near_costs(), "band": rhymepolicy.NEAR_BAND},
        "typographic": TYPOGRAPHIC,  # a typed line's curly quotes, read as Rhymer.reply reads them (plain_marks)
        "word_boundaries": "".join(sorted(BOUNDARIES)),
        "capital_only_words": sorted(CAPITAL_ONLY_WORDS),
        "elided_words": sorted(ELIDED_WORDS),  # written only after their apostrophe ("'Tis")
        "edge_marks": lexicon.EDGE_MARKS,  # no part of a typed seed word ("night,")
        "after_broken_word": sampler.AFTER_BROKEN_WORD,
        "run_context_words": CONTEXT_WORDS,
        "remembered_tries": MAX_REMEMBERED,  # narrowed tries a RunTries keeps before it starts afresh
        "echo": {"words": ECHO_WORDS, "function_words": sorted(FUNCTION_WORDS)},
        "series": {"memory": SERIES_MEMORY, "tries": SERIES_TRIES},
    }


def site_files(word_runs: bool) -> dict:
    """The files of a site that rhymer.js fetches, by role (each name is this module's, or modeldir's), and the
    format and version each of rhymer's own data files must say it is (their writers' constants)."""
    return {
        "files": {"words": modeldir.WORDS, "markov": modeldir.MARKOV, "names": NAMES, "model": MODEL_DIR, "ml5": ML5_FILE,
                  "word_facts": WORD_FACTS, "outside_prons": OUTSIDE_PRONS, "word_runs": SITE_RUNS if word_runs else None},
        "formats": {"word_facts": [WORD_FACTS_FORMAT, WORD_FACTS_VERSION], "word_runs": [wordruns.FORMAT, wordruns.VERSION],
                    "outside_prons": [OUTSIDE_PRONS_FORMAT, OUTSIDE_PRONS_VERSION]},
    }


def word_facts(index: RhymeIndex, vocab: list[str], corpus: str) -> dict:
    """Every real word a line can hold (``index.is_real``: the corpus's and CMU dict's words), sorted by their
    reversed spelling (the order the page's known-word trie searches, so it sorts nothing); those of them
    that are not the library's known words (``VocabTrie.known``: those a model with ``vocab`` cannot spell,
    and short ones that are no verse words, "t", "re"), so that the rest are the only words the page
    samples; by syllable count the words whose ``index.syllables`` differs from ``guess_syllables``,
    which the page restates; and the words of ``corpus`` it never writes in small letters mid-line, for which
    a seed word keeps the capitals it was typed with, as for a word outside the corpus (``corpus_spelling``)."""
    real = sorted(set(index.words).union(w for w in lexicon.cmu_words() if tokens(w) == [w]), key=lambda w: w[::-1])
    known = VocabTrie.known(index.words, vocab)
    by_count: dict[int, list[str]] = {}
    for word in real:
        count = index.syllables(word)
        if count != guess_syllables(word):
            by_count.setdefault(count, []).append(word)
    return {"format": WORD_FACTS_FORMAT, "version": WORD_FACTS_VERSION, "real": "\n".join(real),
            "not_known": "\n".join(w for w in real if w not in known),
            "syllables": {str(n): "\n".join(words) for n, words in sorted(by_count.items())},
            "typed_case": "\n".join(sorted(set(index.words) - written_small(corpus)))}


def outside_pronunciations(index: RhymeIndex) -> dict:
    """The pronunciations (as words.json holds them) of CMU dict's words that the rhyme index lacks, so that
    the page answers a line ending in "phone" or "guitar" (or takes such a seed word) with a corpus word that
    rhymes, as ``Rhymer.reply`` does, and of the elided words it holds without one ("o'er", "heav'n": the
    library pronounces them as sung). Only for that: candidates stay the index's own words. Other words CMU
    dict lacks are still refused (the library guesses their rhymes from the spelling; the page does not)."""
    outside = {w for w in lexicon.cmu_words() if w not in index.prons and tokens(w) == [w]}
    outside.update(w for w in index.words if "'" in w and w not in index.prons and lexicon.elided_pronunciations(w))
    return {"format": OUTSIDE_PRONS_FORMAT, "version": OUTSIDE_PRONS_VERSION,
            "prons": {w: [p.as_list() for p in index.pronunciations(w)] for w in sorted(outside)}}


def openings(model: Path, kind: str, count: int = OPENINGS, progress: Steps = no_steps) -> list[dict]:
    """Up to ``count`` couplets by the model folder's ``kind`` engine within the page's first word limit, at
    the library's defaults otherwise (sampler.DEFAULT_CANDIDATES at DEFAULT_TEMPERATURE and DEFAULT_TOP_P, not
    PAGE_TEMPERATURE: the library's best verse; seeds from 0), for the page to open on before its own engine is
    ready.

    Only couplets whose every line passes the library's checks are kept (none copied from the corpus, none
    too long for the page), from at most 2 x ``count`` seeds; a model that can write none gives none, and
    the page then writes its first couplet itself."""
    composer, rules = Rhymer(model, kind), Rules(max_words=PAGE_MAX_WORDS)
    couplets: list[dict] = []
    with progress("writing the couplets the page opens on", count) as advance:
        for seed in range(2 * count):
            try:
                verse = composer.couplet(seed=seed, rules=rules)
            except GenerationError:
                continue
            if not any(line.failed for line in verse.details):
                couplets.append({"lines": list(verse.lines), "rhyme_words": list(verse.rhyme_words), "seed": seed})
                advance(1)
            if len(couplets) == count:
                break
    return couplets


def _with_preloads(page: str, files: list[str], scripts: list[str]) -> str:
    """index.html with preload hints for ``files`` and ``scripts``: they download at once, not one after
    another; the scripts (ml5.min.js, 3.3 MB) at low priority, after what the opening couplet needs."""
    links = [f'  <link rel="preload" href="{html.escape(f)}" as="fetch" crossorigin>' for f in files]
    links += [f'  <link rel="preload" href="{html.escape(f)}" as="script" fetchpriority="low">' for f in scripts]
    return page.replace(PRELOAD_MARK, "\n".join(links).lstrip(), 1)


def export(model: Path, out: Path, ml5_path: Path | None = None, force: bool = False,
           progress: Steps = no_steps) -> dict:
    """Write the static site for a model directory into ``out``; returns the site description.

    The model folder is verified first (a damaged or hostile folder never becomes a site). The site is
    staged beside ``out`` and moved in whole; with ``force`` an earlier site there is replaced file by
    file, and files of the user's in it stay.
    """
    replacing = outputs.check_folder(out, is_site, force=force, what="site", option="--web",
                                     inputs=[model, page_dir()])
    meta = modeldir.verify(model)
    ml5_file = find_ml5(ml5_path)
    out = out.resolve()
    staging = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".rhymer-site-", dir=out.parent))
        with progress("copying page, ml5.js, index, Markov", None):
            src = page_dir()
            for name in PAGE_FILES:
                shutil.copy2(src / name, staging / name)
            shutil.copy2(ml5_file, staging / ML5_FILE)
            shutil.copy2(src.joinpath(*ML5_LICENSE), staging / ML5_LICENSE_FILE)  # its license travels with it
            corpus = modeldir.read_corpus(model)
            write_json(staging / NAMES, capitalised_words(corpus))
            for name in (modeldir.WORDS, modeldir.MARKOV):
                shutil.copy2(model / name, staging / name)
            runs = modeldir.read_word_runs(model)
            if runs is not None:  # as read and checked: the page trusts what the export wrote
                runs.save(staging / SITE_RUNS, compress=True)
        with progress("listing the words the page writes and judges by", None):
            index = RhymeIndex.load(model / modeldir.WORDS)
            write_json(staging / WORD_FACTS, word_facts(index, meta["vocab"], corpus), compress=True)
            write_json(staging / OUTSIDE_PRONS, outside_pronunciations(index), compress=True)
        lstm = meta["kind"] == "lstm"
        site = {"format": SITE_FORMAT, "version": SITE_VERSION, "model_kind": meta["kind"],
                "rhymer_version": meta.get("rhymer_version"), **site_files(word_runs=runs is not None),
                "page": page_settings(index)}
        # what the page's first own couplet needs (the one it opens on needs site.json only)
        first = [SITE_FILE, NAMES, WORD_FACTS, *([SITE_RUNS] if runs is not None else [])]
        if lstm:
            bound = logit_range(model, progress=progress)
            if bound > SAFE_LOGIT:
                raise ModelError(f"the model's logits reach {bound:.0f} on its own corpus, too near ml5's overflow at 88.7; retrain with more dropout")
            (staging / MODEL_DIR).mkdir()
            ml5_files = ml5.files(model)
            for name in ml5_files:
                shutil.copy2(model / name, staging / MODEL_DIR / name)
            write_json(staging / MODEL_DIR / modeldir.METADATA, modeldir.published_metadata(meta))
            site["max_logit"] = round(bound, 2)
            first += [f"{MODEL_DIR}/{name}" for name in ml5_files]
        else:
            first.append(modeldir.MARKOV)
        site["openings"] = openings(model, meta["kind"], progress=progress)  # after the checks that may refuse
        scripts = [ML5_FILE] if lstm else []  # the Markov page never loads ml5.js
        write_text(staging / "index.html", _with_preloads((staging / "index.html").read_text(encoding="utf-8"), first, scripts))
        write_json(staging / SITE_FILE, site)
        staging.chmod(0o755)
        if replacing:
            _swap(staging, out)
        else:
            staging.rename(out)  # a new path, or an empty folder that the rename replaces
    except OSError as err:
        where = f": {err.filename}" if err.filename else ""
        raise OutputError(f"cannot export the site to '{out}' ({err.strerror or err}{where}); check the model, the folder and free space") from None
    finally:
        if staging:
            shutil.rmtree(staging, ignore_errors=True)
    return site


def is_site(path: Path) -> bool:
    """Whether ``path`` holds a site that rhymer exported (its site.json says so)."""
    return outputs.has_marker(path / SITE_FILE, SITE_FORMAT)


def _own_files(site: Path) -> set[str]:
    """The files rhymer wrote in ``site``: the page, ml5, the indexes and the model's files."""
    names = [*PAGE_FILES, ML5_FILE, ML5_LICENSE_FILE, NAMES, modeldir.WORDS, modeldir.MARKOV, SITE_RUNS, WORD_FACTS,
             OUTSIDE_PRONS, SITE_FILE,
             *(f"{MODEL_DIR}/{n}" for n in (ml5.MANIFEST, ml5.VOCAB, modeldir.METADATA, *ml5.own_variable_files()))]
    return {p.relative_to(site).as_posix() for pattern in names for p in site.glob(pattern)}


def _swap(staging: Path, out: Path) -> None:
    """Move a staged site over an earlier one file by file, site.json last, then remove the earlier
    site's files that the new one lacks. A user's own files in ``out`` stay."""
    old = _own_files(out)
    new = sorted((p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()),
                 key=lambda name: name == SITE_FILE)
    for name in new:
        target = out / name
        if outputs.kind(target) not in (None, "file") or outputs.kind(target.parent) not in (None, "folder"):
            raise OutputError(f"'{target}' is in the way of the new site and is not a file rhymer wrote; move it away")
    for name in new:
        (out / name).parent.mkdir(exist_ok=True)
        os.replace(staging / name, out / name)
    outputs.remove_own(out, [glob.escape(name) for name in old.difference(new)])


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files of one site: folders without index.html are 404 (no listings), unmappable paths 400,
    and so is a path whose links lead out of the site (a copied folder's link to /etc serves nothing)."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript",
                      ".json": "application/json", ".bin": "application/octet-stream"}

    def send_head(self):
        try:
            path = self.translate_path(self.path)
            root = os.path.realpath(self.directory)
            real = os.path.realpath(path)
            outside = real != root and not real.startswith(root + os.sep)
            if outside or (os.path.lexists(path) and not (os.path.isdir(path) or os.path.isfile(path))):
                self.send_error(HTTPStatus.NOT_FOUND, "File not found")  # a FIFO or device would hang or flood
                return None
            return super().send_head()
        except ValueError:  # a path no file can have: a NUL byte, an unpaired surrogate
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad path")
            return None

    def list_directory(self, path):
        self.send_error(HTTPStatus.NOT_FOUND, "File not found")
        return None

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        pass


class _SiteServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """One line on stderr for a request that failed (a browser hanging up, say), never a traceback."""
        print(f"rhymer web: a request from {client_address[0]} failed ({sys.exc_info()[1]!r})", file=sys.stderr)


def check_site(site: Path) -> None:
    """Refuse to serve a folder that is not a site rhymer exported (a typo would serve only 404s)."""
    if not is_site(site):
        raise ModelError(f"'{site}' is not a site exported by rhymer (no {SITE_FILE} of rhymer's); export one "
                         f"with `rhymer export MODEL --web FOLDER` or pass the right --site")


def serve(site: Path, host: str = "127.0.0.1", port: int = 8000) -> http.server.ThreadingHTTPServer:
    """An HTTP server for one site folder only (requests cannot leave it), bound at once, so a taken
    or impossible port is known before the site is exported. Port 0 picks a free one."""
    if not 0 <= port <= MAX_PORT:
        raise InvalidArgument(f"port {port} is out of range; pass 1 to {MAX_PORT}, or 0 for any free port", "port")
    handler = functools.partial(_SiteHandler, directory=str(site))
    try:
        return _SiteServer((host, port), handler)
    except (OSError, OverflowError, UnicodeError) as err:
        reason = getattr(err, "strerror", None) or err
        raise RhymerError(f"cannot listen on {host}:{port} ({reason}); pass another --port or --host") from None
