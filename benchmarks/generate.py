"""Generate a benchmark corpus of about N tokens from the paragraphs of the shared corpus.

Each generated document draws runs of consecutive paragraphs from source documents of one
language (so languages, and to some degree style, are kept), gets a synthetic author, a
group of the left-communist tradition and a year in 1840-1990; about one in ten also mixes a
few paragraphs of another language. Documents hold 5-20k tokens and are written as plain
text (most), Markdown with front matter, or HTML, with a ``metadata.csv`` sidecar. Tokens are
counted with concord's own tokenizer. The same seed gives a byte-identical corpus. The
corpus goes outside the repository; this module never indexes or measures anything.

It streams: each document is written as soon as it is drawn, and so is its ``metadata.csv``
row; only the source paragraphs are held in memory (the shared corpus, ~70 MB), never the
corpus being written, so 500M tokens need no more memory than 5M. Before writing, the free
space of the output's disk is checked against an estimate of the corpus size.
``--languages N`` draws only from the N languages with the most source tokens (issue 16's
500M run: 10 languages).

    python benchmarks/generate.py --tokens 5M --seed 1 --out /tmp/concord-bench/5M
    python benchmarks/generate.py --tokens 500M --languages 10 --out /tmp/concord-bench/500M
"""

from __future__ import annotations

import argparse
import bisect
import csv
import hashlib
import html
import json
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from concord.analysis import TOKEN_RE
from concord.ingest import discover, load_sidecar, read_document

GENERATOR_VERSION = 1
SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
YEARS = (1840, 1990)
DOC_TOKENS = (5_000, 20_000)
MIXED_SHARE = 0.10
FORMATS = (("txt", 0.80), ("md", 0.10), ("html", 0.10))
APPROXIMATE_YEAR_SHARE = 0.03
GROUPS = (
    "KAPD", "AAUD", "AAUD-E", "GIC", "Bilan", "KAI", "Spartakusbund", "Prometeo",
    "Internationalisme", "Socialisme ou Barbarie", "Daad en Gedachte", "Root and Branch",
    "Communismo", "Union Communiste", "Lotta Comunista", "ICO", "Workers' Dreadnought",
    "Proletarian Revolution", "Spartacusbond", "Arbetarrådet",
)
SYLLABLES = ("ka", "ro", "ten", "mar", "li", "ve", "sch", "an", "ber", "to", "gor", "pan",
             "nek", "ru", "hel", "sa", "dor", "vin", "mo", "lu", "sky", "ner", "ot", "wi")
FIRST_NAMES = ("Anna", "Otto", "Herman", "Rosa", "Paul", "Jan", "Clara", "Henk", "Amadeo",
               "Cajo", "Sylvia", "Karl", "Marie", "Ante", "Ottorino", "Jean", "Lena", "Willy",
               "Nina", "Pyotr", "Ida", "Sven", "Józef", "Teresa", "Akira", "Ruth")
_LINE_BREAK = re.compile(r"[^\S\n]*\n\s*")
BYTES_PER_TOKEN = 6.5        # generated text on disk, markup included (5.9 measured at 50M)
METADATA_FIELDS = ("path", "title", "author", "year", "language", "group", "work_id")


@dataclass(frozen=True)
class Source:
    """One source document of the shared corpus: its paragraphs and their token counts."""

    doc_id: str
    paragraphs: tuple[str, ...]
    cumulative: tuple[int, ...]     # tokens before each paragraph, then the total

    @property
    def tokens(self) -> int:
        return self.cumulative[-1]


@dataclass(frozen=True)
class GeneratedDoc:
    """One generated document, before it is written."""

    path: str
    title: str
    author: str
    year: str
    language: str
    group: str
    work_id: str
    paragraphs: tuple[str, ...]
    tokens: int


def parse_size(text: str) -> int:
    """Read a token count such as ``5M``, ``500k`` or ``20000000``."""
    text = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000, "g": 1_000_000_000}.get(text[-1:], 1)
    number = text[:-1] if scale != 1 else text
    try:
        value = int(float(number) * scale)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a token count: {text!r} (e.g. 5M, 500k)") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("the token count must be positive")
    return value


def size_label(tokens: int) -> str:
    """Write a token count the way it is given on the command line (5M, 500k)."""
    if tokens % 1_000_000 == 0:
        return f"{tokens // 1_000_000}M"
    if tokens % 1_000 == 0:
        return f"{tokens // 1_000}k"
    return str(tokens)


def source_fingerprint(corpus: Path) -> str:
    """Identify the source corpus by its files' names and sizes."""
    digest = hashlib.sha256()
    for path in discover(corpus):
        digest.update(f"{path.relative_to(corpus).as_posix()}\0{path.stat().st_size}\n".encode())
    metadata = corpus / "metadata.csv"
    if metadata.exists():
        digest.update(metadata.read_bytes())
    return digest.hexdigest()[:16]


