"""Structural OpenAPI v3 validation of a custom resource, as the API server does it.

Three steps, in the API server's order:

1. ``prepare``: prune fields the schema does not know (reported: the API server drops them
   silently), drop ``null`` values of non-nullable fields, and apply schema defaults
   (recursively, also inside a defaulted value) -- on a copy; the document is never changed;
2. ``validate``: type, enum, pattern, format, length/item/property bounds, required,
   ``x-kubernetes-int-or-string``, list-type ``set``/``map`` uniqueness, allOf/anyOf/oneOf/not;
3. CEL rules (lint/crd/cel.py) run on the prepared value unless step 2 found an error that
   blocks them (type, required, enum, too long, too many), as in the API server.

Issues carry the path of the field in the document (list indexes are unchanged by
pruning, so the path locates the field as written; a defaulted field resolves to its
nearest written parent).
"""

from __future__ import annotations

import copy
import ipaddress
from typing import NamedTuple

import re

from infergw_lint.quickschema import json_type as _type_name  # the API server names types as JSON Schema does
from infergw_lint.rule import field_path

SCHEMA_ERROR = "IGW501"
CEL_ERROR = "IGW502"
PRUNED = "IGW503"

MAX_ISSUES = 200  # per document: a generated file can be wrong everywhere


class Issue(NamedTuple):
    code: str
    path: tuple
    message: str
    key: bool = False  # point at the key rather than the value
    blocking: bool = False  # stops CEL evaluation (API server: hasBlockingErr)
    rule: str | None = None  # the CEL rule that failed (IGW502)


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


class Prepared(NamedTuple):
    value: object
    issues: list


def prepare(obj: dict, schema: dict, status_subresource: bool = True) -> Prepared:
    """The object as the API server stores it (pruned, defaulted), and the pruned fields."""
    issues: list[Issue] = []
    out: dict = {}
    props = schema.get("properties") or {}
    for k, v in obj.items():
        if k == "metadata":
            out[k] = v  # ObjectMeta: validated by the API server itself, never pruned here
        elif k == "status" and status_subresource:
            continue  # reset on create when status is a subresource
        elif k in props:
            s = props[k]
            if v is None and not s.get("nullable"):
                if "default" in s:
                    out[k] = _prep(copy.deepcopy(s["default"]), s, (k,), issues)
                continue
            out[k] = _prep(v, s, (k,), issues)
        elif k in ROOT_KEEP:
            out[k] = v
        elif schema.get("x-kubernetes-preserve-unknown-fields"):
            out[k] = v
        else:
            issues.append(_pruned((k,)))
    for k, s in props.items():
        if k not in obj and "default" in s and k not in ("metadata", "status"):
            out[k] = _prep(copy.deepcopy(s["default"]), s, (k,), issues)
    return Prepared(out, issues)


def _pruned(path: tuple) -> Issue:
    parent = field_path(path[:-1]) or "the top level"
    return Issue(
        PRUNED, path,
        f"unknown field {str(path[-1])!r} in {parent}: "
        "the API server prunes it (silently dropped; kubectl apply --validate=strict refuses it)",
        key=True,
    )


def _prep(value, schema: dict, path: tuple, issues: list):
    if isinstance(value, dict):
        if schema.get("type") not in (None, "object") and not schema.get("x-kubernetes-int-or-string"):
            return value  # a type error: validate() reports it
        props = schema.get("properties")
        addl = schema.get("additionalProperties")
        preserve = schema.get("x-kubernetes-preserve-unknown-fields")
        if props is None and addl is None and preserve:
            return value
        if props is None:
            props = {}
        out: dict = {}
        for k, v in value.items():
            s = props.get(k)
            if s is None and isinstance(addl, dict):
                s = addl
            if s is not None:
                if v is None and not s.get("nullable"):
                    if "default" in s and k in props:
                        out[k] = _prep(copy.deepcopy(s["default"]), s, path + (k,), issues)
                    continue
                out[k] = _prep(v, s, path + (k,), issues)
            elif addl is True or preserve or schema.get("x-kubernetes-embedded-resource") and k in ROOT_KEEP:
                out[k] = v
            elif len(issues) < MAX_ISSUES:
                issues.append(_pruned(path + (k,)))
        for k, s in props.items():
            if k not in value and "default" in s:
                out[k] = _prep(copy.deepcopy(s["default"]), s, path + (k,), issues)
        return out
    if isinstance(value, list):
        items = schema.get("items")
        if not isinstance(items, dict) or schema.get("type") not in (None, "array"):
            return value
        return [_prep(v, items, path + (i,), issues) for i, v in enumerate(value)]
    return value


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
        "search", "fmt", "strings", "maximum", "minimum", "multiple", "numbers", "max_items", "min_items",
        "items", "list_type", "max_props", "min_props", "required", "props", "addl", "kids", "addl_plan",
        "combinators",
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
        self.maximum = schema["maximum"] if "maximum" in schema else _ABSENT
        self.minimum = schema["minimum"] if "minimum" in schema else _ABSENT
        self.multiple = get("multipleOf")
        self.numbers = self.maximum is not _ABSENT or self.minimum is not _ABSENT or bool(self.multiple)
        self.max_items = schema["maxItems"] if "maxItems" in schema else _ABSENT
        self.min_items = schema["minItems"] if "minItems" in schema else _ABSENT
        items = get("items")
        self.items = items if isinstance(items, dict) else None
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


