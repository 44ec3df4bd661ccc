#!/bin/sh
# How tests/golden/text-bad.txt was produced: the text output on sample_manifests/bad in a
# 120-column tmux pane (a real terminal: colours on, then stripped by capture-pane), captured
# as plain text. tests/test_golden_text.py checks the same output, rendered at 120 columns
# without a terminal, against the file; it does not need tmux.
# Run from the repository root: sh tests/golden/capture-text-bad.sh
set -eu
session="igw-golden-$$"
tmux new-session -d -s "$session" -x 120 -y 50 \
  "infergw-lint --no-config sample_manifests/bad 2>/dev/null; echo __END__; sleep 30"
tmux set-option -t "$session" history-limit 20000 >/dev/null
i=0
until tmux capture-pane -p -t "$session" -S - -E - | grep -q '^__END__$'; do
  i=$((i + 1)); [ "$i" -lt 100 ] || { tmux kill-session -t "$session"; echo "timed out" >&2; exit 1; }
  sleep 0.2
done
tmux capture-pane -p -J -t "$session" -S - -E - | sed -e 's/[[:space:]]*$//' | sed -n '/^__END__$/q;p' \
  > tests/golden/text-bad.txt
tmux kill-session -t "$session"