def load_sources(corpus: Path, languages: int | None = None) -> dict[str, list[Source]]:
    """Read every document of the source corpus into paragraphs, grouped by declared language.

    With ``languages``, keep the languages with the most tokens, that many of them.
    """
    sidecar = load_sidecar(corpus)
    by_lang: dict[str, list[Source]] = {}
    for path in discover(corpus):
        doc = read_document(path, corpus, sidecar)
        lang = doc.metadata.get("language", "")
        if not lang:
            continue
        # One paragraph per line in the generated texts: line breaks inside become spaces.
        paragraphs = tuple(p for p in (_LINE_BREAK.sub(" ", p).strip()
                                       for p in doc.paragraph_texts()) if p)
        counts = [len(TOKEN_RE.findall(p)) for p in paragraphs]
        if not sum(counts):
            continue
        cumulative = (0, *accumulate(counts))
        by_lang.setdefault(lang, []).append(Source(doc.doc_id, paragraphs, cumulative))
    if languages is not None:
        if languages > len(by_lang):
            raise SystemExit(f"--languages {languages}: the source has {len(by_lang)} languages")
        largest = sorted(by_lang, key=lambda lang: -sum(s.tokens for s in by_lang[lang]))[:languages]
        by_lang = {lang: by_lang[lang] for lang in largest}
    return dict(sorted(by_lang.items()))


def check_disk(folder: Path, needed: float, what: str) -> None:
    """Stop with one line when the disk of ``folder`` has less than ``needed`` bytes free."""
    probe = folder
    while not probe.exists():
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if free < needed:
        raise SystemExit(f"{what} needs about {needed / 1e9:.1f} GB, but {probe} has "
                         f"{free / 1e9:.1f} GB free (df); free space or choose another folder")


class Generator:
    """Draw documents from the sources with one seeded random generator."""

    def __init__(self, sources: dict[str, list[Source]], seed: int):
        self.rng = random.Random(seed)
        self.sources = sources
        self.langs = list(sources)
        self.lang_weights = [sum(s.tokens for s in docs) for docs in sources.values()]
        self.source_weights = {lang: list(accumulate(s.tokens for s in docs))
                               for lang, docs in sources.items()}
        self.authors: dict[str, list[tuple[str, str, int, int]]] = {lang: [] for lang in self.langs}
        self.works: list[tuple[str, str]] = []      # (work id, language) of earlier documents

    def author(self, lang: str) -> tuple[str, str, int, int]:
        """Pick an author of ``lang`` (name, group, first and last active year), maybe a new one."""
        rng = self.rng
        pool = self.authors[lang]
        if not pool or rng.random() < 0.15:
            surname = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
            name = f"{surname}, {rng.choice(FIRST_NAMES)}"
            first = rng.randint(YEARS[0], YEARS[1] - 5)
            last = min(YEARS[1], first + rng.randint(5, 40))
            pool.append((name, rng.choice(GROUPS), first, last))
        return rng.choice(pool)

    def run_of_paragraphs(self, lang: str, tokens: int) -> tuple[list[str], int]:
        """Take consecutive paragraphs of one source document of ``lang``: about ``tokens``."""
        rng = self.rng
        weights = self.source_weights[lang]
        source = self.sources[lang][bisect.bisect_right(weights, rng.random() * weights[-1])]
        n = len(source.paragraphs)
        first = rng.randrange(n)
        wanted = source.cumulative[first] + tokens
        last = min(n, max(first + 1, bisect.bisect_left(source.cumulative, wanted)))
        return list(source.paragraphs[first:last]), source.cumulative[last] - source.cumulative[first]

    def document(self, number: int, max_tokens: int) -> GeneratedDoc:
        rng = self.rng
        lang = rng.choices(self.langs, weights=self.lang_weights)[0]
        target = min(max_tokens, rng.randint(*DOC_TOKENS))
        paragraphs: list[str] = []
        tokens = 0
        while tokens < target:
            run, n = self.run_of_paragraphs(lang, min(target - tokens, rng.randint(300, 4000)))
            paragraphs.extend(run)
            tokens += n
        others = [x for x in self.langs if x != lang]
        if others and rng.random() < MIXED_SHARE:
            for _ in range(rng.randint(1, 3)):
                run, n = self.run_of_paragraphs(rng.choice(others), rng.randint(30, 400))
                at = rng.randint(0, len(paragraphs))
                paragraphs[at:at] = run
                tokens += n
        name, group, first, last = self.author(lang)
        year_number = rng.randint(first, last)
        year = str(year_number)
        if rng.random() < APPROXIMATE_YEAR_SHARE:
            year = rng.choice((f"c. {year_number}", f"{year_number // 10 * 10}s",
                               f"{year_number}-{min(YEARS[1], year_number + rng.randint(1, 4))}"))
        same_work = [w for w, work_lang in self.works[-50:] if work_lang != lang]
        if same_work and rng.random() < 0.05:
            work_id = rng.choice(same_work)     # a "translation" of a recent document
        else:
            work_id = f"work-{number:06d}"
        self.works.append((work_id, lang))
        fmt = rng.choices([f for f, _ in FORMATS], weights=[w for _, w in FORMATS])[0]
        words = TOKEN_RE.findall(paragraphs[0])[:6]
        title = " ".join(words)[:80] or f"Text {number}"
        slug = name.split(",")[0].lower()
        path = f"texts/{lang}/{year_number}-{slug}-{number:06d}.{fmt}"
        return GeneratedDoc(path=path, title=title, author=name, year=year, language=lang,
                            group=group, work_id=work_id, paragraphs=tuple(paragraphs),
                            tokens=tokens)


