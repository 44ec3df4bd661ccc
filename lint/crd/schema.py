"""Structural OpenAPI v3 validation of a custom resource, as the API server does it.

Three steps, in the API server's order:

1. ``prepare``: prune fields the schema does not know (reported: the API server drops them
   silently), drop ``null`` values of non-nullable fields, and apply schema defaults
   (recursively, also inside a defaulted value) -- on a copy; the document is never changed;
2. ``validate``: type, enum, pattern, format, length/item/property bounds, required,
   ``x-kubernetes-int-or-string``, list-type ``set``/``map`` uniqueness, allOf/anyOf/oneOf/not
   (with a run's clean subtrees, step 1 makes these checks on its way, and ``validate`` walks
   the object again only when they find a violation: for the issues in its order);
3. CEL rules (lint/crd/cel.py) run on the prepared value unless step 2 found an error that
   blocks them (type, required, enum, too long, too many), as in the API server.

Issues carry the path of the field in the document (list indexes are unchanged by
pruning, so the path locates the field as written; a defaulted field resolves to its
nearest written parent).
"""

from __future__ import annotations

import copy
import itertools
import marshal
from collections import namedtuple

import re

from infergw_lint.quickschema import json_type as _type_name  # the API server names types as JSON Schema does
from infergw_lint.rule import field_path

SCHEMA_ERROR = "IGW501"
CEL_ERROR = "IGW502"
PRUNED = "IGW503"

MAX_ISSUES = 200  # per document: a generated file can be wrong everywhere


# key: point at the key rather than the value; blocking: stops CEL evaluation (API server:
# hasBlockingErr); rule: the CEL rule that failed (IGW502)
class Issue(namedtuple("Issue", "code path message key blocking rule", defaults=(False, False, None))):
    __slots__ = ()


_PATTERNS: dict[str, object] = {}


def _pattern(p: str):
    rx = _PATTERNS.get(p)
    if rx is None:
        try:  # the RE2 engine the API server uses (a dependency of cel-python); re otherwise
            import re2

            rx = re2.compile(p)
        except Exception:
            try:
                rx = re.compile(p)
            except re.error:
                rx = False
        _PATTERNS[p] = rx
    return rx


def _is_type(value, t: str) -> bool:
    if t == "object":
        return isinstance(value, dict)
    if t == "array":
        return isinstance(value, list)
    if t == "string":
        return isinstance(value, str)
    if t == "boolean":
        return isinstance(value, bool)
    if t == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and value.is_integer())
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return True


def _show(value) -> str:
    if isinstance(value, str):
        s = value if len(value) <= 60 else value[:57] + "..."
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if value is None:
        return "null"
    return f'"{_type_name(value)}"'


# ---- step 1: prune, drop nulls, default ------------------------------------------------

ROOT_KEEP = ("apiVersion", "kind", "metadata")


# valid: ``validate`` would find nothing (its checks were made while preparing, see _prep);
# False: not known, ``validate`` is to be run
class Prepared(namedtuple("Prepared", "value issues valid", defaults=(False,))):
    __slots__ = ()


# ---- clean subtrees, kept for a run ------------------------------------------------------
# Copies of a stack (tenants, overlays, environments) repeat whole subtrees exactly: a
# route's matches and filters, a Gateway's listeners.  What the three steps find under a
# schema node depends only on that node and the value under it (a CEL rule sees only the
# node it is attached to; transition rules are skipped), so a subtree that produced no
# issue at all once produces none again: its prepared value (and, when made, its CEL
# conversion) is reused and ``validate`` and ``cel.check`` skip it.  The key is the
# value's ``marshal`` bytes in format 1: exact in key order and types (each value is
# written with its exact type: 1, 1.0, True and "1" differ; so do the keys 1 and "1"; a
# string is written alike whether interned or not, a float as its repr), as exact as the
# value's ``repr`` at about a third of its cost.  A value marshal refuses (a str subclass,
# nesting deeper than it writes) is not keyed; a value holding a NaN (compared by
# identity) is never kept.

