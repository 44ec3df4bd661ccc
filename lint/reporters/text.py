"""``--format text`` (full, the default) and ``--format concise``.

Full, like ruff's full format: for each finding

    path:line:col: CODE [*] short message
       |
    23 |     {
    24 |       "$schema": "https://www.getbifrost.ai/schema",
    25 |       "providers": [
       |       ^^^^^^^^^^^ error
    26 |         {
       |
       = help: Bifrost reads only an object keyed by provider name ...
       = docs: https://github.com/infergw/infergw-lint/blob/main/docs/rules/IGW201.md

then a summary (errors, warnings, suppressed, files, documents) and ``[*] N fixable with
`--fix```. The short message is the finding's first line (lint/rule.py ``split_message``,
at most 100 characters); the rest of the message is the ``help`` (or a ``note`` when the
rule gives its own help). ``[*]`` marks a finding that ``--fix`` would fix. Lines wrap at
word boundaries to the width; source lines are never wrapped (a long one is shown as a
window around the span). ``--statistics`` prints one line per rule instead.

Concise: one line per finding, ``path:line:col  CODE  severity  message`` (the layout of
earlier releases, for grep and CI logs), then the summary.

Everything that comes from a linted file (messages, names, paths, source lines) goes through
``sanitize.escape`` before it reaches the terminal.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter

from ..sanitize import escape, plain
from . import message_parts

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_ANSI = {
    "error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m",
    "bold": "\x1b[1m", "dim": "\x1b[2m", "blue": "\x1b[1;34m", "cyan": "\x1b[36m", "green": "\x1b[32m",
    "reset": "\x1b[0m",
}
DEFAULT_WIDTH = 120
CONTEXT = 2  # source lines shown before and after the flagged ones
MAX_SPAN_LINES = 6  # a taller span shows its first lines and its last one


# ---- widths and wrapping ----------------------------------------------------------------


def cell_width(text: str) -> int:
    """Terminal columns ``text`` takes: East Asian wide characters 2, combining marks 0."""
    if text.isascii():  # every ASCII character takes one column
        return len(text)
    w = len(text)
    for ch in _NON_ASCII.findall(text):
        w += _char_cells(ch) - 1
    return w


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@functools.lru_cache(maxsize=4096)
def _char_cells(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def wrap(text: str, width: int, first: int = 0, indent: int = 0) -> list[str]:
    """Break ``text`` into lines at spaces so that each fits ``width`` columns, the first
    line after ``first`` columns of prefix and the others after ``indent``. A word longer
    than a line (a URL, a path) is never broken: it gets a line of its own."""
    room = max(width - first, 20)
    if text.isascii():  # a character is a cell: the breaks are found by str.rfind
        return _wrap_ascii(text, room, max(width - indent, 20))
    if cell_width(text) <= room and not text.startswith(" "):  # fits (a leading blank is dropped below)
        return [text]
    lines: list[str] = []
    cur, cur_w = "", 0
    for word in text.split(" "):
        ww = cell_width(word)
        if not cur:
            cur, cur_w = word, ww
            continue
        if cur_w + 1 + ww <= room:
            cur, cur_w = cur + " " + word, cur_w + 1 + ww
        else:
            lines.append(cur)
            room = max(width - indent, 20)
            cur, cur_w = word, ww
    lines.append(cur)
    return lines


def _wrap_ascii(text: str, room: int, later: int) -> list[str]:
    """``wrap`` of ASCII text, the same lines: each takes the words up to the last blank
    within ``room`` (at least one word), and the blanks a line would start with are dropped
    (the word loop above drops the empty words there)."""
    n = len(text)
    i = 0
    while i < n and text[i] == " ":
        i += 1
    if i == n:
        return [""]
    lines = []
    while n - i > room:
        j = text.rfind(" ", i, i + room + 1)  # text[i] is no blank: j is -1 or after i
        if j == -1:  # a first word longer than the line: a line of its own
            j = text.find(" ", i)
            if j == -1:
                break
        lines.append(text[i:j])
        i = j + 1
        while i < n and text[i] == " ":
            i += 1
        if i == n:
            lines.append("")
            return lines
        room = later
    lines.append(text[i:])
    return lines


# ---- the report ---------------------------------------------------------------------------


def _painter(color: bool):
    """``paint(text, style)``: ``text`` in the style's colour, or as it is without colour
    (a plain function: a frame paints about fifteen pieces)."""
    if not color:
        return _as_is

    def paint(text: str, style: str) -> str:
        return f"{_ANSI[style]}{text}{_ANSI['reset']}" if text else text

    return paint


def _as_is(text: str, style: str) -> str:
    return text


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


def fixable_line(n: int) -> str:
    return f"[*] {n} fixable with `--fix`" if n else ""


def render_text(
    result,
    color: bool = False,
    *,
    width: int | None = None,
    show_source: bool = True,
    fixable=frozenset(),
    statistics: bool = False,
) -> str:
    """The full text report. ``fixable``: ids (``id(finding)``) of the findings to mark
    ``[*]`` (cli._fixable); ``width``: the terminal's columns."""
    width = width or DEFAULT_WIDTH
    paint = _painter(color)
    shown = [f for f in result.findings if f.suppression is None]
    out: list[str] = []
    if statistics:
        out += _statistics(shown, fixable, paint)
    else:
        source_lines = _Lines(getattr(result, "sources", None))
        for f in shown:
            out += _finding(f, result, width, show_source, id(f) in fixable, paint, source_lines)
            out.append("")
    return _summary(result, shown, fixable, out, paint)


