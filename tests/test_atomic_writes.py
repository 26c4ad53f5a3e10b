"""Every output is all or nothing (DESIGN §7, issue 8 items 3 and 5): coder packages, brat
folders, reports and exports survive kill -9 and a full disk with nothing partial left, stale
temporaries of our own naming are cleaned (and nothing else), and an export reads one
consistent state while another program keeps committing.

The kills and the full disk are real: subprocesses of the command line killed with SIGKILL,
and a small tmpfs (skipped with the reason when this machine does not allow mounting one).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from desk_annotator.atomic import OLD_MARK, TEMP_MARK, WriteFailed, clean_stale_temps
from desk_annotator.project import Project
from desk_annotator.project_io import export_path, import_paths

N_DOCS = 1500
CLI = [sys.executable, "-m", "desk_annotator.cli"]
SEED = int(os.environ.get("ATOMIC_TEST_SEED", time.time_ns() % 100_000))


# -- fixtures ------------------------------------------------------------------------------

def _build(path: Path, n_docs: int) -> None:
    """n_docs documents of ~2 KB, alice and bob with 4 annotations each per document."""
    rnd = random.Random(7)
    words = "export controls chips open weights safety labs release policy market".split()
    data = path.with_name("seed.jsonl")
    with data.open("w", encoding="utf-8") as fh:
        for i in range(n_docs):
            text = f"Article {i}. " + " ".join(rnd.choice(words) for _ in range(300))
            anns = []
            for coder in ("alice", "bob"):
                for _ in range(4):
                    start = rnd.randrange(0, len(text) - 50)
                    anns.append({"start": start, "end": start + rnd.randrange(5, 50),
                                 "coder": coder, "stance": rnd.choice(["supportive", "critical"]),
                                 "themes": rnd.sample(["chips", "open source", "safety"], 2)})
            fh.write(json.dumps({"title": f"Doc {i}", "text": text, "annotations": anns,
                                 "status": {"alice": "done"}}) + "\n")
    with Project(path) as p:
        for name in ("supportive", "critical"):
            p.add_label("stance", name)
        for name in ("chips", "open source", "safety"):
            p.add_label("themes", name)
        report = import_paths(p, [data])
        assert not report.refused, report.refused
    data.unlink()


@pytest.fixture(scope="module")
def big_project_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.sqlite"
    _build(path, N_DOCS)
    assert not Path(f"{path}-wal").exists()
    return path


@pytest.fixture
def big(big_project_file: Path, tmp_path: Path) -> Path:
    """A private copy of the big project (closed, so the file alone is the project)."""
    path = tmp_path / "project" / "big.sqlite"
    path.parent.mkdir()
    shutil.copyfile(big_project_file, path)
    return path


def _cli(*args: object, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def _start(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen([*CLI, *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if TEMP_MARK in p.name or OLD_MARK in p.name)


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


def _wait_for_writing(proc: subprocess.Popen[str], folder: Path, target: Path,
                      timeout: float = 60) -> float:
    """Wait until ``proc`` starts writing its output (a temporary appears in ``folder``, or
    ``target`` itself is created or changed); returns the time it did."""
    before = _mtime(target)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _temps(folder) or _mtime(target) != before:
            return time.monotonic()
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"finished before writing anything: {proc.returncode} {err}")
        time.sleep(0.002)
    raise AssertionError("the output was never written")


def _kill(proc: subprocess.Popen[str]) -> bool:
    """SIGKILL; False when the process had already finished."""
    finished = proc.poll() is not None
    if not finished:
        os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    return not finished and proc.returncode == -signal.SIGKILL


def _ro(path: Path) -> sqlite3.Connection:
    # immutable: read a closed file without creating its -wal/-shm
    return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)


def _package_counts(pkg: Path) -> tuple[int, int, str]:
    conn = _ro(pkg)
    try:
        docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        anns = conn.execute("SELECT count(*) FROM annotations").fetchone()[0]
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    return docs, anns, check


def _tree(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _project_dump(path: Path) -> str:
    conn = _ro(path)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


# -- (a) coder package killed midway ---------------------------------------------------------

def test_killed_coder_package_never_blocks_the_rerun(big: Path, tmp_path: Path) -> None:
    rnd = random.Random(SEED)
    out = tmp_path / "out"
    out.mkdir()
    pkg = out / "alice.sqlite"
    # One complete run to learn how long the package takes to build once its temp exists.
    proc = _start("--project", big, "coder-package", pkg, "--coder", "alice")
    appeared = _wait_for_writing(proc, out, pkg)
    proc.communicate(timeout=120)
    window = time.monotonic() - appeared
    assert proc.returncode == 0 and pkg.exists() and not _temps(out)
    expected = _package_counts(pkg)
    assert expected[0] == N_DOCS and expected[2] == "ok"
    pkg.unlink()
    assert window > 0.2, f"building the package took only {window:.3f}s: too fast to kill midway"

    killed_midway = 0
    for _ in range(6):  # random moments; the window shrinks when a kill comes too late
        proc = _start("--project", big, "coder-package", pkg, "--coder", "alice")
        _wait_for_writing(proc, out, pkg)
        time.sleep(rnd.uniform(0.05, 0.7) * window)
        killed = _kill(proc)
        if pkg.exists():  # finished, or killed after the rename: the package must be whole
            assert _package_counts(pkg) == expected
            pkg.unlink()
            window /= 2
            continue
        assert killed, proc.stderr
        killed_midway += 1
        assert _temps(out), "a kill midway leaves its temporary (cleaned by the next run)"
        if killed_midway == 3:
            break
    assert killed_midway, f"no kill landed while the package was being built (seed {SEED})"

    done = _cli("--project", big, "coder-package", pkg, "--coder", "alice")
    assert done.returncode == 0, done.stderr
    assert _package_counts(pkg) == expected
    assert _temps(out) == [], "the stale temporaries of the killed runs are cleaned"
    assert sorted(p.name for p in out.iterdir()) == ["alice.sqlite"]


# -- (b) brat export killed or failing midway -------------------------------------------------

def _add_coder_work(path: Path) -> None:
    """Change what an export writes: carol annotates every document."""
    with Project(path) as p:
        carol = p.ensure_coder("carol")
        stance = next(lb for lb in p.q.labels() if lb.scheme == "stance")
        for doc in list(p.q.document_infos())[: N_DOCS // 2]:
            p.add_annotation(doc.id, carol.id, 0, 7, stance_id=stance.id)


def test_killed_brat_export_leaves_the_previous_folder(big: Path, tmp_path: Path) -> None:
    rnd = random.Random(SEED + 1)
    out = tmp_path / "out"
    out.mkdir()
    brat = out / "brat"
    assert _cli("--project", big, "export", brat).returncode == 0
    old = _tree(brat)
    _add_coder_work(big)
    reference = out / "reference"
    proc = _start("--project", big, "export", reference)
    appeared = _wait_for_writing(proc, out, reference)
    proc.communicate(timeout=120)
    window = time.monotonic() - appeared
    assert proc.returncode == 0 and not _temps(out)
    new = _tree(reference)
    assert old != new and old.keys() == new.keys()
    assert window > 0.2, f"the export took only {window:.3f}s: too fast to kill midway"

    pristine = tmp_path / "pristine"
    shutil.copytree(brat, pristine)
    killed_midway = 0
    for _ in range(6):  # random moments; the window shrinks when a kill comes too late
        proc = _start("--project", big, "export", brat)
        _wait_for_writing(proc, out, brat)
        time.sleep(rnd.uniform(0.05, 0.7) * window)
        killed = _kill(proc)
        after = _tree(brat)
        assert after in (old, new), "a killed export leaves one whole export, never a mix"
        if after == new:  # finished, or killed after the swap
            window /= 2
            shutil.rmtree(brat)
            shutil.copytree(pristine, brat)
            continue
        assert killed
        killed_midway += 1
        if killed_midway == 3:
            break
    assert killed_midway, f"no kill landed during the export (seed {SEED})"

    done = _cli("--project", big, "export", brat)
    assert done.returncode == 0, done.stderr
    assert _tree(brat) == new
    assert _temps(out) == []


def test_brat_export_failing_midway_keeps_the_old_folder(
        big: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import desk_annotator.io.brat as brat_module

    brat = tmp_path / "brat"
    with Project(big) as p:
        export_path(p, brat)
    old = _tree(brat)
    _add_coder_work(big)
    real = brat_module._ann_lines
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 100:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(brat_module, "_ann_lines", failing)
    with Project(big) as p:
        with pytest.raises(WriteFailed) as info:
            export_path(p, brat)
    assert str(brat) in str(info.value) and "disk is full" in str(info.value)
    assert _tree(brat) == old
    assert _temps(tmp_path) == []


def test_brat_export_never_replaces_a_folder_of_other_files(tmp_path: Path, seeded) -> None:
    project, _ = seeded
    folder = tmp_path / "Documents"
    folder.mkdir()
    (folder / "thesis.docx").write_bytes(b"precious")
    (folder / "notes.txt").write_text("mine", "utf-8")
    with pytest.raises(Exception, match="not replaced"):
        export_path(project, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "thesis.docx"]
    # Even .txt files only: without our annotation.conf it is not an export of ours.
    (folder / "thesis.docx").unlink()
    with pytest.raises(Exception, match="not a brat export"):
        export_path(project, folder)
    assert (folder / "notes.txt").read_text("utf-8") == "mine"
    assert _temps(tmp_path) == []


def test_export_skips_a_dangling_coder_or_label_with_a_warning(
        seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """Within one read transaction it cannot happen; should it anyway, the export leaves
    the annotation out with a warning instead of dying of a KeyError halfway."""
    project, ids = seeded
    q = project.q
    gone_coder, gone_label = ids["coders"][1].id, ids["labels"]["export controls"].id
    all_coders, all_labels, all_codebook = q.coders, q.labels, q.codebook
    monkeypatch.setattr(q, "coders", lambda: [c for c in all_coders() if c.id != gone_coder])
    monkeypatch.setattr(q, "labels", lambda: [lb for lb in all_labels() if lb.id != gone_label])

    def codebook():
        book = all_codebook()
        return book.model_copy(update={
            "themes": [lb for lb in book.themes if lb.id != gone_label]})

    monkeypatch.setattr(q, "codebook", codebook)
    anns = q.annotations()
    kept = [a for a in anns if a.coder_id != gone_coder and gone_label not in a.theme_ids]
    assert 0 < len(kept) < len(anns)
    with caplog.at_level("WARNING"):
        export_path(project, tmp_path / "out.jsonl")
        export_path(project, tmp_path / "out.csv", coder_names=["coder-1"])
    written = [a["id"] for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()
               for a in json.loads(line)["annotations"]]
    assert sorted(written) == sorted(a.id for a in kept)
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and not any("export controls" in row["themes"] for row in rows)
    assert "left out of the export" in caplog.text


# -- (c) a full disk -------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path: Path):
    """A 512 KB tmpfs, unmounted afterwards."""
    if os.name != "posix" or not shutil.which("mount"):
        pytest.skip("no mount command on this system")
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill the disk needs root")
    mnt = tmp_path / "small"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def _fill(folder: Path, leave: int) -> Path:
    """A file taking all but ``leave`` bytes of the disk."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    filler = folder / "filler.bin"
    filler.write_bytes(b"\0" * max(0, free - leave))
    return filler


