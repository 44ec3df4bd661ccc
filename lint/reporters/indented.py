"""``json.dumps(value, indent=2, ensure_ascii=False)``, the same text, in under half the time.

With ``indent`` Python's ``json`` leaves its C encoder for the pure-Python one, a generator
per container and a ``yield`` per token; a large SARIF report spends most of its time there.
``dumps`` writes the containers itself and hands every string to the C string encoder
(``json.encoder.encode_basestring``), numbers to ``int.__repr__``/``float.__repr__`` (what
``json`` uses), so the text is the same character for character.  Anything else (a subclass
of ``dict``, ``str`` or ``int``, a key that is not a string, an object ``json`` refuses) is
left to ``json.dumps`` itself and indented to its depth: JSON text has no line break inside a
string, so that is the same too.  tests/test_reporter_fast.py compares the two on real
reports and on random values.  Not checked: a container that holds itself (``json`` says
"Circular reference detected", this runs out of recursion; no report holds one).
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring

__all__ = ["dumps"]

_INDENT = "  "
_INF = float("inf")


def dumps(value) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``."""
    out: list[str] = []
    _write(value, out, "\n")
    return "".join(out)


def _write(value, out: list, newline: str) -> None:
    """Append ``value``'s JSON text to ``out``; ``newline`` is a line break and the
    indentation of the line ``value`` starts on."""
    kind = type(value)
    if kind is dict:
        if not value:
            out.append("{}")
            return
        inner = newline + _INDENT
        start = len(out)
        sep, between = "{" + inner, "," + inner
        append = out.append
        for key, item in value.items():
            if type(key) is not str:  # json's own conversion of the key (or its error)
                del out[start:]
                append(_fallback(value, newline))
                return
            leaf = type(item)  # the common leaves in one piece with their key
            if leaf is str:
                append(f"{sep}{encode_basestring(key)}: {encode_basestring(item)}")
            elif leaf is int:
                append(f"{sep}{encode_basestring(key)}: {int.__repr__(item)}")
            else:
                append(f"{sep}{encode_basestring(key)}: ")
                _write(item, out, inner)
            sep = between
        append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = newline + _INDENT
        sep, between = "[" + inner, "," + inner
        append = out.append
        for item in value:
            if type(item) is str:
                append(sep + encode_basestring(item))
            else:
                append(sep)
                _write(item, out, inner)
            sep = between
        append(newline + "]")
    elif kind is str:
        out.append(encode_basestring(value))
    elif kind is int:
        out.append(int.__repr__(value))
    elif value is None:
        out.append("null")
    elif kind is bool:
        out.append("true" if value else "false")
    elif kind is float:
        out.append(_float(value))
    else:  # a subclass, or what json refuses
        out.append(_fallback(value, newline))


def _float(value: float) -> str:
    # json.encoder's floatstr with allow_nan=True
    if value != value:
        return "NaN"
    if value == _INF:
        return "Infinity"
    if value == -_INF:
        return "-Infinity"
    return float.__repr__(value)


def _fallback(value, newline: str) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", newline)
