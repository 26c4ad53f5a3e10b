"""``desk-annotator retrieve | concordance | words``: coded segments, keyword in context and
word frequencies on the command line (the headless modules of ``analysis/``)."""

from __future__ import annotations

import json

import click

from .errors import DeskAnnotatorError
from .text_match import MatchOptions


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()] or None


def _one_line(text: str) -> str:
    return " ".join(text.split())


@click.command("retrieve")
@click.option("--labels", help="Comma-separated label names (stance or theme).")
@click.option("--all", "match_all", is_flag=True,
              help="Only segments carrying all of --labels (default: any of them).")
@click.option("--stance", help="Comma-separated stance names the segment's stance is one of.")
@click.option("--coder", "coders", help="Coder name(s), comma-separated; 'gold' for the "
                                        "adjudicated version (default: every coder).")
@click.option("--documents", help="Comma-separated document ids (default: all).")
@click.option("--set", "set_name", help="Only the documents of this document set.")
@click.option("--outlet", help="Comma-separated outlets.")
@click.option("--author", help="Comma-separated authors.")
@click.option("--language", help="Comma-separated language codes of the documents.")
@click.option("--from", "date_from", help="Documents dated on or after this ISO date.")
@click.option("--to", "date_to", help="Documents dated on or before this ISO date.")
@click.option("--where", help="One condition on a document variable, 'variable = value' "
                              "(built-in or custom; case-insensitive; empty value: not set).")
@click.option("--context", default="sentence", show_default=True,
              help="'sentence' (the enclosing sentence) or 'chars:N' (N characters each side).")
@click.option("--sort", default="document", show_default=True,
              help="document, label, coder or length; a leading - reverses (e.g. -length).")
@click.option("--group-by", type=click.Choice(["label", "document"]), default="label",
              show_default=True, help="Headings of a .docx export.")
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help=".docx (quotes to paste into a paper), .xlsx or .csv; lines to stdout if "
                   "omitted.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per segment (stdout).")
@click.pass_obj
def retrieve_cmd(obj, labels, match_all, stance, coders, documents, set_name, outlet, author,
                 language, date_from, date_to, where, context, sort, group_by, output,
                 as_json) -> None:
    """Coded segments with their context, filtered by labels, coders and document variables."""
    from .analysis.retrieve import RetrievalQuery, parse_context, retrieve
    from .analysis.retrieve_export import segment_row, write_segments
    from .document_sets import restrict_to_set

    document_ids = _split(documents)
    if set_name is not None:
        document_ids = restrict_to_set(obj.project(), set_name, document_ids)
    if where:
        from .analysis.retrieve_pages import documents_where, parse_condition
        condition = parse_condition(where)
        hits = documents_where(obj.project().q, condition) if condition else None
        if hits is not None:
            document_ids = hits if document_ids is None else [d for d in document_ids
                                                               if d in set(hits)]
    query = RetrievalQuery(labels=_split(labels), match_all=match_all, stances=_split(stance),
                           coders=_split(coders), documents=document_ids,
                           outlets=_split(outlet), authors=_split(author),
                           languages=_split(language), date_from=date_from, date_to=date_to,
                           context=parse_context(context), sort=sort)
    if match_all and not query.labels:
        raise click.BadParameter("--all needs --labels", param_hint="--all")
    segments = retrieve(obj.project().q, query)
    if output:
        parts = [f"labels: {' and '.join(query.labels) if match_all else ', '.join(query.labels)}"
                 if query.labels else "all labels",
                 f"coders: {', '.join(query.coders)}" if query.coders else "all coders"]
        click.echo(write_segments(output, segments, group_by=group_by,
                                  description="; ".join(parts)))
        return
    for s in segments:
        if as_json:
            click.echo(json.dumps(segment_row(s), ensure_ascii=False))
        else:
            click.echo(f"{s.document_id}\t{s.start}\t{s.end}\t{s.coder}\t"
                       f"{'; '.join(s.labels)}\t{_one_line(s.quote)}")
    click.echo(f"{len(segments)} segment{'s' if len(segments) != 1 else ''}", err=True)


