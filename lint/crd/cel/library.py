"""CEL's standard functions and the Kubernetes CEL library, on plain values.

``GLOBAL`` (``f(x)``, ``format.dns1123Label()``) and ``MEMBER`` (``x.f()``) map a name to
``(function, allowed argument counts)``; a member function takes the receiver first.
``FAST`` holds compile-time specialisations of hot calls (``x.startsWith('lit')``,
``x.matches('lit')``) that skip the generic dispatch.  Functions raise ``CelError`` for a
wrong argument type ("no such overload") or a bad value (an invalid pattern, an index out of
range), as cel-go and the Kubernetes library do.

Regular expressions are RE2 (the ``re2`` module, as the API server's Go regexp), compiled
once per pattern.  The Kubernetes library pieces follow k8s.io/apiserver/pkg/cel/library:
strings extension (charAt, indexOf, lastIndexOf, lowerAscii, upperAscii, replace, split,
substring, trim, join), lists (isSorted, sum, min, max, indexOf, lastIndexOf), regex (find,
findAll), IP/CIDR, URL, quantity, and ``format.<name>().validate()``.
"""

from __future__ import annotations

import math
import re

from .parser import UInt
from .values import (
    INT64_MAX,
    INT64_MIN,
    NONE,
    UINT64_MAX,
    CelError,
    Duration,
    Optional,
    Timestamp,
    compare,
    eq,
    format_duration,
    format_timestamp,
    no_overload,
    parse_duration,
    parse_timestamp,
    size,
    type_of,
)

GLOBAL: dict = {}
MEMBER: dict = {}
FAST: dict = {}


def _global(name, *arities):
    def deco(fn):
        GLOBAL[name] = (fn, frozenset(arities))
        return fn
    return deco


def _member(name, *arities):
    """``arities`` count the receiver."""
    def deco(fn):
        MEMBER[name] = (fn, frozenset(arities))
        return fn
    return deco


def _str(v, fn: str):
    if type(v) is not str:
        raise no_overload(fn, v)
    return v


def _int(v, fn: str) -> int:
    if type(v) is not int:
        raise no_overload(fn, v)
    return v


# ---- size, strings ---------------------------------------------------------------------------

GLOBAL["size"] = (size, frozenset((1,)))
MEMBER["size"] = (size, frozenset((1,)))


@_member("contains", 2)
def contains_(s, sub):
    if type(s) is str and type(sub) is str:
        return sub in s
    raise no_overload("contains", s, sub)


@_member("startsWith", 2)
def starts_with(s, prefix):
    if type(s) is str and type(prefix) is str:
        return s.startswith(prefix)
    raise no_overload("startsWith", s, prefix)


@_member("endsWith", 2)
def ends_with(s, suffix):
    if type(s) is str and type(suffix) is str:
        return s.endswith(suffix)
    raise no_overload("endsWith", s, suffix)


def _fast_string_test(method):
    """``x.startsWith('lit')`` and friends: the literal is checked once, at compile time."""
    def build(fns, nodes):
        lit = getattr(fns[1], "const", None)
        if type(lit) is not str:
            return None
        recv = fns[0]
        test = getattr(str, method)
        name = {"__contains__": "contains", "startswith": "startsWith", "endswith": "endsWith"}[method]

        def ev(env):
            s = recv(env)
            if type(s) is str:
                return test(s, lit)
            raise no_overload(name, s, lit)
        return ev
    return build


FAST[("contains", 1)] = _fast_string_test("__contains__")
FAST[("startsWith", 1)] = _fast_string_test("startswith")
FAST[("endsWith", 1)] = _fast_string_test("endswith")


def _index_arg(i, limit: int, fn: str) -> int:
    i = _int(i, fn)
    if i < 0 or i > limit:
        raise CelError(f"index out of range: {i}")
    return i


@_member("charAt", 2)
def char_at(s, i):
    s = _str(s, "charAt")
    i = _index_arg(i, len(s), "charAt")
    return s[i:i + 1]