MAX_KEY = 20_000  # bytes of one key
# keys are made for nodes at most KEY_DEPTH levels down (a path match is 6 levels down in a
# route), so a character of an object is in at most that many keys; and at most KEY_BUDGET
# bytes of keys per object: the keys cost a bounded multiple of the object on any input
KEY_DEPTH = 6
KEY_BUDGET = 200_000
MAX_CLEAN = 50_000  # subtrees kept per run
MAX_CLEAN_CHARS = 4_000_000  # bytes of their keys (memory: about ten bytes each)
# a schema node whose values rarely recur (a route's rules, which name its backends) is no
# longer keyed once TRIAL values have found fewer than one in HIT_RATIO clean before
TRIAL = 64
HIT_RATIO = 8
_NAN = b"f\x03nan"  # how marshal's format 1 writes a NaN (the bytes in a string only cost a miss)


class Clean:
    """The clean subtrees of one run: (id(schema node), key) -> (node, prepared value,
    CEL conversion or None); and per schema node, [values keyed, values found clean]."""

    def __init__(self):
        self.known: dict = {}
        self.chars = 0
        self.tries: dict = {}  # id(schema node) -> [schema node, keyed, found]
        self.serial = next(_SERIALS)  # _Plan.unkeyed: the nodes no longer keyed in this run


_SERIALS = itertools.count(1)


class Reuse:
    """One object's use of ``Clean``: the subtrees reused (``skip``: id(prepared value) ->
    schema node, for ``validate`` and ``cel.check``; ``conversions``: ``cel.to_cel``'s memo,
    seeded with their conversions) and the ones met for the first time (``met``); and the
    schema violations ``prepare`` found on its way (``errors``, see ``_prep``)."""

    __slots__ = ("clean", "budget", "met", "skip", "conversions", "tainted", "errors")

    def __init__(self, clean: Clean):
        self.clean = clean
        self.budget = KEY_BUDGET
        self.met: list = []  # (path, schema node, key, prepared value)
        self.skip: dict = {}
        self.conversions: dict = {}
        self.tainted = False  # a default brought a NaN in: nothing of this object is kept
        self.errors: list = []

    def find(self, value, schema: dict, plan: _Plan | None = None):
        """The key of ``value`` under ``schema`` (None: not keyed) and its clean prepared
        value when known (else None).  ``plan``: the schema node's, marked when the node is
        no longer keyed in this run (_prep then does not ask)."""
        tries = self.clean.tries
        t = tries.get(id(schema))
        if t is None or t[0] is not schema:
            t = tries[id(schema)] = [schema, 0, 0]
        elif t[1] >= TRIAL and t[2] * HIT_RATIO < t[1]:
            if plan is not None:
                plan.unkeyed = self.clean.serial  # for good: a node not keyed finds nothing more
            return None, None
        if self.budget <= 0:
            return None, None
        try:
            k = marshal.dumps(value, 1)
        except (ValueError, MemoryError, RecursionError):  # ValueError: a type it does not write, too deep
            self.budget = 0
            return None, None
        self.budget -= len(k)
        if len(k) > MAX_KEY or _NAN in k:
            return None, None
        t[1] += 1
        hit = self.clean.known.get((id(schema), k))
        if hit is None or hit[0] is not schema:
            return k, None
        t[2] += 1
        sch, value, converted = hit
        self.skip[id(value)] = sch
        if converted is not None:
            self.conversions[(id(value), id(sch))] = converted
        return k, value

    def keep(self, issue_paths) -> None:
        """The object is checked and ``issue_paths`` are where its issues (and rules that
        do not compile) are: every subtree met with none at or under it is clean."""
        met, self.met = self.met, []
        if self.tainted or not met:
            return
        dirty = set()
        for p in issue_paths:
            for i in range(len(p) + 1):
                dirty.add(p[:i])
        clean = self.clean
        known = clean.known
        conversions = self.conversions
        for path, sch, key, value in met:
            if path in dirty or len(known) >= MAX_CLEAN or clean.chars + len(key) > MAX_CLEAN_CHARS:
                continue
            known[(id(sch), key)] = (sch, value, conversions.get((id(value), id(sch))))
            clean.chars += len(key)


_IMMUTABLE = frozenset((str, int, bool, float, type(None)))


def _default(s: dict, reuse: Reuse | None):
    """A copy of the default of schema node ``s``."""
    value = s["default"]
    if type(value) not in _IMMUTABLE:
        value = copy.deepcopy(value)
    if reuse is not None and not reuse.tainted and not isinstance(value, (str, bool, int, type(None))):
        try:
            shown = repr(value)
        except (RecursionError, ValueError, MemoryError):
            shown = "nan"
        if "nan" in shown:
            reuse.tainted = True
    return value


