"""Make text from a linted tree safe to show on a terminal or in a CI log.

A resource name, a value or a file name in a pull request can hold characters that a
terminal or a log reader acts on instead of showing: ESC starts colour and OSC sequences
(window title, hyperlinks, clipboard), BEL rings, CR rewinds the line, LF starts a new line
(in GitHub Actions a line that starts with ``::`` is a workflow command such as
``::stop-commands::`` or ``::error::``), C1 controls (U+0080-U+009F) are CSI/OSC on some
terminals, and bidi overrides/isolates (U+202A-U+202E, U+2066-U+2069) reorder what the reader
sees.  Every writer of text, GitHub and stderr output passes such text through this module.

Two functions, one per context:

``escape(text)``
    for a single line (a finding's message, a file name, a note): every control and format
    character is replaced by a visible escape -- ``\\x1b``, ``\\r``, ``\\n``, ``\\t`` stays a
    tab, ``\\u202e``, ``\\udc80`` for a lone surrogate, ``\\U000e0041`` above the BMP.

``escape_lines(text)``
    for text that is several lines on purpose (a multi-line error, a rendered report):
    the same, but LF is kept.

Text with nothing to escape is returned unchanged (printable ASCII text is recognised without
the regex; other text costs one regex search).
Backslashes are not doubled, so ordinary messages look exactly as before.  JSON and SARIF
need none of this: their encoders already escape every control character.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["escape", "escape_lines", "plain"]

# Unicode categories Cc (controls: C0, DEL, C1), Cf (format: soft hyphen, bidi marks,
# overrides and isolates, zero-width characters, BOM, interlinear annotations, tags), Zl/Zp
# (U+2028/U+2029, line breaks to some readers) and Cs (lone surrogates, from
# surrogateescape'd file names or JSON "\ud800").  Ranges as of Unicode 16; a test checks
# that they cover the running Python's tables.
_RANGES = (
    (0x0000, 0x001F), (0x007F, 0x009F), (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C),
    (0x06DD, 0x06DD), (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E),
    (0x200B, 0x200F), (0x2028, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F), (0xD800, 0xDFFF),
    (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD),
    (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)


def _class(ranges, keep: str) -> str:
    """A regex character class of ``ranges`` without the characters of ``keep``."""
    parts = []
    for lo, hi in ranges:
        for a, b in _minus(lo, hi, {ord(c) for c in keep}):
            parts.append(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}")
    return "[" + "".join(parts) + "]"


def _minus(lo: int, hi: int, keep: set[int]):
    start = lo
    for k in sorted(x for x in keep if lo <= x <= hi):
        if start <= k - 1:
            yield start, k - 1
        start = k + 1
    if start <= hi:
        yield start, hi


# Besides single characters: a GitHub Actions workflow command is a line that starts with
# ``::`` after blanks (``::stop-commands::``, ``::error::``); the runner's older form is
# ``##[command]`` anywhere in a line.  Their first character is escaped.
_COMMAND = r"|^[ \t]*(:)(?=:)|(#)(?=#\[)"


# compiled on first use (~1 ms): text that ``plain`` accepts, as most is, never needs them
@lru_cache(maxsize=None)
def _single() -> re.Pattern:
    return re.compile(_class(_RANGES, "\t") + _COMMAND)


@lru_cache(maxsize=None)
def _multi() -> re.Pattern:
    return re.compile(_class(_RANGES, "\t\n") + _COMMAND.replace("|^", "|(?m:^)"))


_NAMED = {"\n": "\\n", "\r": "\\r"}


def _visible(m: re.Match) -> str:
    c = m.group()
    if m.lastindex:  # a workflow command's first character (after any blanks)
        c = m.group(m.lastindex)
        return m.group()[: m.start(m.lastindex) - m.start()] + f"\\x{ord(c):02x}"
    if c in _NAMED:
        return _NAMED[c]
    n = ord(c)
    if n < 0x100:
        return f"\\x{n:02x}"
    if n < 0x10000:
        return f"\\u{n:04x}"
    return f"\\U{n:08x}"


def plain(text: str) -> bool:
    """True when ``text`` is printable ASCII with no workflow command in it (neither ``::``
    nor ``##[``): then ``escape`` returns it, and every part of it, unchanged.  About ten
    times faster than the regex search, for the text format's many messages and source
    lines; tests/test_reporter_fast.py checks it against the regex on random text."""
    return _ascii_no_command(text) and text.isprintable()


def _ascii_no_command(text: str) -> bool:
    # ASCII has no format, bidi, C1 or surrogate character: only C0 controls and DEL remain
    return text.isascii() and "::" not in text and "##[" not in text


def escape(text: str) -> str:
    """``text`` as one visible line: every control and format character (LF and CR
    included) as a backslash escape; tabs are kept."""
    if not isinstance(text, str):
        text = str(text)
    if plain(text):
        return text
    single = _single()
    return single.sub(_visible, text) if single.search(text) else text


def escape_lines(text: str) -> str:
    """Like ``escape`` but keeps LF (and tabs): for text that spans lines on purpose.  A CR
    (also a CR before LF) is escaped, so no line can be overwritten."""
    if not isinstance(text, str):
        text = str(text)
    if _ascii_no_command(text) and (text.isprintable() or text.replace("\n", " ").isprintable()):
        return text
    multi = _multi()
    return multi.sub(_visible, text) if multi.search(text) else text
