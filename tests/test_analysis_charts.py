"""Charts of the tables (analysis/charts.py): every kind drawn as PNG and SVG on the sample
corpus, the codebook's colours used, labels readable and escaped, no Qt, same SVG twice."""

from __future__ import annotations

import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from desk_annotator.analysis import charts, tables
from desk_annotator.cli import cli
from desk_annotator.errors import OperationError
from desk_annotator.models import (
    Annotation,
    Codebook,
    Coder,
    Document,
    Label,
    ProjectSnapshot,
)
from desk_annotator.project import Project
from desk_annotator.sample import fill_from_sample
from desk_annotator.text import sha256_text

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    project = Project(tmp_path_factory.mktemp("charts") / "sample.sqlite")
    fill_from_sample(project)
    yield project
    project.close()


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def svg_texts(path: Path) -> str:
    root = ET.parse(path).getroot()
    assert root.tag == SVG + "svg"
    return " ".join("".join(t.itertext()) for t in root.iter(SVG + "text"))


def test_every_kind_as_png_and_svg(sample, tmp_path):
    results = {"freq": tables.frequencies(sample),
               "cross": tables.crosstab(sample, by="outlet"),
               "themes": tables.crosstab(sample, labels="themes", by="outlet"),
               "cooc": tables.cooccurrence(sample),
               "line": tables.timeline(sample)}
    for name, result in results.items():
        width, height = png_size(charts.save_chart(result, tmp_path / f"{name}.png"))
        assert width >= 500 and height >= 300
    for name in ("cross", "cooc"):
        charts.save_chart(results[name], tmp_path / f"{name}.svg")
    outlets = set(tables.crosstab(sample, by="outlet").data["columns"])
    words = svg_texts(tmp_path / "cross.svg")
    # text stays text: every outlet and stance label can be read (and searched) in the SVG
    assert all(o[:20] in words for o in outlets)
    stances = [lb for lb in sample.q.codebook().labels if lb.scheme == "stance"]
    assert all(lb.name in words for lb in stances)
    svg = (tmp_path / "cross.svg").read_text("utf-8").lower()
    # the bars are drawn in the codebook's stance colours
    assert all(lb.color.lower() in svg for lb in stances)
    heat = svg_texts(tmp_path / "cooc.svg")
    diagonal = results["cooc"].data["counts"][0][0]
    assert str(diagonal) in heat.split()


def test_jaccard_and_percent_values(sample, tmp_path):
    co = tables.cooccurrence(sample)
    charts.save_chart(co, tmp_path / "j.svg", values="jaccard")
    assert "1.00" in svg_texts(tmp_path / "j.svg").split()  # the diagonal of a Jaccard matrix
    cross = tables.crosstab(sample, by="outlet")
    charts.save_chart(cross, tmp_path / "r.png", values="row_percent")
    with pytest.raises(OperationError, match="unknown chart values"):
        charts.save_chart(cross, tmp_path / "x.png", values="jaccard")
    with pytest.raises(OperationError, match="use one of .png, .svg"):
        charts.save_chart(cross, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "x.png").exists()


def test_hostile_label_names_are_shown_escaped(tmp_path):
    names = ["<script>alert(1)</script>", "$x^2$ & co", "a" * 80]
    labels = [Label(scheme="stance", name=n, order=i, color="not a colour" if i else "#ff0000")
              for i, n in enumerate(names)]
    text = "x" * 50
    doc = Document(title="d", text=text, sha256=sha256_text(text), metadata={"outlet": "O"})
    coder = Coder(name="c")
    anns = [Annotation(document_id=doc.id, coder_id=coder.id, start=i, end=i + 5,
                       quote=text[i:i + 5], stance_id=lb.id) for i, lb in enumerate(labels)]
    codebook = Codebook(name="h", labels=labels)
    with Project(tmp_path / "h.sqlite") as project:
        project.import_codebook(codebook)
        project.import_snapshot(ProjectSnapshot(codebook=codebook, coders=[coder],
                                                documents=[doc], annotations=anns),
                                labels="strict")
        charts.save_chart(tables.crosstab(project, by="outlet"), tmp_path / "h.svg")
    raw = (tmp_path / "h.svg").read_text("utf-8")
    assert "<script" not in raw and "&lt;script&gt;" in raw
    shown = svg_texts(tmp_path / "h.svg")
    assert "$x^2$ &amp; co" in raw and "$x^2$ & co" in shown  # escaped, not read as mathtext
    assert "a" * 80 not in shown and "a" * 27 + "…" in shown  # long names shortened


def test_same_svg_twice_and_no_qt(sample, tmp_path):
    result = tables.crosstab(sample, by="outlet")
    one = charts.save_chart(result, tmp_path / "1.svg").read_bytes()
    two = charts.save_chart(result, tmp_path / "2.svg").read_bytes()
    assert one == two
    code = ("import sys, desk_annotator.analysis.charts, matplotlib; "
            "assert not any(m.startswith(('PySide6', 'PyQt')) for m in sys.modules), 'Qt'; "
            "assert 'matplotlib.pyplot' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_cli_chart_option(tmp_path, monkeypatch):
    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    out = runner.invoke(cli, ["table", "crosstab", "--by", "outlet", "--output",
                              str(tmp_path / "s.xlsx"), "--chart", str(tmp_path / "s.png")])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "s.xlsx").exists() and png_size(tmp_path / "s.png")[0] > 0
    out = runner.invoke(cli, ["table", "cooccurrence", "--jaccard", "--chart",
                              str(tmp_path / "c.svg")])
    assert out.exit_code == 0, out.output
    assert "Jaccard" in svg_texts(tmp_path / "c.svg")
