"""Memory stays bounded: resident memory (RSS) of a training loop, of streamed extraction and
of a large scoring call.

1. ``loop``: 2,000 scoring steps of 64 new pairs (BLEU, METEOR, ROUGE-L, CIDEr, CE), Chinese and
   English; RSS at steps 100 and 2,000 (flat means every cache is bounded).
2. ``extract``: ``pet2rep-extract`` over JSONL files of 10,000 and 100,000 short reports; the
   peak RSS of each run (flat means the reports stream).
3. ``score``: ``pet2rep-score`` on 20,000 Chinese pairs of PET2Rep length; peak RSS.

    python scripts/bench_memory.py [loop] [extract] [score] [--steps 2000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def loop(steps: int) -> None:
    from pet2rep_metrics import Scorer
    from pet2rep_metrics._synthetic import zh_report

    def en_report(i: int) -> str:
        return (
            f"A {i % 37 + 5} mm nodule in the right upper lobe shows FDG uptake with SUVmax "
            f"{i % 17}.{i % 9}; case {i * 7919}. No hypermetabolic mediastinal nodes. "
            f"The liver shows physiologic uptake (SUVmean {i % 3 + 1}.{i % 10})."
        )

    for language, report in (("zh", lambda i: zh_report(i)[0]), ("en", en_report)):
        scorer = Scorer(language=language)
        references = [report(10_000_000 + i) for i in range(64)]
        marks = {}
        for step in range(1, steps + 1):
            scorer.score([report(step * 64 + i) for i in range(64)], references)
            if step in (100, steps):
                marks[step] = _rss_mb()
        growth = (marks[steps] - marks[100]) / marks[100] * 100
        print(
            f"loop {language}: RSS {marks[100]:.0f} MB at step 100, {marks[steps]:.0f} MB at step "
            f"{steps} ({growth:+.1f}%)"
        )


def _command(app: str) -> list[str]:
    """A pet2rep command run by this interpreter, printing its own peak RSS (KB) when it ends."""
    code = (
        "import atexit, resource, sys\n"
        "atexit.register(lambda: print('PEAK', resource.getrusage(resource.RUSAGE_SELF)"
        ".ru_maxrss, file=sys.__stderr__))\n"
        f"from pet2rep_metrics.cli import {app}\n"
        f"sys.argv[0] = 'pet2rep'\n{app}()"
    )
    return [sys.executable, "-c", code]


def _peak_of(command: list[str]) -> float:
    """Peak RSS (MB) of one child process."""
    done = subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    line = [x for x in done.stderr.decode().splitlines() if x.startswith("PEAK ")][-1]
    return int(line.split()[1]) / 1024


def extract() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for count in (10_000, 100_000):
            source = Path(folder) / f"reports{count}.jsonl"
            with source.open("w", encoding="utf-8") as handle:
                for i in range(count):
                    text = f"肝脏见结节{i % 97}，FDG摄取增高，SUVmax {i % 13}.{i % 7}。脾脏FDG摄取未见异常。"
                    handle.write(
                        json.dumps({"id": str(i), "text": text}, ensure_ascii=False) + "\n"
                    )
            peak = _peak_of(
                [*_command("extract_app"), str(source), "-o", str(Path(folder) / "out.jsonl")]
            )
            print(f"extract {count} reports (streamed): peak RSS {peak:.0f} MB")


def score() -> None:
    from pet2rep_metrics._synthetic import zh_report

    with tempfile.TemporaryDirectory() as folder:
        preds, refs = Path(folder) / "preds.jsonl", Path(folder) / "refs.jsonl"
        with preds.open("w", encoding="utf-8") as p, refs.open("w", encoding="utf-8") as r:
            for i in range(20_000):
                p.write(
                    json.dumps({"id": str(i), "text": zh_report(i)[0]}, ensure_ascii=False) + "\n"
                )
                r.write(
                    json.dumps({"id": str(i), "text": zh_report(i + 50_000)[0]}, ensure_ascii=False)
                    + "\n"
                )
        peak = _peak_of([*_command("score_app"), str(preds), str(refs)])
        print(f"score 20000 zh pairs (default metrics): peak RSS {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", default=["loop", "extract", "score"])
    parser.add_argument("--steps", type=int, default=2000)
    args = parser.parse_args()
    for part in args.parts:
        {"loop": lambda: loop(args.steps), "extract": extract, "score": score}[part]()


if __name__ == "__main__":
    main()