@_member("indexOf", 2, 3)
def index_of(x, sub, start=None):
    if type(x) is list:
        if start is not None:
            raise no_overload("indexOf", x, sub, start)
        for i, v in enumerate(x):
            if eq(v, sub):
                return i
        return -1
    s = _str(x, "indexOf")
    sub = _str(sub, "indexOf")
    a = 0 if start is None else _index_arg(start, len(s), "indexOf")
    return s.find(sub, a)


@_member("lastIndexOf", 2, 3)
def last_index_of(x, sub, end=None):
    if type(x) is list:
        if end is not None:
            raise no_overload("lastIndexOf", x, sub, end)
        for i in range(len(x) - 1, -1, -1):
            if eq(x[i], sub):
                return i
        return -1
    s = _str(x, "lastIndexOf")
    sub = _str(sub, "lastIndexOf")
    if end is None:
        return s.rfind(sub)
    e = _index_arg(end, len(s), "lastIndexOf")
    return s.rfind(sub, 0, e + len(sub))


@_member("lowerAscii", 1)
def lower_ascii(s):
    return "".join(c.lower() if c.isascii() else c for c in _str(s, "lowerAscii"))


@_member("upperAscii", 1)
def upper_ascii(s):
    return "".join(c.upper() if c.isascii() else c for c in _str(s, "upperAscii"))


@_member("replace", 3, 4)
def replace(s, old, new, n=None):
    s, old, new = _str(s, "replace"), _str(old, "replace"), _str(new, "replace")
    if n is None or _int(n, "replace") < 0:
        return s.replace(old, new)
    return s.replace(old, new, n)


@_member("split", 2, 3)
def split(s, sep, n=None):
    s, sep = _str(s, "split"), _str(sep, "split")
    if n is not None:
        n = _int(n, "split")
        if n == 0:
            return []
    if sep == "":
        parts = list(s)
        if n is not None and n > 0 and len(parts) > n:
            parts = parts[: n - 1] + ["".join(parts[n - 1:])]
        return parts
    return s.split(sep) if n is None or n < 0 else s.split(sep, n - 1)


@_member("substring", 2, 3)
def substring(s, start, end=None):
    s = _str(s, "substring")
    a = _index_arg(start, len(s), "substring")
    b = len(s) if end is None else _index_arg(end, len(s), "substring")
    if b < a:
        raise CelError(f"invalid substring range. start: {a}, end: {b}")
    return s[a:b]


@_member("reverse", 1)
def reverse(s):
    return _str(s, "reverse")[::-1]


@_member("trim", 1)
def trim(s):
    return _str(s, "trim").strip()


@_member("join", 1, 2)
def join(lst, sep=None):
    if type(lst) is not list:
        raise no_overload("join", lst)
    sep = "" if sep is None else _str(sep, "join")
    for v in lst:
        if type(v) is not str:
            raise no_overload("join", lst)
    return sep.join(lst)


# ---- lists -------------------------------------------------------------------------------------


def _list(v, fn):
    if type(v) is not list:
        raise no_overload(fn, v)
    return v


@_member("isSorted", 1)
def is_sorted(lst):
    lst = _list(lst, "isSorted")
    for i in range(len(lst) - 1):
        if compare(lst[i], lst[i + 1], "isSorted") == 1:
            return False
    return True


@_member("sum", 1)
def total(lst):
    from .values import add

    lst = _list(lst, "sum")
    if not lst:
        return 0
    acc = lst[0]
    for v in lst[1:]:
        acc = add(acc, v)
    return acc


def _extreme(lst, fn, want):
    lst = _list(lst, fn)
    if not lst:
        raise CelError(f"{fn}() on an empty list")
    best = lst[0]
    for v in lst[1:]:
        if compare(v, best, fn) == want:
            best = v
    return best


MEMBER["min"] = (lambda lst: _extreme(lst, "min", -1), frozenset((1,)))
MEMBER["max"] = (lambda lst: _extreme(lst, "max", 1), frozenset((1,)))


# ---- regular expressions ----------------------------------------------------------------------

_PATTERNS: dict = {}
MAX_PATTERNS = 2_000


