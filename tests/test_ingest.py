"""Tests for concord.ingest: discovery, sidecar, readers, normalisation and years."""

from __future__ import annotations

import csv
import os
import re
import time
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concord.errors import CorpusError, ReaderError
from concord.ingest import (
    SourceDocument,
    counting_year,
    discover,
    load_sidecar,
    normalise_text,
    parse_year,
    read_document,
)

CORPUS = Path(__file__).parent / "data" / "ingest" / "corpus"
SHARED_CORPUS = Path(__file__).parents[2] / "shared" / "corpus"


def read(doc_id: str, sidecar: dict[str, dict[str, str]] | None = None) -> SourceDocument:
    return read_document(CORPUS / doc_id, CORPUS, sidecar)


def paragraphs(document: SourceDocument) -> list[str]:
    return [document.text[start:end] for start, end in document.paragraphs]


# ---------------------------------------------------------------------------- discovery

def test_discover_lists_supported_files_sorted():
    found = discover(CORPUS)
    assert [path.relative_to(CORPUS.absolute()).as_posix() for path in found] == [
        "de/broken.md",
        "de/manifest.md",
        "en/novel.xml",
        "en/wrapped.txt",
        "fr/latin.txt",
        "fr/page.html",
        "ru/cyrillic.txt",
    ]
    assert all(path.is_absolute() for path in found)


def test_discover_follows_no_symlink_out_of_the_corpus(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    (corpus / "a").mkdir(parents=True)
    (corpus / "a" / "real.txt").write_text("real\n", encoding="utf-8")
    os.symlink(outside / "secret.txt", corpus / "a" / "leak.txt")
    os.symlink(outside, corpus / "linked-dir")
    os.symlink(corpus / "a" / "real.txt", corpus / "alias.txt")
    assert [path.name for path in discover(corpus)] == ["real.txt", "alias.txt"]


def test_discover_rejects_a_missing_folder(tmp_path):
    with pytest.raises(CorpusError, match="not a folder"):
        discover(tmp_path / "nowhere")


# ---------------------------------------------------------------------------- sidecar

def test_load_sidecar_keys_non_empty_cells_by_path():
    assert load_sidecar(CORPUS) == {
        "de/manifest.md": {
            "title": "Manifest der Kommunistischen Partei (1848)",
            "year": "1848",
            "group": "precursor-classics",
        },
        "en/novel.xml": {"group": "literature-eltec", "notes": "quoted, with comma"},
    }


def test_load_sidecar_missing_or_empty_file_is_empty(tmp_path):
    assert load_sidecar(tmp_path) == {}
    (tmp_path / "metadata.csv").write_bytes(b"\xef\xbb\xbf\n")
    assert load_sidecar(tmp_path) == {}


def test_load_sidecar_tolerates_bom_and_crlf(tmp_path):
    (tmp_path / "metadata.csv").write_bytes(
        "\ufeffPath,Title\r\nfr\\a.txt,L’été\r\n\r\n".encode()
    )
    assert load_sidecar(tmp_path) == {"fr/a.txt": {"title": "L’été"}}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("title,year\nA,1900\n", "no 'path' column"),
        ("path,title\na.txt,A,extra\n", "line 2: 3 fields but the header has 2"),
        ('path,title\na.txt,"unclosed\n', "malformed CSV"),
        ('path,title\na.txt,"A"B\n', "malformed CSV"),
        ("path,title\na.txt,A\n./a.txt,B\n", "line 3: path 'a.txt' is listed twice"),
        ("path,title\n,A\n", "line 2: empty 'path'"),
    ],
)
def test_load_sidecar_rejects_malformed_csv(tmp_path, content, message):
    (tmp_path / "metadata.csv").write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError, match=message):
        load_sidecar(tmp_path)


def test_sidecar_wins_but_empty_cells_keep_file_values():
    document = read("de/manifest.md")
    assert document.metadata == {
        "title": "Manifest der Kommunistischen Partei (1848)",
        "author": "Karl Marx; Friedrich Engels",
        "year": "1848",
        "language": "de",
        "work_id": "communist-manifesto",
        "group": "precursor-classics",
    }


def test_read_document_loads_the_sidecar_when_not_given():
    assert read("de/manifest.md").metadata == read("de/manifest.md", load_sidecar(CORPUS)).metadata
    assert "group" not in read("de/manifest.md", {}).metadata