def _assert_one_line_disk_full(done: subprocess.CompletedProcess[str], target: Path) -> None:
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert len(lines) == 1, done.stderr
    assert str(target) in lines[0] and "disk is full" in lines[0], lines[0]


def test_full_disk_fails_with_one_line_and_leaves_nothing(big: Path, small_disk: Path) -> None:
    # One plain open first: it settles the quote-check queue the build left (store/integrity.py),
    # a write of the open itself; what follows must then change nothing.
    assert _cli("--project", big, "stats").returncode == 0
    before = _project_dump(big)
    # Outputs far larger than the disk: the write fails midway.
    for args, target in [
        (("export", small_disk / "out.jsonl"), small_disk / "out.jsonl"),
        (("coder-package", small_disk / "pkg.sqlite", "--coder", "alice"),
         small_disk / "pkg.sqlite"),
        (("export", small_disk / "brat"), small_disk / "brat"),
        (("export", small_disk / "out.csv"), small_disk / "out.csv"),
    ]:
        done = _cli("--project", big, *args)
        _assert_one_line_disk_full(done, target)
        assert list(small_disk.iterdir()) == [], f"{args[0]} left {list(small_disk.iterdir())}"
    # A disk with 8 KB left: the report (tens of KB) and even the package's first pages fail.
    filler = _fill(small_disk, 8192)
    free = os.statvfs(small_disk).f_bavail
    for args, target in [
        (("agreement", "--bootstrap", "0", "--output", small_disk / "report.html"),
         small_disk / "report.html"),
        (("agreement", "--bootstrap", "0", "--output", small_disk / "report.json"),
         small_disk / "report.json"),
        (("coder-package", small_disk / "pkg.sqlite", "--coder", "alice"),
         small_disk / "pkg.sqlite"),
    ]:
        done = _cli("--project", big, *args)
        _assert_one_line_disk_full(done, target)
        assert list(small_disk.iterdir()) == [filler]
        assert os.statvfs(small_disk).f_bavail == free, "no hidden partial file either"
    assert _project_dump(big) == before, "the project is unchanged"


