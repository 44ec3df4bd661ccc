"""CEL rules (``x-kubernetes-validations``) evaluated as the API server evaluates them.

* every rule text is compiled once per process (``program``), on first use, by this
  package's own CEL engine (``lexer``/``parser`` -> ``compile``: closures over plain Python
  values, ``values`` for the operators' semantics, ``library`` for the standard and
  Kubernetes functions); a rule it refuses (a construct it lacks, in a user's CRD) falls
  back to cel-python (``fallback``, imported only then);
* ``self`` is the node the rule is attached to, after pruning and defaulting; property
  names that are CEL reserved words or hold ``.``/``-``/``/``/``__`` are escaped as the
  API server escapes them (``namespace`` -> ``__namespace__``);
* rules that read ``oldSelf`` are transition rules: with no old object they are skipped
  (the API server skips them on create, too);
* a rule that evaluates to false fails with its ``messageExpression`` (when that gives a
  string), else its ``message``, else ``failed rule: <rule>``; a rule whose value is an
  error reading a field that is not set fails with ``no such key: <field> evaluating rule:
  ...``, as in the API server (errors are values: ``||``, ``&&`` and ``all``/``exists``
  absorb one when the other side decides).  Any other evaluation error is a limit of this
  engine (or of the rule), not a verdict: no finding.
"""

from __future__ import annotations

import json
import os
import re

from infergw_lint.rule import field_path, sha256  # the interpreter's own SHA-256: hashlib loads OpenSSL

from ..schema import CEL_ERROR, HIT_RATIO, MAX_ISSUES, TRIAL, Issue
from ..schema import has_rules as _has_rules
from .lexer import CompileError, Unsupported
from . import reads as _reads
from . import values
from .values import CelError, NoSuchKey

RESERVED = frozenset(
    "true false null in as break const continue else for function if import let loop package namespace "
    "return var void while".split()
)
_IDENT = re.compile(r"[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*")
_OLDSELF = re.compile(r"\boldSelf\b")
_NO_SUCH_KEY = re.compile(r"no such member in mapping: \\?'([^'\\]*)\\?'")  # celpy's message


_ESCAPED: dict = {}


def escape(name: str) -> str | None:
    """A property name as CEL sees it (None: not accessible from CEL)."""
    got = _ESCAPED.get(name, _MISSING)
    if got is _MISSING:
        got = _escape(name)
        if len(_ESCAPED) < 100_000:
            _ESCAPED[name] = got
    return got


def _escape(name: str) -> str | None:
    if name in RESERVED:
        return f"__{name}__"
    if not _IDENT.fullmatch(name):
        return None
    if "__" not in name and "." not in name and "-" not in name and "/" not in name:
        return name
    return name.replace("__", "__underscores__").replace(".", "__dot__").replace("-", "__dash__").replace("/", "__slash__")


def is_transition(rule: str) -> bool:
    return bool(_OLDSELF.search(rule))


def _cache_dir() -> str | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "infergw-lint")
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
    except OSError:
        return None
    st = os.stat(path)
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return None  # never load a parser cache someone else can write
    return path


# ---- conversion ---------------------------------------------------------------------------


_FORMATS = frozenset(("duration", "date", "date-time", "byte"))


def _formatted(value: str, fmt: str):
    """A string field with a format, as the API server gives it to CEL: a duration, a
    timestamp or bytes (the string itself when it does not parse: the schema reports that)."""
    try:
        if fmt == "duration":
            return values.parse_duration(value)
        if fmt == "date-time":
            return values.parse_timestamp(value)
        if fmt == "date":
            return values.parse_timestamp(value + "T00:00:00Z") if len(value) == 10 else value
        import base64
        import binascii

        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return value
    except values.CelError:
        return value


_AS_IS = frozenset((str, int, bool, type(None)))


def _plain(s) -> bool:
    """Does ``to_cel`` give a str, int, bool or None under schema node ``s`` as it is?"""
    if s is None:
        return True
    try:
        return s.get("format") not in _FORMATS and s.get("type") != "number"
    except (AttributeError, TypeError):  # not a schema node: to_cel says what happens
        return False


_CONVERSIONS: dict = {}  # id(schema node) -> (the node, what to_cel reads of it): the node is kept


def _conversion(schema):
    """What ``to_cel`` reads of a schema node, once: {property: (CEL name, node, plain)},
    additionalProperties and whether it is plain, items and whether it is plain."""
    hit = _CONVERSIONS.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    props = (schema.get("properties") or {}) if schema else {}
    addl = schema.get("additionalProperties") if schema else None
    if not isinstance(addl, dict):
        addl = None
    items = schema.get("items") if schema else None
    fields = {k: (escape(str(k)), s, _plain(s)) for k, s in props.items() if s is not None}
    got = (fields, addl, _plain(addl), items, _plain(items))
    if len(_CONVERSIONS) < 100_000:
        _CONVERSIONS[id(schema)] = (schema, got)
    return got


