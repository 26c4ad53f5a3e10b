#!/usr/bin/env bash
# Regenerates docs/screenshots/agreement-report.png: the HTML agreement report of the sample
# corpus, rendered by headless Chromium (apt-get install chromium fonts-noto-cjk).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
DA=.venv/bin/desk-annotator
$DA --project "$tmp/p.sqlite" codebook import resources/codebooks/ai-policy.json >/dev/null
$DA --project "$tmp/p.sqlite" import sample_corpus/ >/dev/null
$DA --project "$tmp/p.sqlite" agreement --output "$tmp/report.html" >/dev/null
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$tmp/chromium" --window-size=1300,1700 \
  --screenshot="$PWD/docs/screenshots/agreement-report.png" "file://$tmp/report.html" 2>/dev/null
rm -rf "$tmp"
echo "docs/screenshots/agreement-report.png"
