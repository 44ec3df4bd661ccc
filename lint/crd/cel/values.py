"""CEL values as plain Python values, and the operators' semantics on them.

    CEL type   Python                       CEL type    Python
    int        int (never bool)             list        list
    uint       UInt (an int subclass)       map         dict
    double     float                        null_type   None
    bool       bool                         duration    Duration (nanoseconds)
    string     str                          timestamp   Timestamp (ns since the epoch, UTC)
    bytes      bytes                        type        CelType;  optional: Optional

An error is a ``CelError`` exception; the logical operators and the macros catch it where CEL
absorbs errors.  Equality is heterogeneous as in cel-go: values of different types are
unequal (``true != 1``, ``'1' != 1``) except numbers, which compare by value across int,
uint and double (an integer against a double as a double, as cel-go does); ``<`` and friends
also compare numbers across types, and are an error ("no such overload") between other types.
cel-spec's conformance tests (tests/data/cel-spec) check these rules.
"""

from __future__ import annotations

import math
import re

from .parser import UInt

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
UINT64_MAX = (1 << 64) - 1


# Steps one evaluation may take (macro iterations, elements copied by list and string
# concatenation): nested macros over long lists are polynomial (`self.all(a, self.all(b,
# ...))`), and a hostile tree can give any list to such a rule; past the budget the rule's
# value is an error (no finding), as the API server's cost limit would refuse it.  Reset by
# every run (single-threaded use).
BUDGET_STEPS = 1_000_000
BUDGET = [BUDGET_STEPS]


def charge(n: int) -> None:
    left = BUDGET[0] - n
    BUDGET[0] = left
    if left < 0:
        raise CelError("evaluation cost limit exceeded")


class CelError(Exception):
    """An evaluation error (a value in CEL: ``||``, ``&&`` and the macros may absorb it)."""

    __slots__ = ()


class NoSuchKey(CelError):
    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key
        super().__init__(f"no such key: {key}")


def no_overload(op: str, *args) -> CelError:
    return CelError(f"no such overload: {op}({', '.join(type_name(a) for a in args)})")


class CelType:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __eq__(self, other):
        return type(other) is CelType and other.name == self.name

    def __hash__(self):
        return hash(("type", self.name))

    def __repr__(self):
        return self.name


class _Nanos:
    """A count of nanoseconds within a range; compared only with its own type (cel-go has no
    overload that compares a duration with a timestamp)."""

    __slots__ = ("ns",)
    LOW = HIGH = 0
    WHAT = ""

    def __init__(self, ns: int):
        if not self.LOW <= ns <= self.HIGH:
            raise CelError(f"{self.WHAT} out of range")
        self.ns = ns

    def __eq__(self, other):
        return type(other) is type(self) and other.ns == self.ns

    def __lt__(self, other):
        return self.ns < other.ns

    def __le__(self, other):
        return self.ns <= other.ns

    def __gt__(self, other):
        return self.ns > other.ns

    def __ge__(self, other):
        return self.ns >= other.ns

    def __hash__(self):
        return hash((self.WHAT, self.ns))


class Duration(_Nanos):
    """A signed duration in nanoseconds (cel-go: Go's time.Duration range)."""

    __slots__ = ()
    LOW, HIGH, WHAT = INT64_MIN, INT64_MAX, "duration"

    def __repr__(self):
        return f"duration({format_duration(self.ns)!r})"


class Timestamp(_Nanos):
    """0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z, in nanoseconds since the epoch."""

    __slots__ = ()
    LOW, HIGH, WHAT = -62135596800 * 10**9, 253402300799 * 10**9 + 999_999_999, "timestamp"

    def __repr__(self):
        return f"timestamp({format_timestamp(self.ns)!r})"


class Optional:
    __slots__ = ("value", "present")

    def __init__(self, value=None, present: bool = False):
        self.value = value
        self.present = present

    def __repr__(self):
        return f"optional.of({self.value!r})" if self.present else "optional.none()"


NONE = Optional()

