"""Command-line entry points (thin: argument parsing and printing; the work lives elsewhere)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .io import InputError, check_outputs
from .runner.backends import BackendError as _BackendError

# Markup off: ids, file names and report text are printed as they are ("[/]" in an id must
# neither raise nor vanish); styles are set on Text objects and table rows instead.
_err = Console(stderr=True, markup=False)
_out = Console(markup=False)
_Workers = Annotated[
    int,
    typer.Option(
        min=1,
        help="Processes extracting CE labels; 2 pays off on several cores for large files "
        "(a helper takes a few seconds to start)",
    ),
]


@contextmanager
def _user_errors():
    """Turn input problems into one clear line on stderr and exit code 2 (no traceback)."""
    try:
        yield
    except (
        InputError,
        ValueError,
        FileNotFoundError,
        FileExistsError,
        ImportError,
        _BackendError,
        OSError,
        UnicodeError,
    ) as exc:
        message = str(exc)
        if isinstance(exc, OSError) and not isinstance(exc, (FileNotFoundError, FileExistsError)):
            where = f" {exc.filename}" if exc.filename else ""
            message = f"cannot use{where}: {exc.strerror or exc}"
        _err.print(Text("error: ", style="bold red") + Text(message), soft_wrap=True)
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
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Processes extracting (each builds its own pipelines; same output, in order)",
        ),
    ] = 1,
) -> None:
    """Extract organ x uptake labels and findings from INPUT (streamed: memory does not grow
    with the number of reports)."""
    from .extract import Extractor
    from .extract.parallel import extract_rows
    from .io import atomic_writer, iter_reports, json_line

    with _user_errors():
        if language not in ("auto", "zh", "en"):
            raise ValueError(f"--language must be auto, zh or en, not {language!r}")
        check_outputs([input], [output])
        total = _count_lines(input)
        extractor = Extractor(language=None if language == "auto" else language, model=model)
        reports = iter_reports(input)
        with _progress(total, "extracting") as progress:
            task = progress.add_task("extracting", total=total, rate="")
            rows = extract_rows(
                reports,
                extractor,
                workers=workers,
                findings=True,
                progress=lambda n: progress.advance(task, n),
            )
            if output is None:
                for row in rows:
                    _out.print(_extract_table(row["id"], _TableView(row)))
                return
            count = 0
            with atomic_writer(output) as handle:
                for row in rows:
                    handle.write(json_line(row))
                    count += 1
        _err.print(f"wrote {count} reports to {output} ({extractor.signature})", highlight=False)


class _TableView:
    """What :func:`_extract_table` reads of a report table, from an output row."""

    def __init__(self, row: dict):
        from .extract.table import Finding

        self.language = row["language"]
        self.labels = row["labels"]
        self.findings = [Finding(**f) for f in row.get("findings", [])]


def _count_lines(path: Path) -> int | None:
    """Lines of a JSONL file (for the progress bar), or 1 for a text report."""
    if path.suffix.lower() not in (".jsonl", ".ndjson"):
        return 1
    try:
        with path.open("rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except OSError:
        return None


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


def _list_metrics() -> None:
    from .metrics import registry

    view = Table(title="metrics (default: *)", title_justify="left")
    for column in ("metric", "input", "scores", "what"):
        view.add_column(column)
    for name in registry.names():
        entry = registry.entry(name)
        mark = "*" if entry.default else ""
        view.add_row(name + mark, entry.input, ", ".join(entry.keys), entry.help)
    _out.print(view)
    raise typer.Exit(0)


def _headline(report: dict) -> list[str]:
    """The corpus scores in ``report``, in registry (table) order."""
    from .metrics import registry

    return [k for k in registry.output_keys() if k in report]


@score_app.command()
def score(
    files: Annotated[list[Path], typer.Argument(help="PREDS REFS (or REFS alone with --template)")],
    organs: Annotated[
        str, typer.Option(help="Organ set for CE: pet2rep | all | FILE | comma-separated ids")
    ] = "pet2rep",
    metrics: Annotated[
        str,
        typer.Option(
            help="Comma-separated: bleu,meteor,rouge_l,cider,ce,chrf,sacrebleu,rouge_score,"
            "bertscore or any registered metric (--list-metrics)"
        ),
    ] = "bleu,meteor,rouge_l,cider,ce",
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write all figures as one JSON object")
    ] = None,
    list_metrics: Annotated[
        bool,
        typer.Option(
            "--list-metrics",
            is_eager=True,
            callback=lambda value: _list_metrics() if value else None,
            help="Print every metric the registry knows (name, input, scores) and exit",
        ),
    ] = False,
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
    html_out: Annotated[
        Path | None,
        typer.Option("--html", help="Write an HTML report (per-organ CE, score distributions)"),
    ] = None,
    workers: _Workers = 1,
) -> None:
    """Score PREDS against REFS (JSONL matched by id). Exit 2 on input that cannot be trusted."""
    from .io import pair_by_id, read_predictions, read_references, read_text, write_csv, write_json
    from .metrics import bootstrap_ci, paired_randomization
    from .runner.templates import default_template
    from .scoring import Scorer

    with _user_errors():
        check_outputs([*files, template_file, against], [json_out, html_out, per_case_out])
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
            workers=workers,
        )
        pred_texts = [preds[i]["text"] for i in ids]
        ref_texts = [refs[i]["text"] for i in ids]
        ref_labels = [refs[i]["labels"] for i in ids]
        language_used = scorer.language_of(ref_texts)
        results = scorer.results(pred_texts, ref_texts, ref_labels, language=language_used)
        report = _summarize(scorer, results, ids, language_used)
        report["config"]["template"] = template
        intervals = {}
        if bootstrap > 0:
            for result in results.values():
                intervals.update(bootstrap_ci(result, bootstrap))
            report["ci95"] = intervals
        if against is not None:
            other = read_predictions(against)
            pair_by_id(other, refs, against, refs_path)
            other_results = scorer.results(
                [other[i]["text"] for i in ids], ref_texts, ref_labels, language=language_used
            )
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
        scorer.close()  # helper processes, if any
        if json_out is not None:
            write_json(json_out, report)
        if html_out is not None:
            from .io import atomic_writer

            with atomic_writer(html_out) as handle:
                handle.write(
                    _score_html(report, results, f"pet2rep-score: {preds_path} vs {refs_path}")
                )
        if per_case_out is not None:
            write_csv(per_case_out, report.pop("_per_case_rows"))
        else:
            report.pop("_per_case_rows")
        _out.print(_score_table(report, intervals, str(preds_path), str(refs_path)))
        if "paired_test" in report:
            _out.print(_paired_table(report))


def _summarize(scorer, results, ids, language) -> dict:
    out, per_case = scorer.summarize(results, language)
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
    for key in _headline(report):
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


# --------------------------------------------------------------------------- pet2rep-audit
audit_app = typer.Typer(
    add_completion=False, help="How far the extractor agrees with radiologist labels."
)


@audit_app.command()
def audit(
    gold: Annotated[
        Path,
        typer.Argument(
            help="Radiologist labels: JSONL (id, text, labels) or CSV (id, one column per organ)"
        ),
    ],
    pred: Annotated[
        Path | None,
        typer.Option(
            help="Labels to audit (JSONL with id, labels, e.g. pet2rep-extract output); default: run the extractor on GOLD's texts"
        ),
    ] = None,
    second_rater: Annotated[
        Path | None, typer.Option(help="A second rater's labels of the same reports")
    ] = None,
    organs: Annotated[str, typer.Option(help="all | pet2rep | FILE | comma-separated ids")] = "all",
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for disagreements.csv, per_organ.csv, confusion.json"),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the figures as JSON")
    ] = None,
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Write a self-contained HTML report")
    ] = None,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for 95% intervals")] = 1000,
    model: Annotated[str | None, typer.Option(help="English spaCy model for the extractor")] = None,
) -> None:
    """Agreement of extracted (or given) labels with GOLD: F1, kappa, confusion, disagreements."""
    from .audit.gold import read_gold, read_label_rows
    from .audit.report import align, run_audit, write_outputs
    from .extract import Extractor
    from .io import write_json
    from .labels import organ_set

    with _user_errors():
        folder_outputs = (
            [out / n for n in ("disagreements.csv", "per_organ.csv", "confusion.json")]
            if out is not None
            else []
        )
        check_outputs([gold, pred, second_rater], [*folder_outputs, json_out, html_out])
        organ_ids_ = organ_set(organs)
        gold_rows = read_gold(gold)
        pred_rows = (
            align(gold_rows, read_label_rows(pred), gold, pred) if pred is not None else None
        )
        second_rows = (
            align(gold_rows, read_label_rows(second_rater), gold, second_rater)
            if second_rater is not None
            else None
        )
        result = run_audit(
            gold_rows,
            organ_ids_,
            pred_rows,
            second_rows,
            Extractor(model=model) if pred is None else None,
            bootstrap,
        )
        if out is not None:
            written = write_outputs(result, out)
            _err.print("wrote " + ", ".join(str(p) for p in written), highlight=False)
        if json_out is not None:
            write_json(json_out, result.to_json())
        if html_out is not None:
            from .io import atomic_writer

            with atomic_writer(html_out) as handle:
                handle.write(_audit_html(result, str(gold)))
        _out.print(_audit_table(result))


def _fmt_ci(value, ci) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" + (f" ({ci[0]:.3f}-{ci[1]:.3f})" if ci else "")


def _audit_table(result) -> Table:
    view = Table(
        title=f"agreement with gold (n={result.figures['n_reports']} reports)", title_justify="left"
    )
    view.add_column("figure")
    view.add_column("labeller vs gold", justify="right")
    if result.second_rater is not None:
        view.add_column("second rater vs gold", justify="right")
    for key in ("micro_f1", "macro_f1", "kappa", "micro_precision", "micro_recall"):
        cells = [key, _fmt_ci(result.figures[key], result.ci95.get(key))]
        if result.second_rater is not None:
            cells.append(_fmt_ci(result.second_rater[key], result.second_rater_ci95.get(key)))
        view.add_row(*cells)
    view.caption = f"{len(result.disagreements)} disagreeing (report, organ) cells"
    return view


def _audit_html(result, gold_name: str) -> str:
    from .audit import html as H

    per_organ = result.figures["per_organ"]
    described = {o: f["f1"] for o, f in per_organ.items() if f["support"] or f["precision"]}
    headline = [
        {"figure": k, "labeller vs gold": _fmt_ci(result.figures[k], result.ci95.get(k))}
        for k in ("micro_f1", "macro_f1", "kappa")
    ]
    columns = ["figure", "labeller vs gold"]
    if result.second_rater is not None:
        columns.append("second rater vs gold")
        for row in headline:
            row["second rater vs gold"] = _fmt_ci(
                result.second_rater[row["figure"]], result.second_rater_ci95.get(row["figure"])
            )
    organ_rows = [{"organ": o, **f} for o, f in per_organ.items()]
    sections = [
        ("Headline", H.table(headline, columns)),
        ("Per-organ F1", H.bar_chart(described or {"(none)": 0.0}, "F1 by organ", "F1")),
        (
            "Per organ",
            H.table(organ_rows, ["organ", "precision", "recall", "f1", "support", "kappa"]),
        ),
        (
            "Per state",
            H.table(
                [{"state": s, **f} for s, f in result.figures["per_state"].items()],
                ["state", "precision", "recall", "f1", "support"],
            ),
        ),
        (
            "Confusion by organ",
            H.heatmaps(result.figures["confusion"], result.figures["categories"], "categories"),
        ),
        (
            "Disagreements",
            H.table(
                result.disagreements,
                ["id", "organ", "gold", "predicted", "sentence"],
                highlight=("sentence", "evidence"),
            ),
        ),
    ]
    return H.page(
        f"pet2rep-audit: {gold_name}",
        sections,
        note=f"organs: {len(result.config['organs'])}; labeller: {result.config['labeller']}",
    )


def _score_html(report: dict, results: dict, title: str) -> str:
    """pet2rep-score --html: per-organ CE, distributions of the per-case scores."""
    from .audit import html as H

    plt = H._matplotlib()
    headline = {k: report[k] for k in _headline(report)}
    sections = [
        (
            "Scores",
            H.table(
                [
                    {
                        "metric": k,
                        "score": v,
                        "95% CI": "-".join(f"{x:.3f}" for x in report.get("ci95", {}).get(k, ())),
                    }
                    for k, v in headline.items()
                ],
                ["metric", "score", "95% CI"],
            ),
        )
    ]
    if "ce_per_organ" in report:
        f1 = {
            o: f["f1"] for o, f in report["ce_per_organ"].items() if f["support"] or f["precision"]
        }
        accuracy = {
            o: f["accuracy"] for o, f in report["ce_per_organ"].items() if f["accuracy"] is not None
        }
        if f1:
            sections.append(
                (
                    "Clinical efficacy by organ (F1 over abnormal states)",
                    H.bar_chart(f1, "CE F1 by organ", "F1"),
                )
            )
        if accuracy:
            sections.append(
                (
                    "Organ uptake accuracy by organ",
                    H.bar_chart(accuracy, "OUA accuracy by organ", "accuracy"),
                )
            )
    per_case = {}
    for name, result in results.items():
        if name == "bleu":
            per_case["bleu_4"] = result.per_case
        elif name == "ce":
            per_case["ce_f1"] = result.per_case
        elif name != "rouge_score":
            per_case[result.name] = result.per_case
    if per_case:
        fig, axes = plt.subplots(
            1, len(per_case), figsize=(3.2 * len(per_case), 2.8), squeeze=False
        )
        for ax, (name, values) in zip(axes.flat, per_case.items()):
            ax.hist([v for v in values if v == v], bins=20, color="#4c78a8")
            ax.set_title(name, fontsize=9)
        fig.suptitle("distribution across cases")
        fig.tight_layout()
        sections.append(("Per-case distributions", H.png(fig)))
    return H.page(
        title, sections, note=f"n = {report['n']}; language {report['config']['language']}"
    )


# --------------------------------------------------------------------------- pet2rep-compare
compare_app = typer.Typer(
    add_completion=False, help="Compare several systems on the same references."
)


@compare_app.command()
def compare(
    refs: Annotated[Path, typer.Argument(help="References JSONL")],
    preds: Annotated[list[Path], typer.Argument(help="Two or more prediction JSONL files")],
    names: Annotated[
        str | None, typer.Option(help="Comma-separated system names (default: file stems)")
    ] = None,
    metrics: Annotated[
        str, typer.Option(help="Comma-separated metrics")
    ] = "bleu,meteor,rouge_l,cider,ce",
    organs: Annotated[str, typer.Option(help="Organ set for CE")] = "pet2rep",
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap resamples for the 95% intervals")
    ] = 1000,
    trials: Annotated[int, typer.Option(help="Randomisation trials for the paired tests")] = 1000,
    rank_by: Annotated[str, typer.Option(help="Score that orders the systems")] = "ce_f1",
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write everything as JSON")
    ] = None,
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Write an HTML report with a ranked chart")
    ] = None,
    workers: _Workers = 1,
) -> None:
    """Every metric per system with 95% intervals, pairwise paired-test p-values, a ranking."""
    from .io import atomic_writer, pair_by_id, read_predictions, read_references, write_json
    from .metrics import bootstrap_ci, paired_randomization
    from .scoring import Scorer

    with _user_errors():
        check_outputs([refs, *preds], [json_out, html_out])
        if len(preds) < 2:
            raise ValueError("give at least two prediction files")
        labels = [n.strip() for n in names.split(",")] if names else [p.stem for p in preds]
        if len(labels) != len(preds) or len(set(labels)) != len(labels):
            raise ValueError("--names must give one distinct name per prediction file")
        references = read_references(refs)
        scorer = Scorer(
            metrics=[m.strip() for m in metrics.split(",") if m.strip()],
            organs=organs,
            workers=workers,
        )
        ids = list(references)
        ref_texts = [references[i]["text"] for i in ids]
        ref_labels = [references[i]["labels"] for i in ids]
        compare_language = scorer.language_of(ref_texts)
        systems = {}
        for label, path in zip(labels, preds):
            rows = read_predictions(path)
            pair_by_id(rows, references, path, refs)
            systems[label] = scorer.results(
                [rows[i]["text"] for i in ids], ref_texts, ref_labels, language=compare_language
            )
        scorer.close()  # helper processes, if any
        table = {}
        for label, results in systems.items():
            scores, intervals = {}, {}
            for result in results.values():
                scores.update(result.pooled())
                intervals.update(bootstrap_ci(result, bootstrap))
            table[label] = {"scores": scores, "ci95": intervals}
        keys = [k for k in next(iter(table.values()))["scores"]]
        if rank_by not in keys:
            raise ValueError(f"--rank-by {rank_by!r} is not among the scores: {keys}")
        ranking = sorted(table, key=lambda s: -table[s]["scores"][rank_by])
        pairwise = {}
        for i, a in enumerate(labels):
            for b in labels[i + 1 :]:
                p_values = {}
                for name in systems[a]:
                    p_values.update(
                        paired_randomization(systems[a][name], systems[b][name], trials)
                    )
                pairwise[f"{a} vs {b}"] = p_values
        report = {
            "n": len(ids),
            "systems": table,
            "ranking": ranking,
            "rank_by": rank_by,
            "paired_p_values": pairwise,
            "config": scorer.config(),
        }
        if json_out is not None:
            write_json(json_out, report)
        if html_out is not None:
            with atomic_writer(html_out) as handle:
                handle.write(_compare_html(report, keys))
        view = Table(
            title=f"{len(labels)} systems on {refs} (n={len(ids)}), ranked by {rank_by}",
            title_justify="left",
        )
        view.add_column("metric")
        for label in ranking:
            view.add_column(label, justify="right")
        for key in keys:
            cells = []
            for label in ranking:
                row = table[label]
                ci = row["ci95"].get(key)
                cells.append(
                    f"{row['scores'][key]:.3f}" + (f" ({ci[0]:.3f}-{ci[1]:.3f})" if ci else "")
                )
            view.add_row(key, *cells)
        _out.print(view)
        tests = Table(title="paired approximate randomisation: p-values", title_justify="left")
        tests.add_column("metric")
        for pair in pairwise:
            tests.add_column(pair, justify="right")
        for key in keys:
            tests.add_row(
                key, *[f"{pairwise[pair].get(key, float('nan')):.3f}" for pair in pairwise]
            )
        _out.print(tests)


def _compare_html(report: dict, keys: list[str]) -> str:
    from .audit import html as H

    rank_by = report["rank_by"]
    ordered = {s: report["systems"][s]["scores"][rank_by] for s in report["ranking"]}
    errors = {
        s: tuple(report["systems"][s]["ci95"][rank_by])
        for s in report["ranking"]
        if rank_by in report["systems"][s]["ci95"]
    }

    def cell(system: str, key: str) -> str:
        value = report["systems"][system]["scores"][key]
        ci = report["systems"][system]["ci95"].get(key)
        return f"{value:.3f}" + (f" ({ci[0]:.3f}-{ci[1]:.3f})" if ci else "")

    rows = [{"system": s, **{k: cell(s, k) for k in keys}} for s in report["ranking"]]
    pairs = [{"pair": pair, **p} for pair, p in report["paired_p_values"].items()]
    sections = [
        (f"Ranking by {rank_by}", H.bar_chart(ordered, f"{rank_by} (95% CI)", rank_by, errors)),
        ("All metrics", H.table(rows, ["system", *keys])),
        ("Paired randomisation p-values", H.table(pairs, ["pair", *keys])),
    ]
    return H.page("pet2rep-compare", sections, note=f"n = {report['n']} cases")


# --------------------------------------------------------------------------- pet2rep-generate
generate_app = typer.Typer(add_completion=False, help="Run a VLM over a rendered-image manifest.")


@generate_app.command()
def generate(
    manifest: Annotated[
        Path,
        typer.Argument(
            help="PET2Rep JSONL rows, or plain rows: id, images, reference, optional prompt, language"
        ),
    ],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Predictions JSONL (appended row by row)")
    ],
    backend: Annotated[str, typer.Option(help="openai | transformers | template")] = "template",
    model: Annotated[
        str | None, typer.Option(help="Model name (server) or path (transformers)")
    ] = None,
    base_url: Annotated[
        list[str] | None,
        typer.Option(
            help="OpenAI-compatible server, e.g. http://localhost:8000/v1; repeat it (or separate "
            "URLs by commas) for a fleet: requests are spread with failover"
        ),
    ] = None,
    api_key_env: Annotated[
        str, typer.Option(help="Environment variable holding the API key")
    ] = "OPENAI_API_KEY",
    concurrency: Annotated[int, typer.Option(min=1, help="Requests in flight per server")] = 4,
    resume: Annotated[
        bool, typer.Option(help="Skip ids already written; retry failed ones")
    ] = False,
    limit: Annotated[int | None, typer.Option(help="Generate at most N pending cases")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds per request")] = 120.0,
    retries: Annotated[int, typer.Option(help="Retries on transient errors")] = 3,
    temperature: Annotated[float, typer.Option(help="0 = greedy")] = 0.0,
    max_new_tokens: Annotated[int, typer.Option(help="Length limit of a report")] = 1024,
    language: Annotated[str, typer.Option(help="Language of the default prompt: zh | en")] = "zh",
) -> None:
    """Generate a report per case; exit 1 if any case failed (rerun with --resume), 2 on bad input."""
    from .runner.backends import OpenAIBackend, TemplateBackend, TransformersBackend
    from .runner.manifest import read_manifest
    from .runner.run import run

    with _user_errors():
        if language not in ("zh", "en"):
            raise ValueError("--language must be zh or en")
        check_outputs([manifest], [output])
        cases = read_manifest(manifest)
        if backend == "template":
            engine = TemplateBackend(language)
        elif backend == "openai":
            if not model:
                raise ValueError("--backend openai needs --model")
            engine = OpenAIBackend(
                model,
                base_url,
                api_key_env,
                timeout,
                retries,
                temperature=temperature,
                max_tokens=max_new_tokens,
                concurrency=concurrency,
            )
        elif backend == "transformers":
            if not model:
                raise ValueError("--backend transformers needs --model (a name or a local folder)")
            engine = TransformersBackend(
                model, max_new_tokens=max_new_tokens, temperature=temperature
            )
        else:
            raise ValueError(f"unknown backend {backend!r}: openai, transformers or template")
        total = len(cases) if limit is None else min(limit, len(cases))
        with _progress(total, f"generating ({engine.name})") as progress:
            task = progress.add_task("generating", total=total, rate="")
            started = [0.0]

            def tick() -> None:
                import time

                if not started[0]:
                    started[0] = time.perf_counter()
                progress.advance(task)
                done = progress.tasks[0].completed
                elapsed = max(time.perf_counter() - started[0], 1e-9)
                progress.update(task, rate=f"{done / elapsed:.2f} cases/s")

            summary = run(
                cases,
                engine,
                output,
                engine.concurrency if backend == "openai" else 1,
                resume,
                limit,
                language,
                progress=tick,
            )
    _err.print(
        f"wrote {summary.written} rows to {output} ({summary.skipped} already done, {summary.failed} failed)",
        highlight=False,
    )
    if not summary.ok:
        _err.print("some cases failed: rerun with --resume to retry them", highlight=False)
        raise typer.Exit(1)


# --------------------------------------------------------------------------- pet2rep-render
render_app = typer.Typer(
    add_completion=False,
    help="Render PET2Rep-style fused coronal PET/CT images and a manifest from volumes.",
)


def _size(text: str | None) -> tuple[int, int] | None:
    if text in (None, "", "pet-grid"):
        return None
    width, _, height = text.lower().partition("x")
    try:
        return int(width), int(height)
    except ValueError:
        raise ValueError(
            f"--size must be WIDTHxHEIGHT (e.g. 200x219) or pet-grid, not {text!r}"
        ) from None


def _slices(text: str) -> tuple[tuple[float, ...], str]:
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise ValueError(f"--slices must be numbers separated by commas, not {text!r}") from None
    if values and all(0 <= v <= 1 for v in values) and any(v != int(v) for v in values):
        return values, "fraction"
    if values and all(v == int(v) and v >= 0 for v in values):
        return values, "index"
    raise ValueError("--slices: fractions of the body (0.35,0.5,0.65) or PET indices (90,100,110)")


def _window(text: str) -> tuple[float, float]:
    width, _, level = text.partition("/")
    try:
        return float(width), float(level)
    except ValueError:
        raise ValueError(
            f"--ct-window must be WIDTH/LEVEL in HU (e.g. 400/40), not {text!r}"
        ) from None


@render_app.command()
def render(
    input: Annotated[
        Path,
        typer.Argument(
            help="CSV or JSONL of id, ct, pet (DICOM folder or NIfTI; optional report, language), "
            "or a folder of study folders"
        ),
    ],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Folder for images + manifest.jsonl")
    ],
    format: Annotated[str, typer.Option(help="pet2rep (PET2Rep's rows) | plain")] = "pet2rep",
    mode: Annotated[str, typer.Option(help="fused | separate | both")] = "fused",
    slices: Annotated[
        str,
        typer.Option(
            help="Fractions of the body's anterior-posterior extent (default) or PET grid "
            "indices from anterior (PET2Rep's demo: 90,100,110)"
        ),
    ] = "0.35,0.5,0.65",
    size: Annotated[
        str, typer.Option(help="Image size WIDTHxHEIGHT, or pet-grid (one pixel per PET voxel)")
    ] = "pet-grid",
    suv_max: Annotated[float, typer.Option(help="SUV shown at full colour")] = 5.0,
    ct_window: Annotated[str, typer.Option(help="CT window WIDTH/LEVEL in HU")] = "400/40",
    colormap: Annotated[str, typer.Option(help="hot | gray | inverted-gray")] = "hot",
    alpha: Annotated[float, typer.Option(help="PET weight in the fused image")] = 0.5,
    mip: Annotated[
        bool, typer.Option(help="Also write a PET maximum-intensity projection")
    ] = False,
    jpeg_quality: Annotated[int, typer.Option(help="JPEG quality 1-100")] = 95,
    language: Annotated[str, typer.Option(help="Language of the default prompt: zh | en")] = "zh",
    pet_units: Annotated[
        str, typer.Option(help="NIfTI PET values: suv | bqml (needs --weight and --dose)")
    ] = "suv",
    weight: Annotated[float | None, typer.Option(help="Patient weight, kg (NIfTI bqml)")] = None,
    dose: Annotated[float | None, typer.Option(help="Injected dose, MBq (NIfTI bqml)")] = None,
    uptake_minutes: Annotated[
        float, typer.Option(help="Injection to scan, minutes (NIfTI bqml; F-18 decay)")
    ] = 0.0,
    workers: Annotated[int, typer.Option(min=1, help="Studies rendered in parallel")] = 1,
    resume: Annotated[bool, typer.Option(help="Skip studies already in the manifest")] = False,
) -> None:
    """Render every study of INPUT; exit 1 (with a summary) when any study failed."""
    from .render import PetUnits, RenderSettings, read_studies, render_all

    with _user_errors():
        positions, unit = _slices(slices)
        settings = RenderSettings(
            format=format,
            mode=mode,
            slices=positions,
            slice_unit=unit,
            size=_size(size),
            suv_max=suv_max,
            ct_window=_window(ct_window),
            colormap=colormap,
            alpha=alpha,
            mip=mip,
            jpeg_quality=jpeg_quality,
            language=language,
        )
        settings.check()
        units = PetUnits(pet_units, weight, dose, uptake_minutes)
        units.check()
        check_outputs([input], [output / "manifest.jsonl"])
        studies = read_studies(input)
        with _progress(len(studies), "rendering") as progress:
            task = progress.add_task("rendering", total=len(studies), rate="")
            summary = render_all(
                studies,
                output,
                settings,
                units,
                workers,
                resume,
                progress=lambda: progress.advance(task),
            )
    _err.print(
        f"wrote {summary.written} studies to {output / 'manifest.jsonl'} "
        f"({summary.skipped} already done, {len(summary.failed)} failed); {settings.signature()}",
        highlight=False,
    )
    if summary.failed:
        for case_id, reason in summary.failed:
            _err.print(Text("failed: ", style="bold red") + Text(f"{case_id}: {reason}"))
        raise typer.Exit(1)
