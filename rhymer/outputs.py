"""rhymer deletes or replaces only what it created: the checks every command that writes goes through.

An output file may be a new path, or (with --force) a regular file that is none of the command's inputs
(devices, FIFOs, symbolic links and folders are never replaced): a plain text file carries no marker that
tells rhymer's output from a user's notes, so replacing one is always the user's explicit choice.

An output folder may be a new path or an empty folder; one that is not empty may only be cleared or
replaced (with --force) when it carries the marker rhymer wrote there (a model's rhymer.json, a site's
site.json, a report's report.json), and then only the files rhymer wrote go, never a user's own. Some
folders are never targets at all: the root, the home folder, the current folder and its parents,
rhymer's own installation, and any folder that is or holds one of the command's inputs (the model
being exported, say).
"""

from __future__ import annotations

import fnmatch
import glob
import json
import os
import signal
import stat
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rhymer.errors import OutputError

PACKAGE_DIR = Path(__file__).resolve().parent
MARKER_BYTES = 16 * 1024 * 1024  # a marker file larger than this is not one rhymer wrote
ASIDE_MARKER, ASIDE_FORMAT = ".set-aside-by-rhymer.json", "rhymer-aside"  # in a folder set_aside made


def check_file(out: str | Path, inputs: Iterable[str | Path] = (), option: str = "--out", *, force: bool = False) -> None:
    """Refuse an output file that is neither a new path nor (with ``force``) a regular file, or that is one
    of ``inputs``."""
    out = Path(out)
    found = kind(out)
    if found not in (None, "file"):
        raise OutputError(f"'{out}' is {_described(found)}, not a regular file, and rhymer does not replace it; pass a new file to {option}")
    _check_parents(out, option)
    reason = _never_a_target(_real(out), inputs, folder=False)
    if reason:
        raise OutputError(f"'{out}' is {reason}; pass another path to {option}")
    for source in inputs:
        if found and _same_file(out, source):
            raise OutputError(f"'{out}' is the input '{source}' itself; write to another path with {option}")
    if found and not force:
        raise OutputError(f"'{out}' exists and rhymer cannot tell it from a file of yours; pass --force to replace it, or a new file to {option}")


def check_folder(out: str | Path, is_ours: Callable[[Path], bool], *, force: bool, what: str, option: str,
                 inputs: Iterable[str | Path] = (), force_hint: str = "--force to replace it") -> bool:
    """Check an output folder before anything is written or removed.

    Returns True when ``out`` holds earlier output of rhymer's that ``force`` allows the caller to
    clear (with remove_own); False when it is a new path or an empty folder.
    """
    out = Path(out)
    real = _real(out)  # a link to a folder is that folder
    reason = _never_a_target(real, inputs, folder=True)
    if reason:
        raise OutputError(f"'{out}' is {reason}; rhymer never writes a {what} there, pass a new folder to {option}")
    found = kind(real)
    if found is None and out.is_symlink():
        raise OutputError(f"'{out}' is a symbolic link to nothing; pass a new or empty folder to {option}")
    if found is None:
        _check_parents(out, option)
        return False
    if found != "folder":
        raise OutputError(f"'{out}' is {_described(found)}, not a folder; pass a new or empty folder to {option}")
    try:
        empty = not any(real.iterdir())
    except OSError as err:
        raise OutputError(f"'{out}' cannot be read ({err.strerror}); pass another folder to {option}") from None
    if empty:
        return False
    if not is_ours(real):
        raise OutputError(f"'{out}' holds files that are not a {what} rhymer wrote; pass a new or empty folder to {option}")
    if not force:
        raise OutputError(f"'{out}' is not empty; pass {force_hint}, or another {option}")
    return True


