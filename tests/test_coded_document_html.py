"""The coded-document page (io.coded_document_html) and ``print-document``: overlaps shown as
they are, footnote numbering, the legend's counts, hostile text escaped, HTML from the CLI."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from desk_annotator.io.coded_document_html import (
    coded_document,
    render_coded_document_html,
    safe_color,
    tint,
)
from desk_annotator.ops_memos import SetMemo
from desk_annotator.project import Project

TEXT = "Alpha beta gamma delta.\n\nSecond line here."


@pytest.fixture
def small(tmp_path):
    p = Project(tmp_path / "print.sqlite")
    c1, c2 = p.ensure_coder("coder-1"), p.ensure_coder("coder-2")
    crit = p.add_label("stance", "critical", color="#d95f02")
    sup = p.add_label("stance", "supportive", color="#1b9e77")
    exp = p.add_label("themes", "export controls", color="#7570b3")
    p.add_label("themes", "unused", color="#000000")
    p.add_documents([SimpleNamespace(title="Small <b>doc</b>", text=TEXT,
                                     metadata={"outlet": "Daily & Co"})])
    doc = p.q.document_infos()[0].id
    # A [0,10) and B [6,16) cross; C [6,10) sits inside both (another coder).
    a = p.add_annotation(doc, c1.id, 0, 10, stance_id=crit.id, note="first note")
    b = p.add_annotation(doc, c1.id, 6, 16, theme_ids=[exp.id], note="second <b>note</b>")
    c = p.add_annotation(doc, c2.id, 6, 10, stance_id=sup.id)
    d = p.add_annotation(doc, c1.id, 25, 31, stance_id=crit.id, theme_ids=[exp.id],
                         note="third")
    yield p, doc, {"a": a, "b": b, "c": c, "d": d, "c1": c1, "c2": c2}
    p.close()


def _body(html: str) -> str:
    return html[html.index('<table class="body"'):html.index("</table>",
                                                              html.index('<table class="body"'))]


def test_overlaps_brackets_and_footnote_numbers(small) -> None:  # type: ignore[no-untyped-def]
    p, doc, _ids = small
    html = render_coded_document_html(coded_document(p, doc, ["coder-1", "coder-2"]),
                                      generated="2026-01-01 00:00 UTC")
    body = _body(html)
    first_row = body[:body.index("</tr>")]
    text_cell = first_row[:first_row.index('<td class="codes"')]
    # Order of events in paragraph 1 (hand-worked): open A; "Alpha "; open B, open C;
    # "beta" (3 codings); close C, close A + note 1; " gamma" (B); close B + note 2; " delta."
    tokens = re.findall(r'color:(#[0-9a-f]{6})">([\[\]])</span></b>(?:<sup><a href="#fn(\d)")?'
                        r'|>([^<>]+)</span>|(?:(?<=</b>)|(?<=</sup>))([^<>]+)', text_cell)
    flat = [(t[1] + t[0] + (t[2] and "^" + t[2])) if t[1] else (t[3] or t[4]) for t in tokens]
    assert flat == ["[#d95f02", "Alpha ", "[#7570b3", "[#1b9e77", "beta", "]#1b9e77",
                    "]#d95f02^1", " gamma", "]#7570b3^2", " delta."]
    # "beta": tinted in the innermost coding's colour (C, 4 characters) and underlined.
    assert (f'<span style="background-color:{tint("#1b9e77")}; text-decoration: underline" '
            'title="3 coding(s)">beta</span>') in text_cell
    assert f'<span style="background-color:{tint("#7570b3")}" title="1 coding(s)"> gamma' \
        in text_cell
    # The second paragraph's coding is note 3; the blank line makes no row.
    assert body.count("<tr>") == 2 and 'href="#fn3"' in body
    notes = html[html.index("<h2>Notes</h2>"):html.index("<h2>Legend</h2>")]
    assert [int(n) for n in re.findall(r'<a name="fn(\d)"></a><sup>\d</sup>', notes)] == [1, 2, 3]
    assert "coder-1, critical</i> — “Alpha beta”: first note" in notes
    assert "second &lt;b&gt;note&lt;/b&gt;" in notes


def test_legend_counts_labels_used_per_coder(small) -> None:  # type: ignore[no-untyped-def]
    p, doc, _ids = small
    html = render_coded_document_html(coded_document(p, doc, ["coder-1", "coder-2"]))
    legend = html[html.index("<h2>Legend</h2>"):]
    legend = legend[:legend.index("</table>")]
    rows = re.findall(r">([^<>]+)</span></td><td>(stance|themes)</td>"
                      r'<td align="right">(\d+)</td><td align="right">(\d+)</td>', legend)
    # critical: A and D by coder-1; supportive: C by coder-2; export controls: B and D.
    assert rows == [("critical", "stance", "2", "0"), ("supportive", "stance", "0", "1"),
                    ("export controls", "themes", "2", "0")]
    assert "unused" not in legend
    assert "<th>coder-1</th><th>coder-2</th>" in legend


def test_one_coder_and_memos(small) -> None:  # type: ignore[no-untyped-def]
    p, doc, ids = small
    p.run(SetMemo("document", doc, ids["c2"].id, "coder-2 thinks it is ironic", "Tone"),
          ids["c2"].id)
    only2 = render_coded_document_html(coded_document(p, doc, ["coder-2"]))
    assert "1 coded passage · 0 notes" in only2 and "<h2>Notes</h2>" not in only2
    assert "coder-2 thinks it is ironic" in only2
    only1 = render_coded_document_html(coded_document(p, doc, ["coder-1"]))
    assert "coder-2 thinks" not in only1 and "3 coded passages · 3 notes" in only1


def test_hostile_text_is_escaped(tmp_path) -> None:  # type: ignore[no-untyped-def]
    p = Project(tmp_path / "hostile.sqlite")
    c = p.ensure_coder("<img src=x onerror=alert(1)>")
    label = p.add_label("stance", "<script>x</script>", color="#abcdef")
    p.store.db.execute("UPDATE labels SET color = ? WHERE id = ?",  # a file may carry anything
                       ("red;background:url(http://e/)", label.id))
    p.add_documents([SimpleNamespace(title="</title><script>alert(1)</script>",
                                     text="Text with <b>tags</b> & “quotes”.",
                                     metadata={"url": "javascript:alert(1)"})])
    doc = p.q.document_infos()[0].id
    p.add_annotation(doc, c.id, 10, 21, stance_id=label.id, note="<iframe src=x></iframe>")
    html = render_coded_document_html(coded_document(p, doc))
    p.close()
    for bad in ("<script", "<img", "<iframe", "url(http", "<b>tags"):
        assert bad not in html
    assert "&lt;b&gt;tags&lt;/b&gt;" in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "href=\"javascript" not in html
    assert safe_color("red;x") == "#888888" and safe_color("#ABC") == "#aabbcc"


def test_cli_writes_html_and_refuses_bad_requests(small, run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    p, _doc, _ids = small
    path = p.path
    p.close()
    out = tmp_path / "page.html"
    code, stdout, err = run_cli("--project", path, "print-document", "Small", "--coder",
                                "coder-1", "-o", out)
    assert code == 0, err
    assert stdout.strip() == f"HTML written to {out}: 3 coded passages by coder-1, 3 notes"
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Small &lt;b&gt;doc&lt;/b&gt;" in html
    assert "Daily &amp; Co" in html and "<style>" in html and "src=" not in html
    code, _, err = run_cli("--project", path, "print-document", "Small", "--coder", "nobody",
                           "-o", out)
    assert code == 1 and "no coder named nobody" in err
    code, _, err = run_cli("--project", path, "print-document", "Nope", "-o", out)
    assert code == 1 and "no document" in err
    code, _, err = run_cli("--project", path, "print-document", "Small", "-o",
                           tmp_path / "x.docx")
    assert code == 1 and ".html or a .pdf" in err
