"""Bytes to text: BOMs, UTF-8 (also with stray bytes), declared and detected legacy codecs.
Raises ``ReaderError`` for binary data.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from ..errors import ReaderError

# A reader's warnings (problems it read around) ride in its metadata under this key, one per
# line; read_document takes them out into SourceDocument.warnings.
WARNINGS_KEY = "\0warnings"

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_HIGH_BYTES = bytes(range(0x80, 0x100))
_NOT_ASCII_LETTERS = bytes(b for b in range(0x100) if not chr(b).isascii() or not chr(b).isalpha())
_UNICODE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(raw: bytes, *, declared: str | None = None) -> str:
    """Decode text bytes: UTF-8, a declared charset, cp1252, then charset-normalizer's guess.

    Newlines come back as ``\\n``; a UTF-8 BOM is dropped.
    """
    text = None
    for bom, codec in _UNICODE_BOMS:
        if raw.startswith(bom):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                raise ReaderError(f"invalid {codec.upper()} text") from None
            break
    if text is None:
        if b"\0" in raw[:8192]:
            raise ReaderError("binary file")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = _decode_legacy(raw, declared)
    sample = text[:8192]
    if len(_CONTROL_CHARS.findall(sample)) > len(sample) / 20:
        raise ReaderError("binary file")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _decode_legacy(raw: bytes, declared: str | None) -> str:
    if declared:
        try:
            return raw.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    if (mixed := _decode_mostly_utf8(raw)) is not None:
        return mixed
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        pass
    else:
        if _looks_western(raw):
            return text
    if codec := _cyrillic_codec(raw):
        return raw.decode(codec)
    best = charset_normalizer.from_bytes(raw).best()
    if best is None:
        raise ReaderError("unknown text encoding")
    return str(best)


def _looks_western(raw: bytes) -> bool:
    # cp1252 decodes almost any bytes; Cyrillic or Greek read as cp1252 turns nearly
    # every letter into a Latin-1 one, while real Western text has few of those.
    high = len(raw) - len(raw.translate(None, _HIGH_BYTES))
    letters = len(raw.translate(None, _NOT_ASCII_LETTERS))
    return high <= 0.3 * (high + letters)


_STRAY_BYTES = re.compile("[\udc80-\udcff]+")
_ASCII = bytes(range(0x80))


def _decode_mostly_utf8(raw: bytes) -> str | None:
    """Decode UTF-8 text holding stray cp1252 bytes (a file pasted together from two
    sources), each byte as cp1252; None when the text has no UTF-8, or mostly bytes of a
    non-Western legacy encoding."""
    text = raw.decode("utf-8", errors="surrogateescape")
    stray = sum(len(run) for run in _STRAY_BYTES.findall(text))
    ascii_chars = len(raw) - len(raw.translate(None, _ASCII))
    valid = len(text) - ascii_chars - stray
    if valid == 0 or (valid < stray and not _looks_western(raw)):
        return None

    def legacy(match: re.Match[str]) -> str:
        chunk = match[0].encode("utf-8", errors="surrogateescape")
        return chunk.decode("cp1252", errors="replace")

    return _STRAY_BYTES.sub(legacy, text)


_LETTER_RUN = re.compile(r"[^\W\d_]+")


def _cyrillic_codec(raw: bytes) -> str | None:
    """Tell cp1251 from KOI8-R text by which one reads as Cyrillic words in plausible case.

    charset-normalizer takes short cp1251 text for MacCyrillic (turning "Р" into "–"), and
    KOI8-R for Shift JIS; the two codecs put capitals and small letters in swapped halves.
    """
    sample = raw[:65536]
    best, best_score = None, 0.9
    for codec in ("cp1251", "koi8_r"):
        try:
            words = [w for w in _LETTER_RUN.findall(sample.decode(codec)) if not w.isascii()]
        except UnicodeDecodeError:
            continue
        good = sum(
            all("\u0400" <= c <= "\u04ff" for c in w)
            and (w.islower() or w.isupper() or w.istitle())
            for w in words
        )
        if words and good / len(words) > best_score:
            best, best_score = codec, good / len(words)
    return best
