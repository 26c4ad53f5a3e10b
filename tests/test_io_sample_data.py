"""Sample snapshots for the exchange-format tests (imported by the other test_io_* files)."""

from __future__ import annotations

from desk_annotator.models import (
    Annotation, Codebook, Coder, DocStatus, Document, Label, ProjectSnapshot,
)
from desk_annotator.text import sha256_text

TEXTS = [
    "Export controls on open models 😀 were debated.\nCritics said 中文 sources matter.",
    "Café owners — and naïve users — asked: why?\n\nA second paragraph 👍🏽 here.",
    "Plain ASCII article about safety and jobs.",
]


def sample_snapshot() -> ProjectSnapshot:
    """Three documents (emoji, CJK, combining-free NFC accents, blank lines), two coders,
    overlapping spans, a multi-line span, notes with newlines and statuses."""
    stance = [Label(scheme="stance", name=n, order=i, color=c, key=k) for i, (n, c, k) in
              enumerate([("supportive", "#1b9e77", "1"), ("critical", "#d95f02", "2")])]
    themes = [Label(scheme="themes", name=n, order=i) for i, n in
              enumerate(["export controls", "open source", "safety"])]
    codebook = Codebook(name="AI policy", labels=stance + themes)
    c1, c2 = Coder(name="coder-1"), Coder(name="coder 2")
    docs = [Document(title=f"Article {i}: {t[:12]}", text=t, sha256=sha256_text(t),
                     metadata={"outlet": "Test", "date": None}) for i, t in enumerate(TEXTS)]

    def ann(doc: Document, coder: Coder, start: int, end: int, st: int | None,
            th: list[int], note: str | None = None) -> Annotation:
        return Annotation(document_id=doc.id, coder_id=coder.id, start=start, end=end,
                          quote=doc.text[start:end], stance_id=None if st is None else stance[st].id,
                          theme_ids=[themes[t].id for t in th], note=note)

    d0, d1, d2 = docs
    line_break = d0.text.index("\n")
    annotations = [
        ann(d0, c1, 0, 15, 1, [0]),
        ann(d0, c1, 7, 30, None, [1], note="overlap\nwith a newline"),
        ann(d0, c2, 20, line_break + 8, 0, [0, 2], note="crosses a line break"),
        ann(d0, c2, d0.text.index("😀"), d0.text.index("😀") + 1, None, [2]),
        ann(d1, c1, 0, 4, 0, []),
        ann(d1, c2, d1.text.index("👍"), len(d1.text), 1, [1]),
    ]
    statuses = [DocStatus(document_id=d0.id, coder_id=c1.id, status="done"),
                DocStatus(document_id=d1.id, coder_id=c2.id, status="doing"),
                DocStatus(document_id=d2.id, coder_id=c1.id, status="done")]
    return ProjectSnapshot(codebook=codebook, coders=[c1, c2], documents=docs,
                           annotations=annotations, statuses=statuses)
