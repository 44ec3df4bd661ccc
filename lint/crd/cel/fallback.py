"""The fallback engine: cel-python (``celpy``), for a rule the native compiler refuses.

Imported only when such a rule must be evaluated (a user's CRD with a construct the native
engine lacks), so runs on the bundled CRDs never load celpy, lark or pendulum.  Values arrive
as the native engine's plain values (property names already escaped) and are converted to
celpy's types here.  celpy raises an error from inside ``exists_one``/``map``/``filter``
instead of returning it, so an enclosing ``||``, ``&&`` or ``?:`` cannot absorb it: a missing
key reported from such a rule is not taken as a verdict (``raising_macro``).
"""

from __future__ import annotations

import ipaddress
import os
import re

from .lexer import CompileError

_RAISING_MACRO = re.compile(r"\.(?:exists_one|map|filter)\(")
_ABSORBING = re.compile(r"\|\||&&|\?")


def raising_macro(text: str) -> bool:
    return bool(_RAISING_MACRO.search(text) and _ABSORBING.search(text))


def _cache_dir():
    from . import _cache_dir as cache_dir

    return cache_dir()


# ---- the engine, built lazily (celpy) ------------------------------------------------------------

_ENV = None
_PROGRAMS: dict[str, object] = {}
_celpy = None
_celtypes = None


def _environment():
    """celpy's Environment; its LALR parser tables are cached in the user's cache directory
    (building them takes ~0.1-0.3 s; loading them ~15 ms)."""
    global _ENV, _celpy, _celtypes
    if _ENV is not None:
        return _ENV
    import celpy
    from celpy import celtypes
    from celpy.celparser import CELParser

    _celpy, _celtypes = celpy, celtypes
    _speedups()
    if CELParser.CEL_PARSER is None:
        cache = _cache_dir()
        if cache is not None:
            try:
                import lark
                from pathlib import Path

                grammar = (Path(celpy.__file__).parent / "cel.lark").read_text()
                CELParser.CEL_PARSER = lark.Lark(
                    grammar, parser="lalr", start="expr", g_regex_flags=re.M,
                    lexer_callbacks={"IDENT": CELParser.ambiguous_literals}, propagate_positions=True,
                    maybe_placeholders=False, priority="invert", tree_class=celpy.InterpretedRunner.tree_node_class,
                    cache=os.path.join(cache, f"cel-parser-lark{lark.__version__}.cache"),
                )
            except Exception:  # pragma: no cover - fall back to celpy's own parser
                CELParser.CEL_PARSER = None
    _ENV = celpy.Environment()
    return _ENV


class _AnyType:
    """Stands in for typing generics that celpy's evaluator subscripts at run time only to
    pass them to ``typing.cast`` (``cast(Tuple[Result, Result], ...)``): subscripting a
    generic over the large ``Result`` union hashes it every time, a third of the
    evaluation time.  ``cast`` is the identity, so nothing else changes."""

    def __getitem__(self, item):
        return self


def _speedups() -> None:
    import typing

    from celpy import evaluation

    stand_in = _AnyType()
    for name in ("Tuple", "List", "Union", "Dict", "Optional", "Iterable"):  # not Sequence/Mapping: isinstance
        if getattr(evaluation, name, None) is getattr(typing, name):
            setattr(evaluation, name, stand_in)
    if getattr(evaluation, "cast", None) is typing.cast:
        evaluation.cast = lambda _t, value: value


def program(rule: str) -> "Program":
    """celpy's program of ``rule`` (cached); raises CompileError."""
    prog = _PROGRAMS.get(rule)
    if prog is None:
        env = _environment()
        try:
            ast = env.compile(rule)
        except Exception as exc:  # celpy's CELParseError and lark errors
            msg = str(exc).strip().splitlines()
            raise CompileError(" ".join(m.strip() for m in msg[:3])[:300] or type(exc).__name__) from None
        prog = _PROGRAMS[rule] = Program(rule, env.program(ast, functions=library()))
    return prog



class Program:
    """A celpy program behind the native Program's interface (plain values in and out)."""

    def __init__(self, text: str, prog):
        self.text = text
        self.prog = prog

    def evaluate(self, activation: dict):
        return self.prog.evaluate({k: to_celpy(v) for k, v in activation.items()})

    def run(self, value):
        return self.prog.evaluate({"self": to_celpy(value)})


def to_celpy(value):
    """Plain values (names already escaped) -> celpy values."""
    t = _celtypes
    from .parser import UInt
    from .values import Duration, Timestamp, format_duration, format_timestamp

    if isinstance(value, bool):
        return t.BoolType(value)
    if isinstance(value, UInt):
        return t.UintType(int(value))
    if isinstance(value, int):
        return t.IntType(value)
    if isinstance(value, bytes):
        return t.BytesType(value)
    if isinstance(value, Duration):
        return t.DurationType(format_duration(value.ns))
    if isinstance(value, Timestamp):
        return t.TimestampType(format_timestamp(value.ns))
    if isinstance(value, float):
        return t.DoubleType(value)
    if isinstance(value, str):
        return t.StringType(value)
    if value is None:
        return None
    if isinstance(value, list):
        return t.ListType([to_celpy(v) for v in value])
    if isinstance(value, dict):
        return t.MapType({t.StringType(str(k)): to_celpy(v) for k, v in value.items()})
    return t.StringType(str(value))


