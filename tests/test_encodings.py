"""Encoding detection (issue 9): every legacy file lands on exactly its characters, and every
import says which encoding it read and how sure it is."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from desk_annotator.errors import FormatError, ImportRefused
from desk_annotator.io.article_formats.encoding import (
    CERTAIN,
    CONFIDENT,
    FORCED,
    LOW,
    decode_text,
    resolve_encoding,
)
from desk_annotator.io.articles import read_article

ISSUE_SENTENCE = "Déjà vu – “quoted” text, naïve café"


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# (encoding written, text, encoding reported). Sentences of each language, one per line or a
# short paragraph, as articles in that language would have them.
CASES = [
    ("cp1252", ISSUE_SENTENCE, "cp1252"),
    ("cp1252", ("Die Bundesregierung hat am Mittwoch „weitreichende Maßnahmen“ beschlossen, "
               "um den Ausstoß von Treibhausgasen zu verringern. Kritiker äußerten Zweifel."),
     "cp1252"),
    ("cp1252", ("« C’est une décision historique », a déclaré la ministre jeudi à Bruxelles. "
               "Les écologistes, eux, restent sceptiques : « trop peu, trop tard »."), "cp1252"),
    ("cp1252", ("¿Qué pasará con la reforma? ¡Nadie lo sabe todavía! El ministro habló durante "
               "una hora en el Congreso."), "cp1252"),
    ("cp1252", ("O governo português aprovou ontem a lei, mas a oposição não ficou satisfeita "
               "com as alterações à proposta inicial."), "cp1252"),
    ("cp1252", ("Regeringen meddelade på tisdagen att skatten höjs. Det är ett hårt slag för "
               "många hushåll."), "cp1252"),
    ("cp1252", ("The report, published on Monday, said the café chain’s profits had fallen by "
               "12% — the worst result since 2009. Analysts were “surprised”. Price: 20 €."),
     "cp1252"),
    ("cp1250", "Zażółć gęślą jaźń, powiedział minister w środę.", "cp1250"),
    ("cp1250", ("Rząd przyjął w czwartek projekt ustawy o ochronie klimatu. Opozycja twierdzi, "
               "że to „kiełbasa wyborcza”."), "cp1250"),
    ("cp1250", "Příliš žluťoučký kůň úpěl ďábelské ódy.", "cp1250"),
    ("cp1250", ("Vláda ve středu schválila nový zákon o ovzduší, uvedl ministr životního "
               "prostředí."), "cp1250"),
    ("cp1250", "A kormány szerdán bejelentette, hogy jövőre csökkenti az üzemanyag árát.",
     "cp1250"),
    ("cp1250", ("Vlada je v četrtek sprejela nov zakon o podnebju, je povedal minister za "
               "okolje."), "cp1250"),
    ("cp1250", ("Former Polish president Lech Wałęsa spoke in Gdańsk on Thursday about the "
               "strikes of 1980."), "cp1250"),
    ("cp1251", "Правительство объявило о новой политике в области климата.", "cp1251"),
    ("cp1251", "«Это историческое решение», — заявил министр в четверг. Эксперты сомневаются.",
     "cp1251"),
    ("cp1251", "Уряд України оголосив про нові заходи щодо підтримки енергетики взимку.",
     "cp1251"),
    # ISO-8859-1 text without bytes 0x80-0x9F reads the same in cp1252, its superset, which
    # is reported.
    ("latin-1", "Ärger über die Bahn: Züge fallen aus, Fahrgäste warten stundenlang.",
     "cp1252"),
    ("latin-1", ("L'été dernier, la sécheresse a touché toute la région ; les agriculteurs "
                "réclament des aides."), "cp1252"),
    ("latin-1", "Å være eller ikke være, det er spørsmålet.", "cp1252"),
    ("shift_jis", ("政府は木曜日、電気料金の引き下げに向けた新たな対策を発表した。"
                  "野党は「遅すぎる」と批判している。"), "shift_jis"),
    ("shift_jis", "トヨタ自動車は、電気自動車の新しいモデルを来年発売すると発表しました。",
     "shift_jis"),
    ("gb18030", ("国务院总理周四表示，中国将继续扩大对外开放，并加强与各国在气候领域的合作。"
                "专家认为这一表态意义重大。"), "gb18030"),
    ("big5", ("行政院長週四表示，台灣將持續推動能源轉型，並加強與各國在氣候領域的合作。"
             "專家認為這項宣示意義重大。"), "big5"),
    ("euc_kr", ("정부는 목요일 전기 요금 인하를 위한 새로운 대책을 발표했다. "
               "야당은 너무 늦었다고 비판했다."), "euc_kr"),
    ("cp1253", "«Είναι μια ιστορική απόφαση», δήλωσε ο υπουργός την Πέμπτη στην Αθήνα.",
     "cp1253"),
    ("cp1254", ("Bakan perşembe günü yaptığı açıklamada, elektrik fiyatlarının düşeceğini "
               "söyledi."), "cp1254"),
    ("koi8-r", "Министр заявил, что цены на газ не вырастут до конца года.", "koi8-r"),
    ("euc_jp", "東京の天気は明日から崩れる見込みです。傘を忘れないでください。", "euc_jp"),
]

SHORT = [  # one line, a word or two
    ("cp1252", "naïve"), ("cp1252", "Fußball"), ("cp1252", "“Hello” — world’s café"),
    ("cp1250", "Łódź"), ("cp1250", "Gdańsk, środa"), ("cp1251", "Москва"),
    ("cp1251", "Привет, мир!"), ("shift_jis", "こんにちは"), ("shift_jis", "東京"),
    ("gb18030", "气候变化政策"), ("gb18030", "北京今天天气很好。"), ("big5", "氣候變遷"),
    ("big5", "我們明天見"), ("euc_kr", "안녕하세요"), ("euc_kr", "대한민국"),
]


@pytest.mark.parametrize(("written", "text", "reported"), CASES,
                         ids=[f"{c[0]}-{n}" for n, c in enumerate(CASES)])
def test_legacy_articles_land_on_their_exact_text(tmp_path: Path, written: str, text: str,
                                                  reported: str) -> None:
    article = read_article(write(tmp_path / "article.txt", (text + "\n").encode(written)))
    assert article.text == text + "\n"
    assert article.encoding == reported
    assert article.encoding_confidence == CONFIDENT
    assert article.encoding_note.startswith(f"article.txt: read as {reported} (")
    assert article.encoding_note.endswith(", confident")
    assert article.warnings == ()


@pytest.mark.parametrize(("written", "text"), SHORT, ids=[f"{c[0]}-{c[1]}" for c in SHORT])
def test_short_one_line_files(tmp_path: Path, written: str, text: str) -> None:
    article = read_article(write(tmp_path / "short.txt", text.encode(written)))
    assert article.text == text
    assert article.encoding_confidence == CONFIDENT


def test_the_issue_sentence_is_reported_as_western_european(tmp_path: Path) -> None:
    article = read_article(write(tmp_path / "article.txt", ISSUE_SENTENCE.encode("cp1252")))
    assert article.text == ISSUE_SENTENCE
    assert article.encoding_note == "article.txt: read as cp1252 (Western European), confident"
    # What charset-normalizer alone picked: a Baltic page.
    assert ISSUE_SENTENCE.encode("cp1252").decode("cp1257") == "Déją vu – “quoted” text, naļve café"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_without_bom(tmp_path: Path, codec: str) -> None:
    text = "Title\n\nThe “bold” plan — Zażółć, Москва, 東京 and 😀.\n"
    article = read_article(write(tmp_path / "u.txt", text.encode(codec)))
    assert article.text == text
    assert article.encoding == codec and article.encoding_confidence == CONFIDENT
    assert article.encoding_note == (f"u.txt: read as {codec} (Unicode; no byte-order mark, "
                                     "NUL-byte pattern), confident")


@pytest.mark.parametrize(("data", "codec"), [
    (b"\xef\xbb\xbf" + ISSUE_SENTENCE.encode("utf-8"), "utf-8"),
    (b"\xff\xfe" + ISSUE_SENTENCE.encode("utf-16-le"), "utf-16-le"),
    (b"\xfe\xff" + ISSUE_SENTENCE.encode("utf-16-be"), "utf-16-be"),
    (b"\xff\xfe\x00\x00" + ISSUE_SENTENCE.encode("utf-32-le"), "utf-32-le"),
])
def test_byte_order_marks_are_certain(tmp_path: Path, data: bytes, codec: str) -> None:
    article = read_article(write(tmp_path / "bom.txt", data))
    assert article.text == ISSUE_SENTENCE
    assert article.encoding == codec and article.encoding_confidence == CERTAIN
    assert article.encoding_note == f"bom.txt: read as {codec} (Unicode; byte-order mark), certain"


def test_utf8_and_ascii_are_certain(tmp_path: Path) -> None:
    article = read_article(write(tmp_path / "u.txt", ISSUE_SENTENCE.encode("utf-8")))
    assert article.encoding_note == "u.txt: read as utf-8 (Unicode), certain"
    article = read_article(write(tmp_path / "a.txt", b"Plain words only.\n"))
    assert article.encoding_note == "a.txt: read as utf-8 (Unicode; plain ASCII), certain"


def test_office_files_have_no_encoding(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph(ISSUE_SENTENCE)
    document.save(str(tmp_path / "a.docx"))
    article = read_article(tmp_path / "a.docx")
    assert article.encoding is None and article.encoding_note is None


def test_an_ambiguous_guess_is_said_to_be_low_confidence(tmp_path: Path) -> None:
    # Turkish and Baltic pages both give a reading of these bytes with real letters.
    article = read_article(write(tmp_path / "t.txt", "Ağaç ve çiçek".encode("cp1254")))
    assert article.text == "Ağaç ve çiçek"
    assert article.encoding_confidence == LOW
    note = ("t.txt: read as cp1254 (Turkish), guessed, low confidence; cp1257 (Baltic) reads "
            "differently — use --encoding to force")
    assert article.encoding_note == note
    assert article.warnings == (note,)  # low confidence is a warning, so it is never silent


def test_a_low_confidence_guess_reaches_the_import_report(tmp_path: Path) -> None:
    from desk_annotator.project import Project
    from desk_annotator.project_io import import_paths

    path = write(tmp_path / "t.txt", "Ağaç ve çiçek".encode("cp1254"))
    with Project(tmp_path / "p.sqlite") as project:
        report = import_paths(project, [path])
    assert report.documents_added == 1
    assert any("t.txt: read as cp1254" in line and "low confidence" in line
               for line in report.warnings)


# --- forcing ----------------------------------------------------------------------------------

def test_encoding_can_be_forced(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", ISSUE_SENTENCE.encode("cp1252"))
    article = read_article(path, encoding="cp1257")
    assert article.text == "Déją vu – “quoted” text, naļve café"  # what was asked for
    assert article.encoding == "cp1257" and article.encoding_confidence == FORCED
    assert article.encoding_note == "a.txt: read as cp1257 (Baltic), forced"
    latin = read_article(path, encoding="Latin-1")
    assert latin.encoding == "iso8859-1"
    assert latin.text == ISSUE_SENTENCE.encode("cp1252").decode("latin-1")


def test_forcing_utf8_drops_a_bom(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", b"\xef\xbb\xbf" + "café".encode())
    assert read_article(path, encoding="utf-8").text == "café"


def test_an_unknown_encoding_is_one_clear_refusal(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", b"text")
    for name in ("no-such-codec", "rot13", "base64", ""):
        with pytest.raises(FormatError) as info:
            resolve_encoding(name)
        assert str(info.value).startswith(f"unknown text encoding {name!r} (for example utf-8")
        assert "\n" not in str(info.value)
        with pytest.raises(ImportRefused, match="unknown text encoding"):
            read_article(path, encoding=name)
    assert resolve_encoding(" CP1252 ") == "cp1252"
    assert resolve_encoding("sjis") == "shift_jis"


def test_bytes_invalid_in_the_forced_encoding_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", b"abc \x81 def")
    with pytest.raises(ImportRefused) as info:
        read_article(path, encoding="cp1252")
    message = str(info.value)
    assert "is not valid cp1252: byte 0x81 at offset 4 cannot be decoded" in message
    assert "\n" not in message


def test_forced_encoding_applies_to_html_over_its_declaration(tmp_path: Path) -> None:
    markup = '<html><head><meta charset="windows-1252"></head><body><p>\xe6\xf3</p></body></html>'
    path = write(tmp_path / "a.html", markup.encode("latin-1"))
    assert read_article(path).text == "æó"
    assert read_article(path, encoding="cp1250").text == "ćó"


# --- declarations, binary, formats -----------------------------------------------------------

def test_html_declaring_latin1_is_read_as_windows_1252_like_browsers(tmp_path: Path) -> None:
    markup = ('<html><head><meta charset="iso-8859-1"><title>Caf\xe9</title></head>'
              '<body><p>\x93Quoted\x94 \x97 na\xefve</p></body></html>')
    article = read_article(write(tmp_path / "page.html", markup.encode("latin-1")))
    assert article.text == "“Quoted” — naïve"
    assert article.encoding == "cp1252"
    assert article.encoding_note == ("page.html: read as cp1252 (Western European; declared "
                                     "iso-8859-1 in the file), confident")


def test_markdown_in_cp1250(tmp_path: Path) -> None:
    text = "# Ustawa o klimacie\n\nRząd przyjął w czwartek projekt ustawy, powiedział rzecznik.\n"
    article = read_article(write(tmp_path / "a.md", text.encode("cp1250")))
    assert article.title == "Ustawa o klimacie"
    assert "Rząd przyjął w czwartek" in article.text
    assert article.encoding == "cp1250"


def test_random_high_bytes_are_refused_as_binary() -> None:
    rng = random.Random(7)
    data = bytes(rng.randrange(128, 256) for _ in range(3000))
    with pytest.raises(FormatError, match="binary content .*no known encoding reads it"):
        decode_text(data)


def test_a_long_file_is_decoded_whole_after_scoring_a_sample() -> None:
    line = "Die Bürger äußerten „große“ Sorgen über die Maßnahmen.\n"
    text = "plain ascii line\n" * 20_000 + line * 5_000
    decoded = decode_text(text.encode("cp1252"))
    assert decoded.text == text and decoded.encoding == "cp1252"
    assert decoded.confidence == CONFIDENT


def test_iso_2022_jp_escapes() -> None:
    text = "政府は新しい政策を発表した。"
    decoded = decode_text(text.encode("iso2022_jp"))
    assert decoded.text == text and decoded.encoding == "iso2022_jp"


def test_the_import_report_names_every_encoding(tmp_path: Path) -> None:
    from desk_annotator.project import Project
    from desk_annotator.project_io import import_paths

    folder = tmp_path / "in"
    folder.mkdir()
    write(folder / "a.txt", "Première ligne\n\nEt la suite.".encode())
    write(folder / "b.txt", b"Plain ASCII only.")
    write(folder / "c.txt", ISSUE_SENTENCE.encode("cp1252"))
    write(folder / "d.txt", "Zażółć gęślą jaźń, powiedział minister w środę.".encode("cp1250"))
    with Project(tmp_path / "p.sqlite") as project:
        report = import_paths(project, [folder])
    assert report.documents_added == 4
    assert report.notes == [
        "2 text files read as utf-8, certain",
        "c.txt: read as cp1252 (Western European), confident",
        "d.txt: read as cp1250 (Central European), confident",
    ]
    assert report.warnings == []