# -- (d) stale temporaries ---------------------------------------------------------------------

def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temps_of_dead_runs_are_cleaned_and_nothing_else(seeded, tmp_path: Path) -> None:
    project, _ = seeded
    out = tmp_path / "out"
    out.mkdir()
    dead = _dead_pid()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = [f".out.jsonl{TEMP_MARK}{dead}-0a1b2c3d",
                 f".alice.sqlite{TEMP_MARK}{dead}-deadbeef",
                 f".alice.sqlite{TEMP_MARK}{dead}-deadbeef-wal",
                 f".alice.sqlite{TEMP_MARK}{dead}-deadbeef-journal"]
        for name in stale:
            (out / name).write_bytes(b"half")
        stale_dir = out / f".brat{TEMP_MARK}{dead}-00ff00ff"
        stale_dir.mkdir()
        (stale_dir / "a.txt").write_text("half an export", "utf-8")
        others = [f".out.jsonl{TEMP_MARK}{sleeper.pid}-11112222",  # a live process's
                  f".out.jsonl{TEMP_MARK}notapid-12345678",
                  f"out.jsonl{TEMP_MARK}{dead}-33334444",  # not hidden: not ours
                  f".out.jsonl{TEMP_MARK}{dead}",  # no token
                  ".out.jsonl.x7k2p9.tmp", "report.tmp", ".hidden", "notes.txt"]
        for name in others:
            (out / name).write_bytes(b"keep me")
        (out / "folder.desk-tmp-1-abcdabcd").mkdir()

        summary = export_path(project, out / "out.jsonl")
        assert "3 documents" in summary
        names = {p.name for p in out.iterdir()}
        assert not names & {*stale, stale_dir.name}
        assert names == {*others, "folder.desk-tmp-1-abcdabcd", "out.jsonl"}
        assert all((out / n).read_bytes() == b"keep me" for n in others)
    finally:
        sleeper.kill()
        sleeper.wait()