# ---- the Kubernetes CEL library -----------------------------------------------------------

_LIBRARY = None


def library() -> dict:
    global _LIBRARY
    if _LIBRARY is None:
        _LIBRARY = _make_library()
    return _LIBRARY


def _make_library() -> dict:
    t = _celtypes
    S, I, B, L = t.StringType, t.IntType, t.BoolType, t.ListType

    def _err(msg):
        raise ValueError(msg)

    def _idx(n, limit):
        n = int(n)
        if n < 0 or n > limit:
            _err(f"index out of range: {n}")
        return n

    def split(s, sep, n=None):
        s, sep = str(s), str(sep)
        if n is not None:
            n = int(n)
            if n == 0:
                return L([])
        if sep == "":
            parts = list(s)
            if n is not None and n > 0 and len(parts) > n:
                parts = parts[: n - 1] + ["".join(parts[n - 1:])]
        else:
            parts = s.split(sep) if n is None or n < 0 else s.split(sep, n - 1)
        return L([S(x) for x in parts])

    def substring(s, start, end=None):
        s = str(s)
        a = _idx(start, len(s))
        b = len(s) if end is None else _idx(end, len(s))
        if b < a:
            _err(f"invalid substring range. start: {a}, end: {b}")
        return S(s[a:b])

    def char_at(s, i):
        s = str(s)
        i = _idx(i, len(s))
        return S(s[i:i + 1])

    def index_of(x, sub, start=None):
        if isinstance(x, list):
            for i, v in enumerate(x):
                if v == sub:
                    return I(i)
            return I(-1)
        s = str(x)
        a = 0 if start is None else _idx(start, len(s))
        return I(s.find(str(sub), a))

    def last_index_of(x, sub, end=None):
        if isinstance(x, list):
            for i in range(len(x) - 1, -1, -1):
                if x[i] == sub:
                    return I(i)
            return I(-1)
        s = str(x)
        if end is None:
            return I(s.rfind(str(sub)))
        e = _idx(end, len(s))
        return I(s.rfind(str(sub), 0, e + len(str(sub))))

    def lower_ascii(s):
        return S("".join(c.lower() if c.isascii() else c for c in str(s)))

    def upper_ascii(s):
        return S("".join(c.upper() if c.isascii() else c for c in str(s)))

    def replace(s, old, new, n=None):
        s = str(s)
        return S(s.replace(str(old), str(new)) if n is None or int(n) < 0 else s.replace(str(old), str(new), int(n)))

    def trim(s):
        return S(str(s).strip())

    def join(lst, sep=None):
        return S(("" if sep is None else str(sep)).join(str(x) for x in lst))

    def is_sorted(lst):
        return B(all(lst[i] <= lst[i + 1] for i in range(len(lst) - 1)))

    def total(lst):
        if not lst:
            return I(0)
        acc = lst[0]
        for v in lst[1:]:
            acc = acc + v
        return acc

    def max_(lst, *rest):
        items = list(lst) + list(rest) if rest else lst
        if not items:
            _err("max of an empty list")
        return max(items)

    def find(s, pattern):
        m = _compile(str(pattern)).search(str(s))
        return S(m.group(0) if m else "")

    def find_all(s, pattern, n=None):
        found = [m.group(0) for m in _compile(str(pattern)).finditer(str(s))]
        if n is not None and int(n) >= 0:
            found = found[: int(n)]
        return L([S(x) for x in found])

    def is_ip(s, *_):
        try:
            ipaddress.ip_address(str(s))
        except ValueError:
            return B(False)
        return B("%" not in str(s))

    def is_cidr(s):
        try:
            ipaddress.ip_network(str(s), strict=False)
        except ValueError:
            return B(False)
        return B("/" in str(s))

    def is_url(s):
        from urllib.parse import urlsplit

        s = str(s)
        try:
            u = urlsplit(s)
        except ValueError:
            return B(False)
        return B(bool(u.scheme) or s.startswith("/"))

    def is_quantity(s):
        return B(bool(_QUANTITY.fullmatch(str(s))))

    return {
        "split": split, "substring": substring, "charAt": char_at, "indexOf": index_of,
        "lastIndexOf": last_index_of, "lowerAscii": lower_ascii, "upperAscii": upper_ascii,
        "replace": replace, "trim": trim, "join": join, "isSorted": is_sorted, "sum": total,
        "max": max_, "find": find, "findAll": find_all, "isIP": is_ip, "isCIDR": is_cidr,
        "isURL": is_url, "isQuantity": is_quantity,
    }


_QUANTITY = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?")


def _compile(pattern: str):
    try:
        import re2

        options = re2.Options()
        options.log_errors = False
        return re2.compile(pattern, options=options)
    except Exception:
        return re.compile(pattern)
