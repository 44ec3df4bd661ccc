"""``--format text``: one line per finding, grouped by file, then a summary line.

File names and messages pass through ``sanitize.escape`` (no control, format or bidi
character reaches the terminal, no line can be a CI workflow command)."""

from __future__ import annotations

import io

from ..sanitize import escape

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def summary_line(result) -> str:
    active = [f for f in result.findings if f.suppression is None]
    e, w, i = result.count("error"), result.count("warning"), result.count("info")
    parts = [f"{e} error{'s' if e != 1 else ''}", f"{w} warning{'s' if w != 1 else ''}"]
    if i:
        parts.append(f"{i} info")
    suppressed = len(result.findings) - len(active)
    tail = f", {suppressed} suppressed" if suppressed else ""
    return (
        f"{', '.join(parts)}{tail} in {result.files} file{'s' if result.files != 1 else ''} "
        f"({result.resources} document{'s' if result.resources != 1 else ''})"
    )


def render_text(result, color: bool = False) -> str:
    shown = [f for f in result.findings if f.suppression is None]
    if color:
        return _render_rich(result, shown)
    out: list[str] = []
    last = None
    for f in shown:
        if last is not None and f.path != last:
            out.append("")
        last = f.path
        out.append(f"{escape(f.path)}:{f.line}:{f.column}  {f.rule}  {f.severity}  {escape(f.message)}")
    if shown:
        out.append("")
    out.append(summary_line(result))
    return "\n".join(out) + "\n"


def _render_rich(result, shown) -> str:
    from rich.console import Console
    from rich.text import Text

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, highlight=False, soft_wrap=True)
    last = None
    for f in shown:
        if f.path != last:
            if last is not None:
                console.print()
            console.print(Text(escape(f.path), style="bold underline"))
            last = f.path
        line = Text()
        line.append(f"{escape(f.path)}:{f.line}:{f.column}", style="dim")
        line.append("  ")
        line.append(f.rule, style="bold")
        line.append("  ")
        line.append(f.severity, style=STYLE.get(f.severity, ""))
        line.append("  ")
        line.append(escape(f.message))
        console.print(line)
    if shown:
        console.print()
    style = "bold red" if result.count("error") else ("yellow" if result.count("warning") else "green")
    console.print(Text(summary_line(result), style=style))
    return buf.getvalue()