def test_content_hash_covers_file_bytes_and_sidecar_row():
    plain = read("en/novel.xml", {})
    with_row = read("en/novel.xml")
    edited = read("en/novel.xml", {"en/novel.xml": {"group": "other"}})
    other_row = read("en/novel.xml", {"de/manifest.md": {"group": "other"}})
    assert len({plain.content_hash, with_row.content_hash, edited.content_hash}) == 3
    assert other_row.content_hash == plain.content_hash
    assert read("en/novel.xml").content_hash == with_row.content_hash


# ---------------------------------------------------------------------------- readers

def test_txt_joins_hard_wrapped_lines_and_rejoins_hyphenation():
    document = read("en/wrapped.txt")
    assert paragraphs(document) == [
        "The Condition of the Working-Class",
        "The history of the Arbeiterklasse is written by Marx-Engels and others. "
        "The well-fed bourgeois, a well-fed man, reads it to-day.",
        "Soft hyphenation and extra spaces.",
    ]
    assert document.doc_id == "en/wrapped.txt"
    assert document.path == str((CORPUS / "en" / "wrapped.txt").absolute())
    assert document.metadata == {}
    assert (document.year_start, document.year_end) == (None, None)


def test_paragraph_spans_index_the_text():
    document = read("en/wrapped.txt")
    assert document.text == "\n\n".join(paragraphs(document))
    assert document.paragraph_texts() == paragraphs(document)
    assert document.paragraphs[0] == (0, len("The Condition of the Working-Class"))
    for (_, end), (start, _) in pairwise(document.paragraphs):
        assert document.text[end:start] == "\n\n"


def test_txt_in_cp1252():
    assert paragraphs(read("fr/latin.txt")) == [
        "Première ligne : l’été à Paris, « déjà » — 5 €.",
        "Deuxième paragraphe, œuvre.",
    ]


def test_txt_in_cp1251():
    assert paragraphs(read("ru/cyrillic.txt")) == [
        "Пролетарии всех стран, соединяйтесь!",
        "Призрак бродит по Европе — призрак коммунизма. Все силы старой Европы объединились "
        "для священной травли этого призрака: папа и царь, Меттерних и Гизо, французские "
        "радикалы и немецкие полицейские.",
    ]


def test_txt_with_a_paragraph_per_line_and_aozora_notation(tmp_path):
    long_line = "これは長い段落です。" * 12
    (tmp_path / "a.txt").write_text(
        "題名\n作者\n\n-------------------------------------------------------\n"
        "【テキスト中に現れる記号について】\n\n《》：ルビ\n"
        "-------------------------------------------------------\n\n"
        f"［＃５字下げ］一［＃「一」は中見出し］\n\n　{long_line}\n"
        "　國際勞働者同盟《インタナショナル》が｜勃興《ぼっこう》した。\n\n\n"
        "底本：「本」出版社\n入力：誰か\n",
        encoding="utf-8",
    )
    document = read_document(tmp_path / "a.txt", tmp_path, {})
    assert paragraphs(document) == ["題名", "作者", "一", long_line, "國際勞働者同盟が勃興した。"]


def test_markdown_front_matter_and_markup():
    document = read("de/manifest.md", {})
    assert document.metadata == {
        "title": "Manifest der Kommunistischen Partei",
        "author": "Karl Marx; Friedrich Engels",
        "year": "1848-02-21",
        "language": "de",
        "work_id": "communist-manifesto",
    }
    assert (document.year_start, document.year_end) == (1848, 1848)
    assert paragraphs(document) == [
        "Manifest der Kommunistischen Partei",
        "Ein Gespenst geht um in Europa – das Gespenst des Kommunismus. "
        "Alle Mächte des alten Europa.",
        "I. Bourgeois und Proletarier",
        "Die Geschichte aller bisherigen Gesellschaft ist die Geschichte von Klassenkämpfen.",
        "Freier und Sklave,",
        "Patrizier und Plebejer",
        "Anmerkung von Engels.",
        "Proletarier aller Länder, vereinigt euch!",
    ]


def test_markdown_with_broken_front_matter_is_kept_with_a_warning():
    # The block between the "---" lines is metadata that cannot be read: it is left out of
    # the text (it is not the author's prose), and one warning line says so (issue 15).
    document = read("de/broken.md")
    assert document.metadata == {}
    assert paragraphs(document) == ["Text after broken front matter."]
    assert document.warnings == (
        "front matter is not valid YAML (line 3: did not find expected ',' or ']'); its "
        "fields were not read and it is left out of the text",)