def _same_file(a: Path, b: str | Path) -> bool:
    """Whether two paths are one file; False for an input that cannot be looked up (missing, a name too long)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def check_names(folder: Path, names: Iterable[str], option: str) -> None:
    """Refuse an output folder where one of the files a command writes into it is a folder, a link or another
    thing that is not a regular file: checked before anything is written, so no output is left half-rewritten."""
    for name in names:
        found = kind(Path(folder) / name)
        if found not in (None, "file"):
            raise OutputError(f"'{Path(folder) / name}' is {_described(found)}, not a regular file, and rhymer does not "
                              f"replace it; move it away or pass another {option}")


def remove_own(folder: Path, names: Iterable[str]) -> None:
    """Delete the files rhymer wrote in ``folder``, given as relative names or glob patterns; nothing else.

    Only regular files and links (never their targets) are removed; a subfolder goes once emptied.
    """
    paths, folders = _own(folder, names)
    for path in paths:
        path.unlink()
    _drop_empty(folders)


def set_aside(folder: Path, names: Iterable[str], aside: Path) -> None:
    """Move the files rhymer wrote in ``folder`` (as ``remove_own`` finds them) into ``aside``, a new folder inside
    it, keeping their relative paths: the earlier model a --force run replaces comes back if that run fails
    before it has anything to keep (``put_back``), and goes once it has (``remove_aside``)."""
    names = list(names)
    paths, folders = _own(folder, names)
    aside.mkdir()
    (aside / ASIDE_MARKER).write_text(json.dumps({"format": ASIDE_FORMAT}))  # (``is_aside``: ours, not a user's)
    try:
        for path in paths:
            target = aside / path.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
    except BaseException:  # (an interrupt half-way: all back, as it was)
        put_back(folder, aside, names)
        raise
    _drop_empty(folders)


def is_aside(aside: Path) -> bool:
    """Whether ``aside`` is a folder ``set_aside`` made (its marker inside), not one of the user's by that name."""
    return kind(aside) == "folder" and has_marker(aside / ASIDE_MARKER, ASIDE_FORMAT)


def put_back(folder: Path, aside: Path, names: Iterable[str]) -> None:
    """Move what ``set_aside`` moved into ``aside`` back into ``folder``, then remove ``aside``; a Ctrl-C meanwhile
    (the second of an impatient user's, the first having started this) waits until the model is whole again.

    ``aside`` may have been planted (its marker is a plain file): only files by the ``names`` set_aside moves
    go back, and never through a link in ``folder`` (a planted "docs" linking to the home folder)."""
    names = list(names)
    with _ctrl_c_held():
        for path in _entries(aside):
            relative = path.relative_to(aside)
            target = folder / relative
            if _is_own_name(relative.as_posix(), names) and _real_folders(folder, relative.parent) and kind(target) != "folder":
                os.replace(path, target)  # (a link in the way is replaced, never written through)
        remove_aside(aside)


def _is_own_name(relative: str, names: list[str]) -> bool:
    """Whether a path (relative, with slashes) is one of ``names``' globs, each "*" within one folder's name."""
    depth = relative.count("/")
    return any(name.count("/") == depth and fnmatch.fnmatchcase(relative, name) for name in names)


def _real_folders(folder: Path, relative: Path) -> bool:
    """Make ``folder / relative`` as real folders (none a link); False where a link or a file is in the way."""
    here = folder
    for part in relative.parts:
        here = here / part
        if kind(here) is None:
            here.mkdir()
        elif kind(here) != "folder":
            return False
    return True


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Hold SIGINT until the block ends, then act on it as its handler would have (only the main thread has one,
    and a handler installed outside Python, which ``signal`` cannot put back, is left alone)."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is None:
        yield
        return
    held = []
    previous = signal.signal(signal.SIGINT, lambda *args: held.append(args))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if held and callable(previous):
        previous(*held[0])
    elif held and previous == signal.SIG_DFL:
        signal.raise_signal(signal.SIGINT)