def prepare(obj: dict, schema: dict, status_subresource: bool = True, reuse: Reuse | None = None) -> Prepared:
    """The object as the API server stores it (pruned, defaulted), and the pruned fields
    (``reuse``: the run's clean subtrees, see ``Reuse``)."""
    issues: list[Issue] = []
    out: dict = {}
    plan = _plan(schema)
    props = plan.props
    for k, v in obj.items():
        if k == "metadata":
            out[k] = v  # ObjectMeta: validated by the API server itself, never pruned here
        elif k == "status" and status_subresource:
            continue  # reset on create when status is a subresource
        elif k in props:
            s = props[k]
            if v is None and not s.get("nullable"):
                if "default" not in s:
                    continue
                v = _default(s, reuse)
            out[k] = _prep(v, _plan(s), (k,), issues, reuse) if isinstance(v, (dict, list)) else v
        elif k in ROOT_KEEP:
            out[k] = v
        elif schema.get("x-kubernetes-preserve-unknown-fields"):
            out[k] = v
        else:
            issues.append(_pruned((k,)))
    for k in plan.defaults:
        if k not in obj and k not in ("metadata", "status"):
            v = _default(props[k], reuse)
            out[k] = _prep(v, _plan(props[k]), (k,), issues, reuse) if isinstance(v, (dict, list)) else v
    if reuse is None:
        return Prepared(out, issues)
    # validate's checks of the top level, as _prep makes them for the objects under it: its
    # own, then those of its fields that _prep did not check (a string or a number, a field
    # kept as it is that additionalProperties describes; metadata is not checked)
    errors = reuse.errors
    if not errors and (not plan.object_node or _check_node(out, plan, (), errors)):
        if plan.object_counts:
            _object_counts(out, plan, (), errors)
        kids = plan.kids
        for k, v in out.items():
            if errors:
                break
            if k == "metadata" or k in props and isinstance(v, (dict, list)):
                continue  # validate skips metadata; _prep checked the others
            sub = kids.get(k) or plan.kid(k)
            if sub is not None:
                t = type(v)
                if not (t in sub.quiet or (sub.str_passed and t is str and v in sub.passed)):  # see _Plan.quiet
                    _check(v, sub, (k,), errors, reuse.skip)
        if plan.combinators and not errors:
            _check_combinators(out, plan, (), errors, reuse.skip)
    return Prepared(out, issues, not errors)


def _pruned(path: tuple) -> Issue:
    parent = field_path(path[:-1]) or "the top level"
    return Issue(
        PRUNED, path,
        f"unknown field {str(path[-1])!r} in {parent}: "
        "the API server prunes it (silently dropped; kubectl apply --validate=strict refuses it)",
        key=True,
    )


