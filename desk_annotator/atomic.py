"""Writes that are all or nothing from the user's view: build under a temporary sibling name,
then rename into place (DESIGN §7).

A kill, a full disk or an exception in the middle leaves either the old file (or folder) or the
new one, never a mix and never a 0-byte file. Temporary names follow one pattern,
``.<name>.desk-tmp-<pid>-<token>``, so a later run can recognise and remove the leftovers of a
killed one (:func:`clean_stale_temps`) without touching anything else in the folder. SQLite's
side files of a temporary database (``-wal``, ``-shm``, ``-journal``) share the pattern.

Every writer of an output (exports, reports, coder packages, migration backups) goes through
:func:`atomic_path` or :func:`atomic_folder`; both clean the stale temporaries of the target's
folder first (one directory listing).
"""

from __future__ import annotations

import ctypes
import errno
import os
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from .errors import DeskAnnotatorError

TEMP_MARK = ".desk-tmp-"
# A folder swapped out by atomic_folder where an atomic exchange is not available: if the
# process dies between its two renames, clean_stale_temps puts it back.
OLD_MARK = ".desk-old-"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


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


def nearly_full(folder: Path, margin: int = 1 << 20) -> bool:
    """Whether the file system holding ``folder`` has less than ``margin`` bytes free."""
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):  # no statvfs on Windows
        return False
    return st.f_bavail * st.f_frsize < margin


class WriteFailed(DeskAnnotatorError):
    """Writing an output file or folder failed; the message names it."""


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write ``target``'s content to; it replaces ``target`` only
    when the block finishes. A file written there is fsynced before the rename.

    An OSError inside the block or while renaming becomes :class:`WriteFailed` naming
    ``target`` (one line); the temporary (and any SQLite side file of it) is removed on every
    failure, so nothing partial is left. A SQLite database written there must be closed
    before the block ends: a non-empty ``-wal`` or ``-journal`` beside it is refused."""
    target = Path(target)
    if target.is_dir():
        raise WriteFailed(f"{target}: is a folder, not a file")
    clean_stale_temps(target.parent)
    tmp = temp_sibling(target)
    with _removed_on_failure(tmp, target, _remove_with_side_files):
        yield tmp
        _settle_side_files(tmp, target)
        if tmp.is_file():
            _follow_umask(tmp)
            _fsync_file(tmp)
        os.replace(tmp, target)
        _fsync_dir(target.parent)


@contextmanager
def atomic_folder(target: str | Path) -> Iterator[Path]:
    """Yield a new empty temporary folder; when the block finishes it takes ``target``'s
    place (an existing ``target`` is swapped out and removed), so a reader never sees a
    folder mixing two exports. Where the system offers an atomic exchange of two names
    (Linux ``renameat2``) ``target`` never disappears, even for an instant; elsewhere the
    old folder is first renamed aside under a name :func:`clean_stale_temps` restores if the
    process dies before the new one is in place."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise WriteFailed(f"{target}: exists and is not a folder")
    clean_stale_temps(target.parent)
    tmp = temp_sibling(target)
    with _removed_on_failure(tmp, target, _remove):
        tmp.mkdir(parents=False)
        yield tmp
        for entry in tmp.rglob("*"):
            if entry.is_file():
                _follow_umask(entry)
                _fsync_file(entry)
        _fsync_dir(tmp)
        if target.exists():
            if _exchange(tmp, target):
                _fsync_dir(target.parent)
                _remove(tmp)  # now holds the old folder
                return
            old = target.with_name(f".{target.name}{OLD_MARK}{os.getpid()}-{secrets.token_hex(4)}")
            os.replace(target, old)
            try:
                os.replace(tmp, target)
            except OSError:
                os.replace(old, target)
                raise
            _fsync_dir(target.parent)
            _remove(old)
        else:
            os.replace(tmp, target)
            _fsync_dir(target.parent)


@contextmanager
def _removed_on_failure(tmp: Path, target: Path,
                        remove: Callable[[Path], None]) -> Iterator[None]:
    """On any failure inside, remove the temporary ``tmp``; an OSError becomes one WriteFailed
    line naming ``target`` (never the temporary name)."""
    try:
        yield
    except OSError as exc:
        remove(tmp)
        raise WriteFailed(describe_os_error(exc, target)) from exc
    except BaseException:
        remove(tmp)
        raise


def clean_stale_temps(folder: str | Path) -> list[Path]:
    """Remove temporary files and folders of our own naming left by processes that no
    longer run; returns what was removed. Anything not of our pattern is never touched.
    A folder swapped aside by a killed :func:`atomic_folder` is put back when its target is
    missing (the kill fell between the two renames), else removed."""
    removed: list[Path] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not name.startswith("."):
            continue
        mark = TEMP_MARK if TEMP_MARK in name else OLD_MARK if OLD_MARK in name else None
        if mark is None:
            continue
        base, _, rest = name.rpartition(mark)
        pid_text, dash, token = rest.partition("-")
        if not (pid_text.isdigit() and dash and token[:8].isalnum() and len(token) >= 8):
            continue
        pid = int(pid_text)
        if pid == os.getpid() or _process_alive(pid):
            continue
        if mark == OLD_MARK and entry.is_dir():
            original = entry.with_name(base[1:])
            if base[1:] and not original.exists():
                try:
                    os.replace(entry, original)
                    continue
                except OSError:
                    pass
        _remove(entry)
        if not entry.exists() and not entry.is_symlink():
            removed.append(entry)
    return removed


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap the names ``a`` and ``b``; False when the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _settle_side_files(tmp: Path, target: Path) -> None:
    """Before a temporary database is renamed: its SQLite side files must be gone or empty
    (else the rename would lose what they hold); empty leftovers are removed."""
    for suffix in SQLITE_SIDE_FILES:
        side = tmp.with_name(tmp.name + suffix)
        try:
            size = side.stat().st_size
        except FileNotFoundError:
            continue
        if size and suffix != "-shm":
            raise WriteFailed(f"{target}: the database was still open when it was to be "
                              "renamed into place; nothing was written")
        side.unlink(missing_ok=True)


def _remove_with_side_files(tmp: Path) -> None:
    _remove(tmp)
    for suffix in SQLITE_SIDE_FILES:
        _remove(tmp.with_name(tmp.name + suffix))


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


@lru_cache(maxsize=1)
def process_umask() -> int:
    """The process's umask, read once. Linux reports it in /proc/self/status without changing
    it; elsewhere it is set and put back at once (the only portable way), a single time."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _follow_umask(path: Path) -> None:
    """Give a finished output file the mode a plain ``open()`` would have: 0666 less the
    umask, whatever the writer created it with (SQLite, a private temporary)."""
    if os.name != "posix" or path.is_symlink():
        return
    try:
        os.chmod(path, 0o666 & ~process_umask())
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
