"""Texts stored as compressed blocks: every text and every slice read back exactly."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from concord.textblocks import TextBlocks, TextWriter, cut_blocks

EMOJI = "\U0001F600"   # 4 bytes in UTF-8

TEXTS = [
    "",                                            # an empty document
    "abc",                                         # shorter than a block
    "ab" + EMOJI + "cd" + EMOJI,                   # 4-byte characters across block edges
    "",                                            # empty between two others
    "Één régime — “citée” ça " * 7,                # 2- and 3-byte characters
    "日本語のテキスト。" * 5,                        # 3 bytes a character, none of them ASCII
    EMOJI * 9,                                     # only 4-byte characters
    "x" * 64 + EMOJI + "y" * 63,                   # an emoji at a 64-character step
    "Дом, где\nживут люди.\n\n" * 4,               # Cyrillic with line ends
]


def write(path, texts, **kw) -> TextBlocks:
    with TextWriter(path, **kw) as writer:
        for text in texts:
            writer.add(text)
    return TextBlocks(path, cache_blocks=3)


@pytest.mark.parametrize("block_bytes", [1, 4, 5, 7, 16, 100, 1 << 15])
def test_every_slice_of_every_text_reads_back(tmp_path, block_bytes):
    blocks = write(tmp_path, TEXTS, block_bytes=block_bytes)
    assert len(blocks) == len(TEXTS)
    for doc, text in enumerate(TEXTS):
        assert blocks.text(doc) == text
        assert blocks.text_bytes(doc) == text.encode("utf-8")
        assert blocks.n_chars(doc) == len(text)
        for a in range(len(text) + 1):
            for b in range(a, len(text) + 2):
                assert blocks.text(doc, a, b) == text[a:b], (doc, a, b)
        assert blocks.text(doc, -5, 2) == text[:2]
        assert blocks.text(doc, 3, 1) == ""
    blocks.close()


def test_tables_count_bytes_and_characters(tmp_path):
    blocks = write(tmp_path, TEXTS, block_bytes=16)
    utf8 = [len(t.encode("utf-8")) for t in TEXTS]
    assert blocks.text_off.tolist() == np.concatenate([[0], np.cumsum(utf8)]).tolist()
    assert blocks.text_chars.tolist() == np.concatenate([[0], np.cumsum([len(t) for t in TEXTS])]).tolist()
    # Empty documents have no block; every other text has ceil-ish(bytes / 16) blocks.
    per_doc = np.diff(blocks.doc_block).tolist()
    assert per_doc[0] == per_doc[3] == 0
    assert per_doc[1] == 1
    assert all(n >= -(-size // 16) for n, size in zip(per_doc, utf8, strict=True))


def test_a_document_larger_than_many_blocks(tmp_path):
    rng = np.random.default_rng(7)
    alphabet = list("abcdé日Ж ") + [EMOJI]
    text = "".join(rng.choice(alphabet, size=20_000).tolist())
    blocks = write(tmp_path, ["start", text, "end"], block_bytes=1000)
    assert int(blocks.doc_block[2] - blocks.doc_block[1]) > 20
    assert blocks.text(1) == text
    for a in rng.integers(0, len(text), size=300).tolist():
        b = a + int(rng.integers(0, 3000))
        assert blocks.text(1, a, b) == text[a:b]
    assert blocks.text(0) == "start" and blocks.text(2) == "end"


def test_cut_blocks_ends_on_characters():
    blob = ("a" + EMOJI + "é").encode("utf-8")        # 1 + 4 + 2 bytes
    assert cut_blocks(blob, 2) == [b"a", EMOJI.encode("utf-8"), "é".encode()]
    assert cut_blocks(blob, 5) == [("a" + EMOJI).encode("utf-8"), "é".encode()]
    assert cut_blocks(b"", 5) == []
    assert b"".join(cut_blocks(blob, 1)) == blob


def test_bytes_that_are_not_utf8_are_refused(tmp_path):
    with pytest.raises(UnicodeDecodeError), TextWriter(tmp_path) as writer:
        writer.add(b"ok \xff not")


def test_threads_read_the_same_texts(tmp_path):
    texts = [f"document {i}: " + "Één régime " * (i * 13) for i in range(40)]
    blocks = write(tmp_path, texts, block_bytes=64)
    errors: list[tuple[int, int]] = []

    def read(seed: int) -> None:
        rng = np.random.default_rng(seed)
        for _ in range(400):
            doc = int(rng.integers(0, len(texts)))
            a = int(rng.integers(0, len(texts[doc]) + 1))
            b = a + int(rng.integers(0, 200))
            if blocks.text(doc, a, b) != texts[doc][a:b]:
                errors.append((doc, a))

    threads = [threading.Thread(target=read, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_an_incremental_build_copies_unchanged_texts_and_equals_a_fresh_one(tmp_path, monkeypatch):
    import filecmp
    import shutil

    from concord import textblocks
    from concord.index import open_index, read_current
    from concord.indexer import build_index
    from concord.textblocks import FILES
    from tests.corpora import SAMPLE_CORPUS

    monkeypatch.setattr(textblocks, "BLOCK_BYTES", 200)     # several blocks a document
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    inc = tmp_path / "inc"
    build_index(corpus, inc, procs=1)
    changed = sorted(corpus.rglob("*.txt"))[0]
    changed.write_text(changed.read_text("utf-8") + "\nÉn ny rad med " + EMOJI + " på slutet.\n", "utf-8")
    sorted(corpus.rglob("*.txt"))[-1].unlink()
    copied: list[int] = []
    copy = textblocks.TextWriter._copy
    # Frames copied from the previous store (a worker's piece holds its texts compressed too).
    monkeypatch.setattr(textblocks.TextWriter, "_copy",
                        lambda self, source, doc: (source.path.name == "store" and copied.append(doc))
                        or copy(self, source, doc))
    report = build_index(corpus, inc, procs=1)
    assert (report.changed, report.deleted) == (1, 1) and report.unchanged > 1
    assert len(copied) == report.unchanged      # unchanged texts: frames copied, not recompressed
    fresh = tmp_path / "fresh"
    build_index(corpus, fresh, procs=1)
    a, b = (path / read_current(path) / "store" for path in (inc, fresh))
    match, mismatch, errors = filecmp.cmpfiles(a, b, FILES, shallow=False)
    assert sorted(match) == sorted(FILES) and mismatch == errors == []
    with open_index(inc) as ix:
        texts = ix.store.texts
        assert int(texts.doc_block[-1]) > 2 * len(ix.store.docs)
        for doc in range(len(ix.store.docs)):
            assert texts.text(doc) == texts.text_bytes(doc).decode("utf-8")
        assert any(EMOJI in texts.text(doc) for doc in range(len(ix.store.docs)))