def remove_aside(aside: Path) -> None:
    """Delete a folder ``set_aside`` made: its files and links (never a link's target) and its subfolders."""
    if not is_aside(aside):
        return
    for path in _entries(aside):
        path.unlink()
    for root, dirs, _ in os.walk(aside, topdown=False):  # (links were files above: os.walk enters none)
        for name in dirs:
            if kind(Path(root, name)) == "folder" and not any(Path(root, name).iterdir()):
                Path(root, name).rmdir()
    if not any(aside.iterdir()):
        aside.rmdir()


def _entries(aside: Path) -> list[Path]:
    """The files and links under ``aside``, never what is inside a linked folder."""
    found = []
    for root, dirs, files in os.walk(aside, followlinks=False):
        found += [Path(root, name) for name in [*files, *(d for d in dirs if Path(root, d).is_symlink())]]
    return found


def _own(folder: Path, names: Iterable[str]) -> tuple[list[Path], set[Path]]:
    """The regular files and links matching ``names`` in ``folder``, none inside a linked folder, and the
    subfolders they are in."""
    paths, folders = [], set()
    for name in names:
        for found in sorted(glob.glob(glob.escape(str(folder)) + os.sep + name)):
            path = Path(found)
            inside = [p for p in path.parents if folder in p.parents]
            if kind(path) in ("file", "a symbolic link") and not any(p.is_symlink() for p in inside):
                paths.append(path)
                folders.update(inside)
    return paths, folders


def _drop_empty(folders: set[Path]) -> None:
    """Remove those of ``folders`` that are now empty, deepest first."""
    for sub in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if sub.is_dir() and not sub.is_symlink() and not any(sub.iterdir()):
            sub.rmdir()


def has_marker(path: Path, fmt: str) -> bool:
    """Whether ``path`` is a JSON file of rhymer's, its "format" being ``fmt`` (a link or a giant is not)."""
    return (read_marker(path) or {}).get("format") == fmt


def read_marker(path: Path) -> dict | None:
    """The JSON object a marker file holds; None for anything else (a link, a giant, a FIFO, not JSON)."""
    if not is_regular(path) or path.stat().st_size > MARKER_BYTES:
        return None
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def is_regular(path: Path) -> bool:
    """A regular file, not a link to one."""
    return kind(path) == "file"


def kind(path: Path) -> str | None:
    """'file', 'folder', or what else sits at ``path`` (links are not followed); None if nothing."""
    try:
        mode = path.lstat().st_mode
    except (FileNotFoundError, NotADirectoryError):  # (a path under a file: nothing is there either)
        return None
    except OSError as err:
        raise OutputError(f"'{path}' cannot be inspected ({err.strerror}); pass another path") from None
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    return "a socket or other special file"


def _described(found: str) -> str:
    return f"a {found}" if found in ("file", "folder") else found


def _check_parents(out: Path, option: str) -> None:
    """The nearest existing ancestor of a new path must be a folder."""
    for parent in out.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"'{parent}' is not a folder, so '{out}' cannot be created; fix the path given to {option}")
            return


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError) as err:  # a loop of links
        raise OutputError(f"'{path}' cannot be resolved ({err}); pass another path") from None


def _never_a_target(real: Path, inputs: Iterable[str | Path], folder: bool) -> str | None:
    """Why the resolved path ``real`` must never be written, or None."""
    cwd = Path.cwd().resolve()
    if real == Path(real.anchor):
        return "the root folder"
    if real == _home():
        return "your home folder"
    if real == cwd or real in cwd.parents:
        return "the current folder or one of its parents"
    if real == PACKAGE_DIR or PACKAGE_DIR in real.parents or (folder and real in PACKAGE_DIR.parents):
        return "part of rhymer's own installation"
    for source in inputs:
        source = _real(Path(source))
        if real == source or (folder and real in source.parents):
            return f"the input '{source}'" if real == source else f"a folder holding the input '{source}'"
    return None


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (RuntimeError, KeyError):
        return None
