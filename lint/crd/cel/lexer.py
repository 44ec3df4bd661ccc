"""Tokens of a CEL expression (cel-spec langdef, "Syntax").

A token is ``(kind, value, offset)``: kind is one of ``int`` ``uint`` ``double`` ``string``
``bytes`` ``ident`` ``op`` ``eof``; ``true``/``false``/``null``/``in`` come out as ``ident``
and the parser gives them their meaning.  Errors are ``CompileError`` with the line and
column of the offending character.
"""

from __future__ import annotations

import re

MAX_LENGTH = 100_000  # characters of one expression (the API server's own bound is similar)
INT64_MAX = (1 << 63) - 1
UINT64_MAX = (1 << 64) - 1


class CompileError(Exception):
    """A rule that cannot be compiled (a syntax error, or a construct this engine refuses)."""


class Unsupported(CompileError):
    """Valid CEL (as far as this engine can tell) that the native compiler does not handle:
    the caller may try another engine."""


def where(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {col}"


def error(text: str, offset: int, message: str, cls=CompileError) -> CompileError:
    return cls(f"{message} at {where(text, offset)}")


_SPACE = re.compile(r"(?:[ \t\n\r\f]+|//[^\n]*)+")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# number forms: hex int, then double (digits '.' digits exp? | digits exp | '.' digits exp?), then int
_HEX = re.compile(r"0[xX]([0-9a-fA-F]+)([uU]?)")
_DOUBLE = re.compile(r"(?:[0-9]*\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+)")
_INT = re.compile(r"([0-9]+)([uU]?)")
_OPS2 = frozenset(("==", "!=", "<=", ">=", "&&", "||"))
_OPS1 = frozenset("<>!+-*/%?:.,()[]{}=")
# The common tokens in one match (a rule is mostly names, operators and plain quoted
# strings): blanks and comments, a name not followed by a quote (a string prefix), an
# operator (not a "." that starts a number), a one-line string without escapes, quotes
# inside or characters that cannot be encoded.  Anything else -- numbers, prefixed, triple-
# quoted or escaped strings, errors -- is read by the code after it, one token at a time.
# (CEL rules are tokenized on first use in a run: ~40% of parsing them before this.)
_COMMON = re.compile(
    r"(?P<space>(?:[ \t\n\r\f]+|//[^\n]*)+)"
    r"|(?P<ident>[A-Za-z_][A-Za-z0-9_]*(?![A-Za-z0-9_'\"]))"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[<>!+\-*/%?:,()\[\]{}]|\.(?![0-9]))"
    r"|'(?!'')(?P<sq>[^'\\\n\ud800-\udfff]*)'"
    r'|"(?!"")(?P<dq>[^"\\\n\ud800-\udfff]*)"'
)

_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", "'": "'", '"': '"', "`": "`", "?": "?",
}