def _prep(value, plan: _Plan, path: tuple, issues: list, reuse: Reuse | None = None):
    # With ``reuse``, the checks of ``validate`` are made on the way, on the prepared values
    # (the same checks under the same schema nodes, the clean subtrees skipped alike), into
    # ``reuse.errors``: when it stays empty, validate would find nothing and is not run (a
    # second walk of every object); else validate is run for the issues in its order (and
    # the checks stop at the first violation).
    errors = reuse.errors if reuse is not None and not reuse.errors else None
    if isinstance(value, dict):
        if plan.prep_whole:  # a type error, or every field preserved
            if errors is not None:
                _check(value, plan, path, errors, reuse.skip)
            return value
        key = None
        if reuse is not None and len(path) <= KEY_DEPTH and plan.unkeyed != reuse.clean.serial:
            key, hit = reuse.find(value, plan.schema, plan)
            if hit is not None:
                return hit
        props = plan.props
        kids = plan.kids
        out: dict = {}
        for k, v in value.items():
            sub = kids.get(k)
            if sub is None:
                sub = plan.kid(k)
            if sub is not None:
                if v is None and not sub.nullable:
                    if not (sub.has_default and k in props):
                        continue
                    v = _default(sub.schema, reuse)
                if isinstance(v, (dict, list)):
                    out[k] = _prep(v, sub, path + (k,), issues, reuse)
                    continue
                out[k] = v
                if errors is not None and not errors:
                    t = type(v)
                    if not (t in sub.quiet or (sub.str_passed and t is str and v in sub.passed)):  # see _Plan.quiet
                        _check(v, sub, path + (k,), errors, reuse.skip)
            elif plan.keep_unknown or plan.embedded and k in ROOT_KEEP:
                out[k] = v
            elif len(issues) < MAX_ISSUES:
                issues.append(_pruned(path + (k,)))
        for k in plan.defaults:
            if k not in value:
                sub = kids.get(k) or plan.kid(k)
                v = sub.fixed_default
                if v is _ABSENT:
                    v = _default(sub.schema, reuse)
                    if isinstance(v, (dict, list)):
                        out[k] = _prep(v, sub, path + (k,), issues, reuse)
                        continue
                out[k] = v
                if errors is not None and not errors and not (sub.default_ok or sub.default_passes()):
                    _check(v, sub, path + (k,), errors, reuse.skip)
        if errors is not None and not errors and (not plan.object_node or _check_node(out, plan, path, errors)):
            if plan.object_counts:
                _object_counts(out, plan, path, errors)
            if plan.combinators:
                _check_combinators(out, plan, path, errors, reuse.skip)
        if key is not None:
            reuse.met.append((path, plan.schema, key, out))
        return out
    if isinstance(value, list):
        if plan.items is None or plan.type not in (None, "array"):
            if errors is not None:
                _check(value, plan, path, errors, reuse.skip)
            return value
        key = None
        if reuse is not None and len(path) <= KEY_DEPTH and plan.unkeyed != reuse.clean.serial:
            key, hit = reuse.find(value, plan.schema, plan)
            if hit is not None:
                return hit
        items = plan.item()
        out = [_prep(v, items, path + (i,), issues, reuse) if isinstance(v, (dict, list)) else v for i, v in enumerate(value)]
        if errors is not None and not errors:
            quiet, str_passed, passed = items.quiet, items.str_passed, items.passed
            for i, v in enumerate(out):
                t = type(v)
                if t in quiet or (str_passed and t is str and v in passed) or isinstance(v, (dict, list)):
                    continue  # passes (see _Plan.quiet), or a list or an object: _prep checked it
                _check(v, items, path + (i,), errors, reuse.skip)
                if errors:
                    break
            if not errors and (not plan.list_node or _check_node(out, plan, path, errors)):
                if plan.list_counts:
                    _array_counts(out, plan, path, errors)
                if plan.list_unique:
                    _array_unique(out, plan, path, errors)
                if plan.combinators:
                    _check_combinators(out, plan, path, errors, reuse.skip)
        if key is not None:
            reuse.met.append((path, plan.schema, key, out))
        return out
    return value


# ---- which schema nodes carry CEL rules ----------------------------------------------

_RULES_BELOW: dict = {}  # id(schema node) -> (node, has rules in its subtree)


def has_rules(sch: dict) -> bool:
    """Does ``sch`` or any node under it that CEL checking walks (properties, items,
    additionalProperties) carry CEL rules?  (lint/crd/cel.py skips subtrees without; a
    kind's schema without any is not handed to it at all)"""
    hit = _RULES_BELOW.get(id(sch))
    if hit is not None and hit[0] is sch:
        return hit[1]
    found = False
    stack = [sch]
    while stack and not found:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if node.get("x-kubernetes-validations"):
            found = True
            break
        props = node.get("properties")
        if isinstance(props, dict):
            stack.extend(props.values())
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                stack.append(node[key])
    if len(_RULES_BELOW) < 100_000:
        _RULES_BELOW[id(sch)] = (sch, found)  # keeps the node alive: its id is not reused
    return found


# ---- step 2: validate ------------------------------------------------------------------
# Each schema node is read once into a ``_Plan`` (its keywords as attributes, the plans of
# its properties kept as they are met), so that a node of a document costs the checks its
# schema node has and no dictionary look-ups for those it has not.

_ABSENT = object()  # a keyword the schema node does not have
_PLANS: dict = {}  # id(schema node) -> (the node, its plan): the node is kept, its id not reused
MAX_PLANS = 100_000

_TYPE_CHECKS = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


