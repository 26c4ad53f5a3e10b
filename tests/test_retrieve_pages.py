"""Retrieval a page at a time (analysis/retrieve_pages.py, store/segment_queries.py): the same
segments, context and chosen labels as the whole-result retrieve(), in every order, and the
variable and set conditions, on a small hand-made project."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from desk_annotator.analysis.retrieve import RetrievalError, RetrievalQuery, retrieve
from desk_annotator.analysis.retrieve_pages import pager_for, parse_condition
from desk_annotator.ops_sets import CreateSet
from desk_annotator.ops_variables import DefineVariable, SetVariableValues

TEXT = "One two three. Four five six! Seven eight nine? Ten."


@pytest.fixture
def coded(project):
    a, b = project.ensure_coder("ann"), project.ensure_coder("bea")
    pro = project.add_label("stance", "pro")
    con = project.add_label("stance", "con")
    x = project.add_label("themes", "x")
    y = project.add_label("themes", "y")
    both = project.add_label("themes", "pro")  # a theme with a stance's name: both count
    project.add_documents([SimpleNamespace(title="D1", text=TEXT, metadata={"outlet": "Post"}),
                           SimpleNamespace(title="D2", text=TEXT + " ", metadata={"outlet": "Sun"})])
    d1, d2 = (d.id for d in project.q.document_infos())
    spans = [(d1, a, 0, 3, pro, [x]), (d1, b, 4, 7, con, [x, y]), (d1, a, 15, 19, None, [y]),
             (d2, b, 0, 3, con, [both]), (d2, a, 30, 35, pro, []), (d2, b, 48, 51, None, [x])]
    made = [project.add_annotation(d, c.id, s, e, stance_id=st.id if st else None,
                                   theme_ids=[t.id for t in th]) for d, c, s, e, st, th in spans]
    project.run(DefineVariable("wave", "number"))
    project.run(SetVariableValues([(d2, "wave", "2")], "Set wave"))
    return project, d1, d2, [m.id for m in made]


QUERIES = [RetrievalQuery(), RetrievalQuery(labels=["x", "y"]),
           RetrievalQuery(labels=["x", "y"], match_all=True), RetrievalQuery(labels=["pro"]),
           RetrievalQuery(stances=["con"], coders=["bea"], context=4),
           RetrievalQuery(outlets=["sun"])]


@pytest.mark.parametrize("query", QUERIES)
def test_pages_equal_the_whole_result(coded, query):
    project = coded[0]
    whole = retrieve(project.q, query)
    pager = pager_for(project.q, query, page_size=2)
    paged = list(pager)
    assert pager.total == len(whole)
    assert [(s.annotation_id, s.context, s.chosen) for s in paged] == \
        [(s.annotation_id, s.context, s.chosen) for s in whole]


def test_hand_worked_selections_and_orders(coded):
    project, d1, _d2, ids = coded
    q = project.q
    got = lambda **kw: [s.annotation_id for s in pager_for(q, **kw)]
    # "pro" is a stance and a theme: spans 0 and 4 have the stance, span 3 the theme.
    assert got(query=RetrievalQuery(labels=["pro"])) == [ids[0], ids[3], ids[4]]
    assert got(query=RetrievalQuery(labels=["x", "y"], match_all=True)) == [ids[1]]
    # Lengths 3, 3, 4, 3, 5, 3: shortest first, ties in corpus order.
    assert got(query=RetrievalQuery(), sort="length") == \
        [ids[0], ids[1], ids[3], ids[5], ids[2], ids[4]]
    assert got(query=RetrievalQuery(), sort="coder", descending=True)[:3] == \
        [ids[5], ids[3], ids[1]]  # bea's, corpus order reversed
    assert got(query=RetrievalQuery(), condition=parse_condition("wave = 2")) == ids[3:]
    assert got(query=RetrievalQuery(), condition=("wave", "")) == ids[:3]  # not set
    project.run(CreateSet("first", [d1]))
    assert got(query=RetrievalQuery(coders=["ann"]), set_name="first") == [ids[0], ids[2]]
    with pytest.raises(RetrievalError):
        parse_condition("wave 2")
    with pytest.raises(RetrievalError):
        pager_for(q, RetrievalQuery(labels=["nope"]))


def test_cli_retrieve_where_a_variable_has_a_value(coded, capsys):
    from desk_annotator.cli import main

    project, _d1, _d2, ids = coded
    path = str(project.path)

    def run(*args):
        with pytest.raises(SystemExit) as stop:
            main(["--project", path, "retrieve", *args, "--json"])
        out, err = capsys.readouterr()
        return stop.value.code, [json.loads(line)["annotation_id"] for line in out.splitlines()], err

    assert run("--where", "wave = 2") == (0, ids[3:], "3 segments\n")
    assert run("--where", "OUTLET = post", "--coder", "ann")[1] == [ids[0], ids[2]]
    code, _rows, err = run("--where", "wave 2")
    assert code == 1 and "variable = value" in err
