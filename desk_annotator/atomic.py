"""Writes that are all or nothing from the user's view: build under a temporary sibling name,
then rename into place (DESIGN §7).

A kill, a full disk or an exception in the middle leaves either the old file (or folder) or the
new one, never a mix and never a 0-byte file. Temporary names follow one pattern,
``.<name>.desk-tmp-<pid>-<token>``, so a later run can recognise and remove the leftovers of a
killed one (:func:`clean_stale_temps`) without touching anything else in the folder.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import DeskAnnotatorError

TEMP_MARK = ".desk-tmp-"


def temp_sibling(target: Path) -> Path:
    """A fresh temporary name in the same folder as ``target`` (so rename is atomic)."""
    return target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")


def describe_os_error(exc: OSError, path: object) -> str:
    """One line naming the file and what happened, for every OS failure a user can meet."""
    where = str(path)
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return f"{where}: the disk is full; nothing was written"
    if code == errno.EROFS:
        return f"{where}: the disk is read-only; nothing was written"
    if code in (errno.EACCES, errno.EPERM):
        return f"{where}: permission denied (the file or its folder is read-only)"
    if code == errno.EFBIG:
        return f"{where}: the file would be larger than this system allows; nothing was written"
    if code == errno.ENOENT:
        return f"{where}: the folder does not exist"
    if code == errno.EISDIR:
        return f"{where}: is a folder, not a file"
    return f"{where}: {exc.strerror or exc}"


class WriteFailed(DeskAnnotatorError):
    """Writing an output file or folder failed; the message names it."""


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write ``target``'s content to; it replaces ``target`` only
    when the block finishes. A file written there is fsynced before the rename."""
    target = Path(target)
    if target.is_dir():
        raise WriteFailed(f"{target}: is a folder, not a file")
    tmp = temp_sibling(target)
    try:
        yield tmp
        if tmp.is_file():
            _fsync_file(tmp)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except OSError as exc:
        _remove(tmp)
        raise WriteFailed(describe_os_error(exc, target)) from exc
    except BaseException:
        _remove(tmp)
        raise


@contextmanager
def atomic_folder(target: str | Path) -> Iterator[Path]:
    """Yield a new empty temporary folder; when the block finishes it takes ``target``'s
    place (an existing ``target`` is swapped out and removed), so a reader never sees a
    folder mixing two exports."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise WriteFailed(f"{target}: exists and is not a folder")
    tmp = temp_sibling(target)
    try:
        tmp.mkdir(parents=False)
        yield tmp
        old = None
        if target.exists():
            old = temp_sibling(target)
            os.replace(target, old)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
        if old is not None:
            _remove(old)
    except OSError as exc:
        _remove(tmp)
        raise WriteFailed(describe_os_error(exc, target)) from exc
    except BaseException:
        _remove(tmp)
        raise


def clean_stale_temps(folder: str | Path) -> list[Path]:
    """Remove temporary files and folders of our own naming left by processes that no
    longer run; returns what was removed. Anything not of our pattern is never touched."""
    removed: list[Path] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not name.startswith(".") or TEMP_MARK not in name:
            continue
        try:
            pid = int(name.rsplit(TEMP_MARK, 1)[1].split("-", 1)[0])
        except ValueError:
            continue
        if pid == os.getpid() or _process_alive(pid):
            continue
        _remove(entry)
        if not entry.exists():
            removed.append(entry)
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
