"""Output formats.  Each reporter renders a ``Result`` to a string."""

from __future__ import annotations

FORMATS = ("text", "json", "sarif", "github", "junit", "gitlab")


def render(fmt: str, result, *, color: bool = False, root: str | None = None, sarif_category: str | None = None) -> str:
    if fmt == "text":
        from .text import render_text

        return render_text(result, color=color)
    if fmt == "json":
        from .json import render_json

        return render_json(result)
    if fmt == "sarif":
        from .sarif import render_sarif

        return render_sarif(result, root=root, category=sarif_category)
    if fmt == "github":
        from .github import render_github

        return render_github(result)
    if fmt == "junit":
        from .junit import render_junit

        return render_junit(result)
    if fmt == "gitlab":
        from .gitlab import render_gitlab

        return render_gitlab(result, root=root)
    raise ValueError(f"unknown format {fmt!r}")
