"""HTML articles: readable text and page metadata via BeautifulSoup's built-in parser.

Safety: html.parser only builds a tree; nothing is fetched (images, stylesheets, frames) and no
script runs. Active and invisible content is removed before any text is read.
"""

from __future__ import annotations

import itertools
import re

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

from desk_annotator.io.article_formats import ArticleContent, join_blocks

# Never readable text: code, embedded objects, form controls, media fallbacks, the <head>.
DROPPED_TAGS = (
    "script", "style", "noscript", "template", "iframe", "frame", "frameset", "object", "embed",
    "applet", "svg", "canvas", "math", "head", "audio", "video", "button", "input", "select",
    "textarea", "map",
)
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "nav", "ol", "p", "section",
    "summary", "ul", "html", "legend", "menu",
})
LIST_TAGS = ("ul", "ol", "menu")
_WHITESPACE_RE = re.compile(r"\s+")

# (attribute, value) pairs of <meta> tags per metadata field, most specific first.
_META_SOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    "title": (("property", "og:title"), ("name", "og:title"), ("name", "twitter:title")),
    "author": (("name", "author"), ("property", "article:author"), ("name", "article:author"),
               ("name", "dc.creator"), ("name", "byl")),
    "date": (("property", "article:published_time"), ("name", "article:published_time"),
             ("name", "date"), ("name", "dc.date"), ("name", "pubdate"),
             ("name", "publish-date"), ("itemprop", "datePublished")),
    "outlet": (("property", "og:site_name"), ("name", "og:site_name")),
    "url": (("property", "og:url"), ("name", "og:url")),
}


def read_html(markup: str) -> ArticleContent:
    soup = BeautifulSoup(markup, "html.parser")
    metadata = _metadata(soup)
    title = metadata.pop("title", None)
    for tag in soup.find_all(DROPPED_TAGS):
        tag.decompose()
    for tag in soup.find_all(attrs={"hidden": True}):
        tag.decompose()
    if title is None:
        heading = soup.find("h1")
        title = " ".join(heading.get_text(" ").split()) if heading else None
    return ArticleContent(text=html_to_text(soup), title=title or None, metadata=metadata)


def html_fragment_to_text(markup: str) -> str:
    """Readable text of an HTML fragment (e.g. a raw HTML block inside Markdown)."""
    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup.find_all(DROPPED_TAGS):
        tag.decompose()
    return html_to_text(soup)


def _metadata(soup: BeautifulSoup) -> dict[str, str]:
    found: dict[str, str] = {}
    metas = soup.find_all("meta")
    for field, sources in _META_SOURCES.items():
        for attribute, wanted in sources:
            value = next((_clean(m.get("content")) for m in metas
                          if _clean(m.get(attribute)).lower() == wanted and _clean(m.get("content"))),
                         "")
            # article:author is often a profile URL rather than a name.
            if value and not (field == "author" and value.startswith(("http://", "https://"))):
                found[field] = value
                break
    canonical = soup.find("link", rel="canonical", href=True)
    if canonical is not None and _clean(canonical["href"]):
        found["url"] = _clean(canonical["href"])
    if "title" not in found and soup.title is not None:
        title = " ".join(soup.title.get_text(" ").split())
        if title:
            found["title"] = title
    return found


def _clean(value: object) -> str:
    if isinstance(value, list):  # multi-valued attributes (rel, class) come back as lists
        value = " ".join(value)
    return " ".join(str(value).split()) if value is not None else ""


class _TextCollector:
    """Walks the tree without recursion (deeply nested pages must not overflow the stack)."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, int | None]] = []
        self._pieces: list[str] = []
        self._prefix = ""
        self._lists: list[int | None] = []  # per open list: the item counter (ol) or None (ul)
        self._group: int | None = None
        self._groups = itertools.count()

    def walk(self, root: Tag) -> None:
        stack: list[tuple[object, bool]] = [(root, True)]
        while stack:
            node, entering = stack.pop()
            if isinstance(node, Tag):
                if entering:
                    if self._enter(node):
                        stack.append((node, False))
                        stack.extend((child, True) for child in reversed(node.contents))
                else:
                    self._leave(node)
            elif isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
                # Source line breaks are white space; only <br> (added as "\n") breaks a line.
                self._pieces.append(_WHITESPACE_RE.sub(" ", str(node)))
        self.flush()

    def _enter(self, tag: Tag) -> bool:
        """Handle an opening tag; False when its children were consumed here."""
        name = tag.name
        if name == "br":
            self._pieces.append("\n")
        elif name == "pre":
            self.flush()
            self._add_block(tag.get_text().strip("\n").rstrip())
            return False
        elif name == "table":
            self.flush()
            self._add_table(tag)
            return False
        elif name in BLOCK_TAGS:
            self.flush()
            if name in LIST_TAGS:
                if not self._lists:
                    self._group = next(self._groups)
                self._lists.append(_list_start(tag) if name == "ol" else None)
            elif name == "li":
                self._prefix = self._bullet()
        return True

    def _leave(self, tag: Tag) -> None:
        if tag.name in BLOCK_TAGS:
            self.flush()
            if tag.name in LIST_TAGS and self._lists:
                self._lists.pop()
                if not self._lists:
                    self._group = None

    def _bullet(self) -> str:
        if not self._lists:
            return "• "
        indent = "  " * (len(self._lists) - 1)
        counter = self._lists[-1]
        if counter is None:
            return indent + "• "
        self._lists[-1] = counter + 1
        return f"{indent}{counter + 1}. "

    def flush(self) -> None:
        raw = "".join(self._pieces)
        self._pieces = []
        lines = (" ".join(line.split()) for line in raw.split("\n"))
        text = "\n".join(line for line in lines if line)
        if text:
            self._add_block(self._prefix + text)
            self._prefix = ""

    def _add_block(self, text: str) -> None:
        if text:
            self.blocks.append((text, self._group))

    def _add_table(self, table: Tag) -> None:
        caption = table.find("caption")
        if caption is not None and caption.find_parent("table") is table:
            self.blocks.append((" ".join(caption.get_text(" ").split()), None))
        group = next(self._groups)
        for row in table.find_all("tr"):
            if row.find_parent("table") is not table:
                continue  # rows of a nested table are read with their cell
            cells = [" ".join(cell.get_text(" ").split())
                     for cell in row.find_all(("td", "th"), recursive=False)]
            line = "\t".join(cells).strip("\t")
            if line:
                self.blocks.append((line, group))


def _list_start(tag: Tag) -> int:
    try:
        return int(str(tag.get("start", "1"))) - 1
    except ValueError:
        return 0


def html_to_text(soup: BeautifulSoup | Tag) -> str:
    collector = _TextCollector()
    # The whole tree, not just <body>: broken pages put text outside it (<head> is gone by now).
    collector.walk(soup)
    return join_blocks(collector.blocks)