_TYPE_NAMES = {
    bool: "bool", int: "int", UInt: "uint", float: "double", str: "string", bytes: "bytes",
    list: "list", dict: "map", type(None): "null_type", Duration: "google.protobuf.Duration",
    Timestamp: "google.protobuf.Timestamp", CelType: "type", Optional: "optional_type",
}
TYPE_CONSTANTS = {
    name: CelType(name) for name in ("bool", "int", "uint", "double", "string", "bytes", "list", "map",
                                     "null_type", "type", "google.protobuf.Duration", "google.protobuf.Timestamp",
                                     "optional_type")
}


def type_name(v) -> str:
    name = _TYPE_NAMES.get(type(v))
    if name is None:
        name = getattr(type(v), "cel_type", None) or type(v).__name__
    return name


def type_of(v) -> CelType:
    name = type_name(v)
    return TYPE_CONSTANTS.get(name) or CelType(name)


NUMERIC = (int, UInt, float)
_NUMERIC = frozenset(NUMERIC)
_ORDERED = frozenset((int, UInt, float, str, bytes, bool, Duration, Timestamp))


def eq(a, b) -> bool:
    ta = type(a)
    tb = type(b)
    if ta is tb:
        if ta is list:
            if len(a) != len(b):
                return False
            for x, y in zip(a, b):
                if not eq(x, y):
                    return False
            return True
        if ta is dict:
            if len(a) != len(b):
                return False
            for k, v in a.items():
                found, w = map_lookup(b, k)
                if not found or not eq(v, w):
                    return False
            return True
        if ta is Optional:
            if not a.present or not b.present:
                return a.present == b.present
            return eq(a.value, b.value)
        return a == b
    if ta in _NUMERIC and tb in _NUMERIC:
        return _mixed(a, b) == 0
    if ta is Optional or tb is Optional:
        # cel-go says an optional never equals null; whether the API server's type checker
        # lets such a rule through is unclear, so this is treated as a limit, not a verdict
        raise CelError("comparison of an optional value with a non-optional one")
    return False


def map_lookup(m: dict, key):
    """(found, value) of ``key`` in a CEL map: keys are typed (a bool key is not 1), numbers
    look each other up by value."""
    tk = type(key)
    if tk is str:
        if key in m:
            return True, m[key]
        return False, None
    if tk is bool:
        for k, v in m.items():
            if type(k) is bool and k == key:
                return True, v
        return False, None
    if tk in _NUMERIC:
        if tk is float:
            if not key.is_integer():
                return False, None
            key = int(key)
        for k, v in m.items():
            if type(k) in (int, UInt) and k == key:
                return True, v
        return False, None
    try:
        if key in m:
            return True, m[key]
    except TypeError:  # a list or map as the key: no map holds one
        pass
    return False, None


def compare(a, b, op: str) -> int:
    """-1, 0 or 1 (None for a NaN), or a no-such-overload error."""
    ta = type(a)
    tb = type(b)
    if ta is tb and ta in _ORDERED:
        if a < b:
            return -1
        if a > b:
            return 1
        if a == b:
            return 0
        return None  # NaN
    if ta in _NUMERIC and tb in _NUMERIC:
        return _mixed(a, b)
    raise no_overload(op, a, b)


_TWO63 = 9.223372036854775808e18
_TWO64 = 1.8446744073709551616e19


def _mixed(a, b):
    """Numbers of two types compared as cel-go does: an int or uint against a double is
    compared as a double unless the double is outside the integer type's range (so
    9223372036854775807 equals 9223372036854775808.0, as in the conformance tests)."""
    if type(a) is float or type(b) is float:
        flip = type(a) is float
        i, d = (b, a) if flip else (a, b)
        if type(i) is not float:
            low = -_TWO63 if type(i) is int else 0.0
            high = _TWO63 if type(i) is int else _TWO64
            if d != d:
                return None
            if d < low:
                c = 1
            elif d > high:
                c = -1
            else:
                fi = float(i)
                c = -1 if fi < d else (1 if fi > d else 0)
            return -c if flip else c
    return -1 if a < b else (1 if a > b else 0)  # int against uint: exact