class _Plan:
    """What ``validate`` checks at one schema node (``_is_type`` and the keywords, read once)."""

    __slots__ = (
        "schema", "nullable", "int_or_string", "type", "is_type", "enum", "max_len", "min_len", "pattern",
        "search", "fmt", "strings", "passed", "maximum", "minimum", "multiple", "numbers", "max_items", "min_items",
        "items", "list_type", "max_props", "min_props", "required", "props", "addl", "kids", "addl_plan",
        "combinators", "has_default", "defaults", "prep_whole", "keep_unknown", "embedded", "quiet", "str_passed",
        "items_plan", "object_node", "object_counts", "list_node", "list_counts", "list_unique", "default_ok",
        "unkeyed", "fixed_default",
    )

    def __init__(self, schema: dict):
        get = schema.get
        self.schema = schema
        self.nullable = get("nullable")
        self.int_or_string = get("x-kubernetes-int-or-string")
        t = get("type")
        self.type = t
        # _is_type: a type name it does not know accepts anything
        self.is_type = _TYPE_CHECKS.get(t) if t and isinstance(t, str) else None
        self.enum = get("enum")
        self.max_len = schema["maxLength"] if "maxLength" in schema else _ABSENT
        self.min_len = schema["minLength"] if "minLength" in schema else _ABSENT
        self.pattern = get("pattern")
        self.search = None  # the pattern's matcher, made on the first string
        fmt = get("format")
        self.fmt = fmt if fmt in ("ipv4", "ipv6") else None
        self.strings = (
            self.max_len is not _ABSENT or self.min_len is not _ABSENT or self.pattern is not None or self.fmt is not None
        )
        self.passed: set = set()  # strings that passed the checks above (names recur in every route)
        self.maximum = schema["maximum"] if "maximum" in schema else _ABSENT
        self.minimum = schema["minimum"] if "minimum" in schema else _ABSENT
        self.multiple = get("multipleOf")
        self.numbers = self.maximum is not _ABSENT or self.minimum is not _ABSENT or bool(self.multiple)
        self.max_items = schema["maxItems"] if "maxItems" in schema else _ABSENT
        self.min_items = schema["minItems"] if "minItems" in schema else _ABSENT
        items = get("items")
        self.items = items if isinstance(items, dict) else None
        self.items_plan = None  # the plan of items, made on the first list
        self.default_ok = None  # see default_passes
        # a default of str, int, bool or null: used as it is (_default copies the others
        # and looks for a NaN in them)
        default = get("default", _ABSENT)
        self.fixed_default = default if type(default) in (str, int, bool, type(None)) else _ABSENT
        self.unkeyed = 0  # Clean.serial of the run that no longer keys this node's values
        self.list_type = get("x-kubernetes-list-type")
        self.max_props = schema["maxProperties"] if "maxProperties" in schema else _ABSENT
        self.min_props = schema["minProperties"] if "minProperties" in schema else _ABSENT
        self.required = get("required") or ()
        self.props = get("properties") or {}
        addl = get("additionalProperties")
        self.addl = addl if isinstance(addl, dict) else None
        self.kids: dict = {}  # property name -> plan, filled as properties are met
        self.addl_plan = None
        self.combinators = tuple((key, schema[key]) for key in ("allOf", "anyOf", "oneOf", "not") if key in schema)
        # for prepare: the properties with a default; an object taken as it is (a type
        # error, or no properties and every field preserved); unknown fields kept
        self.has_default = "default" in schema
        self.defaults = tuple(k for k, sub in self.props.items() if "default" in sub)
        preserve = get("x-kubernetes-preserve-unknown-fields")
        self.prep_whole = bool(
            (t not in (None, "object") and not self.int_or_string)
            or (get("properties") is None and addl is None and preserve)
        )
        self.keep_unknown = bool(addl is True or preserve)
        self.embedded = bool(get("x-kubernetes-embedded-resource"))
        # for the walks of validate: the types (exactly str, int or bool) of which every value
        # passes this node, so that _check is not called for it; and whether a string passes
        # once it is in ``passed`` (its only checks are those of _check_string)
        quiet = set()
        plain = self.enum is None and not self.combinators
        takes_str = self.int_or_string or self.is_type is None or t == "string"
        if plain and takes_str and not self.strings:
            quiet.add(str)
        if plain and not self.numbers and (self.int_or_string or self.is_type is None or t in ("integer", "number")):
            quiet.add(int)
        if plain and not self.int_or_string and (self.is_type is None or t == "boolean"):
            quiet.add(bool)
        self.quiet = frozenset(quiet)
        self.str_passed = bool(plain and takes_str and self.strings)
        # for the checks _prep makes, which of this node's own checks an object (a list) can
        # fail: _check_node (int-or-string, type, enum), the counts (and required fields),
        # a list's uniqueness, the combinators; a node with none of those keywords takes any
        self.object_node = bool(self.int_or_string or (self.is_type is not None and t != "object") or self.enum is not None)
        self.object_counts = bool(self.max_props is not _ABSENT or self.min_props is not _ABSENT or self.required)
        self.list_node = bool(self.int_or_string or (self.is_type is not None and t != "array") or self.enum is not None)
        self.list_counts = self.max_items is not _ABSENT or self.min_items is not _ABSENT
        self.list_unique = self.list_type in ("set", "map")

    def default_passes(self) -> bool:
        """Does this node's default (not a list or an object: the same value each time)
        pass validate's checks here?  Found once."""
        ok = self.default_ok
        if ok is None:
            scratch: list = []
            _check(self.schema["default"], self, (), scratch)
            ok = self.default_ok = not scratch
        return ok

    def item(self) -> "_Plan":
        """The plan of ``items`` (not None)."""
        got = self.items_plan
        if got is None:
            got = self.items_plan = _plan(self.items)
        return got

    def kid(self, key):
        """The plan of property ``key`` (else of additionalProperties), or None."""
        sub = self.props.get(key)
        if sub is not None:
            got = self.kids[key] = _plan(sub)
            return got
        if self.addl is None:
            return None
        if self.addl_plan is None:
            self.addl_plan = _plan(self.addl)
        return self.addl_plan


