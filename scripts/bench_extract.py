"""Throughput of the extractor on PET2Rep-length Chinese reports.

    python scripts/bench_extract.py [--reports 2000] [--repeat 5]
    python scripts/bench_extract.py --cli [--reports 30000]
    python scripts/bench_extract.py --stages
    python scripts/bench_extract.py --texts REPORTS.jsonl

Default: reports per second in one process, labels only, model load excluded (best of
--repeat runs), and which build ran (compiled rule modules, or with PET2REP_PURE_PYTHON=1 the
sources). With --cli: ``pet2rep-extract FILE -o OUT`` (findings written) as a whole process
with --workers 1 and 2 on --reports reports, start-up included, and the steady rate with
--workers 2 (the extra reports over the extra time, against a run on a third as many). With
--stages: each component's time per report, run over all reports before the next. With
--texts: the cost per 960 characters of a file's reports read for the first time by a new
extractor, and read again.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pet2rep_metrics import Extractor
from pet2rep_metrics._gc import paused
from pet2rep_metrics._synthetic import zh_report
from pet2rep_metrics.extract._compiled import build_description
from pet2rep_metrics.io import write_jsonl

# the console script pet2rep-extract, run by this interpreter
_CLI = "from pet2rep_metrics.cli import extract_main; extract_main()"


def in_process(texts: list[str], repeat: int) -> None:
    extractor = Extractor(language="zh")
    list(extractor.pipe(texts[:20]))  # build the pipeline: model load is not timed
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _table in extractor.pipe(texts):
            pass
        best = min(best, time.perf_counter() - start)
    chars = sum(len(t) for t in texts) / len(texts)
    print(
        f"extractor: {len(texts) / best:.0f} reports/s ({len(texts)} zh reports, {chars:.0f} "
        f"chars each, best of {repeat}; {build_description()})"
    )


def stages(texts: list[str], repeat: int) -> None:
    """Milliseconds per report of the tokenizer and of each component, each run over all the
    reports before the next (best of ``repeat``)."""
    nlp = Extractor(language="zh").pipeline("zh")
    list(nlp.pipe(texts[:20]))
    best: dict[str, float] = {}
    for _ in range(repeat):
        with paused():  # as Extractor.pipe does: the collector would walk every live Doc
            start = time.perf_counter()
            docs = [nlp.make_doc(text) for text in texts]
            best["tokenizer"] = min(
                best.get("tokenizer", float("inf")), time.perf_counter() - start
            )
            for name, component in nlp.pipeline:
                start = time.perf_counter()
                docs = [component(doc) for doc in docs]
                best[name] = min(best.get(name, float("inf")), time.perf_counter() - start)
        del docs
    for name, seconds in best.items():
        print(f"  {name:<20}{seconds / len(texts) * 1000:.3f} ms")
    total = sum(best.values())
    print(f"  {'all':<20}{total / len(texts) * 1000:.3f} ms per report ({build_description()})")


def first_pass(path: Path) -> None:
    """Throughput on the texts of a JSONL file (each line with "text") in a new extractor, then
    again: spaCy makes a vocabulary entry for every token string it has not seen, which the
    synthetic reports (a limited phrase set) hardly ever show and real reports often do."""
    from pet2rep_metrics.io import iter_jsonl

    texts = [row["text"] for _, row in iter_jsonl(path) if isinstance(row.get("text"), str)]
    chars = sum(map(len, texts))
    extractor = Extractor()
    list(extractor.pipe(["肝脏FDG摄取增高。", "Liver uptake is normal."]))  # pipelines built
    timings = []
    for _ in range(2):
        start = time.perf_counter()
        for _table in extractor.pipe(texts, findings=False):
            pass
        timings.append(time.perf_counter() - start)
    first, again = (t / chars * 960 * 1000 for t in timings)
    print(
        f"{len(texts)} texts of {path} ({chars / len(texts):.0f} chars each): {first:.2f} ms per "
        f"960 characters on first sight, {again:.2f} ms again ({build_description()})"
    )


def command(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:

        def run(count: int, workers: int) -> float:
            source = Path(folder) / f"in{count}.jsonl"
            if not source.exists():
                write_jsonl(
                    source, ({"id": str(i), "text": t} for i, t in enumerate(texts[:count]))
                )
            target = Path(folder) / "out.jsonl"
            target.unlink(missing_ok=True)
            start = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    _CLI,
                    str(source),
                    "-o",
                    str(target),
                    "--workers",
                    str(workers),
                ],
                check=True,
                stderr=subprocess.DEVNULL,
            )
            return time.perf_counter() - start

        total = len(texts)
        for workers in (1, 2):
            elapsed = run(total, workers)
            print(
                f"pet2rep-extract --workers {workers}: {total} reports in {elapsed:.1f} s, "
                f"{total / elapsed:.0f} reports/s with findings, start-up included"
            )
            if workers == 2:
                part = total // 3
                shorter = run(part, workers)
                print(
                    f"  steady rate with --workers 2: {(total - part) / (elapsed - shorter):.0f} "
                    f"reports/s ({part} reports in {shorter:.1f} s)"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cli", action="store_true", help="time pet2rep-extract as a process")
    parser.add_argument("--stages", action="store_true", help="time each component alone")
    parser.add_argument(
        "--texts", type=Path, help="JSONL of reports: first-sight and repeated cost on them"
    )
    args = parser.parse_args()
    if args.texts is not None:
        first_pass(args.texts)
        return
    count = args.reports or (30000 if args.cli else 2000)
    texts = [zh_report(seed)[0] for seed in range(count)]
    if args.cli:
        command(texts)
    elif args.stages:
        stages(texts, args.repeat)
    else:
        in_process(texts, args.repeat)


if __name__ == "__main__":
    main()
