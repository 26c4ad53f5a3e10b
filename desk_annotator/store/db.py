"""Opening a project file: recognise it, refuse what is not ours, migrate with a backup."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from ..atomic import atomic_path, describe_os_error, nearly_full
from ..errors import DeskAnnotatorError, ProjectOpenError
from .integrity import page_problem
from .schema import APPLICATION_ID, MIGRATIONS, PROJECT_TABLES, SCHEMA_VERSION
from .summaries import create_summaries, fill_summaries, missing_summaries

BUSY_TIMEOUT_MS = 10_000

# How this module touches a project file (DESIGN §7, "connection discipline"):
# - The file is only ever opened through SQLite. On POSIX, closing *any* descriptor of a file
#   drops every fcntl lock the process holds on it, so plain file I/O on the project (to read
#   its header, hash it, copy it) while a connection is open silently removes that
#   connection's locks, and the next program to close the file checkpoints and deletes the WAL
#   under it. SQLite's own connections share one descriptor per file inside the process, so
#   several connections (two Project objects, a worker thread's reader) are safe.
# - A file is recognised through a read-only connection first (mode=ro), so a file that is then
#   refused (not ours, newer schema, damaged) is never written: a read-only connection neither
#   checkpoints nor deletes its WAL, and the file and its WAL stay byte for byte as they were.
# - Only then is the read-write connection opened (or, when the file or its folder cannot be
#   written, the project stays read-only).
# - Background work (the integrity check) uses a connection of its own, read-only.


@dataclass
class Opened:
    """An open project database and, when it could not be opened for writing, why."""

    db: sqlite_utils.Database
    read_only: str | None = None


MEMORY = ":memory:"  # SQLite's name for a database without a file


def is_memory(path: object) -> bool:
    """Whether ``path`` names no file but a database in memory (no second connection can reach
    it, no other program can change it)."""
    return str(path) == MEMORY


def _uri(path: Path, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"file:{urllib.parse.quote(str(path.absolute()))}?{query}"


def _raw_connect(target: str, *, uri: bool = False) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN IMMEDIATE ourselves (one transaction per action).
    return sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False, uri=uri)


def _why_read_only(path: Path) -> str | None:
    """Why this process cannot write the project (None: it can). SQLite needs to write the file
    and to create the -wal and -shm files beside it."""
    if not os.access(path, os.W_OK):
        return "the project file is read-only"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return f"its folder {path.parent} is read-only"
    return None


def open_read_only(path: str | Path) -> sqlite3.Connection:
    """A read-only connection (recognition, background readers). Falls back to immutable=1
    when SQLite cannot open the WAL index read-only (a read-only folder without -shm)."""
    path = Path(path)
    try:
        conn = _raw_connect(_uri(path, mode="ro"), uri=True)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        # No -shm can be made: a read-only folder, or a full disk (I/O error on the mmap).
        if not any(m in str(exc) for m in ("unable to open", "readonly", "disk I/O error")):
            raise
    conn = _raw_connect(_uri(path, mode="ro", immutable="1"), uri=True)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return conn


def connect_reader(path: str | Path) -> Opened:
    """A read-only connection to a project this process has already opened and checked (a
    background reader): no second recognition, so no second full-file quick_check."""
    return _open_viewer(Path(path), "a background reader")


def connect(path: str | Path, *, read_only: bool = False) -> Opened:
    """Open (or create) a project database, checked and migrated to the current schema.
    A file this process cannot write is opened read-only (``Opened.read_only`` says why)."""
    if is_memory(path):
        db = sqlite_utils.Database(_raw_connect(MEMORY), execute_plugins=False)
        _configure(db)
        _upgrade(db, _recognise(db, None))
        return Opened(db)
    path = Path(path)
    try:
        if path.is_dir():
            raise ProjectOpenError(f"{path}: is a folder, not a project file")
        exists = path.exists()
        if exists and path.stat().st_size == 0:
            raise ProjectOpenError(f"{path}: an empty file (0 bytes), not a desk-annotator "
                                   "project; nothing was changed")
        if not exists and not path.parent.is_dir():
            raise ProjectOpenError(f"{path}: the folder {path.parent} does not exist")
    except OSError as exc:
        raise ProjectOpenError(describe_os_error(exc, path)) from exc
    reason = "opened read-only on request" if read_only else None
    version = 0
    if exists:
        reason = reason or _why_read_only(path)
        version = _recognise_read_only(path)
        if reason and version < SCHEMA_VERSION:
            raise ProjectOpenError(f"{path}: made by an older desk-annotator and must be upgraded "
                                   f"before it can be opened, but {reason}")
    elif not os.access(path.parent, os.W_OK | os.X_OK):
        raise ProjectOpenError(f"{path}: cannot create the project: the folder {path.parent} "
                               "is read-only")
    if reason:
        return _open_viewer(path, reason)
    try:
        conn = _raw_connect(str(path))
    except sqlite3.Error as exc:
        raise ProjectOpenError(describe_sqlite_error(exc, path, "cannot open the project")) from exc
    # No sqlite-utils plugins are used: skip the scan of every installed package for them.
    db = sqlite_utils.Database(conn, execute_plugins=False)
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        if version and version < SCHEMA_VERSION:
            backup_before_migration(db, path, version)
        _use_wal(db)
        _upgrade(db, version)
        _restore_summaries(db)
        record_program_version(db, created=version == 0)
    except ProjectOpenError:
        conn.close()
        raise
    except sqlite3.Error as exc:
        conn.close()
        if exists and version == SCHEMA_VERSION and nearly_full(path.parent, 256 * 1024):
            # Nothing can be written, but the work can still be read and exported elsewhere.
            return _open_viewer(path, "the disk is full")
        raise ProjectOpenError(describe_sqlite_error(exc, path, "cannot open the project")) from exc
    return Opened(db)


def _open_viewer(path: Path, reason: str) -> Opened:
    try:
        db = sqlite_utils.Database(open_read_only(path), execute_plugins=False)
    except sqlite3.Error as exc:
        raise ProjectOpenError(describe_sqlite_error(exc, path, "cannot open the project")) from exc
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA query_only = 1")
    return Opened(db, reason)


def _recognise_read_only(path: Path) -> int:
    """Check an existing file through a read-only connection; its schema version. A refused
    file is left as it was: a read-only connection never writes the database or its WAL, and
    the empty -wal/-shm files SQLite creates to read a WAL-mode file are removed again."""
    siblings = [path.with_name(path.name + s) for s in ("-wal", "-shm")]
    existed = [p.exists() for p in siblings]
    try:
        conn = open_read_only(path)
    except sqlite3.Error as exc:
        _remove_created(siblings, existed)
        raise ProjectOpenError(describe_sqlite_error(exc, path, "cannot open the project")) from exc
    try:
        db = sqlite_utils.Database(conn, execute_plugins=False)
        _configure(db)
        version = _recognise(db, path)
        if 0 < version < SCHEMA_VERSION:
            _refuse_damage(page_problem(db, full=True))  # a migration rewrites much of the file
        return version
    except (sqlite3.Error, ProjectOpenError) as exc:
        conn.close()
        _remove_created(siblings, existed)
        if isinstance(exc, ProjectOpenError):
            raise
        raise ProjectOpenError(describe_sqlite_error(exc, path, "cannot open the project")) from exc
    finally:
        conn.close()


# Text columns another program could fill with bytes that are not UTF-8 (Python's sqlite3 then
# fails on every read of that row).
_TEXT_COLUMNS = {
    "documents": ("document", ("title", "text", "author", "outlet", "date", "url",
                               "source_file", "extra_metadata")),
    "annotations": ("annotation", ("quote", "note")),
    "labels": ("label", ("name", "description", "color", "key")),
    "coders": ("coder", ("name",)),
}


def damaged_texts(conn: sqlite3.Connection, limit: int = 3) -> list[str]:
    """Rows whose stored text is not valid UTF-8, e.g. "document “Title” (id): text"."""
    found: list[str] = []
    for table, (what, cols) in _TEXT_COLUMNS.items():
        casts = ", ".join(f"CAST([{c}] AS BLOB)" for c in cols)
        title = "CAST(title AS BLOB)" if table == "documents" else "NULL"
        for row in conn.execute(f"SELECT CAST(id AS BLOB), {title}, {casts} FROM {table}"):
            bad = [c for c, blob in zip(cols, row[2:]) if blob is not None and not _utf8(blob)]
            if bad:
                ident = bytes(row[0]).decode("utf-8", "replace")
                name = f" “{bytes(row[1]).decode('utf-8', 'replace')}”" if row[1] else ""
                found.append(f"{what}{name} ({ident}): {', '.join(bad)}")
                if len(found) >= limit:
                    return found
    return found


def _utf8(blob: bytes) -> bool:
    try:
        bytes(blob).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def explain_failure(path: object, exc: sqlite3.Error, what: str = "failed") -> str:
    """One line for a SQLite error that escaped an operation: for damaged text, which rows."""
    if "could not decode" in str(exc).lower() and path and not is_memory(path):
        try:
            conn = open_read_only(Path(str(path)))
            try:
                rows = damaged_texts(conn)
            finally:
                conn.close()
        except sqlite3.Error:
            rows = []
        where = "; ".join(rows) if rows else "a stored text"
        return (f"{path}: damaged text in {where} (not valid UTF-8: another program wrote it); "
                "nothing was changed — fix or delete that row with a SQLite tool")
    if "could not decode" in str(exc).lower():
        return f"{path}: damaged text (not valid UTF-8); nothing was changed"
    return describe_sqlite_error(exc, path, what)


def _remove_created(siblings: list[Path], existed: list[bool]) -> None:
    for sibling, was_there in zip(siblings, existed):
        if not was_there:
            with contextlib.suppress(OSError):
                sibling.unlink()


def describe_sqlite_error(exc: sqlite3.Error, path: object, what: str) -> str:
    """One line for a SQLite failure: what happened, to which file."""
    text = str(exc)
    low = text.lower()
    # SQLite reports a full disk as SQLITE_FULL, but as an I/O error when it is the shared
    # memory file (-shm) that cannot grow, or a page write that fails: the free space tells.
    if (getattr(exc, "sqlite_errorname", "") == "SQLITE_IOERR_SHMSIZE"
            or ("i/o error" in low and path and nearly_full(Path(str(path)).parent))):
        return f"{path}: {what}: the disk is full; nothing was changed"
    if "not a database" in low or "file is encrypted" in low:
        return f"{path}: not a desk-annotator project (not a SQLite database); nothing was changed"
    if "locked" in low or "busy" in low:
        return f"{path}: {what}: the project is locked by another program; nothing was changed, try again"
    if "readonly" in low or "read-only" in low:
        return f"{path}: {what}: the project file (or its folder) is read-only; nothing was changed"
    if "disk is full" in low or "database or disk is full" in low:
        return f"{path}: {what}: the disk is full; nothing was changed"
    if "malformed" in low or "corrupt" in low:
        return f"{path}: the project file is corrupt ({text}); nothing was changed"
    if "unable to open" in low:
        return f"{path}: {what}: the file cannot be opened (missing folder or no permission)"
    if "disk i/o error" in low:
        return f"{path}: {what}: the disk reported an I/O error; nothing was changed"
    return f"{path}: {what} ({text})"


def _configure(db: sqlite_utils.Database, *, full_check: bool = False) -> None:
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    # Reading the schema first turns a corrupt file into an error before we write anything.
    db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    # A damaged page would otherwise only surface later (and after we switched the file to
    # WAL). quick_check reads pages but skips the costly index cross-checks; on a big file it
    # covers the schema and the fixed-size tables only (store/integrity.py: the whole file is
    # checked before a migration, on demand and in the GUI's background check).
    _refuse_damage(page_problem(db, full=full_check))


def _refuse_damage(problem: str | None) -> None:
    if problem:
        raise sqlite3.DatabaseError(f"database disk image is malformed: {problem}")


def _restore_summaries(db: sqlite_utils.Database) -> None:
    """Re-create a summary trigger, table or index another program dropped, recount, and queue
    every quote again (writes made meanwhile went unseen). Reads only the schema when all is
    there, as it is on every ordinary open."""
    if missing_summaries(db):
        with transaction(db):
            create_summaries(db)
            fill_summaries(db)


def _use_wal(db: sqlite_utils.Database) -> None:
    mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    if mode != "wal":
        db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")


def _recognise(db: sqlite_utils.Database, path: Path | None) -> int:
    """The file's schema version (0: empty, to be created); refuses what is not ours. Reads only."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    tables = set(db.table_names())
    where = path or "in-memory project"
    if app_id != APPLICATION_ID:
        if tables:
            raise ProjectOpenError(f"{where}: a SQLite database, but not a desk-annotator project")
        version = 0
    if version > SCHEMA_VERSION:
        raise ProjectOpenError(
            f"{where}: made by a newer desk-annotator (schema {version}, this one reads up to "
            f"{SCHEMA_VERSION}); please update the program"
        )
    if version and not PROJECT_TABLES <= tables:
        raise ProjectOpenError(f"{where}: a damaged project (tables missing: "
                               f"{', '.join(sorted(PROJECT_TABLES - tables))})")
    return version


