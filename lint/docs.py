"""Rule documentation as pages and links.

Each built-in rule has a page, ``docs/rules/CODE.md``, generated from its docstring by
``infergw-lint rules --format docs --output docs/rules`` (a test fails when a page is
stale). Every finding links to its rule's page: JSON ``url``, SARIF ``helpUri``, the text
format's ``help:`` line. ``infergw-lint explain CODE`` shows the same page in the terminal.
"""

from __future__ import annotations

import os
import re

# keep in sync with [project.urls] in pyproject.toml (a test checks it)
PROJECT_URL = "https://github.com/infergw/infergw-lint"
DOCS_URL = PROJECT_URL + "/blob/main/docs/rules/"
GENERATED = "<!-- generated from the rule's docstring by `infergw-lint rules --format docs --output docs/rules`; do not edit -->"


def is_builtin(rule) -> bool:
    return type(rule).__module__.startswith("infergw_lint.rules.")


def rule_url(rule) -> str | None:
    """Where a rule is documented: its own ``help_uri`` (a custom policy may set one), else
    its page in the repository for a built-in rule; None for a custom rule without one."""
    own = getattr(rule, "help_uri", None)
    if isinstance(own, str) and own:
        return own
    if is_builtin(rule):
        return f"{DOCS_URL}{rule.code}.md"
    return None


def _source(rule) -> str | None:
    if not is_builtin(rule):
        return None
    module = type(rule).__module__.rsplit(".", 1)[-1]
    return f"rules/{module}.py"


def rule_page(rule, *, links: bool = True) -> str:
    """A rule's documentation as one Markdown page: code and name, title, the facts (default
    severity, autofix, tags), then the docstring's sections. ``links`` adds the source link
    and the generated-file marker (the page in docs/rules); ``explain`` leaves them out and
    ends with the page's URL instead."""
    docs = rule.docs
    out = []
    if links:
        out += [GENERATED, ""]
    out += [f"# {rule.code}: {rule.name}", ""]
    if docs.title:
        out += [docs.title, ""]
    facts = [f"Default severity: **{rule.severity}**", f"Autofix: **{'yes' if rule.fixable else 'no'}**"]
    tags = [str(t) for t in getattr(rule, "tags", ()) or ()]
    if tags:
        facts.append("Tags: " + ", ".join(f"`{t}`" for t in tags))
    source = _source(rule)
    if links and source:
        facts.append(f"Source: [{source}](../../{source})")
    out += [" · ".join(facts), ""]
    for name, body in docs.sections.items():
        out += [f"## {name}", "", body.strip("\n"), ""]
    if not links:
        url = rule_url(rule)
        if url:
            out += [f"Online: <{url}>", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def index_page(rules) -> str:
    """docs/rules/README.md: one line per rule, linking its page."""
    out = [GENERATED, "", "# Rules", "", "| code | name | severity | autofix | what it flags |", "|---|---|---|---|---|"]
    for r in rules:
        title = r.short_description.replace("|", "\\|")
        out.append(f"| [{r.code}]({r.code}.md) | {r.name} | {r.severity} | {'yes' if r.fixable else 'no'} | {title} |")
    out += ["", "`infergw-lint explain CODE` shows the same page in a terminal."]
    return "\n".join(out) + "\n"


_SAFE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")  # a code that is a plain file name


def pages(rules) -> dict[str, str]:
    """File name -> content of every page of ``rules`` (and the index)."""
    out = {f"{r.code}.md": rule_page(r) for r in rules if _SAFE_NAME.fullmatch(r.code)}
    out["README.md"] = index_page(rules)
    return out


def write_pages(rules, directory: str) -> list[str]:
    """Write the pages into ``directory`` (created if needed); remove pages of rules that
    no longer exist (only files that carry the generated marker). Returns the files written."""
    os.makedirs(directory, exist_ok=True)
    wanted = pages(rules)
    written = []
    for name, text in sorted(wanted.items()):
        path = os.path.join(directory, name)
        try:
            with open(path, encoding="utf-8") as fh:
                if fh.read() == text:
                    continue
        except OSError:
            pass
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        written.append(path)
    for name in sorted(os.listdir(directory)):
        if name.endswith(".md") and name not in wanted:
            path = os.path.join(directory, name)
            try:
                with open(path, encoding="utf-8") as fh:
                    generated = fh.readline().rstrip("\n") == GENERATED
            except (OSError, UnicodeDecodeError):
                generated = False
            if generated:
                os.remove(path)
    return written


def render_markdown(text: str, *, color: bool, width: int | None = None) -> str:
    """Markdown for a terminal: rendered by rich (headings, code blocks highlighted) when
    ``color``, else the Markdown source itself (readable as it is, and fine to pipe)."""
    if not color:
        return text
    import io

    from rich.console import Console
    from rich.markdown import Markdown

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=width, highlight=False)
    console.print(Markdown(text, code_theme="ansi_dark", hyperlinks=False))
    return buf.getvalue()