def render_concise(result, color: bool = False, *, fixable=frozenset(), **_) -> str:
    paint = _painter(color)
    shown = [f for f in result.findings if f.suppression is None]
    out: list[str] = []
    last = None
    for f in shown:
        if last is not None and f.path != last:
            out.append("")
        last = f.path
        out.append(
            f"{paint(escape(f.path), 'bold')}:{f.line}:{f.column}  {paint(f.rule, f.severity)}  "
            f"{paint(f.severity, f.severity)}  {escape(f.message)}"
        )
    if shown:
        out.append("")
    return _summary(result, shown, fixable, out, paint)


def _summary(result, shown, fixable, out, paint) -> str:
    style = "error" if result.count("error") else ("warning" if result.count("warning") else "green")
    out.append(paint(summary_line(result), style))
    n = sum(1 for f in shown if id(f) in fixable)
    if n:
        out.append(fixable_line(n))
    return "\n".join(out) + "\n"


def _statistics(shown, fixable, paint) -> list[str]:
    counts = Counter(f.rule for f in shown)
    names = {f.rule: f.name for f in shown}
    fix = {f.rule for f in shown if id(f) in fixable}
    sev = {f.rule: f.severity for f in shown}
    if not counts:
        return []
    cw = max(len(str(c)) for c in counts.values())
    rows = []
    for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        mark = "[*]" if code in fix else "[ ]"
        rows.append(f"{n:>{cw}}  {paint(code, sev[code])}  {mark} {escape(names[code])}")
    return rows + [""]


