"""Reward latency: the scorer inside a training loop.

Each step scores 64 new Chinese generations against references the scorer has seen before
(their labels cached), with ROUGE-L and CE per case, as an RL reward would. Prints the import
and construction time, the first call (spaCy imported, pipelines built, references read), the
first step, and the median and 95th percentile of the steady-state steps.

    python scripts/bench_reward.py [--steps 20] [--batch 64] [--metrics rouge_l,ce] [--workers 2]
"""

from __future__ import annotations

import argparse
import statistics
import time

start = time.perf_counter()
from pet2rep_metrics import Scorer  # noqa: E402
from pet2rep_metrics._synthetic import zh_report  # noqa: E402

IMPORT_S = time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--metrics", default="rouge_l,ce")
    parser.add_argument(
        "--workers", type=int, default=1, help="2: a helper process extracts half of each step"
    )
    args = parser.parse_args()
    metrics = args.metrics.split(",")
    references = [zh_report(100_000 + i)[0] for i in range(args.batch)]
    begin = time.perf_counter()
    scorer = Scorer(metrics=metrics, language="zh", workers=args.workers)
    built = time.perf_counter() - begin
    begin = time.perf_counter()
    # imports spaCy, builds the pipelines, extracts and caches the references
    scorer.score([references[0]] * args.batch, references)
    first_call = time.perf_counter() - begin

    times = []
    for step in range(args.steps + 1):
        generations = [zh_report(step * args.batch + i)[0] for i in range(args.batch)]
        begin = time.perf_counter()
        rewards = scorer.score(generations, references, per_case=True)["per_case"]
        times.append(time.perf_counter() - begin)
        assert len(rewards["ce_f1"]) == args.batch
    scorer.close()
    from pet2rep_metrics.extract._compiled import build_description

    cold, steady = times[0], sorted(times[1:])
    p95 = steady[min(len(steady) - 1, round(0.95 * (len(steady) - 1)))]
    print(
        f"import pet2rep_metrics + Scorer(): {(IMPORT_S + built) * 1000:.0f} ms; first call "
        f"(spaCy import, pipeline build, {args.batch} references read): {first_call * 1000:.0f} ms"
        f"; {build_description()}"
    )
    print(
        f"reward step ({args.batch} zh generations, {'+'.join(metrics)}, references cached, "
        f"workers={args.workers}): "
        f"first {cold * 1000:.0f} ms, median {statistics.median(steady) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms over {len(steady)} steps"
    )


if __name__ == "__main__":
    main()
