"""``name:value`` (or ``name=value``) terms in the document list's search box; no Qt, no SQL.

The search text is split into words (quotes keep a name with spaces together: ``"source
type":blog``). A word whose part before the first ``:`` or ``=`` names a variable, built-in or
custom, is a variable term; every other word is free text, matched as before against title and
metadata. A word whose name part is no variable stays free text (a URL such as ``https://x``
still finds its document) and is reported, so the box can say why nothing matched.

How a term matches a document's value depends on the variable's type: a number equals the
term read as a number (``pages:3`` finds 3 and 3.0), a category equals the term, a date starts
with it (``date:2024-03`` is March 2024), a text contains it. Text comparisons fold case with
the project's one matcher (text_match.fold).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from .errors import OperationError
from .text_match import fold
from .variables import Variable, parse_value


@dataclass(frozen=True)
class VariableTerm:
    variable: Variable
    wanted: str  # as typed


@dataclass
class ParsedSearch:
    words: list[str] = field(default_factory=list)  # case-folded free-text words
    terms: list[VariableTerm] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # name parts that are no variable


def split_words(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    lexer.escape = ""  # a backslash is an ordinary character in a search
    try:
        return list(lexer)
    except ValueError:  # an unclosed quote while typing: plain words
        return text.split()


def _name_and_value(word: str) -> tuple[str, str] | None:
    cut = min((i for i in (word.find(":"), word.find("=")) if i > 0), default=-1)
    if cut <= 0 or cut == len(word) - 1:
        return None
    return word[:cut], word[cut + 1:]


def parse_search(text: str, variables: list[Variable]) -> ParsedSearch:
    """The search ``text`` as free-text words and variable terms (names matched exactly,
    else case-insensitively)."""
    exact = {v.name: v for v in variables}
    folded = {fold(v.name): v for v in variables}
    out = ParsedSearch()
    for word in split_words(text):
        parts = _name_and_value(word)
        if parts is not None:
            name, wanted = parts
            var = exact.get(name) or folded.get(fold(name))
            if var is not None:
                out.terms.append(VariableTerm(var, wanted))
                continue
            out.unknown.append(name)
        out.words.append(word.casefold())  # as the list's free-text search always did
    return out


def term_matcher(term: VariableTerm) -> Any:
    """A function value -> bool for one term (built once per search, run per document)."""
    var = term.variable
    if var.type == "number":
        try:
            wanted = parse_value(var, term.wanted)
        except OperationError:
            return lambda value: False  # "pages:many" matches no number
        return lambda value: value is not None and str(value) == wanted
    want = fold(term.wanted)
    if var.type == "category":
        return lambda value: value is not None and fold(str(value)) == want
    if var.type == "date":
        return lambda value: value is not None and fold(str(value)).startswith(want)
    return lambda value: value is not None and want in fold(str(value))


def unknown_hint(unknown: list[str], variables: list[Variable]) -> str:
    """One line for the search box's tooltip; "" when every name was known."""
    if not unknown:
        return ""
    names = ", ".join(v.name for v in variables)
    return (f"No variable named {', '.join(repr(n) for n in unknown)} (searched as text). "
            f"Variables: {names}")