def _finding(f, result, width, show_source, fixable, paint, source_lines=None) -> list[str]:
    parts = message_parts(f.message)
    short = parts.short + (" …" if parts.continued else "")
    where = f"{escape(f.path)}:{f.line}:{f.column}:"
    code = f.rule + (" [*]" if fixable else "")
    head = f"{paint(where, 'bold')} {paint(f.rule, f.severity)}{paint(' [*]', 'cyan') if fixable else ''}"
    message = escape(short)
    if cell_width(f"{where} {code} {message}") <= width:
        lines = [f"{head} {message}"]
    else:  # a long path: the short message gets a line of its own rather than wrapping
        lines = [head] + ["    " + b for b in wrap(message, width, first=4, indent=4)]
    gutter = 0
    if show_source:
        frame = _frame(f, result, width, paint, source_lines)
        if frame:
            lines += frame[1]
            gutter = frame[0]
    pad = " " * (gutter or 3)
    help_text = f.help or ""
    rest = parts.rest
    if rest and help_text and rest != help_text:  # the rule's own help: the rest is a note
        note = _without(rest, help_text)  # a message that also states its help says it once here
        if note:
            lines += _labelled(pad, "note", ("… " if parts.continued else "") + note, width, paint)
    elif rest and not help_text:
        help_text = rest
    if help_text:
        lead = "… " if (parts.continued and help_text == rest) else ""
        lines += _labelled(pad, "help", lead + help_text, width, paint)
    if f.url:
        lines += _labelled(pad, "help", "see " + f.url, width, paint)
    return lines


def _without(rest: str, help_text: str) -> str:
    """The message's rest without the help it ends with (a rule states its remedy in the
    message too, for the formats that show only the message, and as ``help``)."""
    body = rest.rstrip(" .")
    tail = help_text.rstrip(" .")
    if tail and (body.endswith(tail) or body.endswith(tail[:1].lower() + tail[1:])):  # "...; use X" / "Use X"
        return body[: -len(tail)].rstrip(" .;:,-")
    return rest


def _labelled(pad: str, label: str, text: str, width: int, paint) -> list[str]:
    indent = cell_width(f"{pad}= {label}: ")
    chunks = wrap(escape(text), width, first=indent, indent=indent)
    out = [f"{pad}= {paint(label + ':', 'bold')} {chunks[0]}"]
    out += [" " * indent + c for c in chunks[1:]]
    return out


class _Lines:
    """Source lines as a frame shows them, each looked up once per report (neighbouring
    findings share their context lines): ``(text, plain)``, the line with tabs as blanks,
    and whether it is printable ASCII without a workflow command, so that escaping leaves
    every part of it unchanged and a character is one cell."""

    def __init__(self, sources):
        self.sources = sources or {}
        self._files: dict = {}

    def of(self, path, src):
        """``line(n) -> (text, plain)`` for the file at ``path``."""
        known = self._files.get(path)
        if known is None:
            known = self._files[path] = {}

        def line(n: int) -> tuple[str, bool]:
            got = known.get(n)
            if got is None:
                raw = src.line_text(n).replace("\t", " ")
                got = known[n] = (raw, plain(raw))
            return got

        return line


