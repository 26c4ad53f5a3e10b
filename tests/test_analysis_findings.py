"""The findings report (analysis/findings.py, ``report findings``): every section on the
sample corpus, figures equal to the tables and the agreement report, self-contained and
safely escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from desk_annotator.analysis import tables
from desk_annotator.analysis.findings import findings_html, write_findings
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
from desk_annotator.ops_sets import CreateSet
from desk_annotator.project import Project
from desk_annotator.project_io import agreement_report
from desk_annotator.sample import fill_from_sample
from desk_annotator.text import sha256_text


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(page: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    project = Project(tmp_path_factory.mktemp("findings") / "sample.sqlite")
    fill_from_sample(project)
    yield project
    project.close()


def test_sections_figures_and_agreement(sample, tmp_path):
    path = write_findings(sample, tmp_path / "findings.html", bootstrap=200)
    page = path.read_text("utf-8")
    heads = re.findall(r"<h2>(.*?)</h2>", page)
    assert heads == ["Label frequencies per coder", "Stance by outlet", "Stance × themes",
                     "Theme co-occurrence", "Stance over time", "Agreement between coders"]
    assert page.count("<svg") == 5
    cross = tables.crosstab(sample, by="outlet")
    totals = "".join(f'<td class="n">{n}</td>' for n in cross.data["column_totals"])
    assert f'<td>Total</td>{totals}<td class="n">{cross.data["total"]}</td>' in page
    assert f"Cramér&#x27;s V = {cross.statistics['cramers_v']:.3f}" in page
    report = agreement_report(sample, bootstrap=200)
    lo, hi = report["stance"]["ci95"]
    assert f"{report['stance']['alpha']:.3f} [{lo:.3f}, {hi:.3f}]" in page
    assert all(name in page for name in report["coders"])
    # self-contained: no script, no external file, no fetch of any kind
    for tag, attrs in tags_of(page):
        assert tag not in ("script", "link", "img", "iframe", "object")
        assert not any(k in ("src", "href") or k.startswith("on") for k in attrs), (tag, attrs)
    assert "<metadata>" not in page and "<?xml" not in page


def test_coder_set_and_variable_options(sample, tmp_path):
    first = sample.q.document_infos()[0]
    sample.run(CreateSet("one", [first.id]))
    page = findings_html(sample, coder="coder-1", set_name="one", by="language",
                         bootstrap=0)
    assert "<h2>Stance by language</h2>" in page
    assert "coder-1; document set one" in page
    cross = tables.crosstab(sample, by="language", coders=["coder-1"], set_name="one")
    assert f'<td class="n">{cross.data["total"]}</td></tr></tbody>' in page
    with pytest.raises(OperationError, match="no coder named 'gold'"):
        findings_html(sample, coder="gold")
    with pytest.raises(OperationError, match=r"\.html"):
        write_findings(sample, tmp_path / "f.pdf")
    assert not (tmp_path / "f.pdf").exists()


def test_hostile_names_are_escaped_and_one_coder_has_no_agreement(tmp_path):
    evil = '<img src=x onerror="alert(1)">'
    labels = [Label(scheme="stance", name=evil, order=0),
              Label(scheme="themes", name="</svg><script>x</script>", order=0)]
    text = "y" * 40
    doc = Document(title=evil, text=text, sha256=sha256_text(text),
                   metadata={"outlet": "<b>Daily</b>", "date": "2024-05-01"})
    coder = Coder(name="solo")
    ann = Annotation(document_id=doc.id, coder_id=coder.id, start=0, end=9, quote=text[:9],
                     stance_id=labels[0].id, theme_ids=[labels[1].id])
    codebook = Codebook(name="h", labels=labels)
    with Project(tmp_path / "h.sqlite") as project:
        project.import_codebook(codebook)
        project.import_snapshot(ProjectSnapshot(codebook=codebook, coders=[coder],
                                                documents=[doc], annotations=[ann]),
                                labels="strict")
        page = findings_html(project, bootstrap=0, title="<i>mine</i>")
    found = {tag for tag, _ in tags_of(page)}
    assert not found & {"img", "script", "b", "i"}
    assert "&lt;img src=x onerror=" in page and "&lt;/svg&gt;&lt;script&gt;" in page
    assert "<h1>&lt;i&gt;mine&lt;/i&gt;</h1>" in page
    assert "Agreement between coders" not in page


def test_cli_report_findings(tmp_path, monkeypatch):
    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(tmp_path / "home"))
    out = CliRunner().invoke(cli, ["report", "findings", "--output",
                                   str(tmp_path / "findings.html"), "--bootstrap", "50"])
    assert out.exit_code == 0, out.output
    page = Path(tmp_path / "findings.html").read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Agreement between coders" in page