def regex(pattern):
    """The compiled RE2 pattern (cached), or a CelError for an invalid one."""
    got = _PATTERNS.get(pattern)
    if got is not None:
        return got
    if type(pattern) is not str:
        raise no_overload("matches", pattern)
    import re2

    try:
        options = re2.Options()
        options.log_errors = False  # an invalid pattern is our error value, not a line on stderr
        got = re2.compile(pattern, options=options)
    except Exception as exc:  # re2.error: the pattern is invalid in RE2
        raise CelError(f"invalid regular expression {pattern!r}: {exc}") from None
    if len(_PATTERNS) < MAX_PATTERNS:
        _PATTERNS[pattern] = got
    return got


def matches(s, pattern):
    if type(s) is not str:
        raise no_overload("matches", s, pattern)
    return regex(pattern).search(s) is not None


GLOBAL["matches"] = (matches, frozenset((2,)))
MEMBER["matches"] = (matches, frozenset((2,)))


def _fast_matches(fns, nodes):
    lit = getattr(fns[1], "const", None)
    if type(lit) is not str:
        return None
    recv = fns[0]
    state = []  # the compiled pattern, made on first use (an invalid one errors at run time, as in CEL)

    def ev(env):
        s = recv(env)
        if type(s) is not str:
            raise no_overload("matches", s, lit)
        if not state:
            from ..schema import searcher

            state.append(searcher(regex(lit)))
        return state[0](s)
    return ev


FAST[("matches", 1)] = _fast_matches


@_member("find", 2)
def find(s, pattern):
    m = regex(pattern).search(_str(s, "find"))
    return m.group(0) if m else ""


@_member("findAll", 2, 3)
def find_all(s, pattern, n=None):
    found = [m.group(0) for m in regex(pattern).finditer(_str(s, "findAll"))]
    if n is not None and _int(n, "findAll") >= 0:
        found = found[:n]
    return found


# Patterns below are strings, compiled by ``re`` (and cached there) on first use: importing
# this module stays cheap for runs that never need them.

# ---- conversions and types ----------------------------------------------------------------------

_GO_INT = r"[+-]?[0-9]+"
_GO_FLOAT = r"(?i)[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|nan)"


@_global("int", 1)
def to_int(v):
    t = type(v)
    if t is int:
        return v
    if t is UInt:
        if v > INT64_MAX:
            raise CelError("int overflow")
        return int(v)
    if t is float:
        if math.isnan(v) or not (-9.223372036854776e18 < v < 9.223372036854776e18):
            raise CelError("double out of int range")
        return int(v)
    if t is str:
        if not re.fullmatch(_GO_INT, v):
            raise CelError(f"type conversion error from string to int: {v!r}")
        n = int(v)
        if not INT64_MIN <= n <= INT64_MAX:
            raise CelError("int out of range")
        return n
    if t is Timestamp:
        return v.ns // 10**9
    if t is Duration:
        return v.ns
    raise no_overload("int", v)


@_global("uint", 1)
def to_uint(v):
    t = type(v)
    if t is UInt:
        return v
    if t is int:
        if v < 0:
            raise CelError("uint out of range")
        return UInt(v)
    if t is float:
        if math.isnan(v) or not (0 <= v < 1.8446744073709552e19):
            raise CelError("double out of uint range")
        return UInt(int(v))
    if t is str:
        if not re.fullmatch(r"\+?[0-9]+", v):
            raise CelError(f"type conversion error from string to uint: {v!r}")
        n = int(v)
        if n > UINT64_MAX:
            raise CelError("uint out of range")
        return UInt(n)
    raise no_overload("uint", v)


@_global("double", 1)
def to_double(v):
    t = type(v)
    if t is float:
        return v
    if t is int or t is UInt:
        return float(v)
    if t is str:
        if not re.fullmatch(_GO_FLOAT, v):
            raise CelError(f"type conversion error from string to double: {v!r}")
        return float(v)
    raise no_overload("double", v)