def _frame(f, result, width, paint, source_lines=None):
    """(gutter width, lines) of the code frame, or None when the source is not at hand."""
    if source_lines is None:
        source_lines = _Lines(getattr(result, "sources", None))
    src = source_lines.sources.get(f.path)
    span = f.span
    if src is None:
        return None
    line = source_lines.of(f.path, src)
    count = src.line_count
    if not 1 <= span.line <= count:
        return None
    first, last = span.line, max(span.line, min(span.end_line, count))
    if span.end_line > span.line and span.end_column == 1:  # the span ends at a line start
        last = max(first, last - 1)
    top = first
    for _ in range(CONTEXT):
        if top > 1 and line(top - 1)[0].strip():
            top -= 1
        else:
            break
    bottom = last
    for _ in range(CONTEXT):
        if bottom < count and line(bottom + 1)[0].strip():
            bottom += 1
        else:
            break
    numbers = list(range(top, bottom + 1))
    if last - first + 1 > MAX_SPAN_LINES:  # a tall span: its first lines, then its last
        keep = set(range(top, first + MAX_SPAN_LINES - 1)) | set(range(last, bottom + 1))
        numbers = [n for n in numbers if n in keep]
    gw = len(str(numbers[-1]))
    bar = paint("|", "blue")
    empty = " " * gw + " " + bar
    multi = last > first
    room = max(width - gw - 3 - (2 if multi else 0), 20)
    mark = paint("|", f.severity)
    label = paint(f.severity, f.severity)
    out = [empty]
    prev = None
    for n in numbers:
        if prev is not None and n != prev + 1:
            out.append(paint("...".rjust(gw), "blue") + ("  " + mark if first < n <= last else ""))
        prev = n
        raw, plain = line(n)
        num = paint(str(n).rjust(gw), "blue")
        if not multi:
            if n != first:  # a line around the span
                shown = raw if plain and len(raw) <= room else _window(raw, 0, 0, room, plain)[0]
                out.append(f"{num} {bar} {shown}".rstrip())
            else:
                start = min(max(span.column - 1, 0), len(raw))
                end = max(start + 1, min(span.end_column - 1, max(len(raw), start + 1)))
                shown, at, w = _window(raw, start, end, room, plain)
                out.append(f"{num} {bar} {shown}".rstrip())
                out.append(f"{empty} {' ' * at}{paint('^' * w, f.severity)} {label}")
            continue
        # a span over several lines: a rule from its first character to its last one
        if n == first:
            start = min(max(span.column - 1, 0), len(raw))
            shown, at, _ = _window(raw, start, start + 1, room, plain)
            out.append(f"{num} {bar}   {shown}".rstrip())
            out.append(f"{empty}  {paint('_' * (at + 1) + '^', f.severity)}")
        elif first < n <= last:
            end = len(raw.rstrip()) if n < last or span.end_column - 1 > len(raw) else span.end_column - 1
            shown, at, w = _window(raw, max(end - 1, 0), max(end, 1), room, plain)
            out.append(f"{num} {bar} {mark} {shown}".rstrip())
            if n == last:
                out.append(f"{empty} {mark}{paint('_' * (at + w) + '^', f.severity)} {label}")
        else:
            out.append(f"{num} {bar}   {_window(raw, 0, 0, room, plain)[0]}".rstrip())
    out.append(empty)
    return gw + 1, out


def _window(raw: str, start: int, end: int, room: int, plain: bool = False):
    """The part of a source line to show (escaped), the column its span starts at and the
    span's width, all in terminal cells; a line wider than ``room`` is cut around the span.
    ``plain``: ``raw`` is printable ASCII without a workflow command (``_Lines``), so its
    parts need no escaping and a character is a cell."""
    if plain:
        pre, mid, post = raw[:start], raw[start:end], raw[end:]
        pre_w, mid_w = len(pre), len(mid)
        total = pre_w + mid_w + len(post)
    else:
        pre, mid, post = escape(raw[:start]), escape(raw[start:end]), escape(raw[end:])
        pre_w, mid_w = cell_width(pre), cell_width(mid)
        total = pre_w + mid_w + cell_width(post)
    if total <= room:
        return pre + mid + post, pre_w, max(1, mid_w)
    # cut: keep up to a third of the room before the span, the span (clipped), then what fits
    lead = ""
    if cell_width(pre) > room // 3:
        pre = _tail(pre, room // 3 - 1)
        lead = "…"
    mid_w = min(cell_width(mid), room - cell_width(lead + pre) - 1)
    mid = _head(mid, mid_w)
    left = room - cell_width(lead + pre + mid) - 1
    post_cut = _head(post, max(left, 0))
    tail = "…" if post_cut != post else ""
    return lead + pre + mid + post_cut + tail, cell_width(lead + pre), max(1, cell_width(mid))


def _head(text: str, cells: int) -> str:
    if text.isascii():  # a character is a cell
        return text[: max(cells, 0)]
    out, w = [], 0
    for ch in text:
        cw = cell_width(ch)
        if w + cw > cells:
            break
        out.append(ch)
        w += cw
    return "".join(out)


def _tail(text: str, cells: int) -> str:
    if text.isascii():
        return text[len(text) - min(max(cells, 0), len(text)):]
    return _head(text[::-1], cells)[::-1]
