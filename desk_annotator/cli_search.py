"""``desk-annotator search PATTERN``: the corpus search of the GUI on the command line.

One line per match: document id, start, end (code points) and the context with whitespace
collapsed, tab-separated; ``--json`` writes one JSON object per line instead. A summary goes
to stderr. An invalid regex is one line on stderr, exit 1.
"""

from __future__ import annotations

import json

import click

from .corpus_search import DEFAULT_LIMIT, search_corpus
from .text_match import MatchOptions


def _one_line(text: str) -> str:
    return " ".join(text.split())


@click.command("search")
@click.argument("pattern")
@click.option("--regex", is_flag=True, help="PATTERN is a Python regular expression.")
@click.option("--whole-word", is_flag=True, help="Only matches that are not part of a longer word.")
@click.option("--case-sensitive", is_flag=True, help="Match case (default: Unicode case folding).")
@click.option("--no-fold-quotes", is_flag=True,
              help="Straight and curly quotes/apostrophes are different characters.")
@click.option("--no-fold-dashes", is_flag=True, help="Hyphen, en dash, em dash… are different.")
@click.option("--fold-diacritics", is_flag=True, help="Ignore accents: e matches é.")
@click.option("--limit", type=click.IntRange(min=1), default=DEFAULT_LIMIT, show_default=True,
              help="Stop after this many matches.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per match.")
@click.pass_obj
def search_cmd(obj, pattern: str, regex: bool, whole_word: bool, case_sensitive: bool,
               no_fold_quotes: bool, no_fold_dashes: bool, fold_diacritics: bool, limit: int,
               as_json: bool) -> None:
    """Find PATTERN in every document: id, start, end and context of each match."""
    options = MatchOptions(case_sensitive=case_sensitive, fold_quotes=not no_fold_quotes,
                           fold_dashes=not no_fold_dashes, fold_diacritics=fold_diacritics,
                           whole_word=whole_word, regex=regex)
    hits = search_corpus(obj.project().q, pattern, options, limit=limit)
    for hit in hits:
        if as_json:
            record = {k: hit[k] for k in ("document_id", "title", "start", "end", "context")}
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            click.echo(f"{hit['document_id']}\t{hit['start']}\t{hit['end']}\t"
                       f"{_one_line(hit['context'])}")
    docs = len({h["document_id"] for h in hits})
    more = " (limit reached)" if len(hits) >= limit else ""
    click.echo(f"{len(hits)} match{'es' if len(hits) != 1 else ''} in {docs} "
               f"document{'s' if docs != 1 else ''}{more}", err=True)
