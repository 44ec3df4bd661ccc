"""``--format github``: GitHub Actions workflow commands, shown as inline annotations.

One ``::error``/``::warning``/``::notice`` line per finding (suppressed findings are left
out), then the summary line.  Values are escaped as the workflow-commands format wants:
``%``, CR and LF in the message; also ``:`` and ``,`` in properties.  The runner rejects
``col``/``endColumn`` on a region that spans several lines, so those carry lines only.
File paths are made relative to ``$GITHUB_WORKSPACE`` when the file lies inside it.
Every value from the linted tree first passes through ``sanitize.escape``: control, format
and bidi characters become visible escapes, so a resource name or a file name cannot end the
annotation line and start a command of its own (``::stop-commands::``).
"""

from __future__ import annotations

import os

from ..sanitize import escape, escape_lines
from .text import summary_line

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _file(path: str, workspace: str | None) -> str | None:
    if path == "-":
        return None
    if workspace:
        full = os.path.abspath(path)
        try:
            rel = os.path.relpath(full, os.path.abspath(workspace))
        except ValueError:
            rel = None
        if rel is not None and rel != os.pardir and not rel.startswith(os.pardir + os.sep):
            path = rel
    return path.replace(os.sep, "/")


def annotation(finding, workspace: str | None = None) -> str:
    span = finding.span
    props = []
    file = _file(finding.path, workspace)
    if file is not None:
        props.append(("file", escape(file)))
        props.append(("line", str(span.line)))
        if span.end_line == span.line and span.end_column >= span.column:
            props.append(("col", str(span.column)))
            props.append(("endLine", str(span.end_line)))
            props.append(("endColumn", str(span.end_column)))
        else:
            props.append(("endLine", str(max(span.end_line, span.line))))
    props.append(("title", f"{finding.rule} {finding.name}"))
    command = COMMANDS.get(finding.severity, "warning")
    joined = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    message = escape_lines(finding.message)  # LF stays: %0A is a line break inside the annotation
    if file is None:  # no file to point at: say where in the message
        message = f"stdin:{span.line}:{span.column}: {message}"
    return f"::{command} {joined}::{escape_data(message)}"


def render_github(result, workspace: str | None = None) -> str:
    if workspace is None:
        workspace = os.environ.get("GITHUB_WORKSPACE") or None
    out = [annotation(f, workspace) for f in result.findings if f.suppression is None]
    title = escape_property("infergw-lint")
    for problem in result.internal_errors:
        out.append(f"::error title={title}::{escape_data(escape_lines(str(problem)))}")
    for note in result.notes:
        out.append(f"::notice title={title}::{escape_data(escape_lines(str(note)))}")
    out.append(summary_line(result))
    return "\n".join(out) + "\n"