def test_a_year_that_is_not_one_gets_a_warning(tmp_path):
    (tmp_path / "a.md").write_text("---\nyear: soon\n---\nText.\n", "utf-8")
    (tmp_path / "b.txt").write_text("Text.\n", "utf-8")
    document = read_document(tmp_path / "a.md", tmp_path, {})
    assert (document.year_start, document.warnings) == (
        None, ("year 'soon' (from the file) is not a year: counted as unknown",))
    document = read_document(tmp_path / "b.txt", tmp_path, {"b.txt": {"year": "1920s?"}})
    assert (document.year_start, document.year_end, document.warnings) == (1920, 1929, ())
    document = read_document(tmp_path / "b.txt", tmp_path, {"b.txt": {"year": "n.d."}})
    assert document.warnings == ("year 'n.d.' (from metadata.csv) is not a year: counted as unknown",)


def test_markdown_title_falls_back_to_the_first_heading(tmp_path):
    (tmp_path / "a.md").write_text("Intro\n\n## Part\n\n# The *Title*\n\nText.\n", "utf-8")
    assert read_document(tmp_path / "a.md", tmp_path, {}).metadata == {"title": "The Title"}


def test_html_drops_scripts_styles_navigation_and_page_numbers():
    document = read("fr/page.html")
    assert document.metadata == {
        "title": "À bas les chefs",
        "language": "fr",
        "author": "Joseph Déjacque",
        "year": "1864",
        "keywords": "anarchisme, autorité",
    }
    assert paragraphs(document) == [
        "À bas les chefs !",
        "Nous ne sommes plus au temps fabuleux de Saturne, ni au temps d’Hérode.",
        "Saturne dévorait ses enfants.",
        "Texte direct dans un div gras.",
        "Citation.",
        "Premier",
        "Second ligne",
    ]


def test_html_paragraphs_inside_spans_stay_inline(tmp_path):
    (tmp_path / "a.html").write_text(
        '<p>Start<span class="note">[<p>One.</p><p>Two.</p>]</span> end.</p>'
        "<div><span>unclosed<p>inner</p></div><p>after</p>",
        encoding="utf-8",
    )
    assert paragraphs(read_document(tmp_path / "a.html", tmp_path, {})) == [
        "Start end.", "One. Two.", "unclosed inner", "after",
    ]


def test_html_in_a_declared_legacy_charset(tmp_path):
    markup = '<html><head><meta charset="windows-1251"><title>Заглавие</title></head>'
    (tmp_path / "a.htm").write_bytes((markup + "<p>Текст.</p></html>").encode("cp1251"))
    document = read_document(tmp_path / "a.htm", tmp_path, {})
    assert (document.metadata, paragraphs(document)) == ({"title": "Заглавие"}, ["Текст."])


def test_tei_paragraphs_and_header():
    document = read("en/novel.xml", {})
    assert document.metadata == {
        "title": "Hard Times",
        "author": "Dickens, Charles",
        "year": "1854",
        "language": "en",
    }
    assert (document.year_start, document.year_end) == (1854, 1854)
    assert paragraphs(document) == [
        "HARD TIMES",
        "CHAPTER I THE ONE THING NEEDFUL",
        "‘Now, what I want is, Facts. Teach these boys and girls nothing but Facts.’",
        "A note on facts.",
        "A block quotation.",
        "First line of verse,",
        "second line.",
        "Broken mid-word and the end.",
    ]


def test_tei_without_namespace_and_with_loose_text(tmp_path):
    (tmp_path / "a.xml").write_text(
        '<TEI xml:lang="ru"><teiHeader><fileDesc><titleStmt><title> Олеся </title>'
        "</titleStmt><publicationStmt><sourceDesc><date>1899</date></sourceDesc>"
        "</publicationStmt></fileDesc></teiHeader>"
        "<text><front><div>Первый\n абзац.\n\n   Второй абзац.</div></front>"
        "<body><p>Текст.</p></body></text></TEI>",
        encoding="utf-8",
    )
    document = read_document(tmp_path / "a.xml", tmp_path, {})
    assert document.metadata == {"title": "Олеся", "year": "1899", "language": "ru"}
    assert paragraphs(document) == ["Первый абзац.", "Второй абзац.", "Текст."]