def less(a, b) -> bool:
    c = compare(a, b, "_<_")
    return c == -1


def check_int(v: int) -> int:
    if INT64_MIN <= v <= INT64_MAX:
        return v
    raise CelError("integer overflow")


def check_uint(v: int) -> UInt:
    if 0 <= v <= UINT64_MAX:
        return UInt(v)
    raise CelError("unsigned integer overflow")


def add(a, b):
    ta = type(a)
    tb = type(b)
    if ta is tb:
        if ta is int:
            return check_int(a + b)
        if ta is float:
            return a + b
        if ta is str or ta is list or ta is bytes:
            n = len(a) + len(b)
            if n > 64:
                charge(n)
            return a + b
        if ta is UInt:
            return check_uint(a + b)
        if ta is Duration:
            return Duration(a.ns + b.ns)
    elif ta is Timestamp and tb is Duration:
        return Timestamp(a.ns + b.ns)
    elif ta is Duration and tb is Timestamp:
        return Timestamp(a.ns + b.ns)
    raise no_overload("_+_", a, b)


def sub(a, b):
    ta = type(a)
    tb = type(b)
    if ta is tb:
        if ta is int:
            return check_int(a - b)
        if ta is float:
            return a - b
        if ta is UInt:
            return check_uint(a - b)
        if ta is Duration:
            return Duration(a.ns - b.ns)
        if ta is Timestamp:
            return Duration(a.ns - b.ns)
    elif ta is Timestamp and tb is Duration:
        return Timestamp(a.ns - b.ns)
    raise no_overload("_-_", a, b)


def mul(a, b):
    ta = type(a)
    if ta is type(b):
        if ta is int:
            return check_int(a * b)
        if ta is float:
            return a * b
        if ta is UInt:
            return check_uint(a * b)
    raise no_overload("_*_", a, b)