def render(doc: GeneratedDoc) -> str:
    """The file text of a generated document in its format."""
    body = "\n\n".join(doc.paragraphs) + "\n"
    if doc.path.endswith(".md"):
        front = "\n".join(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in (
            ("title", doc.title), ("author", doc.author), ("year", doc.year),
            ("language", doc.language)))
        return f"---\n{front}\n---\n\n{body}"
    if doc.path.endswith(".html"):
        esc = html.escape
        paras = "\n".join(f"<p>{esc(p, quote=False)}</p>" for p in doc.paragraphs)
        return (f'<!DOCTYPE html>\n<html lang="{doc.language}">\n<head><meta charset="utf-8">'
                f"<title>{esc(doc.title)}</title>"
                f'<meta name="author" content="{esc(doc.author)}"></head>\n'
                f"<body>\n<nav>Archive · index · next</nav>\n{paras}\n</body>\n</html>\n")
    return body


def generate(tokens: int, seed: int, out: Path, *, source: Path = SHARED_CORPUS,
             force: bool = False, quiet: bool = False, languages: int | None = None) -> dict:
    """Write a corpus of about ``tokens`` tokens to ``out``; return its stamp record.

    A corpus already in ``out`` with the same parameters and source is kept as it is.
    """
    out = Path(out)
    stamp_path = out / "generated.json"
    fingerprint = source_fingerprint(source)
    params = {"generator": GENERATOR_VERSION, "tokens": tokens, "seed": seed,
              "source": fingerprint}
    if languages is not None:       # absent otherwise, so that earlier stamps stay valid
        params["languages"] = languages
    if not force and stamp_path.exists():
        stamp = json.loads(stamp_path.read_text("utf-8"))
        if stamp.get("params") == params:
            if not quiet:
                print(f"{out}: up to date ({stamp['documents']} documents, {stamp['tokens']} tokens)")
            return stamp
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    check_disk(out.parent, tokens * BYTES_PER_TOKEN * 1.1, f"a corpus of {size_label(tokens)} tokens")
    started = time.perf_counter()
    sources = load_sources(source, languages)
    loaded = time.perf_counter() - started
    generator = Generator(sources, seed)
    total = documents = written = 0
    by_lang: dict[str, int] = {}
    tmp.mkdir(parents=True)
    # Streamed: each document and its metadata row go to disk as they are drawn.
    with open(tmp / "metadata.csv", "w", encoding="utf-8", newline="") as meta:
        writer = csv.DictWriter(meta, fieldnames=list(METADATA_FIELDS), lineterminator="\n")
        writer.writeheader()
        while total < tokens:
            documents += 1
            doc = generator.document(documents, max(1, tokens - total + 1000))
            path = tmp / doc.path
            path.parent.mkdir(parents=True, exist_ok=True)
            data = render(doc).encode("utf-8")
            path.write_bytes(data)
            written += len(data)
            writer.writerow({"path": doc.path, "title": doc.title, "author": doc.author,
                             "year": doc.year, "language": doc.language, "group": doc.group,
                             "work_id": doc.work_id})
            total += doc.tokens
            by_lang[doc.language] = by_lang.get(doc.language, 0) + doc.tokens
            if not quiet and documents % 2000 == 0:
                print(f"  {documents} documents, {total:,} tokens, {written / 1e9:.2f} GB", flush=True)
    stamp = {"params": params, "documents": documents, "tokens": total,
             "tokens_by_declared_lang": dict(sorted(by_lang.items())),
             "bytes": written + (tmp / "metadata.csv").stat().st_size}
    (tmp / "generated.json").write_text(json.dumps(stamp, indent=1) + "\n", encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp.rename(out)
    if not quiet:
        seconds = time.perf_counter() - started
        print(f"{out}: {documents} documents, {total:,} tokens, {stamp['bytes'] / 1e6:.1f} MB "
              f"in {seconds:.1f} s (source read in {loaded:.1f} s)")
    return stamp


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=parse_size, required=True, help="e.g. 5M, 500k")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="output folder (outside the repo)")
    parser.add_argument("--source", type=Path, default=SHARED_CORPUS, help="source corpus")
    parser.add_argument("--force", action="store_true", help="regenerate even if up to date")
    parser.add_argument("--languages", type=int, default=None,
                        help="draw from the N languages with the most source tokens (default: all)")
    args = parser.parse_args(argv)
    repo = Path(__file__).resolve().parents[1]
    if args.out.resolve().is_relative_to(repo):
        parser.error(f"--out must be outside the repository ({repo})")
    if not (args.source / "metadata.csv").exists():
        parser.error(f"no source corpus at {args.source}")
    generate(args.tokens, args.seed, args.out, source=args.source, force=args.force,
             languages=args.languages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
