"""A lint run in a fresh interpreter, for tests of what a run imports (a module imported
by an earlier test in this process would hide it)."""

from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def imported_by_run(args: list[str], module: str) -> bool:
    """Does ``main(args)``, run quietly in a new interpreter in the project's directory,
    import ``module``?"""
    code = (
        "import sys, io, contextlib\n"
        "from infergw_lint.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        f"    main({args!r})\n"
        f"print({module!r} in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    said = proc.stdout.split()[-1:]
    assert said in (["True"], ["False"]), proc.stdout + proc.stderr
    return said == ["True"]
