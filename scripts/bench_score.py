"""Wall time of scoring 565 PET2Rep-length Chinese report pairs, and the ratio against
pycocoevalcap's BLEU + METEOR + ROUGE-L + CIDEr on the same space-joined tokens.

    python scripts/bench_score.py [--pairs 565] [--no-reference]

Prints each figure it measured: each of our metrics alone, then Scorer.score with every default
metric (lexical + CE) in one process and with one extraction helper (workers=2), and, when
pycocoevalcap and Java are installed, their time per scorer and the ratios.
"""

from __future__ import annotations

import argparse
import os
import time

from pet2rep_metrics import Scorer
from pet2rep_metrics._synthetic import zh_report
from pet2rep_metrics.metrics import Bleu, Cider, Meteor, RougeL, tokenize
from pet2rep_metrics.metrics._ngrams import count_ngrams


def timed(label: str, func):
    start = time.perf_counter()
    value = func()
    elapsed = time.perf_counter() - start
    print(f"  {label:<38}{elapsed:8.2f} s")
    return value, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=565)
    parser.add_argument("--no-reference", action="store_true", help="skip pycocoevalcap")
    args = parser.parse_args()
    preds = [zh_report(seed)[0] for seed in range(args.pairs)]
    refs = [zh_report(seed + 100_000)[0] for seed in range(args.pairs)]
    scorer = Scorer(metrics=["ce"])
    scorer.labels(["肝脏FDG摄取增高。"])  # build the extractor: model load is not timed
    print(f"{args.pairs} pairs, {sum(map(len, preds)) / len(preds):.0f} characters per report")

    print("pet2rep_metrics, one metric at a time:")
    (hyp, ref), t_tok = timed(
        "tokenize",
        lambda: ([tokenize(p, "zh") for p in preds], [[tokenize(r, "zh")] for r in refs]),
    )
    ngrams, t_count = timed(
        "n-gram counts (shared by BLEU, CIDEr)", lambda: count_ngrams(hyp, ref, 4)
    )
    _, t_bleu = timed("BLEU-1..4", lambda: Bleu().compute(hyp, ref, ngrams))
    _, t_rouge = timed("ROUGE-L", lambda: RougeL().compute(hyp, ref))
    _, t_cider = timed("CIDEr-D", lambda: Cider().compute(hyp, ref, ngrams))
    _, t_ce = timed("CE (extract both sides + score)", lambda: scorer.results(preds, refs))
    from pet2rep_metrics.metrics.meteor import backend, warm_up

    warm_up()
    _, t_meteor = timed(f"METEOR ({backend()} beam search)", lambda: Meteor().compute(hyp, ref))
    t_lexical = t_tok + t_count + t_bleu + t_rouge + t_cider
    print(f"  {'sum of the above':<38}{t_lexical + t_ce + t_meteor:8.2f} s")

    # a second prediction set: the steady state of a training loop (references already seen)
    preds_next = [zh_report(seed + 200_000)[0] for seed in range(args.pairs)]
    print(
        f"Scorer.score, all default metrics ({os.cpu_count()} CPUs; pipelines and helper "
        "start-up not timed):"
    )
    for workers in (1, 2):
        with Scorer(workers=workers) as full:
            full.labels(["肝脏FDG摄取增高。"])
            timed(f"workers={workers}: first call", lambda: full.score(preds, refs))
            timed(f"workers={workers}: new predictions", lambda: full.score(preds_next, refs))

    whole = whole_process(preds, refs)

    if args.no_reference:
        return
    try:
        from pycocoevalcap.bleu.bleu import Bleu as CocoBleu
        from pycocoevalcap.cider.cider import Cider as CocoCider
        from pycocoevalcap.meteor.meteor import Meteor as CocoMeteor
        from pycocoevalcap.rouge.rouge import Rouge as CocoRouge
    except ImportError:
        print("pycocoevalcap not installed: no reference timing")
        return
    gts = {i: [" ".join(r[0])] for i, r in enumerate(ref)}
    res = {i: [" ".join(h) or " "] for i, h in enumerate(hyp)}
    print("pycocoevalcap (same tokens):")
    _, c_bleu = timed("BLEU-1..4", lambda: CocoBleu(4).compute_score(gts, res, verbose=0))
    _, c_rouge = timed("ROUGE-L", lambda: CocoRouge().compute_score(gts, res))
    _, c_cider = timed("CIDEr-D", lambda: CocoCider().compute_score(gts, res))
    _, c_meteor = timed("METEOR (Java)", lambda: CocoMeteor().compute_score(gts, res))
    theirs = c_bleu + c_rouge + c_cider + c_meteor
    print(f"  {'total':<38}{theirs:8.2f} s")
    ours = t_lexical + t_meteor
    print(f"speed-up, BLEU+METEOR+ROUGE-L+CIDEr incl. tokenising: {theirs / ours:.0f}x")
    print(f"speed-up, BLEU+ROUGE-L+CIDEr: {(c_bleu + c_rouge + c_cider) / t_lexical:.0f}x")
    print(f"speed-up, METEOR: {c_meteor / t_meteor:.0f}x")
    print(
        f"speed-up, whole pet2rep-score process (all default metrics, CE included) against "
        f"pycocoevalcap's four scorers: {theirs / whole:.0f}x"
    )


def whole_process(preds: list[str], refs: list[str]) -> float:
    """Wall time of the command ``pet2rep-score PREDS REFS`` as a fresh process (start-up,
    reading, every default metric, CE with extraction of both sides, the printed table)."""
    import json
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for name, texts in (("preds", preds), ("refs", refs)):
            path = Path(folder) / f"{name}.jsonl"
            path.write_text(
                "".join(
                    json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n"
                    for i, t in enumerate(texts)
                ),
                encoding="utf-8",
            )
            paths.append(str(path))
        # what the console script pet2rep-score runs
        code = "import sys; from pet2rep_metrics.cli import score_main; sys.exit(score_main())"
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", code, *paths], check=True, stdout=subprocess.DEVNULL
            )
            best = min(best, time.perf_counter() - start)
    print(f"  {'pet2rep-score as a whole process':<38}{best:8.2f} s  (best of 3)")
    return best


if __name__ == "__main__":
    main()