def _plan(schema: dict) -> _Plan:
    hit = _PLANS.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    plan = _Plan(schema)
    if len(_PLANS) < MAX_PLANS:
        _PLANS[id(schema)] = (schema, plan)
    return plan


def searcher(rx):
    """``rx.search(text) is not None`` as a function; for RE2, its matcher called directly
    (the module's ``search`` builds a match object and offsets that a yes/no does not need)."""
    inner = getattr(rx, "_regexp", None)
    anchor = getattr(getattr(type(inner), "Anchor", None), "UNANCHORED", None)
    if inner is None or anchor is None or not type(rx).__module__.startswith("re2"):
        return lambda text: rx.search(text) is not None

    def search(text: str) -> bool:
        try:
            raw = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: as the module does it
            return rx.search(text) is not None
        return inner.Match(anchor, raw, 0, len(raw))[0] != (-1, -1)

    return search


def validate(value, schema: dict, path: tuple, issues: list, skip: dict | None = None) -> None:
    """Append the schema violations of ``value`` (already prepared) to ``issues``
    (``skip``: clean subtrees, see ``Reuse``)."""
    _check(value, _plan(schema), path, issues, skip)


def _check(value, plan: _Plan, path: tuple, issues: list, skip: dict | None = None) -> None:
    if len(issues) >= MAX_ISSUES:
        return
    if not _check_node(value, plan, path, issues):
        return
    if isinstance(value, list):
        _check_array(value, plan, path, issues, skip)
    elif isinstance(value, dict):
        _check_object(value, plan, path, issues, skip)
    if plan.combinators:
        _check_combinators(value, plan, path, issues, skip)


def _check_node(value, plan: _Plan, path: tuple, issues: list) -> bool:
    """The checks of one node that read no node under it, but the counts and required
    fields of a list or an object (null, type, enum, a string's, a number's); False when
    the node's value stops there (null, or a type error: nothing under it is checked)."""
    if value is None:
        if not plan.nullable:
            t = plan.type or ("integer or string" if plan.int_or_string else None)
            if t:
                issues.append(Issue(SCHEMA_ERROR, path, f"{_Where(path)}: Invalid value: null: must be of type {t}", blocking=True))
        return False
    if plan.int_or_string:
        if not (isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))):
            issues.append(Issue(
                SCHEMA_ERROR, path, f"{_Where(path)}: Invalid value: {_show(value)}: must be an integer or a string",
                blocking=True,
            ))
            return False
    elif plan.is_type is not None and not plan.is_type(value):
        issues.append(Issue(
            SCHEMA_ERROR, path,
            f"{_Where(path)}: Invalid value: {_show(value)}: must be of type {plan.type}, not {_type_name(value)}",
            key=isinstance(value, (dict, list)), blocking=True,
        ))
        return False
    enum = plan.enum
    if enum is not None and value not in enum:
        supported = ", ".join(_show(e) for e in enum)
        issues.append(Issue(
            SCHEMA_ERROR, path, f"{_Where(path)}: Unsupported value: {_show(value)}: supported values: {supported}",
            blocking=True,
        ))
    if isinstance(value, str):
        if plan.strings:
            _check_string(value, plan, path, issues)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if plan.numbers:
            _check_number(value, plan, path, issues)
    return True