def test_folder_swapped_aside_by_a_dead_run_is_put_back(tmp_path: Path) -> None:
    dead = _dead_pid()
    # The kill fell between "old export renamed aside" and "new one renamed in".
    aside = tmp_path / f".brat{OLD_MARK}{dead}-a1b2c3d4"
    aside.mkdir()
    (aside / "annotation.conf").write_text("old export", "utf-8")
    newer = tmp_path / f".brat{TEMP_MARK}{dead}-e5f6a7b8"
    newer.mkdir()
    removed = clean_stale_temps(tmp_path)
    assert (tmp_path / "brat" / "annotation.conf").read_text("utf-8") == "old export"
    assert removed == [newer] and _temps(tmp_path) == []
    # When the target exists (the kill fell after the swap), the aside copy is just removed.
    aside.mkdir()
    clean_stale_temps(tmp_path)
    assert not aside.exists() and (tmp_path / "brat").is_dir()


def test_coder_package_temp_is_a_closed_project_and_reopens(seeded, tmp_path: Path) -> None:
    project, _ = seeded
    from desk_annotator.project_io import export_coder_package

    pkg = tmp_path / "pkg" / "coder-1.sqlite"
    pkg.parent.mkdir()
    report = export_coder_package(project, pkg, "coder-1")
    assert report.documents_added == 3
    assert sorted(p.name for p in pkg.parent.iterdir()) == ["coder-1.sqlite"]  # no -wal/-shm
    with Project(pkg) as p:
        assert [c.name for c in p.coders()] == ["coder-1"]
    with pytest.raises(Exception, match="already exists"):
        export_coder_package(project, pkg, "coder-1")


