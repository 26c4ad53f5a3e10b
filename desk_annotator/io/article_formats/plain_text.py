"""Plain text articles, plus the small ``key: value`` parsing shared with Markdown front matter."""

from __future__ import annotations

import re

from desk_annotator.io.article_formats import ArticleContent

MAX_TITLE_CHARS = 200

# Header / front-matter keys we understand, mapped to title or a metadata key. Unknown keys in
# front matter are ignored; in a .txt header they mean "this is not a header block".
FIELD_ALIASES: dict[str, str] = {
    "title": "title", "headline": "title",
    "author": "author", "authors": "author", "by": "author", "byline": "author",
    "outlet": "outlet", "publication": "outlet", "publisher": "outlet", "source": "outlet",
    "site": "outlet", "newspaper": "outlet",
    "date": "date", "published": "date", "pubdate": "date", "published_at": "date",
    "url": "url", "link": "url", "canonical_url": "url",
}

_HEADER_LINE_RE = re.compile(r"^([A-Za-z][A-Za-z _-]{0,30}?)\s*:\s*(.*?)\s*$")


def read_plain_text(text: str) -> ArticleContent:
    """A .txt article: an optional ``Title:/Author:/...`` header block, then the article."""
    fields, body = _split_header_block(text)
    title = fields.pop("title", None) or first_line_title(body)
    return ArticleContent(text=body, title=title, metadata=fields)


def first_line_title(text: str) -> str | None:
    """The first non-empty line when it is short enough to be a heading."""
    for line in text.split("\n"):
        line = " ".join(line.split())
        if line:
            return line if len(line) < MAX_TITLE_CHARS else None
    return None


def field_name(key: str) -> str | None:
    return FIELD_ALIASES.get(key.strip().lower().replace("-", "_").replace(" ", "_"))


def clean_value(value: str) -> str:
    """Strip surrounding quotes and a one-line YAML list's brackets."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1].strip()
    elif value.startswith("[") and value.endswith("]"):
        items = (clean_value(item) for item in value[1:-1].split(","))
        value = ", ".join(item for item in items if item)
    return value


def parse_key_values(lines: list[str]) -> dict[str, str]:
    """``key: value`` lines (a YAML subset: quoted values, ``[a, b]`` and ``- item`` lists)."""
    fields: dict[str, str] = {}
    list_key: str | None = None
    for line in lines:
        stripped = line.strip()
        if list_key and stripped.startswith("- "):
            item = clean_value(stripped[2:])
            if item:
                fields[list_key] = f"{fields[list_key]}, {item}" if fields.get(list_key) else item
            continue
        list_key = None
        match = _HEADER_LINE_RE.match(line)
        if not match or line[:1].isspace():
            continue
        name = field_name(match.group(1))
        if name is None:
            continue
        value = clean_value(match.group(2))
        if value:
            fields.setdefault(name, value)
        elif name not in fields:
            fields[name] = ""
            list_key = name  # "authors:" followed by "- A" lines
    return {key: value for key, value in fields.items() if value}


def _split_header_block(text: str) -> tuple[dict[str, str], str]:
    """Take a leading block of known ``Key: value`` lines ended by a blank line, if there is one."""
    lines = text.split("\n")
    block: list[str] = []
    for index, line in enumerate(lines):
        if not line.strip():
            if block:
                fields = parse_key_values(block)
                return fields, "\n".join(lines[index + 1:]).lstrip("\n")
            return {}, text
        match = _HEADER_LINE_RE.match(line)
        if not match or field_name(match.group(1)) is None:
            return {}, text
        block.append(line)
    return {}, text  # no blank line after it: these lines are the article itself
