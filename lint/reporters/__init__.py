"""Output formats.  Each reporter renders a ``Result`` to a string."""

from __future__ import annotations

import functools
import gc

FORMATS = ("text", "concise", "json", "sarif", "github", "junit", "gitlab")


def remedy_lines(finding) -> list[str]:
    """``help: ...`` (the finding's remedy, unless its message already says it) and
    ``docs: URL`` (the rule's page), for the formats that carry free text per finding."""
    out = []
    help_text = (getattr(finding, "help", None) or "").strip()
    if help_text and help_text not in finding.message:
        out.append(f"help: {help_text}")
    url = getattr(finding, "url", None)
    if url:
        out.append(f"docs: {url}")
    return out


def short_message(finding) -> str:
    """The finding's first line (lint/rule.py ``split_message``, the text format's header),
    with an ellipsis when it stops mid-sentence."""
    parts = message_parts(finding.message)
    return parts.short + (" …" if parts.continued else "")


@functools.lru_cache(maxsize=4096)
def message_parts(message: str):
    """``split_message(message)``, remembered: a large tree repeats its messages (the same
    mistake in many files; 3,230 distinct messages among 5,457 findings of the 10k corpus)."""
    from ..rule import split_message

    return split_message(message)


def render(fmt: str, result, *, color: bool = False, root: str | None = None, sarif_category: str | None = None,
           width: int | None = None, show_source: bool = True, fixable=frozenset(), statistics: bool = False) -> str:
    """``width``, ``show_source``, ``fixable`` (ids of the findings to mark ``[*]``) and
    ``statistics`` shape the text formats; the machine formats ignore them."""
    # the cyclic garbage collector paused: a report makes a few hundred thousand strings and
    # lists and no cycle, and a collection would walk the whole loaded tree (0.03 s of the
    # text report of 10,000 documents)
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _render(fmt, result, color=color, root=root, sarif_category=sarif_category, width=width,
                       show_source=show_source, fixable=fixable, statistics=statistics)
    finally:
        if paused:
            gc.enable()


def _render(fmt, result, *, color, root, sarif_category, width, show_source, fixable, statistics) -> str:
    if fmt == "text":
        from .text import render_text

        return render_text(result, color=color, width=width, show_source=show_source, fixable=fixable,
                           statistics=statistics)
    if fmt == "concise":
        from .text import render_concise

        return render_concise(result, color=color, fixable=fixable)
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
