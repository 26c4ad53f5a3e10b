"""One module per article format; each turns decoded text or file bytes into an ArticleContent.

Format modules raise :class:`~desk_annotator.errors.FormatError` with a one-line reason; the
public entry point (:mod:`desk_annotator.io.articles`) turns it into ``ImportRefused(path, reason)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ArticleContent:
    """What a format module extracted; ``title`` is None when the format offered none."""

    text: str
    title: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


def join_blocks(blocks: list[tuple[str, int | None]]) -> str:
    """Join text blocks with a blank line; consecutive blocks of the same *group* (the items of
    one list, the rows of one table) share one paragraph, separated by a single newline."""
    parts: list[str] = []
    previous_group: int | None = None
    for text, group in blocks:
        if not text:
            continue
        if parts:
            parts.append("\n" if group is not None and group == previous_group else "\n\n")
        parts.append(text)
        previous_group = group
    return "".join(parts)
