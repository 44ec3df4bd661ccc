"""Findings and edits in the editor's terms, without any LSP library: 0-based positions
in the client's position encoding, short messages, docs links, suppression comments,
and text changes as minimal edits."""

from __future__ import annotations

import difflib
import re

from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ..source import SourceFile, Span

REASON_PLACEHOLDER = "TODO: why this finding does not apply here"
NOT_SUPPRESSIBLE = ("IGW000", "IGW002", "IGW003", "IGW004")  # parse errors and findings about suppressions


# ======================================================================================
# positions


def units(text: str, encoding: str) -> int:
    """Length of ``text`` in the client's code units (LSP: utf-16 unless negotiated)."""
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == "utf-32":
        return len(text)
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def position(src: SourceFile, line: int, column: int, encoding: str = "utf-16") -> tuple[int, int]:
    """A 1-based (line, code-point column) as a 0-based LSP (line, character)."""
    count = src.line_count
    if line > count:  # past the end: the end of the last line
        line = count
        column = len(src.line_text(line)) + 1
    line = max(1, line)
    text = src.line_text(line)
    return line - 1, units(text[: max(0, column - 1)], encoding)


def lsp_range(src: SourceFile, span: Span, encoding: str = "utf-16") -> tuple[tuple[int, int], tuple[int, int]]:
    return position(src, span.line, span.column, encoding), position(src, span.end_line, span.end_column, encoding)


def offset_position(src: SourceFile, offset: int, encoding: str = "utf-16") -> tuple[int, int]:
    """A string offset in ``src`` as a 0-based LSP (line, character)."""
    line, col = src.line_col(offset)
    return position(src, line, col, encoding)


# ======================================================================================
# words


def short_message(finding) -> str:
    """The diagnostic's message: the finding's short first line, as the text output shows
    it (lint/rule.py ``split_message``); the rest is in the hover."""
    from ..rule import split_message

    parts = split_message(finding.message or finding.rule)
    return parts.short + (" …" if parts.continued else "")


def help_text(finding) -> str | None:
    """What to do about it: the finding's help (the rule's, else the message's rest)."""
    val = getattr(finding, "help", None)
    if not (isinstance(val, str) and val.strip()):
        from ..rule import split_message

        val = split_message(finding.message or "").rest
    return val.strip() or None


def docs_url(finding, rule) -> str | None:
    """The rule's documentation page: the finding's own ``url``, else the rule's."""
    val = getattr(finding, "url", None)
    if isinstance(val, str) and val:
        return val
    if rule is None:
        return None
    from ..docs import rule_url

    return rule_url(rule)


def rule_markdown(rule) -> str:
    docs = rule.docs
    md = getattr(docs, "markdown", None)
    return md() if callable(md) else docs.text()


def hover_markdown(finding, rule) -> str:
    head = f"**{finding.rule}** `{finding.name}` ({finding.severity})"
    parts = [head, "", finding.message]
    helptext = help_text(finding)
    if helptext and helptext not in finding.message:
        parts += ["", f"**Fix:** {helptext}"]
    url = docs_url(finding, rule)
    if url:
        parts += ["", f"[Documentation]({url}) · `infergw-lint explain {finding.rule}`"]
    if rule is not None:
        parts += ["", "---", "", rule_markdown(rule).strip()]
    return "\n".join(parts)


# ======================================================================================
# suppression comments


def _multiline_scalars(documents) -> list[tuple[int, int]]:
    """(first line, last line), 1-based, of every scalar that spans several lines (block
    scalars and folded quoted strings): a comment line cannot go inside one."""
    out = []
    seen = set()
    for doc in documents:
        stack = [doc.node]
        while stack:
            node = stack.pop()
            if node is None or id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, ScalarNode):
                if node.end_mark.line > node.start_mark.line:
                    out.append((node.start_mark.line + 1, node.end_mark.line + 1))
            elif isinstance(node, MappingNode):
                for k, v in node.value:
                    stack += [k, v]
            elif isinstance(node, SequenceNode):
                stack += node.value
    return out


def suppressions(text: str, path: str, finding, documents) -> list[tuple[str, int, str]]:
    """Suppression comments for ``finding``: (title, 0-based line to insert before, text).

    A comment alone on the line above the finding covers that line; inside a multi-line
    string (JSON in a ConfigMap) no comment can go, so only the whole-file form is offered
    there.  JSON files take no comments: nothing is offered."""
    if finding.rule in NOT_SUPPRESSIBLE or path.lower().endswith(".json"):
        return []
    eol = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines()
    out = []
    line = finding.line
    inside = any(first < line <= last for first, last in _multiline_scalars(documents))
    if not inside and 1 <= line <= len(lines):
        raw = lines[line - 1]
        indent = raw[: len(raw) - len(raw.lstrip(" "))]
        comment = f'{indent}# infergw-lint: disable={finding.rule} reason="{REASON_PLACEHOLDER}"{eol}'
        out.append((f"Suppress {finding.rule} on this line (with a reason)", line - 1, comment))
    comment = f'# infergw-lint: disable-file={finding.rule} reason="{REASON_PLACEHOLDER}"{eol}'
    out.append((f"Suppress {finding.rule} in this file (with a reason)", 0, comment))
    return out


# ======================================================================================
# edits


_LINES = re.compile(r"[^\n]*\n|[^\n]+")


def text_edits(old: str, new: str) -> list[tuple[int, int, int, str]]:
    """Minimal replacements that turn ``old`` into ``new``: (start offset, end offset in
    ``old``, replacement), by line, in order.  Lines the change did not touch are left
    out, so an editor keeps its cursor, folds and marks there."""
    a = _LINES.findall(old)
    b = _LINES.findall(new)
    starts = [0]
    for x in a:
        starts.append(starts[-1] + len(x))
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        out.append((starts[i1], starts[i2], "".join(b[j1:j2])))
    return out