CREATED_BY_META = "created_by_version"
LAST_WRITTEN_BY_META = "last_written_by_version"


def record_program_version(db: sqlite_utils.Database, *, created: bool) -> None:
    """Note in ``meta`` which program version made the file (once, at creation) and which last
    opened it for writing. Cheap: nothing is written when the file already says this version,
    so other programs watching the file see no change. Bookkeeping, not a user action: not in
    the undo history. A project made before this existed keeps no created_by_version."""
    from .. import __version__

    found = dict(db.execute("SELECT key, value FROM meta WHERE key IN (?, ?)",
                            [CREATED_BY_META, LAST_WRITTEN_BY_META]).fetchall())
    wanted = {LAST_WRITTEN_BY_META: __version__}
    if created and CREATED_BY_META not in found:
        wanted[CREATED_BY_META] = __version__
    if all(found.get(key) == value for key, value in wanted.items()):
        return
    try:
        with transaction(db):
            for key, value in wanted.items():
                db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                           "DO UPDATE SET value = excluded.value", [key, value])
    except sqlite3.OperationalError:
        # Busy or full: the version note must never keep a project from opening; the next
        # write-open records it.
        pass


def _upgrade(db: sqlite_utils.Database, version: int) -> None:
    for number in range(version, SCHEMA_VERSION):
        with transaction(db):
            MIGRATIONS[number](db)
            db.execute(f"PRAGMA user_version = {number + 1}")
            if number == 0:
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def backup_before_migration(db: sqlite_utils.Database, path: Path, version: int) -> Path:
    """Copy the project aside before changing it: through SQLite's backup API (a consistent
    copy, and no other descriptor of the project is opened), into a temporary name, checked,
    then renamed. A kill at any point leaves either no backup or a complete one."""
    suffix = path.suffix or ".sqlite"
    target = path.with_name(f"{path.stem}.schema{version}.backup{suffix}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.stem}.schema{version}.backup{n}{suffix}")
    try:
        with atomic_path(target) as tmp:
            dest = sqlite3.connect(str(tmp))
            try:
                db.conn.backup(dest)
                dest.execute("PRAGMA journal_mode = DELETE")
                problem = dest.execute("PRAGMA quick_check(1)").fetchone()[0]
            finally:
                dest.close()
            if problem != "ok":
                raise ProjectOpenError(f"{path}: the backup before upgrading failed its check "
                                       f"({problem}); the project was not upgraded")
    except OSError as exc:  # atomic_path turns most into WriteFailed; this is the rest
        raise ProjectOpenError(describe_os_error(exc, target)) from exc
    except DeskAnnotatorError as exc:
        if isinstance(exc, ProjectOpenError):
            raise
        raise ProjectOpenError(f"{exc}; the project was not upgraded") from exc
    return target


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction; IMMEDIATE so a second process waits (busy timeout) up front."""
    conn = db.conn
    if conn.in_transaction:
        raise RuntimeError("nested write transaction")
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


@contextlib.contextmanager
def read_snapshot(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Reads inside the block see one consistent state of the file (one read transaction),
    even while other programs commit; nested use joins the outer snapshot."""
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    conn.execute("BEGIN DEFERRED")
    try:
        yield db
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


def copy_project(db: sqlite_utils.Database, target: Path) -> None:
    """Write a consistent copy of an open project to ``target`` (temporary name, renamed)."""
    with atomic_path(target) as tmp:
        dest = sqlite3.connect(str(tmp))
        try:
            db.conn.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
