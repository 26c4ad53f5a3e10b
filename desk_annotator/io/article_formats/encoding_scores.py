"""How plausible a decoded text is to a reader: the scores encoding detection ranks candidate
readings by (letters a language uses together, no control or private-use characters, one
script per word, common Han characters of the candidate's own character set, kana, Korean word
spacing, frequent words of a language group). Split from encoding.py, which decides."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

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
GROUP_ENCODINGS = {
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
HINT_BONUS = 2.0  # for the encodings of the language group the text's words point to
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


def plausibility(text: str, family: str, group: str | None = None) -> float:
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


def language_group(sample: bytes) -> str | None:
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


