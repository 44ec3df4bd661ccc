"""Issue 13: running on an untrusted pull request.  One test (or a few) per attack; each
failed on the main branch before the fix.  Most run the real command in a subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata

import pytest

from infergw_lint.sanitize import escape, escape_lines

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def lint(*args, cwd=None, env=None, input=None, timeout=120):
    proc = subprocess.run(
        [sys.executable, "-m", "infergw_lint", *args], cwd=cwd or ROOT, capture_output=True,
        env={**os.environ, "NO_COLOR": "1", **(env or {})}, input=input, timeout=timeout,
    )
    return proc.returncode, proc.stdout.decode("utf-8", "surrogateescape"), proc.stderr.decode("utf-8", "surrogateescape")


# ---- sanitize ------------------------------------------------------------------------------

def test_escape_makes_controls_visible():
    assert escape("a\x1b]0;t\x07b") == "a\\x1b]0;t\\x07b"
    assert escape("x\r\n::error::y") == "x\\r\\n::error::y"
    assert escape("\x9b31m \x7f") == "\\x9b31m \\x7f"
    assert escape("abc\u202egnp.exe \u2066x\u2069") == "abc\\u202egnp.exe \\u2066x\\u2069"
    assert escape("lone \udc80") == "lone \\udc80"
    assert escape("tag \U000e0041") == "tag \\U000e0041"
    assert escape("tab\tstays, back\\slash too") == "tab\tstays, back\\slash too"
    plain = "HTTPRoute app/r attaches to Gateway app/gw: ünïcödé ✓"
    assert escape(plain) is plain


def test_no_value_can_be_a_workflow_command():
    assert escape("::stop-commands::tok") == "\\x3a:stop-commands::tok"
    assert escape("  ::error::x") == "  \\x3a:error::x"
    assert escape("a::b") == "a::b"  # only at the start of a line
    assert escape("x ##[error]y") == "x \\x23#[error]y"
    assert escape_lines("one\n  ::warning::two\r\nthree") == "one\n  \\x3a:warning::two\\r\nthree"


def test_escape_covers_every_control_and_format_character():
    missed = [
        hex(c) for c in range(0x110000)
        if unicodedata.category(chr(c)) in ("Cc", "Cf", "Cs", "Zl", "Zp") and chr(c) != "\t"
        and escape(chr(c)) == chr(c)
    ]
    assert not missed


HOSTILE_ROUTE = (
    "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n"
    '  name: "r\\e]0;pwn\\a\\n::stop-commands::tok\\u202e"\n  namespace: app\nspec:\n  parentRefs:\n'
    '  - name: "gw\\e[2J\\r\\n::error file=x::owned\\u2066"\n  rules:\n  - backendRefs:\n'
    '    - name: "svc\\e[31m\\n::warning::x"\n      port: 80\n'
)
HOSTILE_NAME = "a\x1b[1m\u202e\n::error::f.yaml"


def _clean_lines(out: str, allowed_command=None) -> None:
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", out)
    for line in out.splitlines():
        if line.lstrip().startswith("::"):
            assert allowed_command and re.match(allowed_command, line), line


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_hostile_names_and_values_reach_no_terminal_or_log(tmp_path, fmt):
    (tmp_path / HOSTILE_NAME).write_text(HOSTILE_ROUTE)
    code, out, err = lint("--assume-complete", "--format", fmt, ".", cwd=tmp_path, env={"GITHUB_WORKSPACE": ""})
    assert code == 1, err
    assert "IGW103" in out and "IGW104" in out
    _clean_lines(out, r"::(error|warning|notice) [^:]*::" if fmt == "github" else None)
    _clean_lines(err)
    # text: the value's LF is a visible \n; github: %0A, a line break inside the annotation only
    assert re.search(r"\\x1b\]0;pwn\\x07(\\n|%0A)(\\x3a:|::)stop-commands::tok\\u202e", out), out
    if fmt == "github":
        assert sum(1 for line in out.splitlines() if line.startswith("::")) == 2


def test_hostile_file_name_at_the_start_of_a_text_line(tmp_path):
    """pre-commit passes bare file names: a name that starts with '::' must not start a line."""
    (tmp_path / "::stop-commands::tok.yaml").write_text(HOSTILE_ROUTE)
    code, out, err = lint("--assume-complete", "::stop-commands::tok.yaml", cwd=tmp_path)
    assert code == 1, err
    _clean_lines(out)
    _clean_lines(err)


def test_notes_on_stderr_are_escaped(tmp_path):
    d = tmp_path / "x\x1b]0;t\x07\n::error::y"
    d.mkdir()
    code, out, err = lint(str(d.name), cwd=tmp_path)
    assert code == 0, err
    assert "\\x1b" in err
    _clean_lines(err)
