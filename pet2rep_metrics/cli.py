"""Command-line entry points (thin: argument parsing and printing; the work lives elsewhere)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ._gc import paused
from .errors import MetricUnavailable
from .io import InputError, check_outputs
from .runner.backends import BackendError as _BackendError

# Markup off: ids, file names and report text are printed as they are ("[/]" in an id must
# neither raise nor vanish); styles are set on Text objects and table rows instead.
_err = Console(stderr=True, markup=False)
_out = Console(markup=False)


def _print_table(view) -> None:
    """Print a rich table on stdout: as wide as the terminal on one, and at the table's own
    width when stdout is a file or a pipe (rich would cut every column to fit 80 characters)."""
    if not _out.is_terminal:
        natural = _out.measure(view, options=_out.options.update_width(100_000)).maximum
        if natural > _out.width:
            Console(markup=False, width=natural, file=_out.file).print(view)
            return
    _out.print(view)


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
        MetricUnavailable,
        OSError,
        UnicodeError,
    ) as exc:
        message = str(exc)
        if isinstance(exc, OSError) and not isinstance(exc, (FileNotFoundError, FileExistsError)):
            where = f" {exc.filename}" if exc.filename else ""
            message = f"cannot use{where}: {exc.strerror or exc}"
        _err.print(Text("error: ", style="bold red") + Text(message), soft_wrap=True)
        raise typer.Exit(2) from None


@contextmanager
def _scoring_errors():
    """:func:`_user_errors` for the scoring commands, which also run with the cyclic collector
    paused: scoring makes no reference cycles (each scoring call pauses it already), and a
    collection between or after the calls would walk every object of the pipelines."""
    with _user_errors(), paused():
        yield


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


# --------------------------------------------------------------------------- shared options
# One definition per option: the same name, default and meaning in every command that has it.
_Organs = Annotated[
    str,
    typer.Option(help="Organ set for CE and the audit: pet2rep | all | FILE | comma-separated ids"),
]
_Metrics = Annotated[
    str,
    typer.Option(
        help="Comma-separated: bleu,meteor,rouge_l,cider,ce,chrf,sacrebleu,rouge_score,"
        "bertscore or any registered metric (see pet2rep-score --list-metrics)"
    ),
]
_Language = Annotated[str, typer.Option(help="auto | zh | en")]
_Meteor = Annotated[str, typer.Option(help="python | java (pycocoevalcap's jar)")]
_ZhWords = Annotated[bool, typer.Option(help="jieba words instead of characters for Chinese")]
_SpacyModel = Annotated[
    str | None,
    typer.Option(
        help="English spaCy model of the extractor: blank (default), auto, or a name/path"
    ),
]
_BertModel = Annotated[str | None, typer.Option(help="BERTScore model name or local folder")]
_BertLayers = Annotated[int | None, typer.Option(help="BERTScore layer for a local model")]
_Bootstrap = Annotated[
    int, typer.Option(min=0, help="Bootstrap resamples for the 95% intervals (0: none)")
]
_Trials = Annotated[int, typer.Option(min=1, help="Randomisation trials of the paired tests")]
_Json = Annotated[Path | None, typer.Option("--json", help="Write all figures as one JSON object")]
_Html = Annotated[Path | None, typer.Option("--html", help="Write a self-contained HTML report")]
_DEFAULT_METRICS = "bleu,meteor,rouge_l,cider,ce"


def _scorer(
    metrics: str,
    organs: str,
    language: str,
    zh_words: bool,
    meteor: str,
    model: str | None,
    bertscore_model: str | None,
    bertscore_layers: int | None,
    workers: int,
):
    """The Scorer every command that scores builds from the shared options."""
    from .language import check_language
    from .scoring import Scorer

    if model is not None:
        from .extract import Extractor
    return Scorer(
        metrics=[m.strip() for m in metrics.split(",") if m.strip()],
        organs=organs,
        language=check_language(language, name="--language"),
        zh_words=zh_words,
        meteor=meteor,
        # without a model the scorer makes its extractor when it first reads a report
        extractor=Extractor(model=model) if model is not None else None,
        bertscore_model=bertscore_model,
        bertscore_layers=bertscore_layers,
        workers=workers,
    )


def _write_html(path: Path | None, page) -> None:
    """Write the page ``page()`` builds (only when asked: HTML needs matplotlib)."""
    if path is not None:
        from .io import atomic_writer

        with atomic_writer(path) as handle:
            handle.write(page())


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
    language: _Language = "auto",
    model: _SpacyModel = None,
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
    from .io import atomic_writer, iter_reports
    from .language import check_language

    with _user_errors():
        check_outputs([input], [output])
        total = _count_lines(input)
        extractor = Extractor(language=check_language(language, name="--language"), model=model)
        reports = iter_reports(input)
        with _progress(total, "extracting") as progress:
            task = progress.add_task("extracting", total=total, rate="")
            rows = extract_rows(
                reports,
                extractor,
                workers=workers,
                findings=True,
                progress=lambda n: progress.advance(task, n),
                as_json=output is not None,
            )
            if output is None:
                for row in rows:
                    _print_table(_extract_table(row["id"], _TableView(row)))
                return
            count = 0
            with atomic_writer(output) as handle:
                for line in rows:
                    handle.write(line)
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
    _print_table(view)
    raise typer.Exit(0)


@score_app.command()
def score(
    files: Annotated[list[Path], typer.Argument(help="PREDS REFS (or REFS alone with --template)")],
    metrics: _Metrics = _DEFAULT_METRICS,
    organs: _Organs = "pet2rep",
    language: _Language = "auto",
    meteor: _Meteor = "python",
    zh_words: _ZhWords = False,
    model: _SpacyModel = None,
    bertscore_model: _BertModel = None,
    bertscore_layers: _BertLayers = None,
    bootstrap: _Bootstrap = 1000,
    against: Annotated[
        Path | None, typer.Option(help="A second PREDS file: paired randomisation test")
    ] = None,
    trials: _Trials = 1000,
    template: Annotated[
        bool, typer.Option(help="Score a fixed template report as every prediction")
    ] = False,
    template_file: Annotated[
        Path | None, typer.Option(help="Template text (default: the project's own)")
    ] = None,
    json_out: _Json = None,
    per_case_out: Annotated[
        Path | None, typer.Option("--per-case", help="Write per-case scores as CSV")
    ] = None,
    html_out: _Html = None,
    workers: _Workers = 1,
    list_metrics: Annotated[
        bool,
        typer.Option(
            "--list-metrics",
            is_eager=True,
            callback=lambda value: _list_metrics() if value else None,
            help="Print every metric the registry knows (name, input, scores) and exit",
        ),
    ] = False,
) -> None:
    """Score PREDS against REFS (JSONL matched by id). Exit 2 on input that cannot be trusted."""
    from . import reporting
    from .io import pair_by_id, read_predictions, read_references, write_csv, write_json
    from .language import check_language

    with _scoring_errors():
        check_outputs([*files, template_file, against], [json_out, html_out, per_case_out])
        if template:
            if len(files) != 1:
                raise ValueError(
                    "with --template give the references only: pet2rep-score --template REFS"
                )
            refs_path = files[0]
            refs = read_references(refs_path)
            preds = reporting.template_predictions(
                refs, check_language(language, name="--language"), template_file
            )
            preds_path, ids = Path("<template>"), list(refs)
        else:
            if len(files) != 2:
                raise ValueError("give two files: pet2rep-score PREDS REFS")
            preds_path, refs_path = files
            preds = read_predictions(preds_path)
            refs = read_references(refs_path)
            ids = pair_by_id(preds, refs, preds_path, refs_path)
        other = None
        if against is not None:
            other = read_predictions(against)
            pair_by_id(other, refs, against, refs_path)
        scorer = _scorer(
            metrics, organs, language, zh_words, meteor, model, bertscore_model,
            bertscore_layers, workers,
        )  # fmt: skip
        with scorer:
            ref_texts = [refs[i]["text"] for i in ids]
            ref_labels = [refs[i]["labels"] for i in ids]
            language_used = scorer.language_of(ref_texts)
            results = scorer.results(
                [preds[i]["text"] for i in ids], ref_texts, ref_labels, language=language_used
            )
            other_results = (
                scorer.results(
                    [other[i]["text"] for i in ids], ref_texts, ref_labels, language=language_used
                )
                if other is not None
                else None
            )
        report, per_case, rows = reporting.score_report(scorer, results, ids, language_used)
        report["config"]["template"] = template
        intervals = reporting.intervals(results, bootstrap)
        if intervals:
            report["ci95"] = intervals
        if other_results is not None:
            report["paired_test"] = reporting.paired_test(
                results, other_results, trials, str(against)
            )
        if json_out is not None:
            write_json(json_out, report)
        title = f"pet2rep-score: {preds_path} vs {refs_path}"
        _write_html(html_out, lambda: reporting.score_html(report, per_case, title))
        if per_case_out is not None:
            write_csv(per_case_out, rows)
        _print_table(_score_table(report, intervals, str(preds_path), str(refs_path)))
        if "paired_test" in report:
            _print_table(_paired_table(report))


def _score_table(report: dict, intervals: dict, preds: str, refs: str) -> Table:
    from .reporting import fmt_interval, headline_keys

    view = Table(title=f"{preds} vs {refs}  (n={report['n']})", title_justify="left")
    view.add_column("metric")
    view.add_column("score", justify="right")
    if intervals:
        view.add_column("95% CI", justify="right")
    for key in headline_keys(report):
        cells = [key, f"{report[key]:.4f}"]
        if intervals:
            cells.append(fmt_interval(intervals.get(key), 4))
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
    organs: _Organs = "pet2rep",
    language: _Language = "auto",
    model: _SpacyModel = None,
    bootstrap: _Bootstrap = 1000,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            "--out",
            help="Folder for disagreements.csv, per_organ.csv, confusion.json",
        ),
    ] = None,
    json_out: _Json = None,
    html_out: _Html = None,
) -> None:
    """Agreement of extracted (or given) labels with GOLD: F1, kappa, confusion, disagreements."""
    from . import reporting
    from .audit.gold import read_gold, read_label_rows
    from .audit.report import align, run_audit, write_outputs
    from .extract import Extractor
    from .io import write_json
    from .labels import organ_set
    from .language import check_language

    with _user_errors():
        folder_outputs = (
            [output / n for n in ("disagreements.csv", "per_organ.csv", "confusion.json")]
            if output is not None
            else []
        )
        check_outputs([gold, pred, second_rater], [*folder_outputs, json_out, html_out])
        organ_ids_ = organ_set(organs)
        extractor = Extractor(language=check_language(language, name="--language"), model=model)
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
            extractor if pred is None else None,
            bootstrap,
        )
        if output is not None:
            written = write_outputs(result, output)
            _err.print("wrote " + ", ".join(str(p) for p in written), highlight=False)
        if json_out is not None:
            write_json(json_out, result.to_json())
        _write_html(html_out, lambda: reporting.audit_html(result, str(gold)))
        _print_table(_audit_table(result))


def _audit_table(result) -> Table:
    from .reporting import fmt_ci

    view = Table(
        title=f"agreement with gold (n={result.figures['n_reports']} reports)", title_justify="left"
    )
    view.add_column("figure")
    view.add_column("labeller vs gold", justify="right")
    if result.second_rater is not None:
        view.add_column("second rater vs gold", justify="right")
    for key in ("micro_f1", "macro_f1", "kappa", "micro_precision", "micro_recall"):
        cells = [key, fmt_ci(result.figures[key], result.ci95.get(key))]
        if result.second_rater is not None:
            cells.append(fmt_ci(result.second_rater[key], result.second_rater_ci95.get(key)))
        view.add_row(*cells)
    view.caption = f"{len(result.disagreements)} disagreeing (report, organ) cells"
    return view


# --------------------------------------------------------------------------- pet2rep-compare
compare_app = typer.Typer(
    add_completion=False, help="Compare several systems on the same references."
)


@compare_app.command()
def compare(
    files: Annotated[
        list[Path],
        typer.Argument(help="PREDS_A PREDS_B [...] REFS: two or more systems, references last"),
    ],
    names: Annotated[
        str | None, typer.Option(help="Comma-separated system names (default: file stems)")
    ] = None,
    metrics: _Metrics = _DEFAULT_METRICS,
    organs: _Organs = "pet2rep",
    language: _Language = "auto",
    meteor: _Meteor = "python",
    zh_words: _ZhWords = False,
    model: _SpacyModel = None,
    bertscore_model: _BertModel = None,
    bertscore_layers: _BertLayers = None,
    bootstrap: _Bootstrap = 1000,
    trials: _Trials = 1000,
    rank_by: Annotated[str, typer.Option(help="Score that orders the systems")] = "ce_f1",
    json_out: _Json = None,
    html_out: _Html = None,
    workers: _Workers = 1,
) -> None:
    """Every metric per system with 95% intervals, pairwise paired-test p-values, a ranking
    (the same numbers pet2rep-score gives each system with the same options)."""
    from . import reporting
    from .io import pair_by_id, read_predictions, read_references, write_json

    with _scoring_errors():
        if len(files) < 3:
            raise ValueError(
                "give two or more prediction files and the references last: "
                "pet2rep-compare PREDS_A PREDS_B REFS"
            )
        *preds, refs = files
        check_outputs(files, [json_out, html_out])
        labels = [n.strip() for n in names.split(",")] if names else [p.stem for p in preds]
        if len(labels) != len(preds) or len(set(labels)) != len(labels):
            raise ValueError("--names must give one distinct name per prediction file")
        references = read_references(refs)
        ids = list(references)
        systems_rows = {}
        for label, path in zip(labels, preds):
            rows = read_predictions(path)
            pair_by_id(rows, references, path, refs)
            systems_rows[label] = rows
        scorer = _scorer(
            metrics, organs, language, zh_words, meteor, model, bertscore_model,
            bertscore_layers, workers,
        )  # fmt: skip
        with scorer:
            ref_texts = [references[i]["text"] for i in ids]
            ref_labels = [references[i]["labels"] for i in ids]
            compare_language = scorer.language_of(ref_texts)
            systems = {
                label: scorer.results(
                    [rows[i]["text"] for i in ids], ref_texts, ref_labels, language=compare_language
                )
                for label, rows in systems_rows.items()
            }
        report = reporting.compare_report(
            systems,
            len(ids),
            scorer.config(next(iter(systems.values())), compare_language),
            bootstrap,
            trials,
            rank_by,
        )
        if json_out is not None:
            write_json(json_out, report)
        _write_html(html_out, lambda: reporting.compare_html(report))
        _print_comparison(report, str(refs))


def _print_comparison(report: dict, refs: str) -> None:
    from .reporting import fmt_ci

    systems, keys, ranking = report["systems"], report["keys"], report["ranking"]
    view = Table(
        title=f"{len(systems)} systems on {refs} (n={report['n']}), ranked by {report['rank_by']}",
        title_justify="left",
    )
    view.add_column("metric")
    for label in ranking:
        view.add_column(label, justify="right")
    for key in keys:
        view.add_row(
            key,
            *[fmt_ci(systems[s]["scores"][key], systems[s]["ci95"].get(key)) for s in ranking],
        )
    _print_table(view)
    pairwise = report["paired_p_values"]
    tests = Table(title="paired approximate randomisation: p-values", title_justify="left")
    tests.add_column("metric")
    for pair in pairwise:
        tests.add_column(pair, justify="right")
    for key in keys:
        tests.add_row(key, *[f"{pairwise[pair].get(key, float('nan')):.3f}" for pair in pairwise])
    _print_table(tests)


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
    from .language import check_language
    from .runner.backends import OpenAIBackend, TemplateBackend, TransformersBackend
    from .runner.manifest import read_manifest
    from .runner.run import run

    with _user_errors():
        check_language(language, allow_auto=False, name="--language")
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


# --------------------------------------------------------------------------- entry points
@cache
def _skip_last_collection() -> None:
    """At exit Python runs one more cyclic collection over every live object (0.1 s once the
    pipelines are loaded) to finalise unreachable cycles; a command has closed its files by
    then, so the objects are frozen out of it instead (registered once per process)."""
    import atexit
    import gc

    atexit.register(gc.freeze)


def _entry(app: typer.Typer):
    """The console script of ``app``: a usage error (an unknown option, a missing argument, a
    value of the wrong type) prints the usage and ``error: …`` like every other error, and
    exits with code 2."""

    # click's exception classes, reached through typer's (typer >= 0.29 carries its own click)
    usage_error = typer.BadParameter.__bases__[0]
    click_exception = usage_error.__bases__[0]

    def main(args: list[str] | None = None) -> None:
        _skip_last_collection()
        command = typer.main.get_command(app)
        try:
            code = command.main(args=args, standalone_mode=False)
        except usage_error as exc:
            if exc.ctx is not None:
                _err.print(exc.ctx.get_usage(), highlight=False)
                _err.print(f"Try '{exc.ctx.command_path} --help' for help.", highlight=False)
            _err.print(
                Text("error: ", style="bold red") + Text(exc.format_message()), soft_wrap=True
            )
            raise SystemExit(2) from None
        except click_exception as exc:
            _err.print(
                Text("error: ", style="bold red") + Text(exc.format_message()), soft_wrap=True
            )
            raise SystemExit(exc.exit_code) from None
        except typer.Abort:
            _err.print("aborted", highlight=False)
            raise SystemExit(130) from None
        raise SystemExit(code if isinstance(code, int) else 0)

    return main


extract_main = _entry(extract_app)
score_main = _entry(score_app)
audit_main = _entry(audit_app)
compare_main = _entry(compare_app)
generate_main = _entry(generate_app)
render_main = _entry(render_app)
