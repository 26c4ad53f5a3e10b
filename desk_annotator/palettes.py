"""Label colour palettes and the colour maths to pick a new label's colour, without Qt.

A new label takes the palette colour that differs most from the colours already used in its
scheme: the one whose smallest CIEDE2000 difference (Sharma, Wu & Dalal 2005) to them is
largest. A colour in use is never offered again; once a palette is used up, candidates come
from a grid of sRGB colours of middle lightness (visible as a tint and as an underline on light
and dark backgrounds).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Palette:
    name: str
    title: str
    colors: tuple[str, ...]


PALETTES: dict[str, Palette] = {p.name: p for p in (
    # The bundled codebook's look: ColorBrewer Dark2, then Okabe-Ito.
    Palette("default", "Default (ColorBrewer Dark2, Okabe–Ito)",
            ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
             "#666666", "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00",
             "#cc79a7")),
    # Okabe & Ito (2008), "Color Universal Design"; black left out (it is the text colour).
    Palette("okabe_ito", "Okabe–Ito (colour-blind safe)",
            ("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7")),
    # Paul Tol, "Colour Schemes" (SRON/EPS/TN/09-002): bright and muted qualitative schemes.
    Palette("tol_bright", "Paul Tol bright (colour-blind safe)",
            ("#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb")),
    Palette("tol_muted", "Paul Tol muted (colour-blind safe)",
            ("#cc6677", "#332288", "#ddcc77", "#117733", "#88ccee", "#882255", "#44aa99",
             "#999933", "#aa4499")),
)}
DEFAULT_PALETTE = "default"

Lab = tuple[float, float, float]


# -- colour maths ------------------------------------------------------------------------------

def parse_hex(color: str) -> tuple[int, int, int] | None:
    """"#rrggbb" (or "#rgb", any case) -> (r, g, b); None if it is not such a colour."""
    text = color.strip().lstrip("#") if isinstance(color, str) else ""
    if len(text) == 3:
        text = "".join(ch * 2 for ch in text)
    if len(text) != 6:
        return None
    try:
        value = int(text, 16)
    except ValueError:
        return None
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


def to_hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _linear(channel: int) -> float:
    c = channel / 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


_WHITE = (0.95047, 1.0, 1.08883)  # D65, 2° observer


def _f(t: float) -> float:
    delta = 6.0 / 29.0
    return t ** (1.0 / 3.0) if t > delta ** 3 else t / (3 * delta * delta) + 4.0 / 29.0


def rgb_to_lab(rgb: tuple[int, int, int]) -> Lab:
    """sRGB (0-255) -> CIELAB (D65)."""
    r, g, b = (_linear(c) for c in rgb)
    x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b
    fx, fy, fz = _f(x / _WHITE[0]), _f(y / _WHITE[1]), _f(z / _WHITE[2])
    return 116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)


def hex_to_lab(color: str) -> Lab | None:
    rgb = parse_hex(color)
    return rgb_to_lab(rgb) if rgb else None


def _hue(b: float, a: float) -> float:
    return 0.0 if a == 0 and b == 0 else math.degrees(math.atan2(b, a)) % 360.0


def ciede2000(lab1: Lab, lab2: Lab) -> float:
    """CIEDE2000 colour difference (kL = kC = kH = 1), as in Sharma, Wu & Dalal (2005)."""
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2.0
    g = 0.5 * (1.0 - math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25.0 ** 7)))
    a1p, a2p = (1.0 + g) * a1, (1.0 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p, h2p = _hue(b1, a1p), _hue(b2, a2p)

    d_l = l2 - l1
    d_c = c2p - c1p
    if c1p * c2p == 0:
        d_h = 0.0
    else:
        d_h = h2p - h1p
        if d_h > 180.0:
            d_h -= 360.0
        elif d_h < -180.0:
            d_h += 360.0
    d_hh = 2.0 * math.sqrt(c1p * c2p) * math.sin(math.radians(d_h / 2.0))

    l_mean = (l1 + l2) / 2.0
    cp_mean = (c1p + c2p) / 2.0
    if c1p * c2p == 0:
        h_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180.0:
        h_mean = (h1p + h2p) / 2.0
    elif h1p + h2p < 360.0:
        h_mean = (h1p + h2p + 360.0) / 2.0
    else:
        h_mean = (h1p + h2p - 360.0) / 2.0

    t = (1.0 - 0.17 * math.cos(math.radians(h_mean - 30.0))
         + 0.24 * math.cos(math.radians(2.0 * h_mean))
         + 0.32 * math.cos(math.radians(3.0 * h_mean + 6.0))
         - 0.20 * math.cos(math.radians(4.0 * h_mean - 63.0)))
    d_theta = 30.0 * math.exp(-(((h_mean - 275.0) / 25.0) ** 2))
    r_c = 2.0 * math.sqrt(cp_mean ** 7 / (cp_mean ** 7 + 25.0 ** 7))
    s_l = 1.0 + 0.015 * (l_mean - 50.0) ** 2 / math.sqrt(20.0 + (l_mean - 50.0) ** 2)
    s_c = 1.0 + 0.045 * cp_mean
    s_h = 1.0 + 0.015 * cp_mean * t
    r_t = -math.sin(math.radians(2.0 * d_theta)) * r_c
    tl, tc, th = d_l / s_l, d_c / s_c, d_hh / s_h
    return math.sqrt(tl * tl + tc * tc + th * th + r_t * tc * th)


def delta_e(color1: str, color2: str) -> float:
    """CIEDE2000 between two "#rrggbb" colours."""
    lab1, lab2 = hex_to_lab(color1), hex_to_lab(color2)
    if lab1 is None or lab2 is None:
        raise ValueError(f"not a colour: {color1 if lab1 is None else color2!r}")
    return ciede2000(lab1, lab2)


# -- choosing colours --------------------------------------------------------------------------

def _grid() -> tuple[str, ...]:
    """Extra candidates once a palette is used up: the 6x6x6 sRGB cube, middle lightness."""
    steps = range(0, 256, 51)
    found = []
    for r in steps:
        for g in steps:
            for b in steps:
                lab = rgb_to_lab((r, g, b))
                if 30.0 <= lab[0] <= 80.0:
                    found.append(to_hex((r, g, b)))
    return tuple(found)


_GRID = _grid()


def palette_colors(name: str) -> tuple[str, ...]:
    return PALETTES.get(name, PALETTES[DEFAULT_PALETTE]).colors


def most_distinct(candidates: Iterable[str], used: Iterable[str]) -> str | None:
    """The candidate not in ``used`` whose smallest CIEDE2000 to the used colours is
    largest (ties: the earlier candidate); the first candidate when nothing is used."""
    used_labs = [lab for lab in (hex_to_lab(c) for c in used) if lab is not None]
    taken = {to_hex(rgb) for rgb in (parse_hex(c) for c in used) if rgb is not None}
    best, best_score = None, -1.0
    for color in candidates:
        rgb = parse_hex(color)
        if rgb is None or to_hex(rgb) in taken:
            continue
        if not used_labs:
            return to_hex(rgb)
        lab = rgb_to_lab(rgb)
        score = min(ciede2000(lab, other) for other in used_labs)
        if score > best_score:
            best, best_score = to_hex(rgb), score
    return best


def pick_color(palette: str, used: Iterable[str]) -> str:
    """The colour for a new label: the most distinct unused colour of ``palette`` (a name in
    PALETTES; unknown = default), beyond it the most distinct unused grid colour."""
    used = list(used)
    return (most_distinct(palette_colors(palette), used)
            or most_distinct(_GRID, used) or "#888888")


def recolor(palette: str, count: int) -> list[str]:
    """Colours for ``count`` labels of one scheme in their order: the palette in its order,
    then the most distinct unused colours. No colour appears twice."""
    colors: list[str] = []
    for color in palette_colors(palette):
        if len(colors) == count:
            return colors
        if color not in colors:
            colors.append(color)
    while len(colors) < count:
        colors.append(pick_color(palette, colors))
    return colors
