"""Opening a project file: recognise it, refuse what is not ours, migrate with a backup."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from ..errors import ProjectOpenError
from .schema import APPLICATION_ID, MIGRATIONS, PROJECT_TABLES, SCHEMA_VERSION

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000


def _is_memory(path: str | Path) -> bool:
    return str(path) == ":memory:"


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise ProjectOpenError(f"{path}: cannot read the project file ({exc.strerror})") from exc
    if header and header != SQLITE_HEADER:
        raise ProjectOpenError(f"{path}: not a desk-annotator project (not a SQLite database)")


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open (or create) a project database, checked and migrated to the current schema."""
    memory = _is_memory(path)
    if not memory:
        path = Path(path)
        if path.is_dir():
            raise ProjectOpenError(f"{path}: is a folder, not a project file")
        if path.exists():
            _check_header(path)
        elif not path.parent.exists():
            raise ProjectOpenError(f"{path}: the folder {path.parent} does not exist")
    try:
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves (one transaction per action).
        conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
            check_same_thread=False,
        )
    except sqlite3.Error as exc:
        raise ProjectOpenError(f"{path}: cannot open the project ({exc})") from exc
    try:
        db = sqlite_utils.Database(conn)
        _configure(db)
        # Recognise the file before anything writes to it (even switching to WAL rewrites
        # the header), so a refused file is left byte for byte as it was.
        version = _recognise(db, None if memory else Path(path))
        if version and version < SCHEMA_VERSION and not memory:
            backup_before_migration(db, Path(path), version)
        if not memory:
            _use_wal(db)
        _upgrade(db, version)
    except ProjectOpenError:
        conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        conn.close()
        if "locked" in str(exc) or "busy" in str(exc):
            raise ProjectOpenError(f"{path}: the project is locked by another program; try again") from exc
        raise ProjectOpenError(f"{path}: the project file is corrupt or unreadable ({exc})") from exc
    return db


def _configure(db: sqlite_utils.Database) -> None:
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    # Reading the schema first turns a corrupt file into an error before we write anything.
    db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    # A damaged page elsewhere would only surface later (and after we switched the file to
    # WAL); quick_check reads every page but skips the costly index cross-checks.
    problem = db.execute("PRAGMA quick_check(1)").fetchone()[0]
    if problem != "ok":
        raise sqlite3.DatabaseError(f"database disk image is malformed: {' '.join(problem.split())}")


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


def _upgrade(db: sqlite_utils.Database, version: int) -> None:
    for number in range(version, SCHEMA_VERSION):
        with transaction(db):
            MIGRATIONS[number](db)
            db.execute(f"PRAGMA user_version = {number + 1}")
            if number == 0:
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def backup_before_migration(db: sqlite_utils.Database, path: Path, version: int) -> Path:
    """Copy the project aside (consistent, through SQLite's backup API) before changing it."""
    target = path.with_name(f"{path.stem}.schema{version}.backup{path.suffix or '.sqlite'}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.stem}.schema{version}.backup{n}{path.suffix or '.sqlite'}")
    dest = sqlite3.connect(str(target))
    try:
        db.conn.backup(dest)
    finally:
        dest.close()
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
    """Write a consistent copy of an open project to ``target``."""
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    dest = sqlite3.connect(str(tmp))
    try:
        db.conn.backup(dest)
    finally:
        dest.close()
    shutil.move(str(tmp), str(target))