def tokenize(text: str) -> list:
    if len(text) > MAX_LENGTH:
        raise CompileError(f"expression longer than {MAX_LENGTH} characters")
    out = []
    pos, n = 0, len(text)
    common = _COMMON.match
    while True:
        m = common(text, pos)
        if m is not None:
            kind = m.lastgroup
            if kind == "space":
                pass
            elif kind == "ident" or kind == "op":
                out.append((kind, m.group(), pos))
            else:
                out.append(("string", m.group(kind), pos))
            pos = m.end()
            continue
        m = _SPACE.match(text, pos)
        if m:
            pos = m.end()
        if pos >= n:
            out.append(("eof", None, pos))
            return out
        c = text[pos]
        if ("a" <= c <= "z") or ("A" <= c <= "Z") or c == "_":
            m = _IDENT.match(text, pos)
            word = m.group(0)
            end = m.end()
            # string prefixes: r, b, rb, br (any case) right before a quote
            if end < n and text[end] in "'\"" and len(word) <= 2 and set(word.lower()) <= {"r", "b"} \
                    and len(set(word.lower())) == len(word):
                raw = "r" in word.lower()
                is_bytes = "b" in word.lower()
                value, pos = _string(text, end, raw, is_bytes)
                out.append(("bytes" if is_bytes else "string", value, m.start()))
                continue
            out.append(("ident", word, pos))
            pos = end
            continue
        if "0" <= c <= "9" or (c == "." and pos + 1 < n and "0" <= text[pos + 1] <= "9"):
            start = pos
            m = _HEX.match(text, pos)
            if m:
                value = int(m.group(1), 16)
                kind = "uint" if m.group(2) else "int"
                pos = m.end()
            else:
                m = _DOUBLE.match(text, pos)
                if m:
                    out.append(("double", float(m.group(0)), start))
                    pos = m.end()
                    _after_number(text, pos, start)
                    continue
                m = _INT.match(text, pos)
                value = int(m.group(1))
                kind = "uint" if m.group(2) else "int"
                pos = m.end()
            if kind == "uint" and value > UINT64_MAX:
                raise error(text, start, "uint literal out of range")
            # an int literal may be 2**63 only as the operand of unary minus (checked by the parser)
            if kind == "int" and value > INT64_MAX + 1:
                raise error(text, start, "int literal out of range")
            out.append((kind, value, start))
            _after_number(text, pos, start)
            continue
        if c in "'\"":
            value, end = _string(text, pos, False, False)
            out.append(("string", value, pos))
            pos = end
            continue
        two = text[pos:pos + 2]
        if two in _OPS2:
            out.append(("op", two, pos))
            pos += 2
            continue
        if c in _OPS1 and c != "=":
            out.append(("op", c, pos))
            pos += 1
            continue
        if c == "`":
            raise error(text, pos, "quoted identifiers (`...`) are not supported", Unsupported)
        raise error(text, pos, f"unexpected character {c!r}")


def _after_number(text: str, pos: int, start: int) -> None:
    if pos < len(text) and (text[pos].isalnum() or text[pos] == "_"):
        raise error(text, start, "malformed number")


def _string(text: str, pos: int, raw: bool, is_bytes: bool):
    """The value of the quoted literal starting at ``pos`` and the offset after it."""
    q = text[pos]
    triple = text.startswith(q * 3, pos)
    quote = q * 3 if triple else q
    i = pos + len(quote)
    n = len(text)
    parts: list = []
    while True:
        if i >= n:
            raise error(text, pos, "unterminated string")
        if text.startswith(quote, i):
            i += len(quote)
            break
        c = text[i]
        if c == "\n" and not triple:
            raise error(text, pos, "newline in a single-quoted string")
        if c == "\\" and not raw:
            piece, i = _escape(text, i, is_bytes)
            parts.append(piece)
            continue
        parts.append(c.encode("utf-8") if is_bytes else c)
        i += 1
    if is_bytes:
        return b"".join(p if isinstance(p, bytes) else p.encode("utf-8") for p in parts), i
    try:
        value = "".join(parts)
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise error(text, pos, "invalid code point in a string") from None
    return value, i


def _escape(text: str, i: int, is_bytes: bool):
    """One escape sequence at ``text[i] == '\\'``: (str or bytes piece, next offset)."""
    if i + 1 >= len(text):
        raise error(text, i, "unterminated escape sequence")
    c = text[i + 1]
    if c in _SIMPLE_ESCAPES:
        piece = _SIMPLE_ESCAPES[c]
        return (piece.encode() if is_bytes else piece), i + 2
    if c in "xX":
        digits, width = text[i + 2:i + 4], 2
    elif c == "u":
        digits, width = text[i + 2:i + 6], 4
    elif c == "U":
        digits, width = text[i + 2:i + 10], 8
    elif c in "0123":
        digits = text[i + 1:i + 4]
        if len(digits) != 3 or any(d not in "01234567" for d in digits):
            raise error(text, i, "invalid octal escape")
        value = int(digits, 8)
        return (bytes([value]) if is_bytes else chr(value)), i + 4
    else:
        raise error(text, i, f"invalid escape sequence \\{c}")
    if len(digits) != width or any(d not in "0123456789abcdefABCDEF" for d in digits):
        raise error(text, i, f"invalid \\{c} escape")
    value = int(digits, 16)
    if c in "xX":
        return (bytes([value]) if is_bytes else chr(value)), i + 2 + width
    if is_bytes:
        raise error(text, i, f"\\{c} escape in a bytes literal")
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
        raise error(text, i, "invalid code point in an escape")
    return chr(value), i + 2 + width
