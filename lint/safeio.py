"""Writing output that cannot fail half-way.

``encodable(text, encoding, json_like)``: ``text`` made writable in ``encoding`` (a strict
ASCII or UTF-8 stdout, a UTF-8 report file).  Text that already encodes is returned as is.
JSON-shaped output (json, sarif, gitlab) gets ``\\uXXXX`` escapes -- every non-ASCII
character of such output is inside a JSON string, so the result is the same JSON; a lone
surrogate (a file name that is not UTF-8, a JSON ``"\\ud800"``) becomes its escape, which
JSON parsers read back.  Other text gets Python's backslash escapes.

``write_text(path, text)``: the whole text or nothing: written to a temporary file beside
``path`` and renamed over it; on any error (ENOSPC, EIO, permission) the temporary file is
removed and the error raised, so no partial report and no ``*.tmp*`` file is left.
"""

from __future__ import annotations

import os
import re
import stat
import sys

_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _json_escape(m: re.Match) -> str:
    n = ord(m.group())
    if n < 0x10000:
        return f"\\u{n:04x}"
    n -= 0x10000
    return f"\\u{0xD800 + (n >> 10):04x}\\u{0xDC00 + (n & 0x3FF):04x}"


def encodable(text: str, encoding: str | None = None, json_like: bool = False) -> str:
    encoding = encoding or "utf-8"
    if text.isascii() and encoding.lower().replace("_", "-") in _ASCII_SUPERSETS:
        return text  # known without encoding a copy of it
    try:
        text.encode(encoding)
        return text
    except (UnicodeEncodeError, LookupError):
        pass
    if json_like:
        return _NON_ASCII.sub(_json_escape, text)
    try:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:  # pragma: no cover - an unknown codec name
        return text.encode("ascii", "backslashreplace").decode("ascii")


_ASCII_SUPERSETS = frozenset({"utf-8", "utf8", "ascii", "us-ascii", "latin-1", "iso-8859-1", "iso8859-1", "cp1252"})


def _utf8(text: str, json_like: bool) -> bytes:
    """``encodable(text, "utf-8", json_like).encode("utf-8")``, encoding text that can be
    encoded once instead of twice (a report with one non-ASCII character in it)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return encodable(text, "utf-8", json_like).encode("utf-8")


def write_stdout(text, json_like: bool = False) -> None:
    """``text``: a string, or an iterable of strings written one after another."""
    encoding = getattr(sys.stdout, "encoding", None)
    for piece in [text] if isinstance(text, str) else text:
        sys.stdout.write(encodable(piece, encoding, json_like))


def write_text(path: str, text, json_like: bool = False) -> None:
    """Write ``text`` (UTF-8; a string or an iterable of strings) to ``path`` atomically;
    raises OSError, leaving nothing behind."""
    pieces = [text] if isinstance(text, str) else text
    data = (_utf8(piece, json_like) for piece in pieces)
    try:
        special = not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        special = False
    if special:  # /dev/stdout, a FIFO, a device: written as is (nothing to rename over)
        with open(path, "wb") as fh:
            for chunk in data:
                fh.write(chunk)
        return
    import tempfile  # only runs that write a report file

    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in data:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            mode = os.stat(path).st_mode & 0o7777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