@click.command("concordance")
@click.argument("pattern")
@click.option("--width", type=click.IntRange(min=0), default=40, show_default=True,
              help="Characters of context on each side.")
@click.option("--sort", type=click.Choice(["document", "left", "right"]), default="document",
              show_default=True, help="Order of the lines.")
@click.option("--regex", is_flag=True, help="PATTERN is a Python regular expression.")
@click.option("--whole-word", is_flag=True, help="Only matches that are whole words.")
@click.option("--case-sensitive", is_flag=True, help="Match case (default: case folding).")
@click.option("--no-fold-quotes", is_flag=True, help="Straight and curly quotes differ.")
@click.option("--no-fold-dashes", is_flag=True, help="Hyphen and dashes differ.")
@click.option("--fold-diacritics", is_flag=True, help="Ignore accents: e matches é.")
@click.option("--documents", help="Comma-separated document ids (default: all).")
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help=".csv or .xlsx; aligned lines to stdout if omitted.")
@click.pass_obj
def concordance_cmd(obj, pattern, width, sort, regex, whole_word, case_sensitive,
                    no_fold_quotes, no_fold_dashes, fold_diacritics, documents, output) -> None:
    """Keyword in context: every match of PATTERN with the text left and right of it."""
    from .analysis.concordance import CONCORDANCE_COLUMNS, concordance
    from .analysis.retrieve_export import write_table_csv, write_table_xlsx

    options = MatchOptions(case_sensitive=case_sensitive, fold_quotes=not no_fold_quotes,
                           fold_dashes=not no_fold_dashes, fold_diacritics=fold_diacritics,
                           whole_word=whole_word, regex=regex)
    lines = concordance(obj.project().q, pattern, options, width=width, sort=sort,
                        documents=_split(documents))
    if output:
        suffix = output.lower().rsplit(".", 1)[-1]
        writer = {"csv": write_table_csv, "xlsx": write_table_xlsx}.get(suffix)
        if writer is None:
            raise DeskAnnotatorError(f"{output}: write .csv or .xlsx")
        kwargs = {"sheet": "concordance"} if suffix == "xlsx" else {}
        n = writer(output, CONCORDANCE_COLUMNS, (ln.row() for ln in lines), **kwargs)
        click.echo(f"{n} line{'s' if n != 1 else ''} written to {output}")
        return
    for ln in lines:
        click.echo(f"{ln.left:>{width}} [{_one_line(ln.match)}] {ln.right}")
    click.echo(f"{len(lines)} line{'s' if len(lines) != 1 else ''}", err=True)


@click.command("words")
@click.option("--top", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--language", help="Stop-word list: en de fr es tr zh, or none (default: each "
                                 "document's own language).")
@click.option("--documents", help="Comma-separated document ids (default: all).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help=".csv or .xlsx.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def words_cmd(obj, top, language, documents, output, as_json) -> None:
    """Word frequencies (count and number of documents) without stop words."""
    from .analysis.concordance import WORD_COLUMNS, word_frequencies
    from .analysis.retrieve_export import write_table_csv, write_table_xlsx
    from .analysis.stopwords import LANGUAGES

    if language and language != "none" and language.split("-")[0].lower() not in LANGUAGES:
        raise click.BadParameter(f"one of {', '.join(LANGUAGES)} or none",
                                 param_hint="--language")
    rows = word_frequencies(obj.project().q, documents=_split(documents), language=language,
                            top=top)
    if output:
        suffix = output.lower().rsplit(".", 1)[-1]
        writer = {"csv": write_table_csv, "xlsx": write_table_xlsx}.get(suffix)
        if writer is None:
            raise DeskAnnotatorError(f"{output}: write .csv or .xlsx")
        kwargs = {"sheet": "words"} if suffix == "xlsx" else {}
        click.echo(f"{writer(output, WORD_COLUMNS, rows, **kwargs)} words written to {output}")
    elif as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for row in rows:
            click.echo(f"{row['count']:>7}  {row['documents']:>5}  {row['word']}")


COMMANDS = (retrieve_cmd, concordance_cmd, words_cmd)
