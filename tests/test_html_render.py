"""The HTML reports render in headless Chromium (skipped where Debian's chromium is absent)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pet2rep_metrics.cli import audit_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "audit"


@pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not installed (apt-get install chromium)"
)
def test_audit_html_renders_in_chromium(tmp_path):
    html = tmp_path / "audit.html"
    result = CliRunner().invoke(
        audit_app,
        [
            str(EXAMPLES / "gold.jsonl"),
            "--second-rater",
            str(EXAMPLES / "second_rater.jsonl"),
            "--bootstrap",
            "20",
            "--html",
            str(html),
        ],
    )
    assert result.exit_code == 0, result.output
    shot = tmp_path / "audit.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1280,1800",
            f"--screenshot={shot}",
            html.as_uri(),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 1800)
    # the bar chart's blue is on the page: the embedded PNG figures were decoded and drawn
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert any(
        abs(r - 0x4C) < 12 and abs(g - 0x78) < 12 and abs(b - 0xA8) < 12 and count > 500
        for count, (r, g, b) in colours
    )
