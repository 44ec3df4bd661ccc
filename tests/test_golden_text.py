"""Golden: the text output on sample_manifests/bad, as a 120-column terminal shows it.

tests/golden/text-bad.txt is a tmux capture (tests/golden/capture-text-bad.sh: a 120x50
pane, colours stripped by capture-pane). This test renders the same run without a terminal
at 120 columns and compares, so it needs no tmux. When a rule's message changes on
purpose, regenerate with `sh tests/golden/capture-text-bad.sh` (or
`UPDATE_GOLDEN=1 pytest tests/test_golden_text.py` where tmux is missing) and read the diff.
"""

from __future__ import annotations

import difflib
import io
import os
import re
from contextlib import redirect_stderr, redirect_stdout

from infergw_lint.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "tests", "golden", "text-bad.txt")


def _render(monkeypatch) -> str:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "120")
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        main(["--no-config", "sample_manifests/bad"])
    return out.getvalue()


def test_text_output_matches_the_tmux_capture(monkeypatch):
    got = _render(monkeypatch)
    if os.environ.get("UPDATE_GOLDEN"):
        with open(GOLDEN, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(got)
    want = open(GOLDEN, encoding="utf-8").read()
    assert got == want, "text output differs from tests/golden/text-bad.txt (see this module's docstring):\n" + "".join(
        difflib.unified_diff(want.splitlines(True), got.splitlines(True), "golden", "now", n=1)
    )


def test_the_golden_file_shows_what_the_issue_asks_for():
    text = open(GOLDEN, encoding="utf-8").read()
    lines = text.splitlines()
    assert all(len(line) <= 120 for line in lines), "a line would wrap on a 120-column terminal"
    headers = [ln for ln in lines if re.match(r"^sample_manifests/bad/\S+:\d+:\d+: IGW\d{3}\b", ln)]
    assert len(headers) >= 30
    assert any(" IGW201 [*] " in h for h in headers)  # fixable marker
    assert re.search(r"^\s*\d+ \| .*\n\s+\| +\^+ error$", text, re.M)  # a code frame with a caret
    assert "   = help: " in text and "docs/rules/IGW101.md" in text
    assert lines[-1].startswith("[*] ") and lines[-1].endswith(" fixable with `--fix`")
    # short messages: at most 100 characters each, beside the header or on the next line
    for i, line in enumerate(lines):
        if line in headers:
            message = line.split(": ", 1)[1].split(" ", 1)[1].removeprefix("[*] ") if " " in line.split(": ", 1)[1] else lines[i + 1].strip()
            assert len(message) <= 102, message  # 100 + " …"
