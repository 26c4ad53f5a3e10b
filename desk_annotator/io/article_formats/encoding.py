"""Decode the bytes of a text file, and say which encoding was used and how sure we are.

Order: a forced encoding; a byte-order mark (UTF-8/16/32); UTF-16/32 without a BOM when the
NUL-byte pattern is unmistakable; ISO-2022-JP by its escapes; strict UTF-8; an encoding the
file declares (HTML ``<meta charset>``, read the way browsers read it); then detection among
the legacy encodings articles arrive in (plus charset-normalizer's own suggestions).

Detection never takes a statistical detector's word alone: every candidate that decodes is
scored by how plausible its text is to a reader — letters that belong together in one
language (``Déjà … naïve café`` is French, ``Déją … naļve`` is no language), no C1 control or
private-use characters, no symbols wedged inside words, one script per word, Han characters
that are common in the candidate's own character set, kana in Japanese, spaces between Korean
words — plus a prior per encoding (cp1252 is the most common legacy page; a reading that is
equally clean in cp1250 does not beat it) and a bonus for the encodings of the language the
text's frequent ASCII words point to ("je v za": Central European). Candidates that give the
same text count as one. The winner is *confident* when it scores clearly above the best
candidate that reads differently, otherwise a *low confidence* guess, and the caller reports
it so (with the alternative) instead of importing mojibake silently. Bytes that no candidate
reads as text are refused as binary.

Most articles are UTF-8, so the common case costs one strict decode.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from desk_annotator.errors import FormatError

# Longest BOM first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 controls other than tab, LF, VT, FF, CR; their presence marks decoded binary data.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_HIGH_BYTE_RE = re.compile(rb"[\x80-\xff]")
_HTML_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)

BINARY_REASON = "binary content (not a text file)"

# Confidence words, as reported.
CERTAIN = "certain"          # a byte-order mark, or valid UTF-8
CONFIDENT = "confident"      # clear evidence (NUL pattern, a declaration, a clear winner)
LOW = "low confidence"       # a guess among readings that differ
FORCED = "forced"            # the caller named the encoding

# Legacy candidates in order of preference (identical readings go to the first), with the
# family that decides how their Han characters are judged, a prior and a description for the
# report. The prior is how much more often articles arrive in that encoding than in the
# others, in plausibility points: it decides between readings that are equally clean (a
# French sentence reads cleanly in cp1252 and, with ŕ and ď, in cp1250) and counts towards
# the margin. Variants that usually decode to the same text follow their base.
_CANDIDATES: tuple[tuple[str, str, float, str], ...] = (
    ("cp1252", "latin", 2.0, "Western European"),
    ("iso8859-1", "latin", 1.5, "Western European, ISO-8859-1"),
    ("iso8859-15", "latin", -0.5, "Western European, ISO-8859-15"),
    ("cp1250", "latin", 0.0, "Central European"),
    ("iso8859-2", "latin", -0.5, "Central European, ISO-8859-2"),
    ("cp1251", "cyrillic", 0.0, "Cyrillic"),
    ("koi8-r", "cyrillic", -0.5, "Cyrillic, KOI8-R"),
    ("gb18030", "zh-hans", 0.5, "Chinese, simplified"),
    ("big5", "zh-hant", 0.0, "Chinese, traditional"),
    ("cp950", "zh-hant", -0.1, "Chinese, traditional (Windows)"),
    ("shift_jis", "ja", 0.0, "Japanese, Shift-JIS"),
    ("cp932", "ja", -0.1, "Japanese, Shift-JIS (Windows)"),
    ("euc_jp", "ja", -0.5, "Japanese, EUC-JP"),
    ("euc_kr", "ko", 0.0, "Korean"),
    ("cp949", "ko", -0.1, "Korean (Windows)"),
    ("cp1253", "greek", 0.0, "Greek"),
    ("iso8859-7", "greek", -0.5, "Greek, ISO-8859-7"),
    ("cp1254", "latin", -0.3, "Turkish"),
    ("cp1257", "latin", -1.0, "Baltic"),
    ("cp1255", "other", -0.5, "Hebrew"),
    ("cp1256", "other", -0.5, "Arabic"),
    ("cp874", "other", -0.5, "Thai"),
    ("mac-roman", "latin", -1.5, "Western European, Mac OS Roman"),
)
_UNLISTED_PRIOR = -2.5  # an encoding only charset-normalizer suggested: must clearly win
_KNOWN = {name: (family, prior, about) for name, family, prior, about in _CANDIDATES}
_DESCRIPTIONS = {
    "utf-8": "Unicode", "utf-16-le": "Unicode", "utf-16-be": "Unicode", "utf-16": "Unicode",
    "utf-32-le": "Unicode", "utf-32-be": "Unicode", "utf-32": "Unicode",
    "iso2022_jp": "Japanese, ISO-2022-JP", "ascii": "ASCII",
    **{name: about for name, (_, _, about) in _KNOWN.items()},
}

# What browsers read for a declared charset (WHATWG Encoding): a page that says ISO-8859-1 or
# ASCII is read as windows-1252, GB2312 as GB18030, and so on.
_DECLARED_AS = {
    "iso8859-1": "cp1252", "ascii": "cp1252", "latin-1": "cp1252", "iso8859-9": "cp1254",
    "gb2312": "gb18030", "gbk": "gb18030", "shift_jis": "cp932", "euc_kr": "cp949",
    "big5": "cp950", "tis-620": "cp874", "iso8859-11": "cp874",
}

# A sample this long (bytes, cut at a line end) is scored; the winner decodes the whole file.
_SAMPLE_BYTES = 32 * 1024
# The winner must beat the best reading that differs by this much to be called confident.
_MARGIN = 2.0
# Below this score per non-ASCII byte even the best reading is gibberish: not a text file.
_GARBLED_PER_BYTE = -0.5


@dataclass(frozen=True)
class Decoded:
    """Text decoded from a file, with the encoding used and how it was chosen."""

    text: str
    encoding: str  # a Python codec name (``codecs.lookup(name).name``): "utf-8", "cp1252", ...
    confidence: str  # CERTAIN, CONFIDENT, LOW or FORCED
    how: str = ""  # why: "byte-order mark", "declared in the file", ... ("" for detection)
    alternative: str | None = None  # for LOW: the best candidate that reads differently

    @property
    def confident(self) -> bool:
        return self.confidence != LOW

    def describe(self) -> str:
        """``read as cp1252 (Western European), confident`` — what the import summary says."""
        about = [_DESCRIPTIONS.get(self.encoding, "")]
        if self.how:
            about.append(self.how)
        inner = "; ".join(a for a in about if a)
        head = f"read as {self.encoding}" + (f" ({inner})" if inner else "")
        if self.confidence == LOW:
            other = (f"; {self.alternative} ({_DESCRIPTIONS.get(self.alternative, 'another')}) "
                     "reads differently") if self.alternative else ""
            return f"{head}, guessed, low confidence{other} — use --encoding to force"
        return f"{head}, {self.confidence}"


def resolve_encoding(name: str) -> str:
    """The codec name for a user-given encoding name; FormatError with one line if unknown.

    Use it once for a command-line ``--encoding NAME`` before reading any file."""
    cleaned = (name or "").strip()
    try:
        info = codecs.lookup(cleaned)
    except (LookupError, ValueError):
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise FormatError(f"unknown text encoding {cleaned!r} (for example utf-8, cp1252, "
                          "cp1250, cp1251, latin-1, shift_jis, gb18030, big5, euc_kr, utf-16)")
    return info.name


def decode_bytes(data: bytes, *, declared_encoding: str | None = None,
                 encoding: str | None = None) -> str:
    """Decode a text file's bytes; raise FormatError when they are not text.

    Same as :func:`decode_text` but returns only the text."""
    return decode_text(data, declared_encoding=declared_encoding, encoding=encoding).text


def decode_text(data: bytes, *, declared_encoding: str | None = None,
                encoding: str | None = None) -> Decoded:
    """Decode a text file's bytes and say how; raise FormatError when they are not text.

    ``encoding`` forces a codec (an unknown name or bytes that are not valid in it are
    refused). ``declared_encoding`` (e.g. an HTML ``<meta charset>``) is tried after BOMs and
    strict UTF-8, before detection. The text keeps its BOM-free content as is (no
    normalisation)."""
    if encoding is not None:
        return _forced(data, resolve_encoding(encoding))
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(name)
            except UnicodeDecodeError:
                raise FormatError(f"starts with a {name} byte-order mark but is not "
                                  f"valid {name}") from None
            return Decoded(_checked(text), name, CERTAIN, "byte-order mark")
    bomless = _bomless_utf16_32(data)
    if bomless is not None:
        text, name = bomless
        return Decoded(_checked(text), name, CONFIDENT, "no byte-order mark, NUL-byte pattern")
    if b"\x00" in data:
        raise FormatError(BINARY_REASON)
    if (b"\x1b$B" in data or b"\x1b$@" in data) and data.isascii():
        try:  # ISO-2022-JP: 7-bit Japanese (mail, old news feeds), told by its escapes
            return Decoded(_checked(data.decode("iso2022_jp")), "iso2022_jp", CONFIDENT,
                           "escape sequences")
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        how = "plain ASCII" if data.isascii() else ""
        return Decoded(_checked(text), "utf-8", CERTAIN, how)
    if declared_encoding:
        declared = _declared(data, declared_encoding)
        if declared is not None:
            return declared
    return _detect(data)


def html_declared_encoding(data: bytes) -> str | None:
    """The charset an HTML file declares in a ``<meta>`` tag near its start, if any."""
    match = _HTML_CHARSET_RE.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def _forced(data: bytes, name: str) -> Decoded:
    try:
        text = data.decode(name)
    except UnicodeDecodeError as error:
        raise FormatError(f"is not valid {name}: byte 0x{data[error.start]:02x} at offset "
                          f"{error.start} cannot be decoded (choose another encoding)") from None
    return Decoded(_checked(text.removeprefix("\ufeff")), name, FORCED)


def _declared(data: bytes, declared: str) -> Decoded | None:
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        return None  # an unknown declaration: fall back to detection
    name = _DECLARED_AS.get(name, name)
    if name.startswith(("utf-16", "utf-32", "utf-8")):
        return None  # not UTF-8 (tried above) and no UTF-16 NULs: the declaration is wrong
    try:
        text = data.decode(name)
    except UnicodeDecodeError:
        return None
    return Decoded(_checked(text), name, CONFIDENT, f"declared {declared} in the file")


# --- detection -------------------------------------------------------------------------------

def _detect(data: bytes) -> Decoded:
    sample = _sample(data)
    # Identical readings are one candidate, named by its first (preferred) codec.
    groups: dict[str, list[str]] = {}
    for name in _candidate_names(sample):
        try:
            groups.setdefault(sample.decode(name), []).append(name)
        except UnicodeDecodeError:
            continue
    group = _language_group(sample)
    hinted = _GROUP_ENCODINGS.get(group or "", frozenset())
    scored: list[tuple[float, list[str]]] = []
    for text, names in groups.items():
        family = _KNOWN[names[0]][0] if names[0] in _KNOWN else "other"
        prior = max(_KNOWN[n][1] if n in _KNOWN else _UNLISTED_PRIOR for n in names)
        if hinted.intersection(names):
            prior += _HINT_BONUS
        scored.append((_plausibility(text, family, group) + prior, names))
    scored.sort(key=lambda item: item[0], reverse=True)
    high = sum(1 for byte in sample if byte >= 0x80)
    if scored and high >= 16 and scored[0][0] < _GARBLED_PER_BYTE * high:
        raise FormatError(f"{BINARY_REASON}: no known encoding reads it as text "
                          "(use --encoding to force one)")
    for index, (score, names) in enumerate(scored):
        for name in names:
            try:
                text = _checked(data.decode(name))
            except UnicodeDecodeError:
                continue  # fine on the sample, not on the whole file
            except FormatError:
                break  # control characters in this reading: try the next candidate
            runner_up = next((item for k, item in enumerate(scored) if k != index), None)
            if runner_up is None:
                confident = score > 0
            else:
                confident = score > 0 and score - runner_up[0] >= _MARGIN
            if confident:
                return Decoded(text, name, CONFIDENT)
            return Decoded(text, name, LOW, alternative=runner_up[1][0] if runner_up else None)
    raise FormatError(BINARY_REASON)


def _sample(data: bytes) -> bytes:
    """The bytes to score: from the line holding the first non-ASCII byte, about 64 KiB,
    cut at a line end (no legacy encoding uses 0x0A inside a character)."""
    found = _HIGH_BYTE_RE.search(data)
    first = found.start() if found else 0
    start = data.rfind(b"\n", 0, first) + 1
    if len(data) - start <= _SAMPLE_BYTES:
        return data[start:]
    end = data.rfind(b"\n", start, start + _SAMPLE_BYTES)
    if end <= start:
        end = data.find(b"\n", start + _SAMPLE_BYTES)
        end = len(data) if end < 0 else end
    return data[start:end]


def _candidate_names(sample: bytes) -> list[str]:
    """Our candidates, then the top suggestions of charset-normalizer (for what we do not
    list: it knows more code pages; UTF-16/32 readings are excluded, see _bomless_utf16_32)."""
    names = [name for name, *_ in _CANDIDATES]
    try:
        from charset_normalizer import (
            from_bytes,  # slow to import: only for legacy files
        )
    except ImportError:  # pragma: no cover - a declared dependency
        return names
    for match in list(from_bytes(sample))[:3]:
        try:
            name = codecs.lookup(match.encoding).name
        except LookupError:
            continue
        if name not in names and not name.startswith(("utf", "cp0", "cp1140", "cp500")):
            names.append(name)
    return names


# --- plausibility ----------------------------------------------------------------------------

# For each (group of) language(s): the letters beyond ASCII it uses, frequent ones then (after
# "|") rare ones; some of its most frequent words; and the encodings its texts arrive in.
# Frequent words written in ASCII say which language a text is in, whatever the reading, and
# so favour that language's encodings (a Slovene "je v za" text is cp1250: "č", not "è");
# frequent words with other letters are evidence for the reading that has them.
_LANGUAGE_SPECS: tuple[tuple[str, str, str], ...] = (
    ("éèàçêâôîû|ëïüùÿœæ", "le la les des est une du et en que qui pour dans pas au sur à où",
     "western"),  # French
    ("äöüß|", "der die das und ist nicht zu den von mit sich auf für dem ein eine über",
     "western"),  # German
    ("áéíñóú|ü", "el la los las del que y en se por con para una es más también",
     "western"),  # Spanish
    ("ãáàâçéêíóôõú|", "o os da do das dos que em um uma para com não é são também as ao no na mas",
     "western"),  # Portuguese
    ("àèéìòù|íîó", "il di che la per non del della un una sono è più anche gli",
     "western"),  # Italian
    ("àèéíòóúç|ïü", "el la els les de que i amb per una és més", "western"),  # Catalan
    ("ëéï|èáóöüê", "de het een en van is dat op te niet zijn voor met ook",
     "western"),  # Dutch, Afrikaans
    ("åäöæø|é", "och att det som en på är av för med og er til ikke jeg har den ja",
     "western"),  # Scandinavian, Finnish
    ("áéíóúýþðæö|", "og að er í á sem ekki við til", "western"),  # Icelandic, Faroese
    ("áéíóú|", "agus an na ar is le", "western"),  # Irish
    ("çë|", "në të dhe një për me", "western"),  # Albanian
    ("|", "the and of to in is that for it was on with as", "western"),  # English
    ("ąćęłńóśźż|", "w i z na się nie że do to jest jak od po przez dla", "central"),  # Polish
    ("áčéěířšúůýž|ďňťó", "a v je se na že to s z o ve ze pro jako by", "central"),  # Czech
    ("áčéíšťýžôú|äďĺľňóŕ", "a v je sa na že to s z o vo zo pre ako by", "central"),  # Slovak
    ("áéíóöőúüű|", "a az és hogy nem is egy meg csak volt", "central"),  # Hungarian
    ("ăâîșț|şţ", "și în de la că cu nu pe un o din este", "central"),  # Romanian
    ("čćđšž|", "je u i da na se za su od ne v in pa so", "central"),  # Croatian, Slovene..
    ("ąčęėįšųūž|", "ir kad tai į su yra iš bet kaip", "baltic"),  # Lithuanian
    ("āčēīšūž|ģķļņ", "un ir par kas ar uz no bet arī", "baltic"),  # Latvian
    ("äõöü|šž", "ja on ei et see oli ka kui aga", "baltic"),  # Estonian
    ("çğıöşü|âîû", "ve bir bu da de için ile çok ne daha", "turkish"),  # Turkish
    ("àáâãèéêìíòóôõùúýăđĩũơư|", "và của là có không được cho", "vietnamese"),  # Vietnamese
)
_GROUP_ENCODINGS = {
    "western": frozenset({"cp1252", "iso8859-1", "iso8859-15", "mac-roman"}),
    "central": frozenset({"cp1250", "iso8859-2"}),
    "baltic": frozenset({"cp1257"}),
    "turkish": frozenset({"cp1254"}),
    "vietnamese": frozenset({"cp1258"}),
}
_LANGUAGES: tuple[tuple[frozenset[str], frozenset[str], frozenset[str], str], ...] = tuple(
    (frozenset(letters.partition("|")[0]), frozenset(letters.partition("|")[2]),
     frozenset(words.split()), group)
    for letters, words, group in _LANGUAGE_SPECS)
_NON_ASCII_STOPWORDS = frozenset(w for _, _, words, _ in _LANGUAGES for w in words
                                 if not w.isascii())
_OWN_LETTER_GROUPS = frozenset({"central", "baltic", "turkish"})
_HINT_MIN_WORDS = 3  # frequent ASCII words needed before a language group is trusted
_HINT_BONUS = 2.0  # for the encodings of the language group the text's words point to
_STOPWORD_CAP = 8  # non-ASCII frequent words counted, one point each
_RARE_LETTER = 0.4  # what a covered rare letter earns (a frequent one earns 1)
_FOREIGN_LETTER = -3.5  # a letter the best-fitting language does not use
# Frequent letters (lower case) of Cyrillic and Greek text earn 1, the others 0.3.
_COMMON_LETTERS = frozenset("оеаинтсрвлкмдпуяызьбгчй" "αεοιντσρκπμλυηςάέίόήω")
# A few of the most frequent Chinese characters (simplified and traditional forms) and Korean
# syllables: extra evidence in short texts, where random characters of the right character
# set would otherwise tie with real words.
_FREQUENT_HAN = frozenset(
    "的一是不了在人有我他这這个個们們中来來上大为為和国國地到以说說时時要就出会會可也你对對"
    "生能而子那得于着著下自之年过過发發后後作里裡用道行所然家种種事成方多经經么麼去法学學如"
    "都同现現当當没沒动動面起看定天分还還进進好小部其些主样樣理心她本前开開但因只从從想实實"
    "日政府今新气氣候策北京")
_FREQUENT_HANGUL = frozenset(
    "이다는의에하고을를가지기서로한도사으리어아자대수일나시인해그정전주부상게제보장있것적요"
    "니세우면들과었했만구공성국위소원오연동화조경문발생안녕습")
_VOWELS = frozenset("аеёиоуыэюяіїєўαεηιουωάέήίόύώϊϋΐΰ")
_HEBREW_FINALS = frozenset("ךםןףץ")
# Typographic punctuation earns more where it belongs: an opening quote before a word, a
# closing one after it, an apostrophe inside a word, a dash between spaces.
_OPENING = frozenset("“‘„‚«‹¿¡「『【《〈（")
_CLOSING = frozenset("”’»›…」』】》〉）、。，！？：；")
_DASHES = frozenset("–—")
_CURRENCY = frozenset("€£¥¢")
_GOOD_PUNCT = frozenset(
    "“”‘’„‚«»‹›–—…•·€£¥¢°©®™§±×÷½¼¾²³µ¿¡\u00a0\u2009\u202f†‡′″‰№"
    "、。，．！？：；（）「」『』【】《》〈〉・ー～〜￥　"
)
_IN_WORD_OK = frozenset("’·\u00ad")  # may sit between two letters (don’t, l·l, soft hyphen)
_MOJIBAKE_WORD_MIN = 4  # a Latin word this long made only of non-ASCII letters is suspect
_MAX_SCORED_CHARS = 6_000  # non-ASCII characters looked at per reading


@lru_cache(maxsize=16384)
def _kind(ch: str) -> str:
    """A coarse class of one character: 'ascii', 'bad', 'punct', 'symbol', 'digit', 'mark',
    a script of letters ('latin', 'cyrillic', 'greek', ...), or a CJK class."""
    code = ord(ch)
    if code < 0x80:
        return "ascii"
    if code <= 0x9F or ch == "\ufffd":
        return "bad"
    category = unicodedata.category(ch)
    if category in ("Co", "Cn", "Cs", "Cc"):
        return "bad"
    if ch in _GOOD_PUNCT:
        return "punct"
    name = unicodedata.name(ch, "")
    if category.startswith("M"):
        return "mark" if name.startswith("COMBINING") else "mark:" + name.split(" ")[0].lower()
    if category.startswith("L"):
        if name.startswith("CJK") or 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF:
            return "han"
        if name.startswith("HALFWIDTH KATAKANA"):
            return "halfkana"
        if name.startswith(("HIRAGANA", "KATAKANA")):
            return "kana"
        if name.startswith("HANGUL"):
            return "hangul"
        for script in ("LATIN", "CYRILLIC", "GREEK", "HEBREW", "ARABIC", "THAI"):
            if name.startswith(script):
                return script.lower()
        return "letter"
    if category.startswith("N"):
        return "digit"
    if category.startswith("Z"):
        return "punct"
    return "symbol"


_CJK = frozenset({"han", "kana", "hangul", "halfkana"})


def _plausibility(text: str, family: str, group: str | None = None) -> float:
    """How much a reader of the text's language would recognise it; higher is better.

    Only non-ASCII characters (and the words holding them) earn or lose points: ASCII reads
    the same in every candidate."""
    score = 0.0
    han = kana = hangul = 0
    looked = 0
    for match in re.finditer(r"[^\x00-\x7f]+", text):
        if looked > _MAX_SCORED_CHARS:
            break
        start, end = match.span()
        looked += end - start
        for i in range(start, end):
            ch = text[i]
            kind = _kind(ch)
            prev = text[i - 1] if i else " "
            nxt = text[i + 1] if i + 1 < len(text) else " "
            if kind == "bad":
                score -= 20
            elif kind == "punct":
                score += _punct_points(ch, prev, nxt)
            elif kind == "symbol":
                score -= 6 if (prev.isalpha() and nxt.isalpha()) else 1
            elif kind.startswith("mark"):
                base = _kind(prev)
                if not prev.isalpha():
                    score -= 4  # a combining mark on nothing
                elif kind != "mark" and kind[5:] != base:
                    score -= 6  # a Thai vowel sign on a Latin letter, and the like
            elif kind == "halfkana":
                score -= 1
            elif kind in _CJK:
                if kind == "han":
                    han += 1
                    score += _han_points(ch, family)
                    if ch in _FREQUENT_HAN and family in ("zh-hans", "zh-hant"):
                        score += 1
                elif kind == "kana":
                    kana += 1
                    score += 2 if family == "ja" else -2
                else:
                    hangul += kind == "hangul"
                    score += _hangul_points(ch, family)
                    if ch in _FREQUENT_HANGUL and family == "ko":
                        score += 1
                for side in (prev, nxt):
                    if side.isalpha() and _kind(side) not in _CJK:
                        score -= 2  # glued to a letter of an alphabet: a decoding accident
                if kind == "han" and prev == " " and i >= 2 and _kind(text[i - 2]) == "han":
                    score -= 1.5  # Han, space, Han: Chinese and Japanese do not space words
    score += _word_points(text, group)
    cjk = han + kana + hangul
    if cjk and cjk < 0.2 * sum(1 for ch in text[:_MAX_SCORED_CHARS * 4] if ch.isascii()
                               and ch.isalpha()):
        score -= 2.0 * cjk  # a few CJK characters among Latin words: bytes of accented letters
    if family == "ja" and han >= 10 and kana < 0.1 * han:
        score -= 1.7 * han  # Japanese prose without kana: not Japanese (names may have none)
    if family == "ko":
        score += _hangul_spacing_points(text)
    return score


def _punct_points(ch: str, prev: str, nxt: str) -> float:
    if ch in _OPENING and (prev.isspace() or prev in "([{—–/" or prev in _OPENING) \
            and (nxt.isalnum() or nxt in _OPENING):
        return 1.5
    if ch in _CLOSING and (prev.isalnum() or prev in ".,!?" or prev in _CLOSING) \
            and (nxt.isspace() or nxt in ".,;:!?)]}/—–" or nxt in _CLOSING):
        return 1.5
    if ch in _DASHES and prev == " " and nxt == " ":
        return 1.5
    if ch == "’" and prev.isalpha() and nxt.isalpha():
        return 1.5
    if ch in _CURRENCY and (prev.isdigit() or nxt.isdigit() or prev == " " and nxt == " "):
        return 1.5
    if prev.isalpha() and nxt.isalpha() and ch not in _IN_WORD_OK \
            and _kind(prev) not in _CJK and _kind(nxt) not in _CJK:
        return -3.0  # wedged inside a word: "Za¿ó³æ"
    return 0.3


def _han_points(ch: str, family: str) -> float:
    """A Han character is plausible when its own character set counts it as common."""
    if family == "zh-hans":
        return _level(ch, "gb2312", 0xB0, 0xD7, 0xF7)
    if family == "zh-hant":
        return _level(ch, "big5", 0xA4, 0xC6, 0xF9)
    if family == "ja":
        return _level(ch, "shift_jis", 0x88, 0x98, 0xEA)
    if family == "ko":
        return 0.5 if _encodable(ch, "euc_kr") else -1.0
    return -2.0  # Han from a single-byte code page cannot happen


@lru_cache(maxsize=16384)
def _level(ch: str, charset: str, first: int, common_last: int, last: int) -> float:
    """+2 for the common level of a national character set, +0.7 for the second level,
    -1.5 for a character outside it (a rare extension: likely another encoding's bytes)."""
    try:
        lead = ch.encode(charset)[0]
    except UnicodeEncodeError:
        return -1.5
    if first <= lead <= common_last:
        return 2.0
    return 0.7 if lead <= last else -1.5


@lru_cache(maxsize=16384)
def _encodable(ch: str, charset: str) -> bool:
    try:
        ch.encode(charset)
    except UnicodeEncodeError:
        return False
    return True


# Hangul syllables: medial vowels ㅒ ㅖ ㅙ ㅞ are rare, and so are most final consonants
# beyond none/ㄱ/ㄴ/ㄹ/ㅁ/ㅂ/ㅅ/ㅆ/ㅇ (complex finals like ㄺ ㄿ rarest).
_RARE_VOWELS = frozenset({3, 7, 10, 15})
_COMMON_FINALS = frozenset({0, 1, 4, 8, 16, 17, 19, 20, 21})
_MEDIUM_FINALS = frozenset({2, 7, 22, 23, 25, 26, 27})


@lru_cache(maxsize=16384)
def _hangul_points(ch: str, family: str) -> float:
    if family != "ko":
        return -2.0
    if not _encodable(ch, "euc_kr"):
        return -0.5
    index = ord(ch) - 0xAC00
    if not 0 <= index < 11172:
        return 0.5  # a compatibility jamo
    vowel, final = (index % 588) // 28, index % 28
    points = 2.0 if final in _COMMON_FINALS else 1.0 if final in _MEDIUM_FINALS else 0.2
    return points * (0.4 if vowel in _RARE_VOWELS else 1.0)


def _hangul_spacing_points(text: str) -> float:
    """Korean puts spaces between words: a long run of syllables without one is not Korean."""
    penalty = 0.0
    for match in re.finditer(r"[\uac00-\ud7a3]{9,}", text[:_MAX_SCORED_CHARS * 4]):
        penalty += 2.0 * (len(match.group()) - 8)
    return -penalty


_WORD_RE = re.compile(r"[^\W\d_]+")


def _word_points(text: str, group: str | None = None) -> float:
    """Alphabetic words holding non-ASCII letters: one script, a sane case pattern, vowels,
    letters that one language uses together (:func:`_latin_language_points`)."""
    score = 0.0
    latin: Counter[str] = Counter()
    stopwords = 0
    looked = cased = upper = 0
    for match in _WORD_RE.finditer(text):
        word = match.group()
        if word.isascii():
            continue
        if stopwords < _STOPWORD_CAP and word.lower() in _NON_ASCII_STOPWORDS:
            stopwords += 1
            score += 1.0
        looked += len(word)
        if looked > _MAX_SCORED_CHARS:
            break
        scripts = {_kind(ch) for ch in word if not unicodedata.category(ch).startswith("M")}
        scripts = {"latin" if kind == "ascii" else kind for kind in scripts}
        if scripts & _CJK:
            continue  # scored per character
        if len(scripts) > 1:
            score -= 8
            continue
        script = next(iter(scripts), "latin")
        for ch in word:
            if not ch.isascii() and (ch.isupper() or ch.islower()):
                cased += 1
                upper += ch.isupper()
        if _odd_case(word):
            score -= 3
        if script == "latin":
            non_ascii = [ch for ch in word if not ch.isascii()]
            if len(word) >= _MOJIBAKE_WORD_MIN and len(non_ascii) == len(word):
                score -= 4
            elif len(word) <= 2 and len(non_ascii) == len(word):
                start, end = match.span()
                before = text[start - 1] if start else " "
                after = text[end] if end < len(text) else " "
                if not (before.isspace() or before in "([\"'-") \
                        and not (after.isspace() or after in ".,;:!?)]\"'-"):
                    score -= 3  # a lone accented letter between symbols: "‚ñ‚"
            for ch in non_ascii:
                latin["ı" if ch == "İ" else ch.lower()[:1]] += 1
            continue
        lower = word.lower()
        if script in ("cyrillic", "greek"):
            score += sum(1.0 if ch in _COMMON_LETTERS else 0.3 for ch in lower)
            if len(word) >= 4 and sum(ch in _VOWELS for ch in lower) < 0.2 * len(word):
                score -= 3  # "Μξρκβΰ": no one can say it
        elif script == "hebrew":
            score += len(word)
            if any(ch in _HEBREW_FINALS for ch in word[:-1]):
                score -= 3  # a final form inside a word
        else:
            score += len(word)
    if cased >= 20 and upper > 0.6 * cased:
        score -= 0.7 * upper  # nearly every letter a capital: another script's lower case
    return score + _latin_language_points(latin, group)


def _odd_case(word: str) -> bool:
    """An upper-case letter after a lower-case one ("оРБЧ")."""
    seen_lower = False
    for ch in word:
        if ch.islower():
            seen_lower = True
        elif ch.isupper() and seen_lower:
            return True
    return False


def _latin_language_points(letters: Counter[str], group: str | None = None) -> float:
    """The best fit of one language to the non-ASCII Latin letters: 1 for each frequent
    letter of it, a little for its rare ones, a penalty for letters it does not use.
    ``à ï é`` fit French; ``ą ļ é`` fit no language together. When the text's words say it
    is in a language with letters of its own (Central European, Baltic, Turkish), only those
    languages are tried: "è" in a Slovene sentence is a misreading of "č"."""
    if not letters:
        return 0.0
    languages = [lang for lang in _LANGUAGES if lang[3] == group] \
        if group in _OWN_LETTER_GROUPS else _LANGUAGES
    return max(sum(n * (1.0 if ch in common else _RARE_LETTER if ch in rare else _FOREIGN_LETTER)
                   for ch, n in letters.items())
               for common, rare, _, _ in languages)


def _language_group(sample: bytes) -> str | None:
    """The language group ("western", "central", ...) the sample's frequent ASCII words point
    to, when they clearly do."""
    # Words of one letter (a, o, i, v...) belong to too many languages to tell.
    words = Counter(w.lower() for w in re.findall(rb"(?<![A-Za-z\x80-\xff])[A-Za-z]{2,6}"
                                                  rb"(?![A-Za-z\x80-\xff])", sample[:16384]))
    by_group: dict[str, int] = {}
    for _, _, stopwords, group in _LANGUAGES:
        hits = sum(n for w, n in words.items() if w.decode() in stopwords)
        by_group[group] = max(by_group.get(group, 0), hits)
    ranked = sorted(by_group.items(), key=lambda item: item[1], reverse=True)
    (top, hits), runner_up = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0)
    return top if hits >= _HINT_MIN_WORDS and hits >= 1.5 * runner_up else None