def _check_combinators(value, plan: _Plan, path: tuple, issues: list, skip: dict | None) -> None:
    where = _Where(path)
    for key, sub in plan.combinators:
        _combinator(key, sub, value, path, where, issues, skip)


class _Where:
    """The field path of a node, rendered only when a message needs it."""

    __slots__ = ("path",)

    def __init__(self, path: tuple):
        self.path = path

    def __str__(self) -> str:
        return field_path(self.path) or "<root>"

    __format__ = lambda self, spec: format(str(self), spec)  # noqa: E731


def _string(value: str, schema, path, where, issues) -> None:
    _check_string(value, _plan(schema), path, issues)


MAX_PASSED = 200_000  # strings kept as passed, over all plans of the process
_PASSED = [0]


def _check_string(value: str, plan: _Plan, path, issues) -> None:
    passed = plan.passed
    if value in passed:
        return
    before = len(issues)
    n = len(value)
    if plan.max_len is not _ABSENT and n > plan.max_len:
        issues.append(Issue(
            SCHEMA_ERROR, path, f"{_Where(path)}: Too long: may not be more than {plan.max_len} characters (has {n})",
            blocking=True,
        ))
    if plan.min_len is not _ABSENT and n < plan.min_len:
        issues.append(Issue(
            SCHEMA_ERROR, path, f"{_Where(path)}: Invalid value: {_show(value)}: should be at least {plan.min_len} chars long",
        ))
    pattern = plan.pattern
    if pattern is not None:
        search = plan.search
        if search is None:
            rx = _pattern(pattern)
            search = plan.search = searcher(rx) if rx else False
        if search and not search(value):
            issues.append(Issue(SCHEMA_ERROR, path, f"{_Where(path)}: Invalid value: {_show(value)}: should match '{pattern}'"))
    fmt = plan.fmt
    if fmt is not None:
        import ipaddress  # only for a field of format ipv4/ipv6

        try:
            ok = isinstance(ipaddress.ip_address(value), ipaddress.IPv4Address if fmt == "ipv4" else ipaddress.IPv6Address)
        except ValueError:
            ok = False
        if not ok:
            issues.append(Issue(SCHEMA_ERROR, path, f"{_Where(path)}: Invalid value: {_show(value)}: must be of format {fmt}"))
    if len(issues) == before and _PASSED[0] < MAX_PASSED:
        passed.add(value)
        _PASSED[0] += 1


def _number(value, schema, path, where, issues) -> None:
    _check_number(value, _plan(schema), path, issues)


def _check_number(value, plan: _Plan, path, issues) -> None:
    schema = plan.schema
    if plan.maximum is not _ABSENT:
        mx = plan.maximum
        if value > mx or (schema.get("exclusiveMaximum") is True and value >= mx):
            op = "less than" if schema.get("exclusiveMaximum") is True else "less than or equal to"
            issues.append(Issue(SCHEMA_ERROR, path, f"{_Where(path)}: Invalid value: {value}: should be {op} {mx}"))
    if plan.minimum is not _ABSENT:
        mn = plan.minimum
        if value < mn or (schema.get("exclusiveMinimum") is True and value <= mn):
            op = "greater than" if schema.get("exclusiveMinimum") is True else "greater than or equal to"
            issues.append(Issue(SCHEMA_ERROR, path, f"{_Where(path)}: Invalid value: {value}: should be {op} {mn}"))
    m = plan.multiple
    if m and (value / m) != int(value / m):
        issues.append(Issue(SCHEMA_ERROR, path, f"{_Where(path)}: Invalid value: {value}: should be a multiple of {m}"))


def _array(value: list, schema, path, where, issues) -> None:
    _check_array(value, _plan(schema), path, issues)


def _check_array(value: list, plan: _Plan, path, issues, skip=None) -> None:
    _array_counts(value, plan, path, issues)
    if plan.items is not None:
        items = plan.item()
        clean = items.schema if skip else None
        quiet, str_passed, passed = items.quiet, items.str_passed, items.passed
        for i, v in enumerate(value):
            if clean is not None and skip.get(id(v)) is clean:
                continue
            t = type(v)
            if t in quiet or (str_passed and t is str and v in passed):
                continue  # passes: see _Plan.quiet
            _check(v, items, path + (i,), issues, skip)
    _array_unique(value, plan, path, issues)


