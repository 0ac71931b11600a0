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