def format_double(f: float) -> str:
    """Go's strconv.FormatFloat(f, 'g', -1, 64), as cel-go's string(double)."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    r = repr(f)
    mant, _, exp = r.partition("e")
    sign = "-" if mant.startswith("-") else ""
    mant = mant.lstrip("-")
    intpart, _, frac = mant.partition(".")
    digits = (intpart + frac).lstrip("0")
    point = len(intpart) + (int(exp) if exp else 0)  # the decimal point position in intpart+frac
    lead = len(intpart + frac) - len((intpart + frac).lstrip("0"))
    point -= lead
    digits = digits.rstrip("0") or "0"
    x = point - 1  # the exponent in d.ddd x 10^x
    if x < -4 or x >= 21:
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{body}e{'-' if x < 0 else '+'}{abs(x):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


@_global("string", 1)
def to_string(v):
    t = type(v)
    if t is str:
        return v
    if t is bool:
        return "true" if v else "false"
    if t is int or t is UInt:
        return str(int(v))
    if t is float:
        return format_double(v)
    if t is bytes:
        try:
            return v.decode("utf-8")
        except UnicodeDecodeError:
            raise CelError("invalid UTF-8 in bytes, cannot convert to string") from None
    if t is Duration:
        return format_duration(v.ns)
    if t is Timestamp:
        return format_timestamp(v.ns)
    string = getattr(v, "cel_string", None)
    if string is not None:
        return string()
    raise no_overload("string", v)


_BOOLS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
          "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}


@_global("bool", 1)
def to_bool(v):
    if type(v) is bool:
        return v
    if type(v) is str:
        if v in _BOOLS:
            return _BOOLS[v]
        raise CelError(f"type conversion error from string to bool: {v!r}")
    raise no_overload("bool", v)


@_global("bytes", 1)
def to_bytes(v):
    if type(v) is bytes:
        return v
    if type(v) is str:
        return v.encode("utf-8")
    raise no_overload("bytes", v)


@_global("duration", 1)
def to_duration(v):
    if type(v) is Duration:
        return v
    if type(v) is str:
        return parse_duration(v)
    raise no_overload("duration", v)


@_global("timestamp", 1)
def to_timestamp(v):
    if type(v) is Timestamp:
        return v
    if type(v) is str:
        return parse_timestamp(v)
    if type(v) is int:
        return Timestamp(v * 10**9)
    raise no_overload("timestamp", v)


GLOBAL["type"] = (type_of, frozenset((1,)))
GLOBAL["dyn"] = (lambda v: v, frozenset((1,)))


# ---- duration and timestamp accessors -----------------------------------------------------------


def _time_parts(ts: Timestamp, tz=None):
    import datetime as _dt

    offset = 0
    secs, frac = divmod(ts.ns, 10**9)
    if tz is not None:
        tz = _str(tz, "timezone")
        m = re.fullmatch(r"([+-]?)([0-9]{1,2}):([0-9]{2})", tz)
        if m:
            offset = (int(m.group(2)) * 60 + int(m.group(3))) * 60 * (-1 if m.group(1) == "-" else 1)
        elif tz not in ("UTC", "Etc/UTC", "Z"):
            try:
                import zoneinfo

                zone = zoneinfo.ZoneInfo(tz)
                utc = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc) + _dt.timedelta(seconds=secs)
                offset = int(utc.astimezone(zone).utcoffset().total_seconds())
            except Exception:  # unknown zone, no tz database on this machine
                raise CelError(f"unknown time zone {tz!r}") from None
    return _dt.datetime(1970, 1, 1) + _dt.timedelta(seconds=secs + offset), frac


def _accessor(name, of_duration, of_timestamp):
    def fn(v, tz=None):
        if type(v) is Duration and tz is None and of_duration is not None:
            return of_duration(v.ns)
        if type(v) is Timestamp and of_timestamp is not None:
            return of_timestamp(*_time_parts(v, tz))
        raise no_overload(name, v)
    MEMBER[name] = (fn, frozenset((1, 2)))


def _trunc_div(a, b):
    q = abs(a) // b
    return q if a >= 0 else -q


_accessor("getHours", lambda ns: _trunc_div(ns, 3600 * 10**9), lambda t, f: t.hour)
_accessor("getMinutes", lambda ns: _trunc_div(ns, 60 * 10**9), lambda t, f: t.minute)
_accessor("getSeconds", lambda ns: _trunc_div(ns, 10**9), lambda t, f: t.second)
_accessor("getMilliseconds", lambda ns: _trunc_div(ns, 10**6) % 1000 if ns >= 0 else -((-ns // 10**6) % 1000),
          lambda t, f: f // 10**6)
_accessor("getFullYear", None, lambda t, f: t.year)
_accessor("getMonth", None, lambda t, f: t.month - 1)
_accessor("getDate", None, lambda t, f: t.day)
_accessor("getDayOfMonth", None, lambda t, f: t.day - 1)
_accessor("getDayOfWeek", None, lambda t, f: (t.weekday() + 1) % 7)
_accessor("getDayOfYear", None, lambda t, f: t.timetuple().tm_yday - 1)


# ---- optionals ------------------------------------------------------------------------------------

GLOBAL["optional.of"] = (lambda v: Optional(v, True), frozenset((1,)))
GLOBAL["optional.none"] = (lambda: NONE, frozenset((0,)))


def _non_zero(v):
    zero = v is None or v is False or (type(v) in (int, UInt, float) and v == 0) or (
        type(v) in (str, bytes, list, dict) and len(v) == 0) or (type(v) in (Duration, Timestamp) and v.ns == 0)
    return NONE if zero else Optional(v, True)


GLOBAL["optional.ofNonZeroValue"] = (_non_zero, frozenset((1,)))


def _opt(v, fn):
    if type(v) is not Optional:
        raise no_overload(fn, v)
    return v


@_member("hasValue", 1)
def has_value(o):
    return _opt(o, "hasValue").present


@_member("value", 1)
def value(o):
    o = _opt(o, "value")
    if not o.present:
        raise CelError("optional.none() dereference")
    return o.value


@_member("orValue", 2)
def or_value(o, default):
    o = _opt(o, "orValue")
    return o.value if o.present else default


@_member("or", 2)
def or_(o, other):
    o = _opt(o, "or")
    return o if o.present else _opt(other, "or")


# ---- IP addresses and CIDRs (k8s ip.go / cidr.go) ------------------------------------------------


class IP:
    cel_type = "net.IP"
    __slots__ = ("addr",)

    def __init__(self, addr):
        self.addr = addr

    def __eq__(self, other):
        return type(other) is IP and other.addr == self.addr

    def __hash__(self):
        return hash(self.addr)

    def cel_string(self):
        return str(self.addr)


class CIDR:
    cel_type = "net.CIDR"
    __slots__ = ("net", "addr")

    def __init__(self, net, addr):
        self.net = net
        self.addr = addr

    def __eq__(self, other):
        return type(other) is CIDR and other.net == self.net and other.addr == self.addr

    def __hash__(self):
        return hash(self.net)

    def cel_string(self):
        return f"{self.addr}/{self.net.prefixlen}"


def _parse_ip(s: str):
    """An address as the Kubernetes library accepts it (no zone, no IPv4-mapped IPv6), or None.
    (ipaddress is imported by the first rule that reads an address, not by every run.)"""
    import ipaddress

    if "%" in s:
        return None
    try:
        addr = ipaddress.ip_address(s)
    except ValueError:
        return None
    if addr.version == 6 and addr.ipv4_mapped is not None and "." in s:
        return None
    return addr


def _parse_cidr(s: str):
    if "/" not in s:
        return None
    ip_part, _, bits = s.partition("/")
    addr = _parse_ip(ip_part)
    if addr is None or not bits.isdigit() or (len(bits) > 1 and bits[0] == "0"):
        return None
    import ipaddress

    try:
        net = ipaddress.ip_network(f"{addr}/{int(bits)}", strict=False)
    except ValueError:
        return None
    return CIDR(net, addr)


@_global("isIP", 1)
def is_ip(s):
    return _parse_ip(_str(s, "isIP")) is not None


@_global("ip", 1)
def ip(s):
    addr = _parse_ip(_str(s, "ip"))
    if addr is None:
        raise CelError(f"IP Address {s!r} parse error during conversion from string")
    return IP(addr)


@_global("ip.isCanonical", 1)
def ip_is_canonical(s):
    addr = _parse_ip(_str(s, "ip.isCanonical"))
    if addr is None:
        raise CelError(f"IP Address {s!r} parse error during conversion from string")
    return str(addr) == s


@_global("isCIDR", 1)
def is_cidr(s):
    return _parse_cidr(_str(s, "isCIDR")) is not None


@_global("cidr", 1)
def cidr(s):
    got = _parse_cidr(_str(s, "cidr"))
    if got is None:
        raise CelError(f"network address {s!r} parse error during conversion from string")
    return got


def _ip_method(name, test):
    def fn(v):
        if type(v) is not IP:
            raise no_overload(name, v)
        return test(v.addr)
    MEMBER[name] = (fn, frozenset((1,)))


_ip_method("family", lambda a: a.version)
_ip_method("isUnspecified", lambda a: a.is_unspecified)
_ip_method("isLoopback", lambda a: a.is_loopback)
_ip_method("isLinkLocalMulticast", lambda a: a.is_multicast and (
    a.packed[:3] == b"\xe0\x00\x00" if a.version == 4 else (a.packed[1] & 0x0F) == 0x02))  # v4: 224.0.0.0/24
_ip_method("isLinkLocalUnicast", lambda a: a.is_link_local and not a.is_multicast)
_ip_method("isGlobalUnicast", lambda a: not (a.is_unspecified or a.is_loopback or a.is_multicast or a.is_link_local)
           and not (a.version == 4 and a.packed == b"\xff\xff\xff\xff"))  # v4: not 255.255.255.255


def _cidr_ip(c):
    if type(c) is not CIDR:
        raise no_overload("ip", c)
    return IP(c.addr)


def _ip_of(v):
    if type(v) is IP:
        return v
    if type(v) is CIDR:
        return _cidr_ip(v)
    raise no_overload("ip", v)


MEMBER["ip"] = (_ip_of, frozenset((1,)))


@_member("prefixLength", 1)
def prefix_length(c):
    if type(c) is not CIDR:
        raise no_overload("prefixLength", c)
    return c.net.prefixlen


@_member("masked", 1)
def masked(c):
    if type(c) is not CIDR:
        raise no_overload("masked", c)
    return CIDR(c.net, c.net.network_address)


@_member("containsIP", 2)
def contains_ip(c, other):
    if type(c) is not CIDR:
        raise no_overload("containsIP", c, other)
    if type(other) is str:
        other = ip(other)
    if type(other) is not IP:
        raise no_overload("containsIP", c, other)
    return other.addr.version == c.net.version and other.addr in c.net


@_member("containsCIDR", 2)
def contains_cidr(c, other):
    if type(c) is not CIDR:
        raise no_overload("containsCIDR", c, other)
    if type(other) is str:
        other = cidr(other)
    if type(other) is not CIDR:
        raise no_overload("containsCIDR", c, other)
    return other.net.version == c.net.version and other.net.subnet_of(c.net)


# ---- URLs (k8s urls.go) -------------------------------------------------------------------------


class URL:
    cel_type = "kubernetes.URL"
    __slots__ = ("parts", "text")

    def __init__(self, parts, text):
        self.parts = parts
        self.text = text

    def __eq__(self, other):
        return type(other) is URL and other.text == self.text

    def __hash__(self):
        return hash(self.text)

    def cel_string(self):
        return self.text


def _parse_url(s: str):
    """Like Go's url.ParseRequestURI as the library uses it: an absolute URL or an absolute
    path (the approximation the linter used before this engine: a scheme, or a leading /)."""
    from urllib.parse import urlsplit

    try:
        u = urlsplit(s)
    except ValueError:
        return None
    if not (u.scheme or s.startswith("/")):
        return None
    return URL(u, s)


@_global("isURL", 1)
def is_url(s):
    return _parse_url(_str(s, "isURL")) is not None


@_global("url", 1)
def url(s):
    got = _parse_url(_str(s, "url"))
    if got is None:
        raise CelError(f"URL {s!r} parse error during conversion from string")
    return got


def _url_method(name, get):
    def fn(u):
        if type(u) is not URL:
            raise no_overload(name, u)
        return get(u.parts)
    MEMBER[name] = (fn, frozenset((1,)))


def _port(p):
    try:
        return "" if p.port is None else str(p.port)
    except ValueError:
        return ""


_url_method("getScheme", lambda p: p.scheme)
_url_method("getHost", lambda p: p.netloc.rpartition("@")[2])
_url_method("getHostname", lambda p: p.hostname or "")
_url_method("getPort", _port)
_url_method("getEscapedPath", lambda p: p.path)


def _query(p):
    from urllib.parse import parse_qs

    return {k: v for k, v in parse_qs(p.query, keep_blank_values=True).items()}


_url_method("getQuery", _query)


# ---- quantities (k8s quantity.go) ---------------------------------------------------------------

_QUANTITY = r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?"
_SUFFIX = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
           "n": (1, 10**9), "u": (1, 10**6), "m": (1, 1000), "k": 10**3, "M": 10**6, "G": 10**9,
           "T": 10**12, "P": 10**15, "E": 10**18}


class Quantity:
    cel_type = "kubernetes.Quantity"
    __slots__ = ("value", "text")

    def __init__(self, value, text):
        self.value = value  # a fractions.Fraction
        self.text = text

    def __eq__(self, other):
        return type(other) is Quantity and other.value == self.value

    def __hash__(self):
        return hash(self.value)

    def cel_string(self):
        return self.text


def _parse_quantity(s: str):
    m = re.fullmatch(_QUANTITY, s)
    if m is None:
        return None
    from fractions import Fraction

    num = Fraction(m.group(1))
    suffix = m.group(2)
    if suffix:
        if suffix[0] in "eE":
            exp = int(suffix[1:])
            if abs(exp) > 400:
                return None
            num *= Fraction(10) ** exp
        else:
            mult = _SUFFIX[suffix]
            num *= Fraction(mult[0], mult[1]) if isinstance(mult, tuple) else mult
    return Quantity(num, s)


@_global("isQuantity", 1)
def is_quantity(s):
    return _parse_quantity(_str(s, "isQuantity")) is not None


@_global("quantity", 1)
def quantity(s):
    got = _parse_quantity(_str(s, "quantity"))
    if got is None:
        raise CelError(f"quantities must match the regular expression, not {s!r}")
    return got


def _q(v, fn):
    if type(v) is not Quantity:
        raise no_overload(fn, v)
    return v.value


def _q_arg(v, fn):
    if type(v) is int:
        from fractions import Fraction

        return Fraction(v)
    return _q(v, fn)


def _q_result(value):
    return Quantity(value, str(value.numerator) if value.denominator == 1 else str(float(value)))


MEMBER["isInteger"] = (lambda q: _q(q, "isInteger").denominator == 1, frozenset((1,)))
MEMBER["sign"] = (lambda q: (_q(q, "sign") > 0) - (_q(q, "sign") < 0), frozenset((1,)))
MEMBER["asApproximateFloat"] = (lambda q: float(_q(q, "asApproximateFloat")), frozenset((1,)))
MEMBER["isGreaterThan"] = (lambda a, b: _q(a, "isGreaterThan") > _q(b, "isGreaterThan"), frozenset((2,)))
MEMBER["isLessThan"] = (lambda a, b: _q(a, "isLessThan") < _q(b, "isLessThan"), frozenset((2,)))
MEMBER["compareTo"] = (lambda a, b: (_q(a, "compareTo") > _q(b, "compareTo")) - (_q(a, "compareTo") < _q(b, "compareTo")),
                       frozenset((2,)))
MEMBER["add"] = (lambda a, b: _q_result(_q(a, "add") + _q_arg(b, "add")), frozenset((2,)))
MEMBER["sub"] = (lambda a, b: _q_result(_q(a, "sub") - _q_arg(b, "sub")), frozenset((2,)))


@_member("asInteger", 1)
def as_integer(q):
    v = _q(q, "asInteger")
    if v.denominator != 1 or not INT64_MIN <= v.numerator <= INT64_MAX:
        raise CelError("cannot convert value to integer")
    return v.numerator


# ---- named formats (k8s format.go): format.<name>().validate(s) -> optional list of errors ----


class Format:
    cel_type = "kubernetes.NamedFormat"
    __slots__ = ("name", "check")

    def __init__(self, name, check):
        self.name = name
        self.check = check


_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_LABEL_1035 = r"[a-z]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_QUALIFIED_NAME = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE = r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"
_UUID = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


def _max_len(s, n):
    return [f"must be no more than {n} characters"] if len(s) > n else []


def _dns_label(s):
    errs = _max_len(s, 63)
    if not re.fullmatch(_LABEL, s):
        errs.append("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
                    "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
                    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
    return errs


def _dns_subdomain(s):
    errs = _max_len(s, 253)
    if not re.fullmatch(_SUBDOMAIN, s):
        errs.append("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
    return errs


def _dns_1035(s):
    errs = _max_len(s, 63)
    if not re.fullmatch(_LABEL_1035, s):
        errs.append("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
                    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
                    "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
    return errs


def _prefix(check):
    def fn(s):
        return check(s[:-1] + "a" if s.endswith("-") else s)  # a name prefix may end with '-'
    return fn


def _qualified_name(s):
    prefix, slash, name = s.rpartition("/")
    errs = []
    if slash:
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs += ["prefix part " + e for e in _dns_subdomain(prefix)]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    if name and not re.fullmatch(_QUALIFIED_NAME, name):
        errs.append("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
                    "with an alphanumeric character")
    return errs


def _label_value(s):
    errs = _max_len(s, 63)
    if not re.fullmatch(_LABEL_VALUE, s):
        errs.append("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                    "and must start and end with an alphanumeric character")
    return errs


def _simple(pattern_check, message):
    return lambda s: [] if pattern_check(s) else [message]


def _is_base64(s):
    import base64
    import binascii

    try:
        base64.b64decode(s, validate=True)
        return True
    except (binascii.Error, ValueError):
        return False


def _is_date(s):
    import datetime as _dt

    try:
        _dt.date.fromisoformat(s)
        return len(s) == 10
    except ValueError:
        return False


def _is_datetime(s):
    try:
        parse_timestamp(s)
        return True
    except CelError:
        return False


FORMATS = {
    "dns1123Label": _dns_label,
    "dns1123Subdomain": _dns_subdomain,
    "dns1035Label": _dns_1035,
    "qualifiedName": _qualified_name,
    "dns1123LabelPrefix": _prefix(_dns_label),
    "dns1123SubdomainPrefix": _prefix(_dns_subdomain),
    "dns1035LabelPrefix": _prefix(_dns_1035),
    "labelValue": _label_value,
    "uri": _simple(lambda s: _parse_url(s) is not None, "invalid URI"),
    "uuid": _simple(lambda s: re.fullmatch(_UUID, s) is not None, "does not match the UUID format"),
    "byte": _simple(_is_base64, "invalid base64"),
    "date": _simple(_is_date, "invalid date"),
    "datetime": _simple(_is_datetime, "invalid datetime"),
}

for _name, _check in FORMATS.items():
    GLOBAL[f"format.{_name}"] = ((lambda n, c: lambda: Format(n, c))(_name, _check), frozenset((0,)))


@_global("format.named", 1)
def format_named(name):
    check = FORMATS.get(_str(name, "format.named"))
    return NONE if check is None else Optional(Format(name, check), True)


@_member("validate", 2)
def validate(f, s):
    if type(f) is not Format:
        raise no_overload("validate", f, s)
    errs = f.check(_str(s, "validate"))
    return Optional(errs, True) if errs else NONE
