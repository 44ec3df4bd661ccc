"""``infergw-lint routes``: the effective routing table of every Gateway listener, as a
table (text, Markdown, JSON) or a diagram (Mermaid, Graphviz DOT).

The Gateway API semantics -- attachment, hostname intersection, match precedence,
ReferenceGrants, completeness of the set -- come from ``lint/gateway.py``, the module the
routing rules use, so a row's status says what IGW101..IGW105 report and nothing else:

* ``ok``: the row serves;
* a reason: why it will not (a missing ReferenceGrant, a listener that does not admit the
  route, a missing Service or port, a match shadowed by a higher-precedence rule ...),
  each followed by the rule that reports it, e.g. ``(IGW101)``;
* ``unverified: ...``: the set cannot tell (a Service or Gateway outside the linted files,
  a Namespace whose labels are unknown).  Like the rules, the map does not call a partial
  tree broken; pass ``--context DIR`` or ``--assume-complete`` to decide.

Rows per listener come in the order a conformant implementation tries them (hostname,
then Exact > longest PathPrefix > method > headers > query params, then the oldest route,
then namespace/name, then rule order); rows that do not attach follow.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from .sanitize import escape
from .gateway import (
    ATTACHED,
    HOSTNAME_ROUTE_KINDS,
    KGATEWAY_CONTROLLERS,
    NO_MATCHING_LISTENER,
    PARENT_NOT_FOUND,
    UNSUPPORTED_PARENT,
    Problem,
    _dict,
    _int,
    _list,
    _s,
    backend_problems,
    backend_refs,
    delegated_children,
    describe_match,
    effective_hostnames,
    graph_for,
    is_kgateway_class,
    lookup_complete,
    route_hostnames,
    route_order,
    rule_matches,
    table_order,
)

FORMATS = ("text", "markdown", "json", "mermaid", "dot")
JSON_VERSION = 1


# ---- the data model -----------------------------------------------------------------------

@dataclass
class Backend:
    """One backendRef of a route rule, with its weight and what keeps it from resolving."""

    kind: str
    group: str
    namespace: str
    name: str
    port: int | None
    weight: int
    problems: list = field(default_factory=list)
    children: list | None = None  # kgateway delegation: the child HTTPRoutes (namespace/name)

    @property
    def is_service(self) -> bool:
        return self.group == "" and self.kind == "Service"

    def label(self) -> str:
        """``ai-external/bifrost-service:8080`` (other kinds are named: ``InferencePool ns/pool``;
        a kgateway delegation names its children: ``delegates to HTTPRoute a/* -> a/route-a``)."""
        target = f"{self.namespace}/{self.name}" + (f":{self.port}" if self.port is not None else "")
        if self.is_service:
            return target
        kind = self.kind if not self.group else f"{self.kind}.{self.group}"
        if self.children is not None:
            shown = ", ".join(self.children) if self.children else "no child route in the set"
            if self.kind == "label":
                return f"delegates to routes labelled {self.name} in {self.namespace} -> {shown}"
            return f"delegates to {self.kind} {target} -> {shown}"
        return f"{kind} {target}"

    def to_json(self) -> dict:
        out = {"namespace": self.namespace, "name": self.name, "port": self.port, "weight": self.weight}
        if not self.is_service:  # the shape stays the documented one for Services
            out["kind"] = self.kind
            out["group"] = self.group
        if self.children is not None:
            out["delegates_to"] = list(self.children)
        return out


@dataclass
class Row:
    """One match of one route rule on one listener for one hostname."""

    hostname: str
    match: dict  # JSON form of the match, defaults applied
    match_text: str
    filters: list  # [(type, description)]
    backends: list  # [Backend]
    route_kind: str
    route: str  # namespace/name
    rule_index: int
    match_index: int | None
    problems: list = field(default_factory=list)  # route-level: attachment, precedence, rule
    inherited: list = field(default_factory=list)  # the Gateway's own (ListenerTable.problems)

    def all_problems(self) -> list:
        out = list(self.problems)
        for b in self.backends:
            out += b.problems
        return out + self.inherited

    @property
    def state(self) -> str:
        """``ok``, ``broken`` or ``unverified``."""
        problems = self.all_problems()
        if not problems:
            return "ok"
        return "unverified" if all(p.unverified for p in problems) else "broken"

    @property
    def status(self) -> str:
        """``ok`` or every reason, ``; ``-separated (the JSON ``status``)."""
        problems = self.all_problems()
        return "; ".join(dict.fromkeys(p.detail for p in problems)) if problems else "ok"

    def status_cell(self) -> str:
        """The status for a table whose heading already states the Gateway's own problems:
        those are named briefly here."""
        if not self.all_problems():
            return "ok"
        own = [p.detail for p in self.all_problems() if p not in self.inherited]
        own += [f"{p.short} ({p.code})" if p.code else p.short for p in self.inherited]
        return "; ".join(dict.fromkeys(own))

    def backends_text(self) -> str:
        if not self.backends:
            return "-"
        show_weight = len(self.backends) > 1 or any(b.weight != 1 for b in self.backends)
        return ", ".join(b.label() + (f" (weight {b.weight})" if show_weight else "") for b in self.backends)

    def filters_text(self) -> str:
        return "; ".join(d for _, d in self.filters) or "-"

    def route_text(self) -> str:
        return self.route if self.route_kind == "HTTPRoute" else f"{self.route_kind} {self.route}"


@dataclass
class ListenerTable:
    """The rows of one listener (or of a listener a route names that does not exist)."""

    gateway_kind: str
    gateway: str  # namespace/name
    listener: str | None  # the listener's name (None: a parentRef without sectionName)
    protocol: str | None
    port: int | None
    hostname: str | None
    exists: bool  # False: the Gateway or the listener is not in the set
    gateway_exists: bool = True
    source: str | None = None  # the rendered overlay or chart (None: files read raw)
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # why the Gateway itself serves nothing
    missing_state: str = "broken"  # for a Gateway/listener not in the set: broken or unverified
    position: int = 1 << 30  # index in the parent's spec.listeners (ordering)

    def title(self) -> str:
        who = f"{self.gateway_kind} {self.gateway}" + ("" if self.gateway_exists else " (not in the set)")
        return f"{who}, {self.listener_text()}" + (f" [{self.source}]" if self.source else "")

    def listener_name(self) -> str:
        if self.listener is not None:
            return self.listener
        return f"on port {self.port}" if self.port is not None and not self.exists else "*"

    def listener_detail(self) -> str:
        """``(HTTP/80, hostname api.example.com)``, ``(not defined)`` or ``""``."""
        if not self.exists:
            return "(not defined)" if self.gateway_exists else ""
        proto = self.protocol or "?"
        port = self.port if self.port is not None else "?"
        host = f", hostname {self.hostname}" if self.hostname else ""
        return f"({proto}/{port}{host})"

    def listener_text(self) -> str:
        return " ".join(x for x in ("listener", self.listener_name(), self.listener_detail()) if x)


@dataclass
class RoutingMap:
    tables: list  # [ListenerTable]
    notes: list = field(default_factory=list)  # loader notes and unreadable files, for stderr

    def rows(self):
        for t in self.tables:
            for r in t.rows:
                yield t, r

    def summary(self) -> str:
        rows = [r for _, r in self.rows()]
        states = [r.state for r in rows]
        n_listeners = sum(1 for t in self.tables if t.exists)
        parts = [f"{states.count('ok')} ok"]
        if states.count("broken"):
            parts.append(f"{states.count('broken')} broken")
        if states.count("unverified"):
            parts.append(f"{states.count('unverified')} unverified")
        return (
            f"{len(rows)} route match{'es' if len(rows) != 1 else ''} on {n_listeners} "
            f"listener{'s' if n_listeners != 1 else ''}: {', '.join(parts)}"
        )


# ---- building the map ---------------------------------------------------------------------

def routing_map(paths: list[str], options) -> RoutingMap:
    """Load ``paths`` as ``infergw-lint`` does (``engine.load_index``) and build the map."""
    from .engine import load_index

    stage = load_index(paths, options)
    return build(stage)


def build(stage) -> RoutingMap:
    """The map of a loaded set (``engine.LoadedSet``): the raw files, then each rendered
    overlay or chart on its own."""
    worlds = [(None, stage.ctx)]
    for key, ctx in stage.contexts.items():
        worlds.append((_world_label(key, ctx), ctx))
    tables: list = []
    for source, ctx in worlds:
        tables += build_tables(ctx, source)
    notes = list(stage.loaded.notes)
    unreadable = sorted({p.path for p in stage.loaded.problems if p.code == "IGW000"})
    if unreadable:
        notes.append(
            f"{len(unreadable)} file{'s' if len(unreadable) != 1 else ''} could not be parsed and "
            f"{'are' if len(unreadable) != 1 else 'is'} not in the map ({', '.join(unreadable[:3])}"
            f"{', ...' if len(unreadable) > 3 else ''}); infergw-lint says where"
        )
    return RoutingMap(tables, notes)


def _world_label(key, ctx) -> str:
    for doc in ctx.index.documents:
        origin = getattr(doc, "origin", None)
        if origin is not None and getattr(origin, "world", None) == key:
            target = getattr(getattr(origin, "world_obj", None), "target", None)
            if isinstance(target, str):
                return target
    return "-".join(str(k) for k in key) if isinstance(key, tuple) else str(key)


def _ident(doc, index) -> tuple:
    return (doc.kind, index.namespace_of(doc), doc.name)


def _ts(doc):
    return _dict(_dict(doc.data).get("metadata")).get("creationTimestamp")


def build_tables(ctx, source: str | None = None) -> list[ListenerTable]:
    """Every listener's table for one indexed set (an ``engine.Context``)."""
    index = ctx.index
    g = graph_for(ctx)
    tables: dict[tuple, ListenerTable] = {}
    for l in g.all_listeners():
        if l.key in tables:  # the same Gateway written twice
            continue
        tables[l.key] = ListenerTable(
            l.parent.kind, f"{l.namespace}/{l.parent.name}", l.name or f"#{l.position}",
            l.protocol, l.port, l.hostname, True, source=source, problems=_gateway_problems(l.parent, g),
            position=l.position,
        )
    rule_cache: dict[tuple, tuple] = {}

    def rule_parts(route, rule_index):
        got = rule_cache.get((id(route), rule_index))
        if got is None:
            got = rule_cache[(id(route), rule_index)] = _rule_parts(ctx, route, rule_index)
        return got

    def make_row(route, rule_index, match_index, key, hostname, problems):
        backends, rule_problems = rule_parts(route, rule_index)
        rule = _list(route.get("spec", "rules"))[rule_index]
        match = _list(_dict(rule).get("matches"))[match_index] if match_index is not None else {}
        written = _s(_dict(_dict(match).get("path")).get("value")) or None
        return Row(
            hostname, _match_json(route.kind, match), describe_match(key, written) if key else "any",
            _describe_filters(rule, written, index, route), [_copy_backend(b) for b in backends],
            route.kind, f"{index.namespace_of(route)}/{route.name}", rule_index, match_index,
            list(problems) + rule_problems,
        )

    # attached rows, in precedence order
    order: dict[int, list] = {}  # id(table) -> [(sort key, row)] of rows placed after the table's own
    for lkey, table in tables.items():
        winners: dict[tuple, object] = {}
        for e in g.routing_table(lkey):
            problems = _precedence_problems(e, winners, g, index)
            row = make_row(e.route, e.rule_index, e.match_index, e.key, e.hostname, problems)
            table.rows.append(row)
    # other route kinds (TLS, TCP, UDP) and rows that do not attach
    seen: set = set()
    for route in sorted(g.routes, key=lambda r: route_order(r, index)):
        hosts = route_hostnames(route) if route.kind in HOSTNAME_ROUTE_KINDS else []
        matches = rule_matches(route) or [
            (i, None, ("spec", "rules", i), None) for i, r in enumerate(_list(route.get("spec", "rules"))) if isinstance(r, dict)
        ]
        route_ns = index.namespace_of(route) or index.default_namespace
        for att in g.attachments(route):
            if att.status == UNSUPPORTED_PARENT:
                continue
            placements = []  # (table, hostnames, problems)
            if att.status == ATTACHED:
                if route.kind in ("HTTPRoute", "GRPCRoute"):
                    continue  # in the routing tables above
                for l in att.listeners:
                    placements.append((tables[l.key], effective_hostnames(l.hostname, hosts), []))
            elif att.status in (PARENT_NOT_FOUND, NO_MATCHING_LISTENER) or not att.candidates:
                ref = att.ref
                pkey = (ref.kind, ref.namespace, ref.name, ref.section_name)
                problem = _parent_problem(ctx, g, att)
                table = tables.get(pkey)
                if table is None:
                    table = tables[pkey] = ListenerTable(
                        ref.kind, f"{ref.namespace}/{ref.name}", ref.section_name, None, ref.port, None, False,
                        gateway_exists=att.status != PARENT_NOT_FOUND, source=source,
                        problems=_gateway_problems(att.parents[0], g) if att.parents else [],
                        missing_state="unverified" if problem.unverified else "broken",
                    )
                placements.append((table, hosts or ["*"], [problem]))
            else:  # NOT_ALLOWED, NO_MATCHING_HOSTNAME, UNDECIDED: under each refusing listener
                for l in att.candidates:
                    if l in att.listeners or l.key not in tables:
                        continue
                    problem = _listener_problem(l, route, route_ns, hosts, index, g)
                    placements.append((tables[l.key], effective_hostnames(l.hostname, hosts) or hosts or ["*"], [problem]))
            for table, hostnames, problems in placements:
                for host in hostnames:
                    for rule_i, match_i, _, key in matches:
                        ident = (id(table), id(route), rule_i, match_i, host, tuple(p.detail for p in problems))
                        if ident in seen:
                            continue
                        seen.add(ident)
                        row = make_row(route, rule_i, match_i, key, host, problems)
                        order.setdefault(id(table), []).append(
                            (table_order(host, key or (), route, rule_i, match_i, index), row)
                        )
    for table in tables.values():
        table.rows += [row for _, row in sorted(order.get(id(table), []), key=lambda x: x[0])]
        for row in table.rows:
            row.inherited = list(table.problems)
    return sorted(
        tables.values(),
        key=lambda t: (
            not t.exists, t.gateway, t.gateway_kind, t.position, t.listener or "",
        ),
    )


def _gateway_problems(parent, g) -> list[Problem]:
    """IGW107's fault that stops a whole Gateway: its GatewayClass (in the set) is meant
    for kgateway but names a controllerName kgateway does not serve, so no controller
    programs the Gateway.  A class outside the set, or another vendor's, is not judged."""
    if parent.kind != "Gateway":
        return []
    classes = g.gateway_class(parent)
    if not classes or not all(is_kgateway_class(c) for c in classes):
        return []
    names = [c.get("spec", "controllerName") for c in classes]
    if any(n in KGATEWAY_CONTROLLERS for n in names):
        return []
    return [Problem(
        "IGW107", "GatewayClass not served",
        f"Gateway not programmed: GatewayClass {classes[0].name} has controllerName {names[0]!r}, "
        "which no kgateway controller serves (IGW107)",
    )]


def _precedence_problems(e, winners: dict, g, index) -> list[Problem]:
    """IGW105's view of a served match (``winners``: the first entry seen per hostname and
    match on this listener, in precedence order): a match that routes differently from the
    entry ahead of it is shadowed; one that wins (or routes like the winner) while another
    route sends the same match elsewhere is a conflict -- which route is older decides, and
    re-applying one flips it.  Copies of one object (same kind/namespace/name) and rules
    that route identically are not problems."""
    bucket = (e.hostname, e.key)
    w = winners.setdefault(bucket, e)
    me = _ident(e.route, index)
    if w is not e and w.action != e.action and (w.route is e.route or _ident(w.route, index) != me):
        if w.route is e.route:
            return [Problem(
                "IGW105", "shadowed",
                f"shadowed by spec.rules[{w.rule_index}] of the same route, which has the same match "
                "(the first rule wins) (IGW105)",
            )]
        other = f"{w.route.kind} {index.namespace_of(w.route)}/{w.route.name}"
        dated = _ts(w.route) and _ts(e.route) and str(_ts(w.route)) != str(_ts(e.route))
        why = "that route is older" if dated else "without creationTimestamps the tie goes by namespace/name"
        return [Problem("IGW105", "shadowed", f"shadowed by {other}: same match, and {why} (IGW105)")]
    if g.distinct_actions(e.listener.key, e.hostname, e.key) < 2:
        return []
    for o in g.entries(e.listener.key, e.hostname, e.key):
        if o.route is e.route or o.action == e.action or _ident(o.route, index) == me:
            continue
        other = f"{o.route.kind} {index.namespace_of(o.route)}/{o.route.name}"
        return [Problem(
            "IGW105", "conflict",
            f"conflicts with {other}: same match, and the older route serves it (IGW105)",
        )]
    return []


def _parent_problem(ctx, g, att) -> Problem:
    """A parentRef that names no Gateway, or no listener of it (IGW103)."""
    ref = att.ref
    if att.status == PARENT_NOT_FOUND:
        if lookup_complete(ctx, ref.kind, ref.namespace):
            return Problem("IGW103", f"{ref.kind} not found", f"{ref.label()} not found (IGW103)")
        return Problem("", "not in the set", f"unverified: {ref.label()} is not in the linted set", unverified=True)
    if att.status == NO_MATCHING_LISTENER:
        have = []
        for parent in att.parents:
            have += g.listeners.get(id(parent)) or []
        names = [l.name for l in have if l.name]
        listed = ", ".join(l.short() for l in have) or "none"
        if ref.section_name is not None and ref.section_name not in names:
            what = f"sectionName {ref.section_name!r} names no listener"
        elif ref.section_name is not None:
            what = f"listener {ref.section_name!r} does not listen on port {ref.port}"
        else:
            what = f"no listener listens on port {ref.port}"
        return Problem("IGW103", "no such listener", f"{what} of {ref.label()} (its listeners: {listed}) (IGW103)")
    return Problem(
        "", "unreadable parent", f"unverified: {ref.label()} has no readable spec.listeners", unverified=True,
    )


def _listener_problem(l, route, route_ns: str, hosts: list, index, g) -> Problem:
    """Why listener ``l`` does not take ``route`` (IGW102), or that the set cannot tell."""
    ok_kind, why_kind = l.admits_kind(route.group, route.kind)
    if not ok_kind:
        return Problem("IGW102", "kind not allowed", f"not allowed: {why_kind} (IGW102)")
    ok_ns, why_ns = l.admits_namespace(index, route_ns, g.assume_complete)
    if ok_ns is False:
        return Problem("IGW102", "namespace not allowed", f"not allowed: {why_ns} (IGW102)")
    if ok_ns is None:
        return Problem(
            "", "namespace labels unknown",
            f"unverified: whether listener {l.short()} admits namespace {route_ns!r} depends on labels "
            "of a Namespace that is not in the linted set",
            unverified=True,
        )
    return Problem(
        "IGW102", "no matching hostname",
        f"none of the route's hostnames ({', '.join(hosts)}) intersects the listener hostname {l.hostname} (IGW102)",
    )


def _rule_parts(ctx, route, rule_index: int) -> tuple[list, list]:
    """(backends, rule-level problems) of one rule: backends with weights and their
    IGW101/IGW104 problems; a mirror that does not resolve, or a rule that can only answer
    500, is a rule-level problem."""
    index = ctx.index
    backends, problems = [], []
    refs = index.memo(("routes-backend-refs", id(route)), lambda: backend_refs(route, index))
    for b in refs:
        if b.path[:3] != ("spec", "rules", rule_index):
            continue
        found = backend_problems(ctx, route, b)
        if b.mirror:
            problems += [Problem(p.code, f"mirror: {p.short}", f"mirror: {p.detail}", p.unverified) for p in found]
            continue
        weight = _int(b.data.get("weight"))
        children = None
        if b.is_delegation:
            children = [f"{index.namespace_of(c)}/{c.name}" for c in delegated_children(index, route, b)]
            if not children:
                found = found + [Problem("", "no child route", f"unverified: no child HTTPRoute of {b.namespace}/{b.name} is in the linted set", unverified=True)]
        backends.append(Backend(
            b.kind, b.group, b.namespace, b.name, b.port, 1 if weight is None else weight, found, children,
        ))
    rule = _dict(_list(route.get("spec", "rules"))[rule_index])
    if route.kind in ("HTTPRoute", "GRPCRoute") and not _list(rule.get("backendRefs")):
        responds = any(
            isinstance(f, dict) and f.get("type") in ("RequestRedirect", "ExtensionRef") for f in _list(rule.get("filters"))
        )
        if not responds:
            problems.append(Problem(
                "", "no backends",
                "no backendRefs and no filter that responds: the gateway answers 500 to every matching request",
            ))
    return backends, problems


def _copy_backend(b: Backend) -> Backend:
    return Backend(b.kind, b.group, b.namespace, b.name, b.port, b.weight, list(b.problems),
                   None if b.children is None else list(b.children))


# ---- matches and filters ------------------------------------------------------------------

def _match_json(kind: str, match) -> dict:
    """A match as JSON with the defaults applied (a rule without matches: ``PathPrefix /``)."""
    m = _dict(match)
    out: dict = {}

    def named(items):
        res = []
        for h in _list(items):
            if isinstance(h, dict):
                value = h.get("value")
                res.append({
                    "type": _s(h.get("type")) or "Exact", "name": _s(h.get("name")),
                    "value": value if isinstance(value, (str, int, float, bool)) or value is None else str(value),
                })
        return res

    if kind == "HTTPRoute":
        path = _dict(m.get("path"))
        out["path"] = {
            "type": _s(path.get("type")) or "PathPrefix",
            "value": path["value"] if isinstance(path.get("value"), str) else "/",
        }
        if isinstance(m.get("method"), str):
            out["method"] = m["method"].upper()
        headers, query = named(m.get("headers")), named(m.get("queryParams"))
        if headers:
            out["headers"] = headers
        if query:
            out["queryParams"] = query
    elif kind == "GRPCRoute":
        method = _dict(m.get("method"))
        got = {"type": _s(method.get("type")) or "Exact"}
        for k in ("service", "method"):
            if _s(method.get(k)):
                got[k] = method[k]
        out["method"] = got
        headers = named(m.get("headers"))
        if headers:
            out["headers"] = headers
    return out


def _header_names(spec) -> str:
    """``set x-a; add x-b; remove x-c`` -- names only: values may be credentials."""
    parts = []
    d = _dict(spec)
    for op in ("set", "add"):
        names = [_s(h.get("name")) for h in _list(d.get(op)) if isinstance(h, dict) and _s(h.get("name"))]
        if names:
            parts.append(f"{op} {', '.join(names)}")
    removed = [x for x in _list(d.get("remove")) if isinstance(x, str)]
    if removed:
        parts.append(f"remove {', '.join(removed)}")
    return "; ".join(parts) or "no change"


def describe_filter(f, written_prefix: str | None, index=None, route=None) -> tuple[str, str] | None:
    """(type, short description) of an HTTPRoute/GRPCRoute filter: ``rewrite /langfuse/ -> /``,
    ``redirect scheme https (301)``, ``request headers: set x-a`` ...; None for junk."""
    if not isinstance(f, dict):
        return None
    t = _s(f.get("type")) or "?"
    if t == "URLRewrite":
        rw = _dict(f.get("urlRewrite"))
        parts = []
        if _s(rw.get("hostname")):
            parts.append(f"host -> {rw['hostname']}")
        path = _dict(rw.get("path"))
        if path.get("type") == "ReplacePrefixMatch":
            parts.append(f"{written_prefix or '/'} -> {_s(path.get('replacePrefixMatch')) or '/'}")
        elif path.get("type") == "ReplaceFullPath":
            parts.append(f"path -> {_s(path.get('replaceFullPath')) or '/'}")
        return t, "rewrite " + (", ".join(parts) or "(nothing)")
    if t == "RequestRedirect":
        rr = _dict(f.get("requestRedirect"))
        parts = []
        if _s(rr.get("scheme")):
            parts.append(f"scheme {rr['scheme']}")
        if _s(rr.get("hostname")):
            parts.append(f"host {rr['hostname']}")
        if _int(rr.get("port")) is not None:
            parts.append(f"port {_int(rr.get('port'))}")
        path = _dict(rr.get("path"))
        if path.get("type") == "ReplacePrefixMatch":
            parts.append(f"{written_prefix or '/'} -> {_s(path.get('replacePrefixMatch')) or '/'}")
        elif path.get("type") == "ReplaceFullPath":
            parts.append(f"path -> {_s(path.get('replaceFullPath')) or '/'}")
        code = _int(rr.get("statusCode")) or 302
        return t, f"redirect {', '.join(parts) or 'to the same URL'} ({code})"
    if t == "RequestHeaderModifier":
        return t, "request headers: " + _header_names(f.get("requestHeaderModifier"))
    if t == "ResponseHeaderModifier":
        return t, "response headers: " + _header_names(f.get("responseHeaderModifier"))
    if t == "RequestMirror":
        ref = _dict(_dict(f.get("requestMirror")).get("backendRef"))
        ns = _s(ref.get("namespace")) or (index.namespace_of(route) if index is not None and route is not None else "")
        port = _int(ref.get("port"))
        target = f"{ns + '/' if ns else ''}{_s(ref.get('name')) or '?'}" + (f":{port}" if port is not None else "")
        return t, f"mirror to {target}"
    if t == "ExtensionRef":
        ref = _dict(f.get("extensionRef"))
        return t, f"extension {_s(ref.get('kind')) or '?'}/{_s(ref.get('name')) or '?'}"
    if t == "CORS":
        return t, "CORS"
    if t == "ExternalAuth":
        return t, "external auth"
    return t, t


def _describe_filters(rule, written_prefix, index, route) -> list[tuple[str, str]]:
    out = []
    for f in _list(_dict(rule).get("filters")):
        d = describe_filter(f, written_prefix, index, route)
        if d:
            out.append(d)
    for ref in _list(_dict(rule).get("backendRefs")):
        if not isinstance(ref, dict):
            continue
        for f in _list(ref.get("filters")):
            d = describe_filter(f, written_prefix, index, route)
            if d:
                out.append((d[0], f"{d[1]} (to {_s(ref.get('name')) or '?'} only)"))
    return out


# ---- JSON ---------------------------------------------------------------------------------

def to_json(m: RoutingMap) -> dict:
    """``{"version": 1, "routes": [...]}``, one entry per row (see the README)."""
    sources = {t.source for t in m.tables}
    routes = []
    for t, r in m.rows():
        item = {
            "gateway": t.gateway,
            "listener": t.listener,
            "hostname": r.hostname,
            "match": r.match,
            "filters": [{"type": typ, "description": d} for typ, d in r.filters],
            "backends": [b.to_json() for b in r.backends],
            "route": r.route,
            "status": r.status,
        }
        if sources != {None}:
            item["source"] = t.source
        routes.append(item)
    return {"version": JSON_VERSION, "routes": routes}


def render_json(m: RoutingMap) -> str:
    return json.dumps(to_json(m), indent=2, ensure_ascii=False) + "\n"


# ---- text ---------------------------------------------------------------------------------

COLUMNS = ("#", "HOSTNAME", "MATCH", "FILTERS", "BACKENDS", "ROUTE", "STATUS")


def _cells(i: int, r: Row) -> list[str]:
    return [str(i), r.hostname, r.match_text, r.filters_text(), r.backends_text(), r.route_text(), r.status_cell()]


def _one_line(text: str) -> str:
    """One visible line: blanks folded, control and format characters escaped (sanitize)."""
    return escape(" ".join(str(text).split()))


def render_text(m: RoutingMap, color: bool = False, width: int | None = None) -> str:
    if color:
        return _render_rich(m, width)
    out: list[str] = []
    for t in m.tables:
        out.append(escape(t.title()))
        for p in t.problems:
            chunks = _wrap_words(_one_line(p.detail), max(width - 4, 40)) if width else [escape(p.detail)]
            out += [f"  ! {chunks[0]}"] + [f"    {c}" for c in chunks[1:]]
        if not t.rows:
            out += ["  no routes attached", ""]
            continue
        rows = [list(COLUMNS)] + [[_one_line(c) for c in _cells(i, r)] for i, r in enumerate(t.rows, 1)]
        widths = [max(len(row[c]) for row in rows) for c in range(len(COLUMNS))]
        # the last column (STATUS, the long one) wraps at spaces to the width; names never break
        # (when at least 40 columns are left for it: a narrow strip far right reads worse than
        # one long line)
        lead = 2 + sum(widths[:-1]) + 2 * (len(COLUMNS) - 1)
        room = (width or 0) - lead
        for row in rows:
            line = "  ".join(cell.rjust(widths[0]) if c == 0 else cell.ljust(widths[c]) for c, cell in enumerate(row[:-1]))
            last = _wrap_words(row[-1], room) if room >= 40 else [row[-1]]
            out.append(("  " + line + "  " + last[0]).rstrip())
            out += [" " * lead + more for more in last[1:]]
        out.append("")
    out.append(escape(m.summary()) if m.tables else "no Gateway listeners or routes found")
    return "\n".join(out) + "\n"


def _wrap_words(text: str, room: int) -> list[str]:
    """``text`` in lines of at most ``room`` characters, broken at spaces only (a longer
    word gets a line of its own)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= room:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


STATE_STYLE = {"ok": "green", "broken": "bold red", "unverified": "yellow"}


def _render_rich(m: RoutingMap, width: int | None) -> str:
    import io

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, highlight=False, width=width)
    for t in m.tables:
        table = Table(title=Text(escape(t.title()), style="bold"), title_justify="left", show_lines=False)
        cells_of = [[_one_line(c) for c in _cells(i, r)] for i, r in enumerate(t.rows, 1)]
        for k, c in enumerate(COLUMNS):
            # names (hostnames, matches, backends, routes) never wrap; the free text wraps at
            # spaces, and no column is narrower than its longest word, so no word is cut
            longest = max([len(w) for row in cells_of for w in row[k].split()] + [len(c)])
            free = c in ("FILTERS", "STATUS")
            table.add_column(c.lower(), justify="right" if c == "#" else "left", no_wrap=not free,
                             overflow="fold" if free else "ignore", min_width=longest)
        for i, r in enumerate(t.rows, 1):
            cells = [Text(c) for c in cells_of[i - 1]]
            cells[-1].stylize(STATE_STYLE[r.state])
            table.add_row(*cells)
        if t.problems:
            table.caption = Text(escape("; ".join(p.detail for p in t.problems)), style="red")
            table.caption_justify = "left"
        if not t.rows:
            console.print(Text(escape(t.title()), style="bold"))
            for p in t.problems:
                console.print(Text(f"  ! {escape(p.detail)}", style="red"))
            console.print(Text("  no routes attached", style="dim"))
        else:
            console.print(table)
        console.print()
    console.print(Text(escape(m.summary()) if m.tables else "no Gateway listeners or routes found"))
    return buf.getvalue()


# ---- Markdown -----------------------------------------------------------------------------

STATE_MARK = {"ok": "✅", "broken": "❌", "unverified": "❔"}


def md_text(text: str) -> str:
    """Plain text for a Markdown table cell: one line, and the characters GitHub would read
    as markup (table pipes, HTML, emphasis, links) escaped."""
    s = _one_line(text)
    s = s.replace("\\", "\\\\")
    for ch in "|*_[]`#~":
        s = s.replace(ch, "\\" + ch)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def md_code(text: str) -> str:
    """A code span for a table cell (pipes escaped, backticks fenced with longer runs)."""
    s = _one_line(text).replace("|", "\\|")
    if not s:
        return ""
    fence = "`" * (max((len(r) for r in re.findall(r"`+", s)), default=0) + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or fence != "`" else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def render_markdown(m: RoutingMap) -> str:
    out = ["## Routing map", ""]
    if not m.tables:
        return "\n".join(out + ["No Gateway listeners or routes found.", ""])
    out += [m.summary() + ".", ""]
    for t in m.tables:
        head = f"### {t.gateway_kind} {md_code(t.gateway)}" + ("" if t.gateway_exists else " (not in the set)")
        head += f" · listener {md_code(t.listener_name())}"
        if t.listener_detail():
            head += f" {md_text(t.listener_detail())}"
        if t.source:
            head += f" [{md_text(t.source)}]"
        out += [head, ""]
        out += [f"> ❌ {md_text(p.detail)}" for p in t.problems]
        if t.problems:
            out.append("")
        if not t.rows:
            out += ["No routes attached.", ""]
            continue
        out += ["| # | hostname | match | filters | backends | route | status |", "|---:|---|---|---|---|---|---|"]
        for i, r in enumerate(t.rows, 1):
            filters = "<br>".join(md_code(d) for _, d in r.filters)
            backends = "<br>".join(
                md_code(b.label()) + (f" (weight {b.weight})" if len(r.backends) > 1 or b.weight != 1 else "")
                for b in r.backends
            ) or "–"
            status = f"{STATE_MARK[r.state]} {md_text(r.status_cell())}"
            out.append(
                f"| {i} | {md_text(r.hostname)} | {md_code(r.match_text)} | {filters} | {backends} | "
                f"{md_code(r.route_text())} | {status} |"
            )
        out.append("")
    return "\n".join(out)


# ---- diagrams -----------------------------------------------------------------------------

BROKEN_COLOR = "#d32f2f"
UNVERIFIED_COLOR = "#f9a825"


def _node_id(prefix: str, slug: str, *identity) -> str:
    """A stable node id: the prefix, a readable slug and a short hash of the identity (the
    same input always gives the same id; unrelated changes do not move it).  Only
    ``[A-Za-z0-9_]``, so it needs no quoting in Mermaid or DOT."""
    text = "\x1f".join("" if p is None else str(p) for p in identity)
    slug = re.sub(r"[^A-Za-z0-9]+", "_", slug).strip("_")[:32] or "x"
    return f"{prefix}_{slug}_{hashlib.sha1(text.encode('utf-8')).hexdigest()[:8]}"


@dataclass
class _Node:
    id: str
    kind: str  # gateway | listener | rule | backend
    lines: list
    state: str = "ok"  # ok | broken | unverified (missing objects)


@dataclass
class _Edge:
    src: str
    dst: str
    state: str = "ok"
    label: str = ""


def _short(problems: list) -> str:
    text = ", ".join(dict.fromkeys(p.short for p in problems))
    return text if len(text) <= 60 else text[:57] + "..."


def _edge_state(problems: list) -> str:
    if not problems:
        return "ok"
    return "unverified" if all(p.unverified for p in problems) else "broken"


def graph_of(m: RoutingMap) -> tuple[list[_Node], list[_Edge]]:
    """Nodes and edges: Gateway -> listener -> route rule (one match on one hostname) ->
    backend; an edge is broken (or unverified) when the problems it carries are."""
    nodes: dict[str, _Node] = {}
    edges: list[_Edge] = []
    seen_edges: set = set()

    def node(n: _Node) -> str:
        if n.id not in nodes:
            nodes[n.id] = n
        return n.id

    def edge(e: _Edge):
        k = (e.src, e.dst, e.state, e.label)
        if k not in seen_edges:
            seen_edges.add(k)
            edges.append(e)

    for t in m.tables:
        gw_state = "ok" if t.gateway_exists else t.missing_state
        gid = node(_Node(
            _node_id("gw", t.gateway.split("/")[-1], t.source, t.gateway_kind, t.gateway),
            "gateway", [t.gateway_kind, t.gateway + ("" if t.gateway_exists else " (not in the set)")] + ([t.source] if t.source else []),
            gw_state,
        ))
        listener_lines = [t.listener_text()]
        lid = node(_Node(
            _node_id("ls", t.listener_name(), t.source, t.gateway_kind, t.gateway, t.listener),
            "listener", listener_lines, "ok" if t.exists else t.missing_state,
        ))
        if not t.exists:
            edge(_Edge(gid, lid, t.missing_state, "not defined" if t.gateway_exists else ""))
        else:
            edge(_Edge(gid, lid, _edge_state(t.problems), _short(t.problems)))
        for r in t.rows:
            rid = node(_Node(
                _node_id(
                    "rr", r.route.split("/")[-1], t.source, t.gateway_kind, t.gateway, t.listener,
                    r.route_kind, r.route, r.rule_index, r.match_index, r.hostname,
                ),
                "rule",
                [f"{r.route_text()} rules[{r.rule_index}]", f"{r.hostname} {r.match_text}"] + [d for _, d in r.filters],
            ))
            edge(_Edge(lid, rid, _edge_state(r.problems), _short(r.problems)))
            many = len(r.backends) > 1 or any(b.weight != 1 for b in r.backends)
            for b in r.backends:
                bid = node(_Node(
                    _node_id("be", b.name, t.source, b.kind, b.group, b.namespace, b.name, b.port),
                    "backend", [b.kind if not b.group else f"{b.kind}.{b.group}", f"{b.namespace}/{b.name}" + (f":{b.port}" if b.port is not None else "")],
                ))
                label = _short(b.problems)
                if many:
                    label = f"weight {b.weight}" + (f": {label}" if label else "")
                edge(_Edge(rid, bid, _edge_state(b.problems), label))
    return list(nodes.values()), edges


def mermaid_text(text: str) -> str:
    """Text for a quoted Mermaid label: quotes, markup and entity characters as ``#...;``
    entity codes (Mermaid's own escape), one line."""
    s = _one_line(text).replace("#", "#35;")
    for ch, code in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("&", "#amp;"), ("|", "#124;"), ("`", "#96;")):
        s = s.replace(ch, code)
    return s


def render_mermaid(m: RoutingMap) -> str:
    nodes, edges = graph_of(m)
    out = ["flowchart LR"]
    shapes = {"gateway": ('["', '"]'), "listener": ('(["', '"])'), "rule": ('["', '"]'), "backend": ('[("', '")]')}
    for n in nodes:
        left, right = shapes[n.kind]
        out.append(f"  {n.id}{left}{'<br/>'.join(mermaid_text(x) for x in n.lines)}{right}")
    styles = []
    for i, e in enumerate(edges):
        arrow = "-->" if e.state == "ok" else "-.->"
        label = f'|"{mermaid_text(e.label)}"|' if e.label else ""
        out.append(f"  {e.src} {arrow}{label} {e.dst}")
        if e.state != "ok":
            color = BROKEN_COLOR if e.state == "broken" else UNVERIFIED_COLOR
            styles.append(f"  linkStyle {i} stroke:{color},stroke-width:2px,stroke-dasharray:5 5,color:{color}")
    out += styles
    for state, color in (("broken", BROKEN_COLOR), ("unverified", UNVERIFIED_COLOR)):
        ids = [n.id for n in nodes if n.state == state]
        if ids:
            out.append(f"  classDef {state} stroke:{color},stroke-width:2px,stroke-dasharray:5 5,color:{color}")
            out.append(f"  class {','.join(ids)} {state}")
    return "\n".join(out) + "\n"


def dot_string(text: str) -> str:
    """A double-quoted DOT string: backslashes and quotes escaped, one line (``\\n`` is
    added by the caller between lines)."""
    return '"' + _one_line(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(m: RoutingMap) -> str:
    nodes, edges = graph_of(m)
    out = [
        "digraph routing_map {",
        '  graph [rankdir=LR, fontname="Helvetica"];',
        '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    shapes = {"gateway": "box3d", "listener": "box", "rule": "box", "backend": "cylinder"}
    for n in nodes:
        label = '"' + "\\n".join(dot_string(x)[1:-1] for x in n.lines) + '"'
        attrs = [f"label={label}", f"shape={shapes[n.kind]}"]
        if n.kind == "rule":
            attrs.append("style=rounded")
        if n.state != "ok":
            color = BROKEN_COLOR if n.state == "broken" else UNVERIFIED_COLOR
            attrs += ['style="dashed,rounded"', f'color="{color}"', f'fontcolor="{color}"']
        out.append(f"  {dot_string(n.id)} [{', '.join(attrs)}];")
    for e in edges:
        attrs = []
        if e.label:
            attrs.append(f"label={dot_string(e.label)}")
        if e.state != "ok":
            color = BROKEN_COLOR if e.state == "broken" else UNVERIFIED_COLOR
            attrs += ["style=dashed", f'color="{color}"', f'fontcolor="{color}"', "penwidth=2"]
        tail = f" [{', '.join(attrs)}]" if attrs else ""
        out.append(f"  {dot_string(e.src)} -> {dot_string(e.dst)}{tail};")
    out.append("}")
    return "\n".join(out) + "\n"


def render(fmt: str, m: RoutingMap, color: bool = False, width: int | None = None) -> str:
    if fmt == "json":
        return render_json(m)
    if fmt == "markdown":
        return render_markdown(m)
    if fmt == "mermaid":
        return render_mermaid(m)
    if fmt == "dot":
        return render_dot(m)
    return render_text(m, color=color, width=width)