def to_cel(value, schema: dict | None, memo: dict | None = None):
    """Python data -> CEL values (plain Python values of exactly the JSON types), with the
    property names escaped; an integral float in an ``integer`` field is an int.
    ``memo`` (id(value), id(schema)) -> converted: a caller that converts nested nodes of
    one value (``check``: a node with rules and nodes with rules under it) converts each
    object and list once; CEL never changes a value, so the converted node is shared."""
    t = type(value)
    if t is str:
        if schema is not None and schema.get("format") in _FORMATS:
            return _formatted(value, schema["format"])
        return value
    if t is int:
        if schema is not None and schema.get("type") == "number":
            return float(value)  # the API server gives a `number` field as a double, even 1
        return value
    if t is bool or value is None:
        return value
    if t is dict or (t is not list and isinstance(value, dict)):
        if memo is not None:
            key = (id(value), id(schema))
            got = memo.get(key)
            if got is not None:
                return got
        fields, addl, addl_plain, _, _ = _conversion(schema)
        out = {}
        for k, v in value.items():
            e = fields.get(k)
            tv = type(v)
            if e is not None:
                name, s, plain = e
                if name is None:
                    continue
                out[name] = v if plain and (tv is str or tv is int or tv is bool or v is None) else to_cel(v, s, memo)
            else:
                out[k if type(k) is str else str(k)] = (
                    v if addl_plain and (tv is str or tv is int or tv is bool or v is None) else to_cel(v, addl, memo)
                )
        if memo is not None:
            memo[key] = out
        return out
    if t is list or isinstance(value, (list, tuple)):
        if memo is not None:
            key = (id(value), id(schema))
            got = memo.get(key)
            if got is not None:
                return got
        _, _, _, items, items_plain = _conversion(schema)
        if items_plain:
            out = [v if (tv := type(v)) is str or tv is int or tv is bool or v is None else to_cel(v, items, memo)
                   for v in value]
        else:
            out = [to_cel(v, items, memo) for v in value]
        if memo is not None:
            memo[key] = out
        return out
    if isinstance(value, float):
        if schema is not None and schema.get("type") == "integer" and value.is_integer():
            return int(value)
        return float(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    return str(value)  # a str subclass, a date, ...: its text


_PROGRAMS: dict = {}


class Deferred:
    """A rule the native compiler refused: celpy's program, compiled only when a verdict
    is not already known (``load``; raises CompileError when celpy cannot compile it either,
    with the native compiler's message)."""

    engine = "celpy"

    def __init__(self, text: str, refusal: CompileError):
        self.text = text
        self.refusal = refusal
        self.prog = None

    def load(self):
        if self.prog is None:
            from . import fallback

            try:
                self.prog = fallback.program(self.text)
            except CompileError:
                raise self.refusal from None
        return self.prog

    def run(self, value):
        return self.load().run(value)

    def evaluate(self, activation: dict):
        return self.load().evaluate(activation)


Native = None  # compile.Program, bound on first use (the compiler is imported only then)
# INFERGW_LINT_CEL=celpy evaluates every rule with celpy (to compare the engines end to end,
# e.g. with benchmarks/same_findings.py; also how the tests reach the verdict store)
FORCE_CELPY = os.environ.get("INFERGW_LINT_CEL") == "celpy"


def program(rule: str):
    """The compiled program of ``rule`` (cached): the native engine's, else a ``Deferred``
    celpy program for a construct the native compiler does not handle; raises CompileError
    for a rule that is not valid CEL (the message gives the position)."""
    global Native
    prog = _PROGRAMS.get(rule)
    if prog is None:
        try:
            if FORCE_CELPY:
                raise Unsupported("INFERGW_LINT_CEL=celpy; celpy cannot compile the rule")
            from .compile import Program, compile_expr

            Native = Program
            prog = compile_expr(rule, tree=_reads.parsed(rule))
        except Unsupported as exc:
            prog = Deferred(rule, exc)
        except CompileError as exc:
            prog = exc
        except RecursionError:
            prog = CompileError("expression nested too deeply")
        except Exception as exc:  # a defect of the native compiler: never a traceback; try celpy
            prog = Deferred(rule, CompileError(f"internal error of the CEL compiler ({type(exc).__name__})"))
        if len(_PROGRAMS) < 50_000:
            _PROGRAMS[rule] = prog
    if isinstance(prog, CompileError):
        raise prog
    return prog


# ---- evaluation ---------------------------------------------------------------------------


def check(value, schema: dict, path: tuple, issues: list, compile_errors: list, where: str,
          verdicts: dict | None = None, skip: dict | None = None, conversions: dict | None = None,
          _budget: list | None = None, _subtrees: bool = True) -> None:
    """Evaluate every rule under ``schema`` on ``value``; append failures to ``issues`` and
    rules that cannot be compiled to ``compile_errors`` as (path, rule, error).  ``verdicts``
    (a dict the caller keeps for one run; else one for the process) remembers them by
    value: see ``_run``.  ``skip``: id(value) -> schema node of subtrees known to pass
    every rule under that node (lint/crd/schema.py ``Reuse``); ``conversions``: to_cel's
    memo, when the caller keeps it."""
    if not isinstance(schema, dict):
        return
    stack = [(value, _walk(schema), path)]
    converted: dict = {} if conversions is None else conversions  # to_cel's memo: nested nodes share it
    # characters of verdict keys made for this value (see _by_reads)
    budget = [READ_KEY_BUDGET] if _budget is None else _budget
    while stack:
        val, node, p = stack.pop()
        if val is None:
            continue
        if skip and skip.get(id(val)) is node.schema:
            continue
        if p and _subtrees and budget[0] > 0:
            sub = node.subtree
            if sub is _UNSET:
                sub = node.subtree = _subtree(node)
            if sub is not None and _by_subtree(val, node, p, sub, issues, where, verdicts, skip, converted, budget):
                if len(issues) >= MAX_ISSUES:
                    return
                continue
        rules = node.rules
        if rules:
            _run(val, node.schema, p, rules, issues, compile_errors, where, verdicts, converted, budget)
            if len(issues) >= MAX_ISSUES:
                return
        if isinstance(val, dict):
            kids, addl = node.kids, node.addl
            if not kids and addl is None:
                continue  # no rule under this node
            props = node.props
            for k, v in val.items():
                if not p and k in ("metadata", "apiVersion", "kind"):
                    continue
                sub = kids.get(k)
                if sub is None:
                    if addl is None or props.get(k) is not None:
                        continue
                    sub = addl
                stack.append((v, sub, p + (k,)))
        elif isinstance(val, list) and node.items is not None:
            items = node.items
            for i in range(len(val) - 1, -1, -1):
                stack.append((val[i], items, p + (i,)))


class _Node:
    """A schema node as ``check`` walks it: its rules, and the nodes under it that carry
    rules in their subtree (properties, additionalProperties, items), read once."""

    __slots__ = ("schema", "rules", "props", "kids", "addl", "items", "subtree")

    def __init__(self, sch: dict):
        self.schema = sch
        self.subtree = _UNSET  # see _subtree, made on first use
        self.rules = sch.get("x-kubernetes-validations")
        props = sch.get("properties") or {}
        self.props = props
        self.kids = {k: _walk(sub) for k, sub in props.items() if sub is not None and _has_rules(sub)}
        addl = sch.get("additionalProperties")
        self.addl = _walk(addl) if isinstance(addl, dict) and _has_rules(addl) else None
        items = sch.get("items")
        self.items = _walk(items) if isinstance(items, dict) and _has_rules(items) else None


_WALKS: dict = {}  # id(schema node) -> (the node, its _Node): the node is kept, its id not reused
_UNSET = object()


# ---- the verdicts of a whole subtree --------------------------------------------------------
# A route's rules list holds every rule of a route, and the rules attached under it (its
# items, their backendRefs, filters and matches) read no name: what they find in one route
# they find in every copy of it.  A schema node with rules at two nodes or more of its
# subtree (properties and items only, every name on the way readable from CEL, every rule
# and message expression compiled natively) keeps the issues its subtree gives by the part
# of the value those rules read, each rule's reads placed where its node is (reads.py): on a
# hit the issues are made again at this object's paths and the subtree is not walked.
# Keyed, tried and bounded as _by_reads.


def _subtree(node: _Node):
    """(ident, cut) of ``node``'s subtree (see above; ``cut``: _raw_cutter's), or None."""
    try:
        got = _make_subtree(node)
    except (CompileError, RecursionError):
        return None
    return None if got is None else (got[0], _raw_cutter(got[1], node.schema))


def _make_subtree(node: _Node):
    """(ident, what the rules of the subtree read, a Reads) or None."""
    root = _reads.Reads()
    content = []
    stack = [(node, root, ())]
    seen = 0
    while stack:
        n, at, rel = stack.pop()
        seen += 1
        if n.addl is not None or seen > 10_000:
            return None
        if n.rules:
            entries = _entries(n.rules)
            texts = _texts(entries)
            if not all(type(program(t)) is Native for t in texts) or not _reads.analyse_into(at, texts):
                return None
            content.append((rel, [(text, r.get("messageExpression"), r.get("message"), r.get("fieldPath"))
                                  for r, text, _ in entries]))
        names = set()
        for k, kid in n.kids.items():
            name = escape(k) if type(k) is str else None
            if name is None or name in names:
                return None
            names.add(name)
            stack.append((kid, at.field(name), rel + (k,)))
        if n.items is not None:
            at.keyed = True
            stack.append((n.items, at.elem(), rel + (0,)))
    if len(content) < 2:
        return None
    ident = ("\x02", sha256(repr(content).encode("utf-8", "surrogatepass")).hexdigest())
    return ident, root


def _raw_cutter(r, schema):
    """``_reads.cutter(r)`` of a value's CEL conversion, taken from the value itself:
    ``cut(value, memo)`` gives what ``_reads.cutter(r)(to_cel(value, schema, memo))`` gives,
    without converting what is not read (most of a route's rules on a hit).  An object is
    cut field by field only when each of its keys is a property whose CEL name is the key
    itself (its conversion then has the same keys in the same order, each value converted
    under its property); a list whose length or elements are read, element by element;
    anything else is converted, then cut."""
    converted = _reads.cutter(r)
    if r.whole:
        if _plain(schema):  # a str, int, bool or null is its own conversion here
            return lambda v, memo: v if type(v) in _AS_IS else to_cel(v, schema, memo)
        return lambda v, memo: to_cel(v, schema, memo)
    props = schema.get("properties") if isinstance(schema, dict) else None
    props = props if isinstance(props, dict) else {}
    same = frozenset(k for k, s in props.items() if s is not None and type(k) is str and escape(k) == k)
    dict_whole = r.keyed or r.size or r.elems is not None
    fields = tuple((name, _raw_cutter(sub, props.get(name))) for name, sub in r.fields.items())
    elems = None if r.elems is None else _raw_cutter(r.elems, schema.get("items") if isinstance(schema, dict) else None)

    def cut(v, memo):
        t = type(v)
        if t is dict:
            if not dict_whole and v.keys() <= same:
                out = ["d"]
                for name, sub in fields:
                    if name in v:
                        out += (name, sub(v[name], memo))
                return tuple(out)
        elif t is list and not fields:
            if elems is None:
                return ("l", len(v))
            return ("l", *[elems(x, memo) for x in v])
        return converted(to_cel(v, schema, memo))
    return cut


def _texts(entries) -> list:
    """The CEL texts of a node's rules (``_entries``): each rule, then its message
    expression when it has one."""
    texts = []
    for r, text, _ in entries:
        texts.append(text)
        expr = r.get("messageExpression")
        if isinstance(expr, str) and expr.strip():
            texts.append(expr)
    return texts


def _tries(memo: dict, ident):
    """[keys made, hits] of the memo of ``ident`` in ``memo``; None once it has made TRIAL
    keys with fewer than one hit in HIT_RATIO (the node is walked from then on)."""
    tries = memo.get(_TRIES)
    if tries is None:
        tries = memo[_TRIES] = {}
    t = tries.get(ident)
    if t is None:
        t = tries[ident] = [0, 0]
    elif t[0] >= TRIAL and t[1] * HIT_RATIO < t[0]:
        return None
    return t


def _read_key(converted, reads, budget: list):
    """The memo key of ``converted`` cut down to ``reads`` (``_reads.key``), charged to
    ``budget``; hashed when long.  None, and the budget spent, when it cannot be printed
    (too deep, an int too long to print): the caller walks instead."""
    try:
        k = _reads.key(converted, reads)
    except (RecursionError, ValueError, MemoryError):
        budget[0] = 0
        return None
    budget[0] -= len(k)
    if len(k) > READ_KEY_HASHED:
        k = sha256(k.encode("utf-8", "surrogatepass")).digest()
    return k


def _by_subtree(val, node: _Node, p: tuple, sub, issues: list, where: str, verdicts, skip, conversions,
                budget: list) -> bool:
    """The issues of ``node``'s subtree on ``val`` from the verdicts kept by what its rules
    read (made, and kept, when not known); False when not kept (the caller walks it)."""
    ident, cut = sub
    memo = _VERDICTS if verdicts is None else verdicts
    t = _tries(memo, ident)
    if t is None:
        return False
    k = _read_key(val, lambda v: cut(v, conversions), budget)  # the key of its conversion, see _raw_cutter
    if k is None:
        return False
    t[0] += 1
    key = (ident, k)
    found = memo.get(key)
    if found is not None:
        if len(issues) + len(found) >= MAX_ISSUES:
            return False  # the walk stops at the limit: walked
        t[1] += 1
        for rel, text, message in found:
            _fail_at(issues, p + rel, text, message, where)
        return True
    scratch: list = []
    errors: list = []
    check(val, node.schema, p, scratch, errors, where, verdicts, skip, conversions, budget, False)
    if errors or len(issues) + len(scratch) >= MAX_ISSUES:
        return False  # walked again by the caller, as without this memo
    kept = []
    n = len(p)
    for i in scratch:
        message = _said(i, where)
        if message is None or i.path[:n] != p:
            return False
        kept.append((i.path[n:], i.rule, message))
    if len(memo) < MAX_VERDICTS:
        memo[key] = tuple(kept)
    issues.extend(scratch)
    return True


def _said(issue, where: str):
    """The CRD's words in a CEL issue's message (see _fail_at), or None."""
    head = f"{field_path(issue.path) or '<root>'}: rejected by a CEL validation rule: "
    tail = f" ({where})"
    m = issue.message
    if issue.code != CEL_ERROR or not m.startswith(head) or not m.endswith(tail) or len(m) < len(head) + len(tail):
        return None
    return m[len(head): len(m) - len(tail)]


def _walk(sch: dict) -> _Node:
    hit = _WALKS.get(id(sch))
    if hit is not None and hit[0] is sch:
        return hit[1]
    node = _Node(sch)
    if len(_WALKS) < 100_000:
        _WALKS[id(sch)] = (sch, node)
    return node


# ---- verdicts kept between runs ------------------------------------------------------------
# For rules on the celpy fallback only (a native evaluation costs less than a lookup): a
# pre-commit run lints one changed file, its rules' verdicts are mostly known from the last
# run, and a hit needs neither celpy nor a compiled rule.  JSON (never pickle) in the user's
# cache directory; keyed by the rule, its messages and the projected value.  The store's file
# name carries a hash of what decides a verdict (``hashed_paths``: the bytes of lint/crd/*.py,
# lint/crd/cel/*.py and the bundled data, and celpy's installed files), so changed code never
# reuses an older verdict.  A store that is not valid JSON, larger than MAX_DISK_BYTES or not
# owned by the user is ignored (set INFERGW_LINT_NO_CACHE=1 to bypass it altogether).
_MISSING = object()
_DISK_STATE: dict = {}
MAX_DISK = 50_000
MAX_DISK_BYTES = 16 * 1024 * 1024
CACHE_FORMAT = 2
_HERE = os.path.dirname(os.path.abspath(__file__))


def hashed_paths() -> list:
    """What decides a verdict: lint/crd's modules, this package's, and the bundled data."""
    crd = os.path.dirname(_HERE)
    paths = sorted(os.path.join(crd, n) for n in os.listdir(crd) if n.endswith(".py"))
    paths += sorted(os.path.join(_HERE, n) for n in os.listdir(_HERE) if n.endswith(".py"))
    data = os.path.join(crd, "data")
    try:
        paths += sorted(os.path.join(data, n) for n in os.listdir(data) if n.endswith(".json.gz"))
    except OSError:
        pass
    return paths


def code_hash(paths=None) -> str:
    """A hash of the bytes of the code and data that decide a verdict (memoised: ~100 KB
    read once per process, and only when the store is used)."""
    if paths is None:
        if "code" in _DISK_STATE:
            return _DISK_STATE["code"]
        paths = hashed_paths()
        memo = True
    else:
        memo = False
    import hashlib

    h = hashlib.sha256(f"format {CACHE_FORMAT}\n".encode())
    for p in paths:
        name = os.path.relpath(p, os.path.dirname(os.path.dirname(_HERE))) if memo else os.path.basename(p)
        h.update(name.encode("utf-8", "surrogateescape") + b"\0")
        try:
            with open(p, "rb") as fh:
                h.update(fh.read())
        except OSError:
            h.update(b"<unreadable>")
        h.update(b"\0")
    if memo:
        h.update(_celpy_stamp().encode())
    digest = h.hexdigest()[:16]
    if memo:
        _DISK_STATE["code"] = digest
    return digest


def _celpy_stamp() -> str:
    """Which celpy is installed (its files' sizes and times: it is not our code), without
    importing it."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("celpy")
        base = os.path.dirname(spec.origin) if spec is not None and spec.origin else None
        if base is None:
            return "no celpy"
        out = []
        for n in sorted(os.listdir(base)):
            if n.endswith((".py", ".lark")):
                st = os.stat(os.path.join(base, n))
                out.append(f"{n}:{st.st_size}:{st.st_mtime_ns}")
        return ";".join(out)
    except (OSError, ImportError, ValueError):
        return "celpy ?"


def _disk_path() -> str | None:
    if "path" not in _DISK_STATE:  # fixed for the process: saved where it was loaded from
        cache = _cache_dir()
        _DISK_STATE["path"] = None if cache is None else os.path.join(cache, f"cel-verdicts-{code_hash()}.json")
    return _DISK_STATE["path"]


def _read_store(path: str) -> dict:
    """The stored verdicts, or {} when the file is missing, not ours, too large or damaged."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return {}
    try:
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if hasattr(os, "getuid") and st.st_uid != os.getuid():
                return {}
            if st.st_size > MAX_DISK_BYTES:
                return {}
            raw = fh.read(MAX_DISK_BYTES + 1)
        if len(raw) > MAX_DISK_BYTES:
            return {}
        loaded = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {k: v for k, v in loaded.items() if isinstance(k, str) and (v is None or isinstance(v, str))}


def _disk() -> dict:
    if os.environ.get("INFERGW_LINT_NO_CACHE"):
        return {}
    if "data" not in _DISK_STATE:
        path = _disk_path()
        _DISK_STATE["data"] = {} if path is None else _read_store(path)
        _DISK_STATE["new"] = 0
    return _DISK_STATE["data"]


def _disk_key(key) -> str | None:
    import hashlib

    try:
        raw = json.dumps(key, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def _remember(disk: str, message) -> None:
    data = _disk()
    if os.environ.get("INFERGW_LINT_NO_CACHE"):
        return
    data[disk] = message
    if not _DISK_STATE.get("new"):
        import atexit

        atexit.register(save_cache)
    _DISK_STATE["new"] = _DISK_STATE.get("new", 0) + 1


def save_cache() -> None:
    """Write the verdicts learnt in this run (atomically; the newest MAX_DISK are kept)."""
    if not _DISK_STATE.get("new"):
        return
    path = _disk_path()
    if path is None:
        return
    data = _DISK_STATE["data"]
    if len(data) > MAX_DISK:
        data = dict(list(data.items())[-MAX_DISK:])
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, separators=(",", ":"))
        os.replace(tmp, path)
        _DISK_STATE["new"] = 0
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


# verdicts by (rule, messageExpression, message, value): a rule is a pure function of `self`,
# and real trees repeat the same nodes (path matches, filters, listeners) many times
_VERDICTS: dict = {}
MAX_VERDICTS = 200_000


_NAMES: dict = {}
_IDENT_TOKEN = r"[A-Za-z_][A-Za-z0-9_]*"
# a comparison with a bare variable on one side (`a == b`, `self != x`) may compare whole
# objects; string()/type()/dyn() may expose every field: no projection for such rules
_WHOLE = (
    r"(?:^|[^\w.)\]'\"])[A-Za-z_]\w*\s*[!=]=|[!=]=\s*[A-Za-z_]\w*\s*(?:$|[^\w.(\[])|\b(?:string|type|dyn)\s*\("
)


def _names(r: dict) -> frozenset | None:
    """The identifiers a rule (and its messageExpression) can read, or None when it may
    observe whole objects."""
    text = r.get("rule", "")
    expr = r.get("messageExpression") if isinstance(r.get("messageExpression"), str) else ""
    cache_key = (text, expr)
    if cache_key not in _NAMES:
        both = text + "\n" + expr
        _NAMES[cache_key] = None if re.search(_WHOLE, both) else frozenset(re.findall(_IDENT_TOKEN, both))
    return _NAMES[cache_key]


def _project(val, sch, names):
    """``val`` with the properties of objects that the rule cannot name removed (their
    values cannot change its verdict); maps (additionalProperties) are kept whole."""
    if isinstance(val, dict):
        props = (sch.get("properties") or {}) if isinstance(sch, dict) else {}
        addl = sch.get("additionalProperties") if isinstance(sch, dict) else None
        out = {}
        for k, v in val.items():
            s = props.get(k)
            if s is not None:
                if escape(str(k)) in names:
                    out[k] = _project(v, s, names)
            else:
                out[k] = _project(v, addl, names) if isinstance(addl, dict) else v
        return out
    if isinstance(val, list):
        items = sch.get("items") if isinstance(sch, dict) else None
        return [_project(v, items, names) for v in val]
    return val


_LITERAL = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
_CALL = r"([A-Za-z_]\w*)\s*\("
_OPAQUE_CALLS = frozenset({"has", "all", "exists", "exists_one", "filter", "map"})
_OPAQUE: dict = {}


def _opaque(r: dict):
    """For a rule that uses strings only through equality with each other and with its own
    literals (no string functions, no ordering, no concatenation): the set of those literals.
    Its verdict depends only on which strings are equal, so two values with the same pattern
    of equal strings share a verdict (routes that differ only in names).  None otherwise,
    also for a rule that indexes (``[``) or tests membership (``in``): a string of the data
    may then be compared with a map's keys, which ``_canonical`` leaves as written, so
    ``self.k in self.m`` with k "a" and with k "b" would share a verdict."""
    text = r.get("rule", "")
    if text not in _OPAQUE:
        bare = re.sub(_LITERAL, "''", text)
        calls = set(re.findall(_CALL, bare))
        if (r.get("messageExpression") or calls - _OPAQUE_CALLS or re.search(r"[<>+\[]", bare)
                or re.search(r"\bin\b", bare)):
            _OPAQUE[text] = None
        else:
            _OPAQUE[text] = frozenset(m[1:-1] for m in re.findall(_LITERAL, text))
    return _OPAQUE[text]


def _canonical(val, literals, seen: dict):
    if isinstance(val, str):
        if val in literals:
            return val
        return seen.setdefault(val, f"\x00{len(seen)}")
    if isinstance(val, dict):
        return {k: _canonical(v, literals, seen) for k, v in val.items()}
    if isinstance(val, list):
        return [_canonical(v, literals, seen) for v in val]
    return val


def _exact(val) -> str | None:
    try:
        return json.dumps(val, sort_keys=True, separators=(",", ":"), default=str)
    except (TypeError, ValueError, RecursionError):
        return None


def _key(val, sch, r) -> str | None:
    names = _names(r)
    try:
        if names is not None:
            val = _project(val, sch, names)
            literals = _opaque(r)
            if literals is not None:
                val = _canonical(val, literals, {})
        return json.dumps(val, sort_keys=True, separators=(",", ":"), default=str)
    except (TypeError, ValueError, RecursionError):
        return None


_ENTRIES: dict = {}  # id(rules list) -> (the list, its (rule, text, verdict key) without transition rules)


def _entries(rules) -> list:
    hit = _ENTRIES.get(id(rules))
    if hit is not None and hit[0] is rules:
        return hit[1]
    out = [(r, r["rule"], (r["rule"], r.get("messageExpression"), r.get("message"))) for r in rules
           if isinstance(r, dict) and isinstance(r.get("rule"), str) and not is_transition(r["rule"])]
    if len(_ENTRIES) < 100_000:
        _ENTRIES[id(rules)] = (rules, out)  # keeps the list alive: its id is not reused
    return out


# A node with many rules and a flat value (a path match: {type, value}) recurs with the
# same few values in every route: its verdicts are kept by value.  The key is exact --
# each key, the type of each value and the value, in order -- and only for values of
# str, int, bool and null (1 == True == 1.0 in Python; CEL tells them apart).  Building
# the key costs more than a native evaluation, so only nodes with FLAT_MIN_RULES rules.
FLAT_MIN_RULES = 4
FLAT_MAX_KEYS = 8
_FLAT_TYPES = frozenset((str, int, bool, type(None)))


def _flat(converted):
    """(key, type, value) of each entry of a flat CEL object, or False."""
    if type(converted) is not dict or len(converted) > FLAT_MAX_KEYS:
        return False
    out = []
    for k, v in converted.items():
        t = type(v)
        if t not in _FLAT_TYPES:
            return False
        out.append((k, t, v))
    return tuple(out)


# A node whose value is not flat (a route's rule: matches, filters, backends) recurs in
# every copy of a stack with other names in it: its rules' verdicts are kept together, by
# the part of the value they can read (reads.py), when all of them are compiled natively.
# The key costs a walk of what is read, less than evaluating the rules; a node whose keys
# rarely recur (TRIAL keys, fewer than one in HIT_RATIO found) is no longer keyed, and the
# keys of one object stop at READ_KEY_BUDGET characters, so the keys cost at most a bounded
# multiple of the evaluations they replace.
READ_KEY_BUDGET = 200_000
READ_KEY_HASHED = 512  # a longer key is kept as its SHA-256 digest
_TRIES = ("tries of the verdict keys by reads",)  # in a verdict memo: node ident -> [keyed, found]
_NODE_READS: dict = {}  # id(rules list) -> (the list, (ident, Reads) or None)


def _node_reads(rules, entries):
    """(ident, Reads) of the rules of one node, or None when a rule or a message expression
    is not compiled natively or cannot be analysed."""
    hit = _NODE_READS.get(id(rules))
    if hit is not None and hit[0] is rules:
        return hit[1]
    texts = _texts(entries)
    got = None
    try:
        native = all(type(program(t)) is Native for t in texts)
    except CompileError:
        native = False
    if native and texts:
        found = _reads.reads(texts)
        if found is not None:
            got = (("\x01", tuple(rkey for _, _, rkey in entries)), found)
    if len(_NODE_READS) < 100_000:
        _NODE_READS[id(rules)] = (rules, got)  # keeps the list alive: its id is not reused
    return got


def _by_reads(val, sch, p, entries, node, issues, where, memo, conversions, budget, converted=None):
    """The verdicts of a node's rules kept by what they read (see ``_node_reads``); False
    when not kept (the caller evaluates them), else True (issues appended)."""
    ident, found = node
    t = _tries(memo, ident)
    if t is None:
        return False
    if converted is None:
        converted = to_cel(val, sch, conversions)
    k = _read_key(converted, found, budget)
    if k is None:
        return False
    t[0] += 1
    key = (ident, k)
    messages = memo.get(key)
    if messages is None:
        messages = tuple(_evaluate(program(text), r, text, converted) for r, text, _ in entries)
        if not any(m is not None for m in messages):
            messages = ()  # every rule holds
        if len(memo) < MAX_VERDICTS:
            memo[key] = messages
    else:
        t[1] += 1
    for (r, text, _), message in zip(entries, messages):
        if message is not None:
            _fail(issues, p, r, text, message, where)
    return True


def _run(val, sch, p, rules, issues, compile_errors, where, verdicts: dict | None = None,
         conversions: dict | None = None, budget: list | None = None) -> None:
    """Verdicts of the rules of one schema node on one value.  A natively compiled rule is
    evaluated right away (~2 us: cheaper than any lookup).  A rule on the celpy fallback
    (milliseconds each) is kept by value: the same listener, match or filter recurs in every
    copy of a stack (tenants, overlays); looked up by the exact value, then by the value
    projected on what the rule can read, then in the verdicts stored by earlier runs.
    ``conversions``: ``to_cel``'s memo, shared by the nodes of one ``check``; ``budget``:
    the characters of keys by reads still allowed for this object (see ``_by_reads``)."""
    converted = None
    full = None  # the node's exact key, shared by its rules (fallback only)
    entries = _entries(rules)
    flat = None if len(entries) >= FLAT_MIN_RULES else False  # the node's flat key (see _flat)
    if budget is not None and budget[0] > 0 and entries:
        node = _node_reads(rules, entries)
        if node is not None:
            if flat is None:
                converted = to_cel(val, sch, conversions)
                flat = _flat(converted)
            memo = _VERDICTS if verdicts is None else verdicts
            if not flat and _by_reads(val, sch, p, entries, node, issues, where, memo, conversions, budget, converted):
                return
    for r, text, rkey in entries:
        try:
            prog = program(text)
        except CompileError as exc:
            compile_errors.append((p, text, str(exc)))
            continue
        if type(prog) is Native:
            if converted is None:
                converted = to_cel(val, sch, conversions)
            if flat is None:
                flat = _flat(converted)
            if flat:
                memo = _VERDICTS if verdicts is None else verdicts
                key = (rkey, flat)
                message = memo.get(key, _MISSING)
                if message is _MISSING:
                    message = _evaluate(prog, r, text, converted)
                    if len(memo) < MAX_VERDICTS:
                        memo[key] = message
            else:
                message = _evaluate(prog, r, text, converted)
        else:
            memo = _VERDICTS if verdicts is None else verdicts
            if full is None:
                full = _exact(val)
            exact = (rkey, full) if full is not None else None
            if exact is not None and exact in memo:
                message = memo[exact]
            else:
                vkey = _key(val, sch, r)
                key = (rkey, "~" + vkey) if vkey is not None else None
                if key is not None and key in memo:
                    message = memo[key]
                else:
                    disk = _disk_key(key) if key is not None else None
                    cached = _disk().get(disk, _MISSING) if disk is not None else _MISSING
                    if cached is not _MISSING:
                        message = cached
                    else:
                        try:
                            prog.load()
                        except CompileError as exc:
                            compile_errors.append((p, text, str(exc)))
                            continue
                        if converted is None:
                            converted = to_cel(val, sch, conversions)
                        message = _evaluate(prog, r, text, converted)
                        if disk is not None:
                            _remember(disk, message)
                    if key is not None and len(memo) < MAX_VERDICTS:
                        memo[key] = message
                if exact is not None and len(memo) < MAX_VERDICTS:
                    memo[exact] = message
        if message is None:
            continue
        _fail(issues, p, r, text, message, where)


def _fail(issues: list, p: tuple, r: dict, text: str, message: str, where: str) -> None:
    _fail_at(issues, p + _field_path(r.get("fieldPath")), text, message, where)


def _fail_at(issues: list, target: tuple, text: str, message: str, where: str) -> None:
    issues.append(Issue(  # a short first line saying what is wrong at the field, then the CRD's words
        CEL_ERROR, target,
        f"{field_path(target) or '<root>'}: rejected by a CEL validation rule: {message} ({where})",
        key=isinstance(target[-1], str) if target else False, rule=text,
    ))


def _evaluate(prog, r: dict, text: str, converted) -> str | None:
    """None when the rule holds, else the API server's message."""
    try:
        result = prog.run(converted)
    except NoSuchKey as exc:
        return f"no such key: {exc.key} evaluating rule: {_message(r, text, converted)}"
    except CelError:
        return None  # an overload the value lacks, a bad pattern, ...: not the verdict we give
    except RecursionError:
        return None
    except Exception as exc:  # only from the celpy fallback
        m = _NO_SUCH_KEY.search(str(exc)) or _NO_SUCH_KEY.search(repr(exc))
        if m is None:
            return None  # a limit of that engine (an overload celpy lacks), not a verdict
        from . import fallback

        if fallback.raising_macro(text):
            # celpy raises an error from inside exists_one/map/filter before an enclosing
            # `||`, `&&` or `?:` can absorb it: not the API server's verdict
            return None
        return f"no such key: {m.group(1)} evaluating rule: {_message(r, text, converted)}"
    if result is True:
        return None
    if result is False:
        return _message(r, text, converted)
    if type(result).__name__ == "BoolType":  # celpy's
        return None if bool(result) else _message(r, text, converted)
    return None  # not a bool: the API server rejects such a rule when the CRD is created


def _message(r: dict, text: str, converted) -> str:
    expr = r.get("messageExpression")
    if isinstance(expr, str) and expr.strip():
        try:
            got = program(expr).run(converted)
            if isinstance(got, str) and got.strip() and "\n" not in got:
                return str(got)
        except Exception:  # CompileError, CelError, RecursionError, celpy's errors
            pass
    msg = r.get("message")
    if isinstance(msg, str) and msg.strip():
        return msg.strip()
    return f"failed rule: {text}"


_FIELD_SEG = (r"\.([A-Za-z_$][A-Za-z0-9_$-]*)|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*(\d+)\s*\]")


def _field_path(fp) -> tuple:
    """A rule's ``fieldPath`` (``.spec.x``, ``['a.b']``, ``[0]``) as path segments."""
    if not isinstance(fp, str) or not fp:
        return ()
    out, pos = [], 0
    while pos < len(fp):
        m = re.compile(_FIELD_SEG).match(fp, pos)
        if m is None:
            return tuple(out)
        if m.group(1) is not None:
            out.append(m.group(1))
        elif m.group(2) is not None:
            out.append(m.group(2).replace("\\'", "'"))
        else:
            out.append(int(m.group(3)))
        pos = m.end()
    return tuple(out)