def test_pdf(tmp_path):
    (tmp_path / "a.pdf").write_bytes(
        pdf_bytes([["First paragraph, line one,", "line two."], ["Second page."]], title="A PDF")
    )
    document = read_document(tmp_path / "a.pdf", tmp_path, {})
    assert document.metadata == {"title": "A PDF", "author": "A. Writer"}
    assert paragraphs(document) == ["First paragraph, line one, line two.", "Second page."]


def test_epub(tmp_path):
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("id-1886")
    book.set_title("Mémoires")
    book.set_language("fr")
    book.add_author("Louise Michel")
    book.add_metadata("DC", "date", "1886")
    first = epub.EpubHtml(title="Un", file_name="c1.xhtml", lang="fr")
    first.content = "<h1>Chapitre un</h1><p>Premier paragraphe.</p>"
    second = epub.EpubHtml(title="Deux", file_name="c2.xhtml", lang="fr")
    second.content = "<p>Second <em>chapitre</em>.</p>"
    book.add_item(first)
    book.add_item(second)
    book.toc = (first, second)
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", first, second]
    epub.write_epub(str(tmp_path / "a.epub"), book)
    document = read_document(tmp_path / "a.epub", tmp_path, {})
    assert document.metadata == {
        "title": "Mémoires", "author": "Louise Michel", "year": "1886", "language": "fr",
    }
    assert paragraphs(document) == ["Chapitre un", "Premier paragraphe.", "Second chapitre."]


# ---------------------------------------------------------------------------- errors

@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.md", b" \n\t\n", "empty file"),
        ("bom.txt", b"\xef\xbb\xbf \n", "no text"),
        ("nul.txt", b"text\x00\x01\x02 more", "binary file"),
        ("controls.html", bytes(range(1, 9)) * 50, "binary file"),
        ("scripts.html", b"<html><script>x()</script><style>p{}</style></html>", "no text"),
        ("broken.xml", b"<TEI><text><p>unclosed</text></TEI>", "malformed XML"),
        ("other.xml", b"<config><item>x</item></config>", "not a TEI document"),
        ("image.png", b"\x89PNG\r\n", "unsupported file type"),
        ("bad.pdf", b"%PDF-1.4 not really", "PDF"),
        ("bad.epub", b"PK not a zip", "cannot parse"),
    ],
)
def test_unreadable_files_raise_reader_error(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ReaderError, match=message):
        read_document(tmp_path / name, tmp_path, {})


def test_missing_file_and_file_outside_the_corpus(tmp_path):
    with pytest.raises(ReaderError, match="cannot read file"):
        read_document(tmp_path / "gone.txt", tmp_path, {})
    with pytest.raises(ReaderError, match="not inside the corpus"):
        read_document(CORPUS / "en" / "wrapped.txt", tmp_path, {})


def test_malformed_sidecar_surfaces_as_reader_error(tmp_path):
    (tmp_path / "a.txt").write_text("text\n", encoding="utf-8")
    (tmp_path / "metadata.csv").write_text("title\nx\n", encoding="utf-8")
    with pytest.raises(ReaderError, match="no 'path' column"):
        read_document(tmp_path / "a.txt", tmp_path)


# ---------------------------------------------------------------------------- text and years

@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Arbeiter-\nklasse", "Arbeiterklasse"),
        ("Arbeiter¬\n   klasse", "Arbeiterklasse"),
        ("Marx-\nEngels", "Marx-Engels"),
        ("Marx-  \r\n  Engels", "Marx-Engels"),
        ("Arbei\u00adter\u00ad\nklasse", "Arbeiterklasse"),
        ("  one\r\ntwo\rthree\t four  ", "one two three four"),
        ("e\u0301te\u0301", "été"),
        ("l’État «\u00a0libre\u00a0» !", "l’État «\u00a0libre\u00a0» !"),
        ("a \u00a0 b", "a b"),
        ("日本\n語", "日本語"),
        ("\ufeffText", "Text"),
        ("", ""),
    ],
)
def test_normalise_text(raw, expected):
    assert normalise_text(raw) == expected


@given(st.text())
def test_normalise_text_is_idempotent_and_single_line(raw):
    once = normalise_text(raw)
    assert normalise_text(once) == once
    assert "\n" not in once and once == once.strip()


