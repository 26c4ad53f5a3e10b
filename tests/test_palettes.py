"""Palettes and colour maths: published values, CIEDE2000 against Sharma et al. (2005),
and the most distinct unused colour for a new label."""

from __future__ import annotations

import pytest

from desk_annotator import palettes
from desk_annotator.palettes import ciede2000, delta_e, pick_color, recolor, rgb_to_lab

# Test pairs from Sharma, Wu & Dalal (2005), Table 1: (Lab1, Lab2, ΔE00).
SHARMA = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, 2.8361, -74.0200), (50.0, 0.0, -82.7485), 3.4412),
    ((50.0, -1.3802, -84.2814), (50.0, 0.0, -82.7485), 1.0000),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
    ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
    ((50.0, 2.5, 0.0), (58.0, 24.0, 15.0), 19.4535),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


@pytest.mark.parametrize(("lab1", "lab2", "expected"), SHARMA)
def test_ciede2000_matches_sharma_pairs(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)  # symmetric


def test_srgb_to_lab_reference_values():
    assert rgb_to_lab((255, 255, 255)) == pytest.approx((100.0, 0.0, 0.0), abs=1e-2)
    assert rgb_to_lab((255, 0, 0)) == pytest.approx((53.24, 80.09, 67.20), abs=0.02)
    assert rgb_to_lab((0, 0, 255)) == pytest.approx((32.30, 79.19, -107.86), abs=0.02)
    assert delta_e("#123456", "#123456") == 0.0


def test_published_palette_values():
    assert palettes.PALETTES["okabe_ito"].colors == (
        "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7")
    assert palettes.PALETTES["tol_bright"].colors == (
        "#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb")
    assert palettes.PALETTES["tol_muted"].colors == (
        "#cc6677", "#332288", "#ddcc77", "#117733", "#88ccee", "#882255", "#44aa99",
        "#999933", "#aa4499")
    for palette in palettes.PALETTES.values():
        assert len(set(palette.colors)) == len(palette.colors)


def test_new_colour_never_reuses_one_in_use():
    # The bug: with four themes, the count-based pick gave #0072b2 to a fifth label although
    # "safety" already had it.
    used = ["#E69F00", "#0072B2", "#009E73", "#56B4E9"]
    new = pick_color("okabe_ito", used)
    assert new.lower() not in {c.lower() for c in used}
    used = list(used)
    for _ in range(30):  # long past the palette's end: still never a colour in use
        new = pick_color("okabe_ito", used)
        assert new not in used
        used.append(new)


def test_pick_maximises_the_smallest_difference():
    used = ["#0072b2", "#56b4e9"]  # two blues
    choice = pick_color("okabe_ito", used)
    def score(c):
        return min(delta_e(c, u) for u in used)
    candidates = [c for c in palettes.PALETTES["okabe_ito"].colors if c not in used]
    assert score(choice) == max(score(c) for c in candidates)
    assert score(choice) > score("#009e73")  # not merely the next in the list
    assert pick_color("tol_muted", []) == "#cc6677"  # nothing used: the first colour


def test_recolor_follows_the_palette_then_stays_distinct():
    colours = recolor("tol_bright", 10)
    assert colours[:7] == list(palettes.PALETTES["tol_bright"].colors)
    assert len(set(colours)) == 10
    assert recolor("unknown-name", 2) == list(palettes.PALETTES["default"].colors[:2])


def test_recolor_labels_is_one_undoable_step(tmp_path):
    from desk_annotator.ops import RecolorLabels
    from desk_annotator.project import Project

    project = Project(tmp_path / "p.sqlite")
    try:
        a = project.add_label("themes", "a", color="#111111")
        b = project.add_label("themes", "b", color="#222222")
        new = dict(zip([a.id, b.id], recolor("okabe_ito", 2), strict=True))
        assert project.run(RecolorLabels(new)) == 2
        assert [lb.color for lb in project.q.labels()] == ["#e69f00", "#56b4e9"]
        project.undo()
        assert [lb.color for lb in project.q.labels()] == ["#111111", "#222222"]
    finally:
        project.close()
