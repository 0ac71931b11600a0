"""Command-line entry points (thin: argument parsing and printing; the work lives elsewhere)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .io import InputError

_err = Console(stderr=True)
_out = Console()


@contextmanager
def _user_errors():
    """Turn input problems into one clear line on stderr and exit code 2 (no traceback)."""
    try:
        yield
    except (InputError, ValueError, FileNotFoundError, ImportError) as exc:
        _err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def _progress(total: int, description: str):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn(description),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=_err,
        transient=True,
        disable=not sys.stderr.isatty(),
    )


# --------------------------------------------------------------------------- pet2rep-extract
extract_app = typer.Typer(
    add_completion=False, help="Read PET/CT reports into organ x uptake tables."
)


@extract_app.command()
def extract(
    input: Annotated[
        Path,
        typer.Argument(help="A .txt report, or a .jsonl with id, text, optional language per line"),
    ],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write JSONL here instead of a table")
    ] = None,
    language: Annotated[str, typer.Option(help="auto | zh | en")] = "auto",
    model: Annotated[
        str | None, typer.Option(help="English spaCy model: blank (default), auto, or a name/path")
    ] = None,
) -> None:
    """Extract organ x uptake labels and findings from INPUT."""
    from .extract import Extractor
    from .io import read_reports, write_jsonl

    with _user_errors():
        if language not in ("auto", "zh", "en"):
            raise ValueError(f"--language must be auto, zh or en, not {language!r}")
        rows = read_reports(input)
        extractor = Extractor(language=None if language == "auto" else language, model=model)
        tables = []
        with _progress(len(rows), "extracting") as progress:
            task = progress.add_task("extracting", total=len(rows), rate="")
            for row in rows:
                lang = row["language"] if row["language"] not in (None, "auto") else None
                tables.append(extractor(row["text"], language=lang))
                progress.advance(task)
        if output is not None:
            count = write_jsonl(
                output,
                ({"id": row["id"], **table.to_dict()} for row, table in zip(rows, tables)),
            )
            _err.print(
                f"wrote {count} reports to {output} ({extractor.signature})", highlight=False
            )
            return
        for row, table in zip(rows, tables):
            _out.print(_extract_table(row["id"], table))


def _extract_table(case_id: str, table) -> Table:
    view = Table(title=f"{case_id} ({table.language})", title_justify="left", show_lines=False)
    view.add_column("organ")
    view.add_column("states")
    view.add_column("SUVmax", justify="right")
    view.add_column("evidence", overflow="fold")
    by_organ: dict[str, list] = {}
    for finding in table.findings:
        by_organ.setdefault(finding.organ, []).append(finding)
    for organ, states in table.labels.items():
        findings = by_organ.get(organ, [])
        suv = max((f.suvmax for f in findings if f.suvmax is not None), default=None)
        evidence = next((f.evidence for f in findings if f.state in states), "")
        style = "red" if any(s != "normal" for s in states) else None
        view.add_row(
            organ,
            ", ".join(states),
            "" if suv is None else f"{suv:g}",
            evidence.replace("\n", " "),
            style=style,
        )
    if not table.labels:
        view.add_row("(no organ with an uptake statement)", "", "", "")
    return view


# --------------------------------------------------------------------------- pet2rep-score
score_app = typer.Typer(
    add_completion=False, help="Score generated PET/CT reports against references."
)

_HEADLINE = (
    "bleu_1",
    "bleu_2",
    "bleu_3",
    "bleu_4",
    "meteor",
    "rouge_l",
    "cider",
    "ce_precision",
    "ce_recall",
    "ce_f1",
    "oua_accuracy",
)


@score_app.command()
def score(
    files: Annotated[list[Path], typer.Argument(help="PREDS REFS (or REFS alone with --template)")],
    organs: Annotated[
        str, typer.Option(help="Organ set for CE: pet2rep | all | FILE | comma-separated ids")
    ] = "pet2rep",
    metrics: Annotated[
        str,
        typer.Option(
            help="Comma-separated: bleu,meteor,rouge_l,cider,ce,chrf,sacrebleu,rouge_score,bertscore"
        ),
    ] = "bleu,meteor,rouge_l,cider,ce",
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write all figures as one JSON object")
    ] = None,
    per_case_out: Annotated[
        Path | None, typer.Option("--per-case", help="Write per-case scores as CSV")
    ] = None,
    language: Annotated[str, typer.Option(help="auto | zh | en")] = "auto",
    meteor: Annotated[str, typer.Option(help="python | java (pycocoevalcap's jar)")] = "python",
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap resamples for 95% intervals (0: none)")
    ] = 0,
    against: Annotated[
        Path | None, typer.Option(help="A second PREDS file: paired randomisation test")
    ] = None,
    template: Annotated[
        bool, typer.Option(help="Score a fixed template report as every prediction")
    ] = False,
    template_file: Annotated[
        Path | None, typer.Option(help="Template text (default: the project's own)")
    ] = None,
    zh_words: Annotated[
        bool, typer.Option(help="jieba words instead of characters for Chinese")
    ] = False,
    bertscore_model: Annotated[
        str | None, typer.Option(help="BERTScore model name or local folder")
    ] = None,
    bertscore_layers: Annotated[
        int | None, typer.Option(help="BERTScore layer for a local model")
    ] = None,
) -> None:
    """Score PREDS against REFS (JSONL matched by id). Exit 2 on input that cannot be trusted."""
    from .io import pair_by_id, read_predictions, read_references, read_text, write_csv, write_json
    from .metrics import Scorer, bootstrap_ci, paired_randomization
    from .runner.templates import default_template

    with _user_errors():
        if template:
            if len(files) != 1:
                raise ValueError(
                    "with --template give the references only: pet2rep-score --template REFS"
                )
            refs_path = files[0]
            refs = read_references(refs_path)
            lang = None if language == "auto" else language
            text = read_text(template_file) if template_file else None
            ids = list(refs)
            if text is None:
                from .extract.normalize import detect_language

                text = default_template(lang or detect_language(next(iter(refs.values()))["text"]))
            preds = {i: {"text": text} for i in ids}
            preds_path = Path("<template>")
        else:
            if len(files) != 2:
                raise ValueError("give two files: pet2rep-score PREDS REFS")
            preds_path, refs_path = files
            preds = read_predictions(preds_path)
            refs = read_references(refs_path)
            ids = pair_by_id(preds, refs, preds_path, refs_path)
        scorer = Scorer(
            metrics=[m.strip() for m in metrics.split(",") if m.strip()],
            organs=organs,
            language=None if language == "auto" else language,
            zh_words=zh_words,
            meteor=meteor,
            bertscore_model=bertscore_model,
            bertscore_layers=bertscore_layers,
        )
        pred_texts = [preds[i]["text"] for i in ids]
        ref_texts = [refs[i]["text"] for i in ids]
        ref_labels = [refs[i]["labels"] for i in ids]
        results = scorer.results(pred_texts, ref_texts, ref_labels)
        report = _summarize(scorer, results, ids, ref_texts)
        report["config"]["template"] = template
        intervals = {}
        if bootstrap > 0:
            for result in results.values():
                intervals.update(bootstrap_ci(result, bootstrap))
            report["ci95"] = intervals
        if against is not None:
            other = read_predictions(against)
            pair_by_id(other, refs, against, refs_path)
            other_results = scorer.results([other[i]["text"] for i in ids], ref_texts, ref_labels)
            report["paired_test"] = {
                "against": str(against),
                "method": "approximate randomisation, 1000 trials",
                "p_values": {
                    k: v
                    for name in results
                    for k, v in paired_randomization(results[name], other_results[name]).items()
                },
                "against_scores": {
                    k: v for r in other_results.values() for k, v in r.pooled().items()
                },
            }
        if json_out is not None:
            write_json(json_out, report)
        if per_case_out is not None:
            write_csv(per_case_out, report.pop("_per_case_rows"))
        else:
            report.pop("_per_case_rows")
        _out.print(_score_table(report, intervals, str(preds_path), str(refs_path)))
        if "paired_test" in report:
            _out.print(_paired_table(report))


def _summarize(scorer, results, ids, ref_texts) -> dict:
    import numpy as np

    out: dict = {"n": len(ids)}
    per_case: dict[str, np.ndarray] = {}
    for name, result in results.items():
        pooled = result.pooled()
        out.update(pooled)
        if name == "bleu":
            for n in range(1, 5):
                per_case[f"bleu_{n}"] = result.extra[f"per_case_bleu_{n}"]
        elif name == "ce":
            out["ce_per_state"] = result.extra["per_state"]
            out["ce_per_organ"] = result.extra["per_organ"]
            per_case["ce_f1"] = result.per_case
            per_case["oua_accuracy"] = result.extra["per_case_oua_accuracy"]
        elif name == "rouge_score":
            for k, key in enumerate(("rouge1", "rouge2", "rougeL_f1")):
                per_case[key] = result.case_stats[:, k]
        else:
            per_case[result.name] = result.per_case
    out["config"] = scorer.config(results, scorer._language_of(ref_texts))
    rows = []
    for c, case_id in enumerate(ids):
        row = {"id": case_id}
        for key, values in per_case.items():
            value = float(values[c])
            row[key] = "" if value != value else round(value, 6)
        rows.append(row)
    out["_per_case_rows"] = rows
    return out


def _score_table(report: dict, intervals: dict, preds: str, refs: str) -> Table:
    view = Table(title=f"{preds} vs {refs}  (n={report['n']})", title_justify="left")
    view.add_column("metric")
    view.add_column("score", justify="right")
    if intervals:
        view.add_column("95% CI", justify="right")
    keys = [k for k in _HEADLINE if k in report] + [
        k
        for k in ("chrf", "sacrebleu", "rouge1", "rouge2", "rougeL_f1", "bertscore_f1")
        if k in report
    ]
    for key in keys:
        cells = [key, f"{report[key]:.4f}"]
        if intervals:
            low_high = intervals.get(key)
            cells.append(f"{low_high[0]:.4f}-{low_high[1]:.4f}" if low_high else "")
        view.add_row(*cells)
    config = report["config"]
    view.caption = f"language {config['language']}; organs {config['organ_set_size']}; METEOR {config['meteor_backend']}"
    return view


def _paired_table(report: dict) -> Table:
    paired = report["paired_test"]
    view = Table(
        title=f"paired test against {paired['against']} ({paired['method']})", title_justify="left"
    )
    view.add_column("metric")
    view.add_column("A", justify="right")
    view.add_column("B", justify="right")
    view.add_column("p", justify="right")
    for key, p in paired["p_values"].items():
        if key in report:
            view.add_row(
                key, f"{report[key]:.4f}", f"{paired['against_scores'][key]:.4f}", f"{p:.4f}"
            )
    return view