@given(st.text(alphabet="0123456789-–/?~[]() cas.th", max_size=14))
def test_parse_year_gives_an_ordered_range_or_nothing(value):
    start, end = parse_year(value)
    assert (start is None) == (end is None)
    assert start is None or 1000 <= start <= end <= 2100


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1921", (1921, 1921)),
        (" c. 1921", (1921, 1921)),
        ("ca. 1921", (1921, 1921)),
        ("circa 1921", (1921, 1921)),
        ("~1921", (1921, 1921)),
        ("1921?", (1921, 1921)),
        ("[1921]", (1921, 1921)),
        ("[c. 1921?]", (1921, 1921)),
        ("1920s", (1920, 1929)),
        ("1917-1923", (1917, 1923)),
        ("1917–1923", (1917, 1923)),
        ("1917 — 1923", (1917, 1923)),
        ("1917/23", (1917, 1923)),
        ("1840/41", (1840, 1841)),
        ("1911-12", (1911, 1912)),
        ("1917/8", (1917, 1918)),
        ("1917-03-12", (1917, 1917)),
        ("1917-03", (1917, 1917)),
        ("2021-04-09T10:00:00", (2021, 2021)),
        ("19th century", (1800, 1899)),
        ("1st century", (None, None)),
        ("1923-1917", (None, None)),
        ("999", (None, None)),
        ("0999", (None, None)),
        ("2101", (None, None)),
        ("1999-2101", (None, None)),
        ("", (None, None)),
        (None, (None, None)),
        ("unknown", (None, None)),
        ("Oktober 1907", (None, None)),
    ],
)
def test_parse_year(value, expected):
    assert parse_year(value) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [(1921, 1921, 1921), (1917, 1923, 1920), (1920, 1929, 1924), (1800, 1899, 1849),
     (1917, None, 1917), (None, None, None)],
)
def test_counting_year(start, end, expected):
    assert counting_year(start, end) == expected


# ---------------------------------------------------------------------------- shared corpus

@pytest.fixture(scope="module")
def shared_documents():
    if not (SHARED_CORPUS / "metadata.csv").is_file():
        pytest.skip(f"no shared corpus at {SHARED_CORPUS}")
    started = time.perf_counter()
    documents = {
        path.relative_to(SHARED_CORPUS.absolute()).as_posix(): read_document(
            path, SHARED_CORPUS, {}
        )
        for path in discover(SHARED_CORPUS)
    }
    return documents, time.perf_counter() - started


@pytest.mark.shared
def test_shared_corpus_reads_every_listed_file(shared_documents):
    documents, seconds = shared_documents
    with open(SHARED_CORPUS / "metadata.csv", encoding="utf-8-sig", newline="") as handle:
        listed = {row["path"] for row in csv.DictReader(handle)}
    assert set(documents) == listed
    assert all(document.paragraphs for document in documents.values())
    assert seconds < 30


@pytest.mark.shared
def test_shared_corpus_titles_from_the_files(shared_documents):
    documents, _ = shared_documents
    sidecar = load_sidecar(SHARED_CORPUS)
    for doc_id, document in documents.items():
        if doc_id.endswith(".txt"):
            continue
        title = document.metadata.get("title", "")
        # The files' titles drop the "ELTeC edition" suffix that some sidecar titles keep.
        assert title and sidecar[doc_id]["title"].startswith(title), doc_id
        assert "ELTeC" not in title and "\n" not in title


@pytest.mark.shared
def test_shared_corpus_metadata_from_tei_headers(shared_documents):
    documents, _ = shared_documents
    sidecar = load_sidecar(SHARED_CORPUS)
    for doc_id, document in documents.items():
        if doc_id.endswith(".xml"):
            assert document.metadata["language"] == sidecar[doc_id]["language"], doc_id
            assert document.year_start is not None, doc_id
    stifter = documents["texts/de/1841-stifter-die-mappe-meines-urgrossvaters.xml"]
    assert stifter.metadata == {
        "title": "Die Mappe meines Urgroßvaters",
        "author": "Stifter, Adalbert",
        "year": "1841",
        "language": "de",
    }


