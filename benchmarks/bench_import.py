"""Field accuracy and boilerplate left, per archive profile, on the importer fixtures.

Usage: ``python benchmarks/bench_import.py``. The fixtures (tests/data/import) imitate each
archive's layout with our own text; expected.json holds their true fields and text.
"""

from __future__ import annotations

import json
from pathlib import Path

from concord.importers.evaluate import Score, score_fixtures

ROOT = Path(__file__).resolve().parent.parent / "tests" / "data" / "import"


def main() -> None:
    expected = json.loads((ROOT / "expected.json").read_text("utf-8"))
    total = Score()
    print(f"{'profile':12} {'pages':>5} {'fields':>7} {'accuracy':>9} {'boilerplate':>12} {'text kept':>10}")
    for profile, files in expected.items():
        score = score_fixtures(ROOT / profile, files)
        print(f"{profile:12} {len(files):5} {score.fields_right:3}/{score.fields_total:<3} "
              f"{score.accuracy:9.1%} {score.boilerplate:12.2%} {score.recall:10.2%}")
        for name, field, got, want in score.wrong:
            print(f"    {name}: {field} {got!r} (expected {want!r})")
        for key in ("fields_right", "fields_total", "extracted_tokens", "boilerplate_tokens",
                    "true_tokens", "kept_tokens"):
            setattr(total, key, getattr(total, key) + getattr(score, key))
    print(f"{'all':12} {sum(map(len, expected.values())):5} {total.fields_right:3}/"
          f"{total.fields_total:<3} {total.accuracy:9.1%} {total.boilerplate:12.2%} "
          f"{total.recall:10.2%}")


if __name__ == "__main__":
    main()
