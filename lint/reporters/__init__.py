"""Output formats.  Each reporter renders a ``Result`` to a string."""

from __future__ import annotations

FORMATS = ("text", "json", "sarif", "github")


def render(fmt: str, result, *, color: bool = False, root: str | None = None) -> str:
    if fmt == "text":
        from .text import render_text

        return render_text(result, color=color)
    if fmt == "json":
        from .json import render_json

        return render_json(result)
    if fmt == "sarif":
        from .sarif import render_sarif

        return render_sarif(result, root=root)
    if fmt == "github":
        from .github import render_github

        return render_github(result)
    raise ValueError(f"unknown format {fmt!r}")