def validate(value, schema: dict, path: tuple, issues: list) -> None:
    """Append the schema violations of ``value`` (already prepared) to ``issues``."""
    _check(value, _plan(schema), path, issues)


def _check(value, plan: _Plan, path: tuple, issues: list) -> None:
    if len(issues) >= MAX_ISSUES:
        return
    if value is None:
        if not plan.nullable:
            t = plan.type or ("integer or string" if plan.int_or_string else None)
            if t:
                issues.append(Issue(SCHEMA_ERROR, path, f"{_Where(path)}: Invalid value: null: must be of type {t}", blocking=True))
        return
    if plan.int_or_string:
        if not (isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))):
            issues.append(Issue(
                SCHEMA_ERROR, path, f"{_Where(path)}: Invalid value: {_show(value)}: must be an integer or a string",
                blocking=True,
            ))
            return
    elif plan.is_type is not None and not plan.is_type(value):
        issues.append(Issue(
            SCHEMA_ERROR, path,
            f"{_Where(path)}: Invalid value: {_show(value)}: must be of type {plan.type}, not {_type_name(value)}",
            key=isinstance(value, (dict, list)), blocking=True,
        ))
        return
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
    elif isinstance(value, list):
        _check_array(value, plan, path, issues)
    elif isinstance(value, dict):
        _check_object(value, plan, path, issues)
    if plan.combinators:
        where = _Where(path)
        for key, sub in plan.combinators:
            _combinator(key, sub, value, path, where, issues)


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


def _check_string(value: str, plan: _Plan, path, issues) -> None:
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
        try:
            ok = isinstance(ipaddress.ip_address(value), ipaddress.IPv4Address if fmt == "ipv4" else ipaddress.IPv6Address)
        except ValueError:
            ok = False
        if not ok:
            issues.append(Issue(SCHEMA_ERROR, path, f"{_Where(path)}: Invalid value: {_show(value)}: must be of format {fmt}"))


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


def _check_array(value: list, plan: _Plan, path, issues) -> None:
    n = len(value)
    if plan.max_items is not _ABSENT and n > plan.max_items:
        issues.append(Issue(
            SCHEMA_ERROR, path, f"{_Where(path)}: Too many: {n}: must have at most {plan.max_items} items",
            key=True, blocking=True,
        ))
    if plan.min_items is not _ABSENT and n < plan.min_items:
        issues.append(Issue(
            SCHEMA_ERROR, path, f"{_Where(path)}: Invalid value: {n}: should have at least {plan.min_items} items", key=True,
        ))
    if plan.items is not None:
        items = _plan(plan.items)
        for i, v in enumerate(value):
            _check(v, items, path + (i,), issues)
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


def _check_object(value: dict, plan: _Plan, path, issues) -> None:
    n = len(value)
    if plan.max_props is not _ABSENT and n > plan.max_props:
        issues.append(Issue(
            SCHEMA_ERROR, path, f"{_Where(path)}: Too many: {n}: must have at most {plan.max_props} items",
            key=True, blocking=True,
        ))
    if plan.min_props is not _ABSENT and n < plan.min_props:
        issues.append(Issue(
            SCHEMA_ERROR, path, f"{_Where(path)}: Invalid value: {n}: should have at least {plan.min_props} properties",
            key=True,
        ))
    for req in plan.required:
        if req not in value:
            issues.append(Issue(SCHEMA_ERROR, path + (req,), f"{field_path(path + (req,))}: Required value", blocking=True))
    kids = plan.kids
    for k, v in value.items():
        sub = kids.get(k)
        if sub is None:
            sub = plan.kid(k)
            if sub is None:
                continue
        if not path and k == "metadata":
            continue
        _check(v, sub, path + (k,), issues)


def _combinator(key, sub, value, path, where, issues) -> None:
    def ok(s) -> bool:
        scratch: list = []
        validate(value, s, path, scratch)
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
            validate(value, s, path, issues)
        return
    good = sum(1 for s in subs if ok(s))
    if key == "anyOf" and good == 0:
        issues.append(Issue(SCHEMA_ERROR, path, f"{where}: Invalid value: {_show(value)}: must validate at least one schema (anyOf)"))
    elif key == "oneOf" and good != 1:
        issues.append(Issue(SCHEMA_ERROR, path, f"{where}: Invalid value: {_show(value)}: must validate one and only one schema (oneOf)"))