def div(a, b):
    ta = type(a)
    if ta is type(b):
        if ta is int:
            if b == 0:
                raise CelError("division by zero")
            q = abs(a) // abs(b)  # Go truncates toward zero
            return check_int(q if (a < 0) == (b < 0) else -q)
        if ta is float:
            try:
                return a / b
            except ZeroDivisionError:
                if a == 0 or math.isnan(a):
                    return math.nan
                return math.copysign(math.inf, a) * math.copysign(1.0, b)
        if ta is UInt:
            if b == 0:
                raise CelError("division by zero")
            return UInt(a // b)
    raise no_overload("_/_", a, b)


def mod(a, b):
    ta = type(a)
    if ta is type(b):
        if ta is int:
            if b == 0:
                raise CelError("modulus by zero")
            if a == INT64_MIN and b == -1:
                raise CelError("integer overflow")
            r = abs(a) % abs(b)  # Go: the remainder has the sign of the dividend
            return r if a >= 0 else -r
        if ta is UInt:
            if b == 0:
                raise CelError("modulus by zero")
            return UInt(a % b)
    raise no_overload("_%_", a, b)


def neg(a):
    ta = type(a)
    if ta is int:
        return check_int(-a)
    if ta is float:
        return -a
    if ta is Duration:
        return Duration(-a.ns)
    raise no_overload("-_", a)


def size(v) -> int:
    t = type(v)
    if t is str or t is list or t is dict or t is bytes:
        return len(v)
    raise no_overload("size", v)


def contains(container, item) -> bool:
    """``item in container``."""
    t = type(container)
    if t is list:
        ti = type(item)
        if ti is str:
            for x in container:
                if type(x) is str and x == item:
                    return True
            return False
        for x in container:
            if eq(x, item):
                return True
        return False
    if t is dict:
        return map_lookup(container, item)[0]
    raise no_overload("@in", item, container)


def index(o, i):
    t = type(o)
    if t is list:
        ti = type(i)
        if ti is int or ti is UInt:
            k = i
        elif ti is float and i.is_integer():
            k = int(i)
        else:
            raise no_overload("_[_]", o, i)
        if 0 <= k < len(o):
            return o[k]
        raise CelError(f"index out of bounds: {i}")
    if t is dict:
        found, v = map_lookup(o, i)
        if found:
            return v
        raise NoSuchKey(i)
    raise no_overload("_[_]", o, i)


def select(o, field: str):
    if type(o) is dict:
        try:
            return o[field]
        except KeyError:
            raise NoSuchKey(field) from None
    raise CelError(f"type '{type_name(o)}' does not support field selection")


# ---- durations and timestamps -------------------------------------------------------------

_UNITS = {"ns": 1, "us": 10**3, "\u00b5s": 10**3, "\u03bcs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
_DUR_PART = r"([0-9]*)(?:\.([0-9]*))?([a-z\u00b5\u03bc]+)"  # compiled (and cached) by re on first use


def parse_duration(s: str) -> Duration:
    """Go's time.ParseDuration: ``[-+]?([0-9]*(\\.[0-9]*)?[a-z]+)+`` or ``0``."""
    orig = s
    neg = False
    if s[:1] in ("-", "+"):
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return Duration(0)
    if not s:
        raise CelError(f"invalid duration {orig!r}")
    total = 0
    pos = 0
    while pos < len(s):
        m = re.compile(_DUR_PART).match(s, pos)
        if m is None or (not m.group(1) and not m.group(2)):
            raise CelError(f"invalid duration {orig!r}")
        unit = _UNITS.get(m.group(3))
        if unit is None:
            raise CelError(f"unknown unit {m.group(3)!r} in duration {orig!r}")
        whole = int(m.group(1) or "0") * unit
        frac = m.group(2) or ""
        if frac:
            whole += int(frac) * unit // 10 ** len(frac)
        total += whole
        if total > 1 << 63:
            raise CelError(f"invalid duration {orig!r}")
        pos = m.end()
    if neg:
        total = -total
    if not INT64_MIN <= total <= INT64_MAX:
        raise CelError(f"invalid duration {orig!r}")
    return Duration(total)


def format_duration(ns: int) -> str:
    """The CEL string of a duration: seconds with the fraction that is needed, then ``s``."""
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    secs, frac = divmod(ns, 10**9)
    if frac:
        return f"{sign}{secs}.{frac:09d}".rstrip("0") + "s"
    return f"{sign}{secs}s"


_RFC3339 = (
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))"
)


def parse_timestamp(s: str) -> Timestamp:
    import datetime as _dt

    m = re.fullmatch(_RFC3339, s)
    if m is None:
        raise CelError(f"invalid timestamp {s!r}")
    y, mo, d, h, mi, sec = (int(m.group(i)) for i in range(1, 7))
    try:
        day = _dt.date(y, mo, d).toordinal() - _dt.date(1970, 1, 1).toordinal()
    except ValueError:
        raise CelError(f"invalid timestamp {s!r}") from None
    if h > 23 or mi > 59 or sec > 59:
        raise CelError(f"invalid timestamp {s!r}")
    total = ((day * 24 + h) * 60 + mi) * 60 + sec
    if m.group(9):
        oh, om = int(m.group(10)), int(m.group(11))
        if oh > 23 or om > 59:
            raise CelError(f"invalid timestamp {s!r}")
        off = (oh * 60 + om) * 60
        total -= off if m.group(9) == "+" else -off
    frac = m.group(7) or ""
    ns = total * 10**9 + (int(frac) * 10 ** (9 - len(frac)) if frac else 0)
    return Timestamp(ns)


def format_timestamp(ns: int) -> str:
    import datetime as _dt

    secs, frac = divmod(ns, 10**9)
    t = _dt.datetime(1970, 1, 1) + _dt.timedelta(seconds=secs)
    out = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.year < 1000:
        out = f"{t.year:04d}" + out[out.index("-"):]
    if frac:
        out += f".{frac:09d}".rstrip("0")
    return out + "Z"