def _array_counts(value: list, plan: _Plan, path, issues) -> None:
    _counts(len(value), plan.max_items, plan.min_items, "items", path, issues)


def _counts(n: int, most, least, unit: str, path, issues) -> None:
    """A list's or an object's count ``n`` against its bounds (``_ABSENT``: none), in the
    API server's words: too many is "items" for both, too few names the ``unit``."""
    if most is not _ABSENT and n > most:
        issues.append(Issue(
            SCHEMA_ERROR, path, f"{_Where(path)}: Too many: {n}: must have at most {most} items",
            key=True, blocking=True,
        ))
    if least is not _ABSENT and n < least:
        issues.append(Issue(
            SCHEMA_ERROR, path, f"{_Where(path)}: Invalid value: {n}: should have at least {least} {unit}", key=True,
        ))


def _array_unique(value: list, plan: _Plan, path, issues) -> None:
    """A list-type set's or map's duplicates."""
    list_type = plan.list_type
    if list_type == "set":
        seen: set = set()  # scalars: linear on a long list
        seen_other: list = []  # objects and lists (unhashable), compared one by one
        for i, v in enumerate(value):
            try:
                dup = v in seen
                if not dup:
                    seen.add(v)
            except TypeError:
                dup = v in seen_other
                if not dup:
                    seen_other.append(v)
            if dup:
                issues.append(Issue(SCHEMA_ERROR, path + (i,), f"{field_path(path + (i,))}: Duplicate value: {_show(v)}"))
    elif list_type == "map":
        keys = plan.schema.get("x-kubernetes-list-map-keys") or ()
        seen_keys: set = set()
        for i, v in enumerate(value):
            if not isinstance(v, dict):
                continue
            try:
                k = tuple((kk, v.get(kk)) for kk in keys)
                hash(k)
            except TypeError:
                continue
            if k in seen_keys:
                shown = ", ".join(f"{kk}={_show(vv)}" for kk, vv in k)
                issues.append(Issue(
                    SCHEMA_ERROR, path + (i,), f"{field_path(path + (i,))}: Duplicate value: map[{shown}]",
                ))
            seen_keys.add(k)


def _object(value: dict, schema, path, where, issues) -> None:
    _check_object(value, _plan(schema), path, issues)


def _check_object(value: dict, plan: _Plan, path, issues, skip=None) -> None:
    _object_counts(value, plan, path, issues)
    kids = plan.kids
    for k, v in value.items():
        sub = kids.get(k)
        if sub is None:
            sub = plan.kid(k)
            if sub is None:
                continue
        if not path and k == "metadata":
            continue
        if skip and skip.get(id(v)) is sub.schema:
            continue
        t = type(v)
        if t in sub.quiet or (sub.str_passed and t is str and v in sub.passed):
            continue  # passes: see _Plan.quiet
        _check(v, sub, path + (k,), issues, skip)


def _object_counts(value: dict, plan: _Plan, path, issues) -> None:
    """An object's property counts and required fields."""
    _counts(len(value), plan.max_props, plan.min_props, "properties", path, issues)
    for req in plan.required:
        if req not in value:
            issues.append(Issue(SCHEMA_ERROR, path + (req,), f"{field_path(path + (req,))}: Required value", blocking=True))


def _combinator(key, sub, value, path, where, issues, skip=None) -> None:
    def ok(s) -> bool:
        scratch: list = []
        validate(value, s, path, scratch, skip)
        return not scratch

    if key == "not":
        if isinstance(sub, dict) and ok(sub):
            issues.append(Issue(SCHEMA_ERROR, path, f"{where}: Invalid value: {_show(value)}: must not validate the schema (not)"))
        return
    subs = [s for s in sub if isinstance(s, dict)] if isinstance(sub, list) else []
    if not subs:
        return
    if key == "allOf":
        for s in subs:
            validate(value, s, path, issues, skip)
        return
    good = sum(1 for s in subs if ok(s))
    if key == "anyOf" and good == 0:
        issues.append(Issue(SCHEMA_ERROR, path, f"{where}: Invalid value: {_show(value)}: must validate at least one schema (anyOf)"))
    elif key == "oneOf" and good != 1:
        issues.append(Issue(SCHEMA_ERROR, path, f"{where}: Invalid value: {_show(value)}: must validate one and only one schema (oneOf)"))
