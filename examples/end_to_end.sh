#!/usr/bin/env bash
# Template baseline end to end: generate from the toy manifest, then score against it.
set -euo pipefail
cd "$(dirname "$0")"
rm -f /tmp/pet2rep_template_preds.jsonl
pet2rep-generate manifest/manifest.jsonl -o /tmp/pet2rep_template_preds.jsonl --backend template
pet2rep-score /tmp/pet2rep_template_preds.jsonl manifest/manifest.jsonl --metrics bleu,rouge_l,cider,ce
