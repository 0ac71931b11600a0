"""Throughput of the extractor on PET2Rep-length Chinese reports, one process, model load excluded.

    python scripts/bench_extract.py [--reports 2000] [--repeat 5]

Prints reports per second (best of --repeat runs) and characters per report.
"""

from __future__ import annotations

import argparse
import time

from pet2rep_metrics import Extractor
from pet2rep_metrics._synthetic import zh_report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    texts = [zh_report(seed)[0] for seed in range(args.reports)]
    extractor = Extractor(language="zh")
    list(extractor.pipe(texts[:20]))  # build the pipeline: model load is not timed
    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        for _table in extractor.pipe(texts):
            pass
        best = min(best, time.perf_counter() - start)
    chars = sum(len(t) for t in texts) / len(texts)
    print(
        f"extractor: {len(texts) / best:.0f} reports/s ({len(texts)} zh reports, {chars:.0f} chars each, best of {args.repeat})"
    )


if __name__ == "__main__":
    main()