# -- (e) export while another program adds coders and labels ---------------------------------

WRITER = textwrap.dedent("""
    import sys, time
    from desk_annotator.project import Project
    p = Project(sys.argv[1], check_integrity=False)
    docs = p.q.document_infos()
    first, last = docs[0].id, docs[-1].id
    i = 0
    print("ready", flush=True)
    while True:
        i += 1
        coder = p.ensure_coder(f"writer-{i}")
        stance = p.add_label("stance", f"stance-{i}")
        theme = p.add_label("themes", f"theme-{i}")
        # Last document first: in any one state, a writer coder on the first document is
        # on the last one too.
        p.add_annotation(last, coder.id, 0, 5, stance_id=stance.id, theme_ids=[theme.id])
        p.add_annotation(first, coder.id, 0, 5, stance_id=stance.id, theme_ids=[theme.id])
""")


def test_jsonl_export_while_another_program_adds_coders_and_labels(
        big: Path, tmp_path: Path) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER, "utf-8")
    writer = subprocess.Popen([sys.executable, str(script), str(big)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        with Project(big, check_integrity=False) as p:
            infos = p.q.document_infos()
            first_id, last_id = infos[0].id, infos[-1].id
            # Three exports that the writer's commits overlapped (two coders or more added
            # while each ran); an export that no commit overlapped, which a stall of the
            # writer's process can cause, is checked all the same but does not count.
            overlapped = 0
            for n in range(12):
                if overlapped == 3:
                    break
                target = tmp_path / f"export-{n}.jsonl"
                coders_before = len(p.coders())
                export_path(p, target)
                coders_after = len(p.coders())
                overlapped += coders_after > coders_before + 1
                records = [json.loads(line) for line in target.read_text("utf-8").splitlines()]
                assert len(records) == N_DOCS
                for rec in records:
                    for ann in rec["annotations"]:
                        assert ann["coder"] and ann["quote"] == rec["text"][ann["start"]:ann["end"]]
                        if ann["coder"].startswith("writer-"):
                            k = ann["coder"].removeprefix("writer-")
                            assert ann["stance"] == f"stance-{k}"
                            assert ann["themes"] == [f"theme-{k}"]

                def writers(rec: dict) -> set[str]:
                    return {a["coder"] for a in rec["annotations"]
                            if a["coder"].startswith("writer-")}

                by_id = {rec["id"]: rec for rec in records}
                on_first, on_last = writers(by_id[first_id]), writers(by_id[last_id])
                assert on_first <= on_last and len(on_last - on_first) <= 1, (
                    "the first and the last document come from one state of the project")
            assert overlapped == 3, "the writer committed during three of twelve exports"
        assert writer.poll() is None, writer.communicate()[1]
    finally:
        writer.kill()
        writer.communicate()


# -- file modes follow the umask (issue 11 item 10) ------------------------------------------

def _with_umask(mask: int, *args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=120,
                          preexec_fn=lambda: os.umask(mask), check=False)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_exports_follow_the_umask(tmp_path: Path, mask: int, mode: int) -> None:
    project = tmp_path / "p.sqlite"
    _build(project, 3)
    for name in ("out.jsonl", "out.csv", "brat", "pkg.sqlite"):
        args = ("coder-package", tmp_path / name, "--coder", "alice") if name == "pkg.sqlite" \
            else ("export", tmp_path / name)
        result = _with_umask(mask, "--project", project, *args)
        assert result.returncode == 0, result.stderr
    outputs = [tmp_path / "out.jsonl", tmp_path / "out.csv", tmp_path / "pkg.sqlite",
               *(tmp_path / "brat").iterdir()]
    # SQLite creates the coder package 0644 whatever the umask: under 002 only the chmod helps.
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in outputs} == \
        {p.name: oct(mode) for p in outputs}


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_private_temporary_still_ends_with_the_umask_mode(tmp_path: Path) -> None:
    """A writer that creates its file 0600 (as mkstemp does) still yields a 0644 output."""
    script = textwrap.dedent(f"""
        import os
        from desk_annotator.atomic import atomic_path
        with atomic_path({str(tmp_path / "out.txt")!r}) as tmp:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT, 0o600))
        """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            preexec_fn=lambda: os.umask(0o022), timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert oct((tmp_path / "out.txt").stat().st_mode & 0o777) == oct(0o644)
