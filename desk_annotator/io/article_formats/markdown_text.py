"""Markdown articles: optional ``---`` front matter, body rendered to readable plain text."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

from desk_annotator.io.article_formats import ArticleContent, join_blocks
from desk_annotator.io.article_formats.html_text import html_fragment_to_text
from desk_annotator.io.article_formats.plain_text import parse_key_values

_FRONT_MATTER_ENDS = ("---", "...")


def read_markdown(source: str) -> ArticleContent:
    fields, body = split_front_matter(source)
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    renderer = _PlainRenderer()
    renderer.render(parser.parse(body))
    title = fields.pop("title", None) or renderer.first_heading
    return ArticleContent(text=join_blocks(renderer.blocks), title=title, metadata=fields)


def split_front_matter(source: str) -> tuple[dict[str, str], str]:
    """``---`` / key: value lines / ``---`` at the very start; otherwise no front matter."""
    lines = source.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return {}, source
    for index in range(1, len(lines)):
        if lines[index].rstrip() in _FRONT_MATTER_ENDS:
            return parse_key_values(lines[1:index]), "\n".join(lines[index + 1:])
    return {}, source  # never closed: an ordinary horizontal rule


class _PlainRenderer:
    """Turns markdown-it's token stream into text blocks (see :func:`join_blocks`)."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, int | None]] = []
        self.first_heading: str | None = None
        self._lists: list[int | None] = []  # per open list: item counter (ordered) or None
        self._prefix = ""
        self._item_started = False
        self._group: int | None = None
        self._groups = itertools.count()
        self._row: list[str] | None = None
        self._in_heading = False

    def render(self, tokens: Sequence[Token]) -> None:
        for token in tokens:
            kind = token.type
            if kind in ("bullet_list_open", "ordered_list_open"):
                if not self._lists:
                    self._group = next(self._groups)
                start = int(token.attrs.get("start", 1) or 1) - 1
                self._lists.append(start if kind == "ordered_list_open" else None)
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self._lists.pop()
                if not self._lists:
                    self._group = None
            elif kind == "list_item_open":
                self._prefix = self._bullet(token)
            elif kind == "heading_open":
                self._in_heading = True
            elif kind == "heading_close":
                self._in_heading = False
            elif kind == "table_open":
                self._group = next(self._groups)
            elif kind == "table_close":
                self._group = next(self._groups) if self._lists else None
            elif kind == "tr_open":
                self._row = []
            elif kind == "tr_close":
                self._add("\t".join(self._row or []).strip("\t"))
                self._row = None
            elif kind == "inline":
                self._inline(token)
            elif kind in ("fence", "code_block"):
                self._add(token.content.strip("\n").rstrip())
            elif kind == "html_block":
                self._add(html_fragment_to_text(token.content))

    def _inline(self, token: Token) -> None:
        text = _inline_text(token.children or [])
        if self._row is not None:
            self._row.append(" ".join(text.split()))
            return
        if self._in_heading:
            text = " ".join(text.split())
            if self.first_heading is None and text:
                self.first_heading = text
        self._add(text)

    def _add(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        if self._prefix:
            text, self._prefix = self._prefix + text, ""
        elif self._lists:
            text = "  " * len(self._lists) + text  # a further paragraph inside a list item
        self.blocks.append((text, self._group))

    def _bullet(self, token: Token) -> str:
        indent = "  " * (len(self._lists) - 1)
        counter = self._lists[-1] if self._lists else None
        if counter is None:
            return indent + "• "
        number = counter + 1
        if token.info.isdigit():
            number = int(token.info)
        self._lists[-1] = number
        return f"{indent}{number}. "


def _inline_text(children: Sequence[Token]) -> str:
    """Text of inline tokens: emphasis and link markup vanish, images and raw tags are dropped."""
    parts: list[str] = []
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind == "softbreak":
            parts.append(" ")
        elif kind == "hardbreak":
            parts.append("\n")
    return "".join(parts)
