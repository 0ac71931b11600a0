#!/usr/bin/env bash
# Render the HTML reports in headless Chromium and save screenshots, to see that the charts
# and tables display. Needs Debian's chromium (apt-get install chromium).
#   bash scripts/check_html.sh [OUT_DIR]
set -euo pipefail
out=${1:-/tmp/pet2rep-html-check}
mkdir -p "$out"
pet2rep-audit examples/audit/gold.jsonl --second-rater examples/audit/second_rater.jsonl --bootstrap 200 --html "$out/audit.html" >/dev/null
pet2rep-score examples/preds.jsonl examples/refs.jsonl --bootstrap 200 --html "$out/score.html" >/dev/null
pet2rep-compare examples/refs.jsonl examples/preds.jsonl examples/preds_pet2rep_format.jsonl --bootstrap 200 --html "$out/compare.html" >/dev/null
for page in audit score compare; do
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)" --hide-scrollbars \
    --window-size=1280,2400 --screenshot="$out/$page.png" "file://$out/$page.html" >/dev/null 2>&1
  echo "$out/$page.png"
done
