"""Self-contained HTML reports (figures as embedded PNG, made with matplotlib)."""

from __future__ import annotations

import base64
import html
import io
from typing import Any

_STYLE = """
body{font-family:system-ui,-apple-system,"Noto Sans CJK SC",sans-serif;margin:2em;max-width:1200px;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top;font-size:.9em}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}mark{background:#ffe08a}
img{max-width:100%}.note{color:#555;font-size:.9em}
"""


def _matplotlib():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "HTML reports need matplotlib: pip install 'pet2rep-metrics[plots]'"
        ) from exc
    return plt


def png(fig) -> str:
    """An <img> tag holding the figure as base64 PNG (the figure is closed)."""
    plt = _matplotlib()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return f'<img alt="figure" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def bar_chart(
    values: dict[str, float],
    title: str,
    xlabel: str = "",
    errors: dict[str, tuple[float, float]] | None = None,
) -> str:
    plt = _matplotlib()
    names = list(values)
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.28 * len(names) + 1)))
    scores = [values[n] for n in names]
    xerr = None
    if errors:
        xerr = [
            [max(0.0, values[n] - errors[n][0]) if n in errors else 0 for n in names],
            [max(0.0, errors[n][1] - values[n]) if n in errors else 0 for n in names],
        ]
    ax.barh(names, scores, color="#4c78a8", xerr=xerr)
    ax.invert_yaxis()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_xlim(0, max(1.0, max(scores, default=1.0) * 1.05))
    return png(fig)


def heatmaps(matrices: dict[str, list[list[int]]], labels: list[str], title: str) -> str:
    plt = _matplotlib()
    import numpy as np

    # organs that neither side ever mentions are one dark cell: leave them out
    names = [n for n, m in matrices.items() if np.sum(m) - np.array(m)[0, 0] > 0]
    if not names:
        return "<p class='note'>no cells to show</p>"
    cols = 4
    rows = (len(names) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 3.2, rows * 3.0), squeeze=False)
    short = [label[:4] for label in labels]
    for k, ax in enumerate(axes.flat):
        if k >= len(names):
            ax.axis("off")
            continue
        matrix = np.array(matrices[names[k]])
        ax.imshow(matrix, cmap="Blues")
        ax.set_title(names[k], fontsize=9)
        ax.set_xticks(range(len(labels)), short, fontsize=6, rotation=90)
        ax.set_yticks(range(len(labels)), short, fontsize=6)
        for i in range(matrix.shape[0]):
            for j in range(matrix.shape[1]):
                if matrix[i, j]:
                    ax.text(
                        j,
                        i,
                        str(matrix[i, j]),
                        ha="center",
                        va="center",
                        fontsize=6,
                        color="#c00" if i != j else "#000",
                    )
    fig.tight_layout()
    fig.suptitle(title + " (rows: gold, columns: predicted)", y=1.02)
    return png(fig)


def table(
    rows: list[dict[str, Any]], columns: list[str], highlight: tuple[str, str] | None = None
) -> str:
    """An HTML table; with ``highlight=(text_column, span_column)`` the span is marked in the text."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c, "")
            if isinstance(value, float):
                cells.append(f"<td class='num'>{value:.3f}</td>")
                continue
            text = html.escape("" if value is None else str(value))
            if highlight and c == highlight[0]:
                for span in str(row.get(highlight[1], "")).split(" | "):
                    if span:
                        text = text.replace(
                            html.escape(span), f"<mark>{html.escape(span)}</mark>", 1
                        )
            cells.append(f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def page(title: str, sections: list[tuple[str, str]], note: str = "") -> str:
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
    ]
    parts.append(f"<h1>{html.escape(title)}</h1>")
    if note:
        parts.append(f"<p class='note'>{html.escape(note)}</p>")
    for heading, content in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>{content}")
    parts.append("</body></html>")
    return "\n".join(parts)