# --- UTF-16/32 without a BOM, and binary refusal ---------------------------------------------

def _bomless_utf16_32(data: bytes) -> tuple[str, str] | None:
    """Decode UTF-16 or UTF-32 without a BOM when it is clearly so: mostly-ASCII text leaves
    NULs in a fixed pattern. CJK-only UTF-16 without a BOM is not detected (it is rare and
    ambiguous)."""
    n = len(data)
    if n < 4 or b"\x00" not in data:
        return None
    sample = data[:4096 - 4096 % 4]
    if n % 4 == 0:
        # Code points stop at U+10FFFF: the top byte of every unit is 0, the next nearly so.
        quarters = [sample[k::4].count(0) for k in range(4)]
        units = len(sample) // 4
        if units and quarters[3] == units and quarters[2] >= 0.9 * units \
                and quarters[0] <= 0.3 * units:
            found = _try(data, "utf-32-le")
            if found:
                return found
        if units and quarters[0] == units and quarters[1] >= 0.9 * units \
                and quarters[3] <= 0.3 * units:
            found = _try(data, "utf-32-be")
            if found:
                return found
    if n % 2:
        return None
    sample = data[:4096]
    half = len(sample) // 2
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    if odd_nuls >= 0.6 * half and even_nuls <= 0.05 * half:
        return _try(data, "utf-16-le")
    if even_nuls >= 0.6 * half and odd_nuls <= 0.05 * half:
        return _try(data, "utf-16-be")
    return None


def _try(data: bytes, name: str) -> tuple[str, str] | None:
    try:
        return data.decode(name), name
    except UnicodeDecodeError:
        return None


def _checked(text: str) -> str:
    """Refuse decoded text that still carries control characters: it was binary data.

    A stray control or two is tolerated (a DOS end-of-file mark, an escape in old text).
    """
    if _CONTROL_RE.search(text) is None:
        return text
    if len(_CONTROL_RE.findall(text)) > 2 + len(text) // 1000:
        raise FormatError(BINARY_REASON)
    return text