@pytest.mark.shared
def test_shared_corpus_sidecar_applies():
    if not (SHARED_CORPUS / "metadata.csv").is_file():
        pytest.skip(f"no shared corpus at {SHARED_CORPUS}")
    doc_id = "texts/ja/1913-osugi-sei-no-kakuju.txt"
    document = read_document(SHARED_CORPUS / doc_id, SHARED_CORPUS)
    row = load_sidecar(SHARED_CORPUS)[doc_id]
    assert document.metadata == row
    assert (document.year_start, document.year_end) == (1913, 1913)
    assert paragraphs(document)[:2] == ["生の拡充", "大杉栄"]
    assert "底本" not in document.text and "［＃" not in document.text
    assert read_document(SHARED_CORPUS / doc_id, SHARED_CORPUS, {}).content_hash != (
        document.content_hash
    )


# ---------------------------------------------------------------------------- helpers

def pdf_bytes(pages: list[list[str]], *, title: str) -> bytes:
    """Build a minimal PDF with one Helvetica text line per entry of each page."""
    objects = {
        1: "<< /Type /Catalog /Pages 2 0 R >>",
        3: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        4: f"<< /Title ({title}) /Author (A. Writer) >>",
    }
    kids = []
    for number, lines in enumerate(pages):
        page, content = 5 + 2 * number, 6 + 2 * number
        kids.append(f"{page} 0 R")
        stream = "BT /F1 12 Tf 14 TL 72 720 Td " + " ".join(f"({line}) Tj T*" for line in lines)
        stream += " ET"
        objects[page] = (
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content} 0 R >>"
        )
        objects[content] = f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream"
    objects[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n{objects[number]}\nendobj\n".encode("latin-1")
    xref = len(out)
    size = max(objects) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    for number in range(1, size):
        out += f"{offsets[number]:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {size} /Root 1 0 R /Info 4 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def test_reader_table_names_one_module_per_format():
    from concord.ingest import READERS, SUPPORTED_SUFFIXES

    assert SUPPORTED_SUFFIXES == frozenset(READERS)
    modules = {reader.__module__ for reader in READERS.values()}
    assert modules == {f"concord.ingest.{name}" for name in
                       ("text", "markdown", "html", "tei", "pdf", "epub")}
    assert all(reader.__name__ == "read" for reader in READERS.values())


def test_content_hash_of_a_file_equals_the_documents():
    from concord.ingest import file_hash

    row = {"title": "Roman", "year": "1901"}
    assert read("en/novel.xml", {"en/novel.xml": row}).content_hash == \
        file_hash(CORPUS / "en" / "novel.xml", row)
    assert read("en/novel.xml", {}).content_hash == file_hash(CORPUS / "en" / "novel.xml", None)


def _keep_compound_hyphens_by_regex(text: str) -> str:
    """keep_compound_hyphens as first written: two regexes tried at every letter (slow on a
    whole book, the reference for the version that finds the hyphens first)."""
    line_end = re.compile(r"([^\W\d_]+)-[ \t]*\n[ \t]*([^\W\d_]+)")
    breaks = line_end.findall(text)
    if not breaks:
        return text
    known = set()
    for compound in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)+", text):
        parts = compound.lower().split("-")
        known.update(f"{left}-{right}" for left, right in zip(parts, parts[1:], strict=False))
    found = sum(f"{left}-{right}".lower() in known for left, right in breaks)
    keep_all = len(breaks) >= 5 and found * 2 >= len(breaks)
    return line_end.sub(lambda m: f"{m[1]}-{m[2]}" if keep_all or f"{m[1]}-{m[2]}".lower() in known
                        else m[0], text)


def test_keep_compound_hyphens_equals_the_regex_reading():
    import random

    from concord.ingest.normalise import keep_compound_hyphens

    rng = random.Random(7)
    for alphabet in ("ab-\n \t1_éÄ.x", "aB-\n  -xΣ", "a-\nb- \n\t c1"):
        for _ in range(5000):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
            assert keep_compound_hyphens(text) == _keep_compound_hyphens_by_regex(text), repr(text)
    for _ in range(1000):      # many line-end hyphens: the keep-them-all rule
        words = [rng.choice(["well", "fed", "a", "Staats", "kapital", "x1"]) for _ in range(30)]
        text = "".join(w + rng.choice([" ", "-\n", "-", "- \n ", " \n", "-\n\t"]) for w in words)
        assert keep_compound_hyphens(text) == _keep_compound_hyphens_by_regex(text), repr(text)
