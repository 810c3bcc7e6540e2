"""One concordance line cut again with more context: more words, or its whole paragraph.

The web page's "more context" asks for this by the line's stable address (document id and
the character offsets of its match), so the answer does not depend on the query, sort or
page that showed the line. Cutting follows :mod:`concord.kwic`: exact token boundaries in
the stored display text, whitespace collapsed, no markup.
"""

from __future__ import annotations

import re

import numpy as np

from .errors import DocumentNotFound, OptionError
from .index import CorpusIndex
from .kwic import KwicLine

WIDEST = 200            # words on each side: more than a page is the document's job
_WS = re.compile(r"\s+")


def widen_line(ix: CorpusIndex, doc_id: str, char_start: int, char_end: int, *,
               width: int = 25, paragraph: bool = False) -> KwicLine:
    """Cut the line whose match spans ``[char_start, char_end)`` of ``doc_id`` again.

    ``width`` words on each side (at most :data:`WIDEST`), or with ``paragraph`` the whole
    paragraph(s) the match lies in. Raises DocumentNotFound for an unknown document and
    OptionError when the offsets are not those of a match (token boundaries in the text).
    """
    store = ix.store
    doc = store.doc_index.get(doc_id)
    if doc is None:
        raise DocumentNotFound(f"no document {doc_id!r} in the index")
    if not 0 <= width <= WIDEST:
        raise OptionError(f"width must be a whole number from 0 to {WIDEST}, not {width}")
    first, stop = int(store.doc_tok[doc]), int(store.doc_tok[doc + 1])
    starts = np.asarray(store.start[first:stop])
    ends = np.asarray(store.end[first:stop])
    i = int(np.searchsorted(starts, char_start))
    j = int(np.searchsorted(ends, char_end))
    if (char_end <= char_start or i >= len(starts) or j >= len(ends) or j < i
            or int(starts[i]) != char_start or int(ends[j]) != char_end):
        raise OptionError(f"characters {char_start}-{char_end} of {doc_id!r} are not a match "
                          "(they must start and end at word boundaries)")
    if paragraph:
        p0, p1 = (int(p) for p in store.para_of(np.asarray([first + i, first + j])))
        c0, c1 = int(store.para_char[p0][0]), int(store.para_char[p1][1])
    else:
        left_first = max(0, i - width)
        right_last = min(len(ends) - 1, j + width)
        c0 = int(starts[left_first]) if left_first < i else char_start
        c1 = int(ends[right_last]) if right_last > j else char_end
    text = store.text(doc, c0, c1)
    meta = store.docs[doc]
    lang = store.langs[int(store.lang_of(np.asarray([first + i]))[0])]
    return KwicLine(doc_id=meta["doc_id"], title=meta["title"], author=meta.get("author", ""),
                    year=meta.get("year"), lang=lang,
                    left=_WS.sub(" ", text[:char_start - c0]).strip(),
                    match=_WS.sub(" ", text[char_start - c0:char_end - c0]),
                    right=_WS.sub(" ", text[char_end - c0:]).strip(), position=i,
                    char_start=char_start, char_end=char_end)


__all__ = ["WIDEST", "widen_line"]
