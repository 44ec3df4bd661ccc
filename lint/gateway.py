"""Gateway API semantics shared by the routing rules (IGW102..IGW109) and by commands
that print routing tables.

Everything here reads plain documents (``lint.document.Document``) and the run's
``Index``; nothing raises on odd shapes (a string where a list is expected is treated as
absent).  The per-run model -- parents (Gateways and ListenerSets) by key, every route's
parentRef resolution, the routes attached to each listener, the cross-namespace
references that need a ReferenceGrant -- is built once per ``Index`` by ``graph(index)``
and cached on it.

Facts follow the Gateway API spec (v1.2 .. v1.6), see ../shared/DOMAIN.md:

* a parentRef defaults to group ``gateway.networking.k8s.io``, kind ``Gateway`` and the
  route's namespace; ``sectionName`` selects a listener by name, ``port`` by port, both
  must hold when both are set; a route attaches only to listeners of its *direct* parent
  (a Gateway's own ``spec.listeners``, or a ListenerSet's);
* ``allowedRoutes.namespaces.from`` is ``Same`` by default (the namespace of the Gateway or
  ListenerSet that owns the listener), ``All``, or ``Selector`` (a label selector over the
  route's Namespace labels; Kubernetes sets ``kubernetes.io/metadata.name`` on every
  Namespace, so that label is always known);
* ``allowedRoutes.kinds`` defaults from the listener protocol (HTTP/HTTPS: HTTPRoute and
  GRPCRoute, TLS: TLSRoute (plus TCPRoute when terminating), TCP: TCPRoute, UDP: UDPRoute);
  kinds listed explicitly are still limited to those the protocol can carry;
* a listener hostname and a route hostname intersect when equal, or when a wildcard
  (``*.example.com``, which matches one or more labels) covers the other;
* HTTP match precedence: Exact path, longest PathPrefix, method, most headers, most query
  params; ties between routes go to the oldest, then ``namespace/name`` order; inside one
  route the first rule wins.  An omitted match is ``PathPrefix /``; a PathPrefix ignores a
  trailing ``/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from .domain import CLUSTER_SCOPED, GATEWAY_GROUP, ROUTE_KINDS
from .record import FrozenRecord, Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on every run
if TYPE_CHECKING:
    from typing import Any

X_GATEWAY_GROUP = "gateway.networking.x-k8s.io"
METADATA_NAME_LABEL = "kubernetes.io/metadata.name"

#: (group, kind) of objects a route can name in parentRefs and that own listeners
PARENT_KINDS = frozenset({(GATEWAY_GROUP, "Gateway"), (GATEWAY_GROUP, "ListenerSet"), (X_GATEWAY_GROUP, "XListenerSet")})

#: route kinds that carry hostnames
HOSTNAME_ROUTE_KINDS = frozenset({"HTTPRoute", "GRPCRoute", "TLSRoute"})

#: route kinds a listener protocol can carry (None for protocols we do not know: any kind)
PROTOCOL_KINDS = {
    "HTTP": frozenset({(GATEWAY_GROUP, "HTTPRoute"), (GATEWAY_GROUP, "GRPCRoute")}),
    "HTTPS": frozenset({(GATEWAY_GROUP, "HTTPRoute"), (GATEWAY_GROUP, "GRPCRoute")}),
    "TLS": frozenset({(GATEWAY_GROUP, "TLSRoute")}),
    "TCP": frozenset({(GATEWAY_GROUP, "TCPRoute")}),
    "UDP": frozenset({(GATEWAY_GROUP, "UDPRoute")}),
}
_TLS_TERMINATE_KINDS = frozenset({(GATEWAY_GROUP, "TLSRoute"), (GATEWAY_GROUP, "TCPRoute")})

#: backendRef (group, kind) pairs that implementations commonly resolve; a kind outside
#: this set (and not defined by any object in the linted set) is "unknown" (InvalidKind)
KNOWN_BACKEND_KINDS = frozenset(
    {
        ("", "Service"),
        ("multicluster.x-k8s.io", "ServiceImport"),
        ("gateway.kgateway.dev", "Backend"),
        ("inference.networking.k8s.io", "InferencePool"),
        ("inference.networking.x-k8s.io", "InferencePool"),
        ("networking.istio.io", "ServiceEntry"),
        ("networking.istio.io", "Hostname"),
        ("agentgateway.dev", "AgentgatewayBackend"),
        ("gateway.envoyproxy.io", "Backend"),
    }
)


# ---- small helpers ------------------------------------------------------------------------

def _s(value) -> str:
    return value if isinstance(value, str) else ""


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _label_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def spec_get(doc, key: str):
    """``doc.get("spec", key)`` without its general walk where no string is on the way
    (only a string may hold an embedded document): the tables built over every route
    before a split run forks read a route's spec this way."""
    data = doc.data
    if isinstance(data, dict):
        spec = data.get("spec")
        if isinstance(spec, dict):
            value = spec.get(key)
            if not isinstance(value, str):
                return value
        elif not isinstance(spec, str):
            return None
    return doc.get("spec", key)


def core_group(group) -> str:
    """"" for the core API group (also spelled "core")."""
    g = _s(group)
    return "" if g in ("", "core") else g


# ---- versions -----------------------------------------------------------------------------

_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?(?:-[0-9A-Za-z.]+)?$")


def parse_version(text, default: tuple = (1, 2)) -> tuple[int, int]:
    """``"1.2"``, ``"v1.5.1"`` -> ``(1, 2)``, ``(1, 5)``; anything else -> ``default``."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        text = str(text)  # a YAML config may hold 1.5 as a number
    m = _VERSION.match(text.strip()) if isinstance(text, str) else None
    return (int(m.group(1)), int(m.group(2))) if m else default


#: apiVersion versions served per kind, any channel: version -> (first release, last release
#: or None while still served).  From the CRDs of the v1.0.0 .. v1.6.0 tags.
SERVED_VERSIONS: dict[tuple[str, str], dict[str, tuple]] = {
    (GATEWAY_GROUP, "GatewayClass"): {"v1": ((1, 0), None), "v1beta1": ((0, 0), None)},
    (GATEWAY_GROUP, "Gateway"): {"v1": ((1, 0), None), "v1beta1": ((0, 0), None)},
    (GATEWAY_GROUP, "HTTPRoute"): {"v1": ((1, 0), None), "v1beta1": ((0, 0), None)},
    (GATEWAY_GROUP, "GRPCRoute"): {"v1": ((1, 1), None), "v1alpha2": ((0, 0), (1, 1))},
    (GATEWAY_GROUP, "ReferenceGrant"): {"v1": ((1, 5), None), "v1beta1": ((0, 0), None), "v1alpha2": ((0, 0), (1, 1))},
    (GATEWAY_GROUP, "TCPRoute"): {"v1": ((1, 6), None), "v1alpha2": ((0, 0), None)},
    (GATEWAY_GROUP, "UDPRoute"): {"v1": ((1, 6), None), "v1alpha2": ((0, 0), None)},
    (GATEWAY_GROUP, "TLSRoute"): {"v1": ((1, 5), None), "v1alpha3": ((1, 4), None), "v1alpha2": ((0, 0), None)},
    (GATEWAY_GROUP, "BackendTLSPolicy"): {"v1": ((1, 4), None), "v1alpha3": ((1, 1), None), "v1alpha2": ((0, 0), (1, 0))},
    (GATEWAY_GROUP, "BackendLBPolicy"): {"v1alpha2": ((1, 1), (1, 2))},
    (GATEWAY_GROUP, "ListenerSet"): {"v1": ((1, 5), None)},
    (X_GATEWAY_GROUP, "XListenerSet"): {"v1alpha1": ((1, 3), (1, 4))},
    (X_GATEWAY_GROUP, "XBackendTrafficPolicy"): {"v1alpha1": ((1, 3), None)},
    (X_GATEWAY_GROUP, "XMesh"): {"v1alpha1": ((1, 4), None)},
    (X_GATEWAY_GROUP, "XBackend"): {"v1alpha1": ((1, 6), None)},
}


def served(group: str, kind: str, version: str, target: tuple) -> bool | None:
    """Is ``group/version`` ``kind`` served by the Gateway API release ``target`` (any
    channel)?  None for kinds/versions this table does not know."""
    versions = SERVED_VERSIONS.get((group, kind))
    if versions is None or version not in versions:
        return None if versions is None else False
    first, last = versions[version]
    return first <= target and (last is None or target <= last)


def served_versions(group: str, kind: str, target: tuple) -> list[str]:
    """The versions of ``kind`` served at ``target``, most stable first."""
    order = ("v1", "v1beta1", "v1alpha3", "v1alpha2", "v1alpha1")
    versions = SERVED_VERSIONS.get((group, kind), {})
    return [v for v in order if v in versions and served(group, kind, v, target)]


def first_served(group: str, kind: str, version: str) -> tuple | None:
    """The first release serving ``group/version`` ``kind`` (None: not in the table)."""
    span = SERVED_VERSIONS.get((group, kind), {}).get(version)
    return span[0] if span else None


def last_served(group: str, kind: str, version: str) -> tuple | None:
    """The last release serving it (None: still served, or not in the table)."""
    span = SERVED_VERSIONS.get((group, kind), {}).get(version)
    return span[1] if span else None


# ---- hostnames ----------------------------------------------------------------------------

def _host(value) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    h = value.strip().lower().rstrip(".")
    return None if h == "*" else h


def hostname_intersection(listener_host: str | None, route_host: str | None) -> str | None:
    """The hostnames both admit, as the more specific of the two, or None when they do
    not intersect.  ``None`` on either side means "any hostname"; a ``*.`` wildcard
    matches one or more leading labels (``*.example.com`` covers ``a.b.example.com`` but
    not ``example.com``)."""
    a, b = _host(listener_host), _host(route_host)
    if a is None or b is None:
        return b if a is None else a
    if a == b:
        return a
    aw, bw = a.startswith("*."), b.startswith("*.")
    if aw and bw:
        if a[1:].endswith(b[1:]):
            return a
        if b[1:].endswith(a[1:]):
            return b
        return None
    if aw:
        return b if b.endswith(a[1:]) else None
    if bw:
        return a if a.endswith(b[1:]) else None
    return None


def route_hostnames(doc) -> list[str]:
    """A route's ``spec.hostnames`` (lower-cased, strings only)."""
    return [h for h in (_host(x) for x in _list(doc.get("spec", "hostnames"))) if h]


def effective_hostnames(listener_host: str | None, hostnames: list[str]) -> list[str]:
    """Hostnames a route serves on a listener: the intersections of its hostnames with the
    listener's (``"*"`` when neither sets one).  Empty when none intersect."""
    if not hostnames:
        return [_host(listener_host) or "*"]
    out: list[str] = []
    for h in hostnames:
        hit = hostname_intersection(listener_host, h)
        if hit is not None and hit not in out:
            out.append(hit)
    return out


# ---- label selectors ----------------------------------------------------------------------

def selector_matches(selector, labels: dict, known: bool = True) -> bool | None:
    """Evaluate a Kubernetes label selector (``matchLabels`` and ``matchExpressions`` with
    In, NotIn, Exists, DoesNotExist) against ``labels``.

    ``known=False`` means ``labels`` may be incomplete (the Namespace object is not in the
    set): a requirement on a label we do not have is then undecided.  Returns True, False,
    or None when undecided or when the selector is malformed (the controller would reject
    it; this module does not guess)."""
    if not isinstance(selector, dict):
        return None
    results: list = []
    ml = selector.get("matchLabels")
    if ml is not None:
        if not isinstance(ml, dict):
            return None
        for k, v in ml.items():
            key = str(k)
            if key in labels:
                results.append(_label_value(labels[key]) == _label_value(v))
            else:
                results.append(False if known else None)
    exprs = selector.get("matchExpressions")
    if exprs is not None:
        if not isinstance(exprs, list):
            return None
        for expr in exprs:
            if not isinstance(expr, dict) or not isinstance(expr.get("key"), str):
                return None
            key, op = expr["key"], expr.get("operator")
            values = expr.get("values")
            vals = [_label_value(v) for v in values] if isinstance(values, list) else None
            have = key in labels
            value = _label_value(labels[key]) if have else None
            if op in ("In", "NotIn"):
                if not vals:
                    return None
                if have:
                    results.append((value in vals) == (op == "In"))
                else:
                    results.append((op == "NotIn") if known else None)
            elif op in ("Exists", "DoesNotExist"):
                if have:
                    results.append(op == "Exists")
                else:
                    results.append((op == "DoesNotExist") if known else None)
            else:
                return None
    if any(r is False for r in results):
        return False
    if any(r is None for r in results):
        return None
    return True


def namespace_labels(index, namespace: str, assume_complete: bool | None = None) -> tuple[dict, bool]:
    """(labels, known) of a namespace: the labels of its Namespace object plus the
    ``kubernetes.io/metadata.name`` label Kubernetes always sets.  ``known`` is False when
    the Namespace object is not in the set (unless ``assume_complete`` is True)."""
    labels = dict(index.namespace_labels(namespace))
    labels[METADATA_NAME_LABEL] = namespace
    known = index.namespace_obj(namespace) is not None or assume_complete is True
    return labels, known


# ---- listeners ----------------------------------------------------------------------------

class Listener(Record):
    """One listener of a Gateway or ListenerSet.  ``name``, ``port``, ``protocol``,
    ``hostname`` (lower-cased, None for any) and ``key`` are read once from ``data``."""

    _fields = ("parent", "namespace", "position", "data", "name", "port", "protocol", "hostname", "key")
    __eq__ = object.__eq__  # compared by identity, and hashable
    __hash__ = object.__hash__

    def __init__(self, parent: Any, namespace: str, position: int, data: dict):
        self.parent = parent  # the Gateway / ListenerSet document
        self.namespace = namespace  # the parent's namespace ("Same" means this one)
        self.position = position  # index in spec.listeners
        self.data = d = data
        self.name = d.get("name") if isinstance(d.get("name"), str) else None
        self.port = _int(d.get("port"))
        self.protocol = d.get("protocol") if isinstance(d.get("protocol"), str) else None
        self.hostname = _host(d.get("hostname"))
        # identity across documents: (parent kind, namespace, parent name, listener name)
        self.key = (self.parent.kind, self.namespace, self.parent.name, self.name or f"#{self.position}")

    @property
    def path(self) -> tuple:
        """Path of the listener inside its parent document."""
        return ("spec", "listeners", self.position)

    def label(self) -> str:
        """``Gateway ns/name listener 'http' (HTTP/80)`` for messages."""
        proto = self.protocol or "?"
        port = self.port if self.port is not None else "?"
        host = f", hostname {self.hostname}" if self.hostname else ""
        return f"{self.parent.kind} {self.namespace}/{self.parent.name} listener {self.name!r} ({proto}/{port}{host})"

    def short(self) -> str:
        proto = self.protocol or "?"
        port = self.port if self.port is not None else "?"
        return f"{self.name or '#' + str(self.position)} ({proto}/{port})"

    def supported_kinds(self) -> frozenset | None:
        """(group, kind) of routes this listener accepts, or None for "any" (a protocol
        this module does not know, e.g. a vendor ``example.com/PROTO``)."""
        compat = PROTOCOL_KINDS.get((self.protocol or "").upper()) if self.protocol else None
        if compat is not None and (self.protocol or "").upper() == "TLS":
            mode = _s(_dict(self.data.get("tls")).get("mode")) or "Terminate"
            if mode == "Terminate":
                compat = _TLS_TERMINATE_KINDS
        kinds = _list(_dict(self.data.get("allowedRoutes")).get("kinds"))
        listed = set()
        for k in kinds:
            if isinstance(k, dict) and isinstance(k.get("kind"), str):
                group = k.get("group")
                listed.add((group if isinstance(group, str) else GATEWAY_GROUP, k["kind"]))
        if listed:
            return frozenset(listed & compat) if compat is not None else frozenset(listed)
        return compat

    def admits_kind(self, group: str, kind: str) -> tuple[bool, str]:
        kinds = self.supported_kinds()
        if kinds is None or (group, kind) in kinds:
            return True, ""
        names = ", ".join(sorted(k for _, k in kinds)) or "none"
        listed = _list(_dict(self.data.get("allowedRoutes")).get("kinds"))
        why = "allowedRoutes.kinds" if listed else f"protocol {self.protocol}"
        return False, f"listener {self.short()} accepts {names} ({why}), not {kind}"

    def admits_namespace(self, index, route_ns: str, assume_complete: bool | None = None) -> tuple[bool | None, str]:
        """Does ``allowedRoutes.namespaces`` admit a route from ``route_ns``?  (True /
        False / None = cannot tell from the set, with the reason when False.)"""
        spec = _dict(_dict(self.data.get("allowedRoutes")).get("namespaces"))
        frm = spec.get("from", "Same")
        if frm is None:
            frm = "Same"
        if frm == "All":
            return True, ""
        if frm == "Same":
            if route_ns == self.namespace:
                return True, ""
            return False, (
                f"listener {self.short()} admits routes only from its own namespace {self.namespace!r} "
                "(allowedRoutes.namespaces.from: Same)"
            )
        if frm == "None":
            return False, f"listener {self.short()} admits no routes (allowedRoutes.namespaces.from: None)"
        if frm == "Selector":
            labels, known = namespace_labels(index, route_ns, assume_complete)
            ok = selector_matches(spec.get("selector"), labels, known)
            if ok is False:
                return False, (
                    f"listener {self.short()} admits namespaces selected by {describe_selector(spec.get('selector'))}, "
                    f"and namespace {route_ns!r} (labels {describe_labels(labels)}) is not one of them"
                )
            return ok, ""
        return None, ""  # unknown value: the API server rejects it; not ours to guess


def describe_selector(selector) -> str:
    parts = []
    sel = _dict(selector)
    for k, v in _dict(sel.get("matchLabels")).items():
        parts.append(f"{k}={_label_value(v)}")
    for e in _list(sel.get("matchExpressions")):
        if isinstance(e, dict):
            vals = ",".join(_label_value(v) for v in _list(e.get("values")))
            op = _s(e.get("operator"))
            parts.append(f"{_s(e.get('key'))} {op}" + (f" ({vals})" if vals else ""))
    return "{" + "; ".join(parts) + "}"


def describe_labels(labels: dict) -> str:
    return "{" + ", ".join(f"{k}={_label_value(v)}" for k, v in sorted(labels.items())) + "}"


def listeners_of(doc, index) -> list[Listener] | None:
    """Listeners of a Gateway or ListenerSet document (None when spec.listeners is not a
    list: the parent is malformed and nothing can be said about it)."""
    items = doc.get("spec", "listeners")
    if not isinstance(items, list):
        return None
    ns = index.namespace_of(doc) or index.default_namespace
    return [Listener(doc, ns, i, item) for i, item in enumerate(items) if isinstance(item, dict)]


# ---- parentRefs ---------------------------------------------------------------------------

class ParentRef(Record):
    """A route's parentRef with defaults applied."""

    _fields = ("path", "data", "group", "kind", "namespace", "name", "section_name", "port")

    def __init__(
        self, path: tuple, data: dict, group: str, kind: str, namespace: str, name: str, section_name: str | None,
        port: int | None,
    ):
        self.path = path
        self.data = data
        self.group = group
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.section_name = section_name
        self.port = port

    @property
    def key(self) -> tuple:
        return (self.group, self.kind, self.namespace, self.name)

    def label(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"

    def selector_text(self) -> str:
        parts = []
        if self.section_name is not None:
            parts.append(f"sectionName {self.section_name!r}")
        if self.port is not None:
            parts.append(f"port {self.port}")
        return " and ".join(parts)


def parent_refs(doc, index) -> list[ParentRef]:
    """Every parentRef of a route, defaults applied (group gateway.networking.k8s.io,
    kind Gateway, the route's namespace)."""
    route_ns = index.namespace_of(doc) or index.default_namespace
    out = []
    for i, ref in enumerate(_list(spec_get(doc, "parentRefs"))):
        if not isinstance(ref, dict) or not isinstance(ref.get("name"), str) or not ref["name"]:
            continue
        group = ref.get("group", GATEWAY_GROUP)
        group = group if isinstance(group, str) else GATEWAY_GROUP
        kind = _s(ref.get("kind")) or "Gateway"
        ns = _s(ref.get("namespace")) or route_ns
        section = ref.get("sectionName")
        out.append(
            ParentRef(
                ("spec", "parentRefs", i), ref, group, kind, ns, ref["name"],
                section if isinstance(section, str) and section else None, _int(ref.get("port")),
            )
        )
    return out


def _parent_keys(doc, index) -> list[tuple]:
    """(kind, namespace, name) of each ParentRef of ``parent_refs(doc, index)``, without
    making them."""
    route_ns = index.namespace_of(doc) or index.default_namespace
    out = []
    refs = spec_get(doc, "parentRefs")
    if isinstance(refs, list):
        for ref in refs:
            if isinstance(ref, dict):
                name = ref.get("name")
                if isinstance(name, str) and name:
                    kind = ref.get("kind")
                    ns = ref.get("namespace")
                    out.append((kind if isinstance(kind, str) and kind else "Gateway",
                                ns if isinstance(ns, str) and ns else route_ns, name))
    return out


ATTACHED = "attached"
UNSUPPORTED_PARENT = "unsupported-parent"  # e.g. a Service (GAMMA mesh): not judged
PARENT_NOT_FOUND = "parent-not-found"
NO_MATCHING_LISTENER = "no-matching-listener"  # sectionName/port selects nothing
NOT_ALLOWED = "not-allowed"  # allowedRoutes namespaces/kinds
NO_MATCHING_HOSTNAME = "no-matching-hostname"
UNDECIDED = "undecided"  # depends on labels of a Namespace not in the set, or a malformed parent


class Attachment(Record):
    """How one parentRef of a route resolves."""

    _fields = ("route", "ref", "status", "parents", "candidates", "listeners", "reasons")

    def __init__(
        self, route: Any, ref: ParentRef, status: str, parents: list | None = None, candidates: list | None = None,
        listeners: list | None = None, reasons: list | None = None,
    ):
        self.route = route
        self.ref = ref
        self.status = status
        self.parents = [] if parents is None else parents  # the parent documents found
        self.candidates = [] if candidates is None else candidates  # listeners selected by sectionName/port
        self.listeners = [] if listeners is None else listeners  # listeners the route attaches to
        self.reasons = [] if reasons is None else reasons  # why candidates refused it

    @property
    def attached(self) -> bool:
        return self.status == ATTACHED


# ---- backendRefs and other references -----------------------------------------------------

class BackendRef(Record):
    """A backendRef of a route (or the backendRef of a requestMirror filter)."""

    _fields = ("path", "data", "group", "kind", "namespace", "name", "port", "mirror")

    def __init__(
        self, path: tuple, data: dict, group: str, kind: str, namespace: str, name: str, port: int | None,
        mirror: bool = False,
    ):
        self.path = path
        self.data = data
        self.group = group
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.port = port
        self.mirror = mirror

    @property
    def is_service(self) -> bool:
        return self.group == "" and self.kind == "Service"

    @property
    def is_delegation(self) -> bool:
        """A kgateway delegation to child HTTPRoutes (by name or by label), not a backend."""
        return (self.group, self.kind) in DELEGATION_KINDS


def backend_refs(doc, index) -> list[BackendRef]:
    """Every backendRef of a route with defaults applied (group "", kind Service, the
    route's namespace), including requestMirror backendRefs in rule and backendRef filters.
    Read once per route and run (a dozen rules ask): the list is shared, do not change it."""
    memo = getattr(index, "memo", None)
    if memo is None:
        return _backend_refs(doc, index)
    cache = memo("backend-refs", dict)
    found = cache.get(id(doc))
    if found is None or found[0] is not doc:
        found = cache[id(doc)] = (doc, _backend_refs(doc, index))
    return found[1]


def _backend_refs(doc, index) -> list[BackendRef]:
    # every route of the set is read before a split run forks (references, bifrost_hosts):
    # the helpers (namespace_of, spec_get's usual case, _list, _s, core_group, _int)
    # written out, a helper call only for the rare requestMirror filters
    route_ns = (None if doc.kind in CLUSTER_SCOPED else doc.namespace) or index.default_namespace
    out: list[BackendRef] = []
    data = doc.data
    spec = data.get("spec") if data.__class__ is dict else None
    rules = spec.get("rules") if spec.__class__ is dict else None
    if rules is None or rules.__class__ is str:  # none, or what spec_get reads otherwise
        rules = spec_get(doc, "rules")
    if not isinstance(rules, list):
        return out
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        refs = rule.get("backendRefs")
        if isinstance(refs, list):
            for j, ref in enumerate(refs):
                if not isinstance(ref, dict):
                    continue
                base = ("spec", "rules", i, "backendRefs", j)
                name = ref.get("name")
                if isinstance(name, str) and name:
                    out.append(_backend_ref(base, ref, name, route_ns, False))
                filters = ref.get("filters")
                if isinstance(filters, list) and filters:
                    _mirrors(out, filters, base + ("filters",), route_ns)
        filters = rule.get("filters")
        if isinstance(filters, list) and filters:
            _mirrors(out, filters, ("spec", "rules", i, "filters"), route_ns)
    return out


def _backend_ref(path: tuple, ref: dict, name: str, route_ns: str, mirror: bool) -> BackendRef:
    """A BackendRef with defaults applied (``ref``'s name is a non-empty string)."""
    group = ref.get("group")
    group = "" if not isinstance(group, str) or group == "core" else group  # core_group
    kind = ref.get("kind")
    ns = ref.get("namespace")
    port = ref.get("port")
    return BackendRef(
        path, ref, group, kind if isinstance(kind, str) and kind else "Service",
        ns if isinstance(ns, str) and ns else route_ns, name, port if port.__class__ is int else _int(port), mirror,
    )


def _mirrors(out: list, filters: list, base: tuple, route_ns: str) -> None:
    """The requestMirror backendRefs of a list of filters, onto ``out``."""
    for k, f in enumerate(filters):
        if isinstance(f, dict) and isinstance(f.get("requestMirror"), dict):
            ref = f["requestMirror"].get("backendRef")
            if isinstance(ref, dict):
                name = ref.get("name")
                if isinstance(name, str) and name:
                    out.append(_backend_ref(base + (k, "requestMirror", "backendRef"), ref, name, route_ns, True))


# ---- kgateway route delegation and mesh (GAMMA) routes ------------------------------------
#
# kgateway delegates a rule to child HTTPRoutes when a backendRef names group
# gateway.networking.k8s.io kind HTTPRoute (``name: "*"`` selects every HTTPRoute of the
# namespace), or group delegation.kgateway.dev kind label (the children carry the label
# delegation.kgateway.dev/label=<name>; ``namespace: all`` looks in every namespace).  The
# children need no ReferenceGrant (also across namespaces), carry no hostnames and inherit
# the parent's parentRefs; a child that lists parentRefs of kind HTTPRoute is selected only
# by the parents it names (kgateway translator test inputs delegation/*.yaml, their golden
# outputs, and the label form's label_based.yaml).

DELEGATION_LABEL_GROUP = "delegation.kgateway.dev"
DELEGATION_LABEL = "delegation.kgateway.dev/label"
DELEGATION_KINDS = frozenset({(GATEWAY_GROUP, "HTTPRoute"), (DELEGATION_LABEL_GROUP, "label")})
DELEGATION_ALL_NAMESPACES = "all"


def _delegation_tables(index) -> dict:
    """The HTTPRoutes a delegation backendRef can select, looked up instead of scanned (a
    route repeated N times in one file otherwise makes N x N comparisons per step): by
    (namespace, label value), by label value in every namespace, by (namespace, name), and
    every route's named HTTPRoute parents; each list in set order."""

    def build() -> dict:
        by_label: dict = {}
        by_label_all: dict = {}
        by_name: dict = {}
        default_ns = index.default_namespace
        for child in index.of_kind("HTTPRoute", group=GATEWAY_GROUP):
            ns = child.namespace or default_ns  # namespace_of: an HTTPRoute is namespaced
            meta = child.data.get("metadata")  # child.labels, written out
            labels = meta.get("labels") if isinstance(meta, dict) else None
            value = labels.get(DELEGATION_LABEL) if isinstance(labels, dict) else None
            if isinstance(value, str):  # a ref's name is a string: nothing else can equal it
                by_label.setdefault((ns, value), []).append(child)
                by_label_all.setdefault(value, []).append(child)
            if isinstance(child.name, str):
                by_name.setdefault((ns, child.name), []).append(child)
        return {"label": by_label, "label-all": by_label_all, "name": by_name, "named": {}, "children": {},
                "refs": {}, "ids": {}}

    return index.memo("delegation-tables", build)


def _named_parents(index, tables: dict, child) -> list:
    """(name, namespace) of the HTTPRoute parents ``child`` names in its parentRefs ([] when
    it names none: then any route may delegate to it)."""
    named = tables["named"]
    key = id(child)
    found = named.get(key)
    if found is None:
        child_ns = index.namespace_of(child) or index.default_namespace
        found = named[key] = [
            (r.get("name"), _s(r.get("namespace")) or child_ns)
            for r in _list(child.get("spec", "parentRefs"))
            if isinstance(r, dict) and r.get("kind") == "HTTPRoute" and core_group(r.get("group", GATEWAY_GROUP)) == GATEWAY_GROUP
        ]
    return found


def _selected(index, parent, b: "BackendRef") -> tuple[list, object]:
    """(the routes delegation backendRef ``b`` of ``parent`` selects, in set order, where
    ``parent`` itself may still be; the route to leave out of it: ``parent`` for a selector
    (a label, or the name ``*``), which does not pick the parent itself, else None).  The
    list is shared by every parent of the same name and namespace: do not change it."""
    label_form = b.group == DELEGATION_LABEL_GROUP
    parent_ns = index.namespace_of(parent) or index.default_namespace
    tables = _delegation_tables(index)
    key = (label_form, b.namespace, b.name, parent.name, parent_ns)
    cache = tables["children"]
    out = cache.get(key)
    if out is None:
        if label_form:
            if b.namespace == DELEGATION_ALL_NAMESPACES:
                pool = tables["label-all"].get(b.name, ())
            else:
                pool = tables["label"].get((b.namespace, b.name), ())
        elif b.name == "*":
            pool = index.of_kind("HTTPRoute", namespace=b.namespace, group=GATEWAY_GROUP)
        else:
            pool = tables["name"].get((b.namespace, b.name), ())
        out = []
        for child in pool:
            named = _named_parents(index, tables, child)
            if named and not any(n == parent.name and ns == parent_ns for n, ns in named):
                continue  # the child names other parents only
            out.append(child)
        cache[key] = out
    # a route naming itself is a cycle (IGW121): only selectors leave the parent out
    return out, (parent if label_form or b.name == "*" else None)


def delegated_children(index, parent, b: "BackendRef") -> list:
    """The child HTTPRoutes a delegation backendRef ``b`` of ``parent`` selects, in set order."""
    if not b.is_delegation:
        return []
    children, skip = _selected(index, parent, b)
    return [c for c in children if c is not skip] if skip is not None else list(children)


def _route_refs(index, route) -> list:
    """``backend_refs`` of a route, kept for the run (delegation searches revisit routes)."""
    refs = _delegation_tables(index)["refs"]
    found = refs.get(id(route))
    if found is None:
        found = refs[id(route)] = [b for b in backend_refs(route, index) if b.is_delegation]
    return found


def delegation_parents(index, child) -> list:
    """The HTTPRoutes in the set that delegate to ``child``, in set order (each once).
    The list may be shared with other children: do not change it."""
    ns = index.namespace_of(child) or index.default_namespace
    value = child.labels.get(DELEGATION_LABEL)
    value = value if isinstance(value, str) else None
    name = child.name if isinstance(child.name, str) else None
    named = _named_parents(index, _delegation_tables(index), child)
    # which routes select a child depends on these only (and on the child itself, which
    # a selector leaves out): copies of a route share one answer
    key = (ns, value, name, tuple(named))
    try:
        hash(key)
    except TypeError:  # an unhashable name in a parentRef: no sharing
        return _parents_of(index, child, ns, value, name, exclude_self=True)
    cache = index.memo("delegation-parents-by-class", dict)
    found = cache.get(key)
    if found is None:
        found = cache[key] = _parents_of(index, child, ns, value, name, exclude_self=False)
    if child not in _identity_set(index, found):
        return found
    return _parents_of(index, child, ns, value, name, exclude_self=True)  # it may delegate to itself


def _identity_set(index, routes: list):
    ids = index.memo("delegation-parents-ids", dict)
    got = ids.get(id(routes))
    if got is None:
        got = ids[id(routes)] = (routes, _IdSet(routes))
    return got[1]


class _IdSet:
    """Membership by identity (Documents compare by value, field by field)."""

    __slots__ = ("ids",)

    def __init__(self, items):
        self.ids = {id(x) for x in items}

    def __contains__(self, item) -> bool:
        return id(item) in self.ids


def _parents_of(index, child, ns: str, value, name, exclude_self: bool) -> list:
    """The routes that have a delegation backendRef selecting ``child`` (or, without
    ``exclude_self``, any child of its namespace, label, name and named parents), in set order."""
    rev = index.memo("delegation-parents", lambda: _delegating_routes(index))
    keys = [(False, ns, "*")]
    if value is not None:
        keys += [(True, ns, value), (True, DELEGATION_ALL_NAMESPACES, value)]
    if name is not None:
        keys.append((False, ns, name))
    candidates: dict = {}
    for key in keys:
        for pos, route in rev.get(key, ()):
            candidates[pos] = route
    out = []
    for pos in sorted(candidates):
        route = candidates[pos]
        for b in _route_refs(index, route):
            ids, skip = _selected_ids(index, route, b)
            if id(child) in ids and (not exclude_self or child is not skip):
                out.append(route)
                break
    return out


def _selected_ids(index, parent, b: "BackendRef") -> tuple[set, object]:
    """``_selected`` as a set of ids (membership without a scan)."""
    children, skip = _selected(index, parent, b)
    cache = _delegation_tables(index)["ids"]
    ids = cache.get(id(children))
    if ids is None:
        ids = cache[id(children)] = (children, {id(c) for c in children})
    return ids[1], skip


def _delegating_routes(index) -> dict:
    """(label form, namespace, name) of every delegation backendRef -> (position in the
    set, route) of the routes that have one, in set order."""
    rev: dict = {}
    refs = _delegation_tables(index)["refs"]
    for pos, route in enumerate(index.of_kind("HTTPRoute", group=GATEWAY_GROUP)):
        found = refs.get(id(route))  # _route_refs, written out (every route is read here)
        if found is None:
            found = refs[id(route)] = [b for b in backend_refs(route, index) if (b.group, b.kind) in DELEGATION_KINDS]
        for b in found:
            key = (b.group == DELEGATION_LABEL_GROUP, b.namespace, b.name)
            lst = rev.setdefault(key, [])
            if not lst or lst[-1][1] is not route:
                lst.append((pos, route))
    return rev


def delegation_cycle(index, start, children: list | None = None, limit: int = 64) -> list | None:
    """The routes from one of ``children`` (default: every child of ``start``) back to
    ``start`` when delegation forms a cycle, else None (bounded: ``limit`` routes deep,
    ``limit * 8`` steps).  Depth first, the last child first; the children of a route
    are not copied onto the stack: each frame is (children, how many are left, the route
    to leave out, the path to them)."""
    stack: list = []
    if children is None:
        for b in _route_refs(index, start):
            lst, skip = _selected(index, start, b)
            if lst:
                stack.append([lst, len(lst), skip, []])
    elif children:
        stack.append([children, len(children), None, []])
    seen: set = set()
    steps = 0
    while stack and steps < limit * 8:
        frame = stack[-1]
        items, i, skip = frame[0], frame[1] - 1, frame[2]
        while i >= 0 and items[i] is skip:
            i -= 1
        if i < 0:
            stack.pop()
            continue
        frame[1] = i
        if i == 0:
            stack.pop()
        steps += 1
        route = items[i]
        path = frame[3] + [route]
        if route is start:
            return path
        if id(route) in seen or len(path) > limit:
            continue
        seen.add(id(route))
        for b in _route_refs(index, route):
            lst, skip2 = _selected(index, route, b)
            if lst:
                stack.append([lst, len(lst), skip2, path])
    return None


def is_mesh_route(route) -> bool:
    """A GAMMA mesh route: it has parentRefs and every one names a Service (core group)."""
    refs = [r for r in _list(route.get("spec", "parentRefs")) if isinstance(r, dict)]
    return bool(refs) and all(r.get("kind") == "Service" and core_group(r.get("group")) == "" for r in refs)


def needs_grant(route, b: "BackendRef", route_ns: str) -> bool:
    """Does backendRef ``b`` of ``route`` need a ReferenceGrant?  Only a reference into
    another namespace, and not a kgateway delegation to child routes nor a Service backend
    of a mesh (GAMMA) route, which the mesh resolves without a grant."""
    if b.namespace == route_ns or b.is_delegation:
        return False
    return not (b.is_service and is_mesh_route(route))


def object_refs(doc) -> Iterator[tuple[tuple, dict, str, str]]:
    """(path, ref, default group, default kind) for the object references of a Gateway or
    ListenerSet that may cross namespaces under a ReferenceGrant."""
    for i, listener in enumerate(_list(doc.get("spec", "listeners"))):
        tls = _dict(_dict(listener).get("tls"))
        for j, ref in enumerate(_list(tls.get("certificateRefs"))):
            if isinstance(ref, dict):
                yield ("spec", "listeners", i, "tls", "certificateRefs", j), ref, "", "Secret"
        fv = _dict(tls.get("frontendValidation"))
        for j, ref in enumerate(_list(fv.get("caCertificateRefs"))):
            if isinstance(ref, dict):
                yield ("spec", "listeners", i, "tls", "frontendValidation", "caCertificateRefs", j), ref, "", "ConfigMap"
    tls = _dict(doc.get("spec", "tls"))
    frontend = _dict(tls.get("frontend"))
    base = ("spec", "tls", "frontend", "default", "validation", "caCertificateRefs")
    for j, ref in enumerate(_list(_dict(_dict(frontend.get("default")).get("validation")).get("caCertificateRefs"))):
        if isinstance(ref, dict):
            yield base + (j,), ref, "", "ConfigMap"
    for p, per in enumerate(_list(frontend.get("perPort"))):
        refs = _list(_dict(_dict(_dict(per).get("tls")).get("validation")).get("caCertificateRefs"))
        for j, ref in enumerate(refs):
            if isinstance(ref, dict):
                yield ("spec", "tls", "frontend", "perPort", p, "tls", "validation", "caCertificateRefs", j), ref, "", "ConfigMap"
    client = _dict(tls.get("backend")).get("clientCertificateRef")
    if isinstance(client, dict):
        yield ("spec", "tls", "backend", "clientCertificateRef"), client, "", "Secret"


class Reference(FrozenRecord):
    """A cross-namespace reference that needs a ReferenceGrant in ``to_ns``."""

    _fields = ("from_group", "from_kind", "from_ns", "to_group", "to_kind", "to_ns", "to_name")

    def __init__(
        self, from_group: str, from_kind: str, from_ns: str, to_group: str, to_kind: str, to_ns: str, to_name: str,
    ):
        self.from_group = from_group
        self.from_kind = from_kind
        self.from_ns = from_ns
        self.to_group = to_group
        self.to_kind = to_kind
        self.to_ns = to_ns
        self.to_name = to_name


#: (group, kind) of referrers whose references this module collects; a grant ``from`` any
#: other kind cannot be judged unused
GRANT_REFERRERS = frozenset({(GATEWAY_GROUP, k) for k in ROUTE_KINDS + ("Gateway", "ListenerSet")})


def grant_mismatch(grant_data, ref: Reference) -> str | None:
    """None when a ReferenceGrant (its data; it must sit in ``ref.to_ns``) allows ``ref``;
    otherwise why not, for messages.  Grant fields are compared as written: the core API
    group is ``""`` (a grant that says ``core`` does not match it)."""
    spec = _dict(_dict(grant_data).get("spec"))
    frm = (ref.from_group, ref.from_kind, ref.from_ns)
    why_from = "it has no from entries"
    for f in _list(spec.get("from")):
        if not isinstance(f, dict):
            continue
        got = (_s(f.get("group")), _s(f.get("kind")), _s(f.get("namespace")))
        if got == frm:
            break
        label, want, have = next((lbl, w, h) for lbl, w, h in zip(("group", "kind", "namespace"), frm, got) if w != h)
        why_from = f"its from entry has {label} {have!r}, not {want!r}"
    else:
        return why_from
    why_to = "it has no to entries"
    for t in _list(spec.get("to")):
        if not isinstance(t, dict):
            continue
        group, kind, name = _s(t.get("group")), _s(t.get("kind")), _s(t.get("name"))
        if (group, kind) == (ref.to_group, ref.to_kind) and (not name or name == ref.to_name):
            return None
        if group != ref.to_group:
            why_to = f"its to entry has group {group!r}, not {ref.to_group!r}"
            if group == "core" and ref.to_group == "":
                why_to += ' (the core API group is written "")'
        elif kind != ref.to_kind:
            why_to = f"its to entry has kind {kind!r}, not {ref.to_kind!r}"
        else:
            why_to = f"its to entry is limited to name {name!r}"
    return why_to


def grant_entries(grant_data) -> tuple[list, list]:
    """A ReferenceGrant's entries as ``grant_mismatch`` compares them: (group, kind,
    namespace) of each ``from`` and (group, kind, name) of each ``to`` ("" for a value
    that is not a string; entries that are not mappings left out)."""
    spec = _dict(_dict(grant_data).get("spec"))
    froms = [(_s(f.get("group")), _s(f.get("kind")), _s(f.get("namespace")))
             for f in _list(spec.get("from")) if isinstance(f, dict)]
    tos = [(_s(t.get("group")), _s(t.get("kind")), _s(t.get("name"))) for t in _list(spec.get("to")) if isinstance(t, dict)]
    return froms, tos


class Grants:
    """The ReferenceGrants (gateway group) of one namespace, in set order, looked up by
    reference: which is the first that allows it (``grant_mismatch`` is None), found in
    the grants' own entries instead of by asking each grant (many grants and many
    references into one namespace cost their sum, not their product)."""

    __slots__ = ("grants", "_allow")

    def __init__(self, grants: list):
        self.grants = grants
        # (from group, kind, namespace, to group, kind) -> [position of the first grant that
        # allows any name (or None), {name: position of the first grant limited to it}]
        self._allow: dict = {}
        for pos, g in enumerate(grants):
            froms, tos = grant_entries(g.data)
            for frm in froms:
                for group, kind, name in tos:
                    entry = self._allow.setdefault(frm + (group, kind), [None, {}])
                    if not name:
                        if entry[0] is None:
                            entry[0] = pos
                    else:
                        entry[1].setdefault(name, pos)

    def first_allowing(self, ref: Reference):
        """The first grant that allows ``ref``, or None."""
        entry = self._allow.get((ref.from_group, ref.from_kind, ref.from_ns, ref.to_group, ref.to_kind))
        if entry is None:
            return None
        named = entry[1].get(ref.to_name) if ref.to_name else None
        found = [p for p in (entry[0], named) if p is not None]
        return self.grants[min(found)] if found else None


def grants_in(index, namespace) -> Grants:
    """``Grants`` of the ReferenceGrants in ``namespace``, made once per run."""
    # the builder reads the index: a language server sees each use as reading other files
    table = index.memo("gateway-grants", lambda: {} if index.documents is not None else {})
    found = table.get(namespace)
    if found is None:
        found = table[namespace] = Grants(
            [d for d in index.of_kind("ReferenceGrant", namespace=namespace) if d.group == GATEWAY_GROUP]
        )
    return found


def grant_allows(grant_data, ref: Reference) -> bool:
    """Does a ReferenceGrant (its data; it must sit in ``ref.to_ns``) allow ``ref``?"""
    return grant_mismatch(grant_data, ref) is None


# ---- matches and precedence ---------------------------------------------------------------

def _norm_prefix(value: str) -> str:
    return value.rstrip("/") or "/"


def http_match_key(match) -> tuple:
    """A hashable, normalised HTTPRouteMatch: defaults applied (PathPrefix ``/``), a
    PathPrefix without its trailing ``/``, header names lower-cased, headers and query
    params as sets."""
    m = _dict(match)
    path = _dict(m.get("path"))
    ptype = _s(path.get("type")) or "PathPrefix"
    pvalue = path.get("value") if isinstance(path.get("value"), str) else "/"
    if ptype == "PathPrefix":
        pvalue = _norm_prefix(pvalue)
    method = m.get("method")
    method = method.upper() if isinstance(method, str) else None
    headers = m.get("headers")
    headers = frozenset(
        (_s(h.get("type")) or "Exact", _s(h.get("name")).lower(), _label_value(h.get("value")))
        for h in headers if isinstance(h, dict)
    ) if isinstance(headers, list) and headers else _NONE
    query = m.get("queryParams")
    query = frozenset(
        (_s(q.get("type")) or "Exact", _s(q.get("name")), _label_value(q.get("value")))
        for q in query if isinstance(q, dict)
    ) if isinstance(query, list) and query else _NONE
    return ("http", ptype, pvalue, method, headers, query)


_NONE: frozenset = frozenset()  # a match without headers or query params (most)


def grpc_match_key(match) -> tuple:
    """A hashable, normalised GRPCRouteMatch (an omitted method matches every method)."""
    m = _dict(match)
    method = _dict(m.get("method"))
    mtype = _s(method.get("type")) or "Exact"
    headers = frozenset(
        (_s(h.get("type")) or "Exact", _s(h.get("name")).lower(), _label_value(h.get("value")))
        for h in _list(m.get("headers")) if isinstance(h, dict)
    )
    return ("grpc", mtype, _s(method.get("service")) or None, _s(method.get("method")) or None, headers)


def describe_match(key: tuple, written: str | None = None) -> str:
    """Human text of a match key: ``PathPrefix /v1`` (+ method, headers, query);
    ``written`` is the path value as the manifest spells it, shown instead of the
    normalised one."""
    if key and key[0] == "http":
        _, ptype, pvalue, method, headers, query = key
        parts = [f"{ptype} {written if isinstance(written, str) else pvalue}"]
        if method:
            parts.append(f"method {method}")
        for t, n, v in sorted(headers):
            parts.append(f"header {n}{'=' if t == 'Exact' else '~'}{v}")
        for t, n, v in sorted(query):
            parts.append(f"query {n}{'=' if t == 'Exact' else '~'}{v}")
        return ", ".join(parts)
    if key and key[0] == "grpc":
        _, mtype, service, method, headers = key
        parts = [f"gRPC {service or '*'}/{method or '*'}" + ("" if mtype == "Exact" else f" ({mtype})")]
        for t, n, v in sorted(headers):
            parts.append(f"header {n}{'=' if t == 'Exact' else '~'}{v}")
        return ", ".join(parts)
    return str(key)


def match_precedence(key: tuple) -> tuple:
    """Sort key (ascending = higher precedence) of an HTTP match per the spec: Exact path,
    then the longest PathPrefix, then a method, then most headers, then most query params.
    RegularExpression paths sort after prefixes (their precedence is implementation-specific)."""
    if not key or key[0] != "http":
        if key and key[0] == "grpc":
            _, _, service, method, headers = key
            return (0 if service else 1, 0 if method else 1, -len(headers))
        return (9,)
    _, ptype, pvalue, method, headers, query = key
    rank = {"Exact": 0, "PathPrefix": 1}.get(ptype, 2)
    return (rank, -len(pvalue) if rank < 2 else 0, 0 if method else 1, -len(headers), -len(query))


def rule_matches(doc) -> list[tuple[int, int | None, tuple, tuple]]:
    """(rule index, match index or None, path to report, normalised key) for every match
    of an HTTPRoute or GRPCRoute; a rule without matches gets the default match."""
    keyf = http_match_key if doc.kind == "HTTPRoute" else grpc_match_key if doc.kind == "GRPCRoute" else None
    if keyf is None:
        return []
    out = []
    for i, rule in enumerate(_list(doc.get("spec", "rules"))):
        if not isinstance(rule, dict):
            continue
        matches = rule.get("matches")
        if not isinstance(matches, list) or not matches:
            out.append((i, None, ("spec", "rules", i), keyf({})))
            continue
        for j, m in enumerate(matches):
            if isinstance(m, dict):
                out.append((i, j, ("spec", "rules", i, "matches", j), keyf(m)))
    return out


def rule_action_key(doc, rule, route_ns: str) -> str:
    """What a rule does once matched (backends with defaults resolved, filters, timeouts
    ...), as a canonical string: two rules with equal keys send traffic the same way."""
    r = dict(_dict(rule))
    r.pop("matches", None)
    r.pop("name", None)
    backends = []
    for ref in _list(r.pop("backendRefs", None)):
        if isinstance(ref, dict):
            b = dict(ref)
            b["group"] = core_group(b.get("group"))
            b["kind"] = _s(b.get("kind")) or "Service"
            b["namespace"] = _s(b.get("namespace")) or route_ns
            b.setdefault("weight", 1)
            backends.append(b)
    r["backendRefs"] = sorted(backends, key=_canonical)
    return _canonical(r)


# json.dumps(value, sort_keys=True, default=str), with one encoder for every call
_encode = json.JSONEncoder(sort_keys=True, default=str).encode


def _canonical(value) -> str:
    """``value`` as canonical JSON; a mapping whose keys are of several types (``1: x``
    beside ``name: y``: their order is undefined) is written with each key that is not a
    string as its type and repr, so that it still has one text."""
    try:
        return _encode(value)
    except TypeError:
        return _encode(_text_keys(value))


def _text_keys(value):
    if isinstance(value, dict):
        return {k if type(k) is str else f"\0{type(k).__name__}:{k!r}": _text_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_text_keys(v) for v in value]
    return value


class _Actions:
    """The ``rule_action_key`` of each rule of one route, made when first asked: only
    entries that share a routing-table bucket with another are ever compared."""

    __slots__ = ("route", "rules", "route_ns", "made")

    def __init__(self, route, rules: list, route_ns: str):
        self.route = route
        self.rules = rules
        self.route_ns = route_ns
        self.made: dict = {}

    def of(self, rule_index: int) -> str:
        got = self.made.get(rule_index)
        if got is None:
            got = self.made[rule_index] = rule_action_key(self.route, self.rules[rule_index], self.route_ns)
        return got


class RouteEntry(Record):
    """One match of one rule of a route, served on one listener for one hostname."""

    _fields = ("route", "rule_index", "match_index", "path", "key", "hostname", "listener", "action")

    def __init__(
        self, route: Any, rule_index: int, match_index: int | None, path: tuple, key: tuple, hostname: str,
        listener: Listener, action: str,
    ):
        self.route = route
        self.rule_index = rule_index
        self.match_index = match_index
        self.path = path
        self.key = key
        self.hostname = hostname
        self.listener = listener
        self._action = action  # the text, or the route's _Actions that makes it when asked

    @property
    def action(self) -> str:
        """What the rule does once matched (``rule_action_key``)."""
        got = self._action
        if type(got) is not str:
            got = self._action = got.of(self.rule_index)
        return got


def table_order(hostname: str, key: tuple, route, rule_index: int, match_index: int | None, index) -> tuple:
    """Sort key (ascending = tried first) of one match of a route rule in a listener's
    routing table: the hostname (exact before wildcard, longer first), then
    ``match_precedence``, then ``route_order``, then rule and match order.  Used by
    ``Graph.routing_table`` and by callers that place rows the graph did not attach
    (``lint/routes.py``) in the same order."""
    wildcard = hostname == "*" or hostname.startswith("*.")
    return (
        wildcard, -len(hostname), hostname, match_precedence(key),
        route_order(route, index), rule_index, match_index or 0,
    )


def route_order(doc, index) -> tuple:
    """Tie-break order between routes: the oldest creationTimestamp (when the manifest has
    one; undated sorts last), then ``namespace/name``."""
    meta = _dict(_dict(doc.data).get("metadata"))
    ts = meta.get("creationTimestamp")
    return (0 if ts else 1, str(ts or ""), index.namespace_of(doc) or "", doc.name or "")


# ---- the per-run graph --------------------------------------------------------------------

_PARENT_KIND_NAMES = tuple(sorted({kind for _, kind in PARENT_KINDS}))


def _in_document_order(index, lists: list[list]) -> list:
    """The documents of ``lists`` (each in document order) in the order of the index."""
    return index.in_order(lists)


def crd_group_kinds(crds):
    """(group, kind) that each CustomResourceDefinition of ``crds`` defines (malformed ones
    define nothing)."""
    for doc in crds:
        spec = _dict(doc.get("spec"))
        kind = _dict(spec.get("names")).get("kind")
        if isinstance(spec.get("group"), str) and isinstance(kind, str):
            yield spec["group"], kind


class Graph:
    """Gateway API model of one run, built once per Index (see ``graph``)."""

    def __init__(self, index, assume_complete: bool | None = None):
        self.index = index
        self.assume_complete = assume_complete
        self.parents: dict[tuple, list] = {}
        self.listeners: dict[int, list | None] = {}  # id(parent doc) -> listeners
        self.routes: list = []
        self.kinds_present: set[str] = set()
        self.classes: dict[str, list] = {}
        self.crd_kinds: set[tuple[str, str]] = set()  # (group, kind) defined by a CRD in the set
        # from the index's lists by kind (document order within a kind), not a pass over
        # every resource; parents or routes of several kinds are put back in document order
        self.kinds_present = index.kinds()
        self.crd_kinds.update(crd_group_kinds(index.of_kind("CustomResourceDefinition")))
        parents = _in_document_order(index, [
            [d for d in index.of_kind(kind) if (d.group, kind) in PARENT_KINDS] for kind in _PARENT_KIND_NAMES
        ])
        for doc in parents:
            ns = index.namespace_of(doc)
            self.parents.setdefault((doc.group, doc.kind, ns, doc.name), []).append(doc)
            self.listeners[id(doc)] = listeners_of(doc, index)
        self.routes = _in_document_order(index, [index.of_kind(kind, group=GATEWAY_GROUP) for kind in ROUTE_KINDS])
        for doc in index.of_kind("GatewayClass", group=GATEWAY_GROUP):
            if doc.name:
                self.classes.setdefault(doc.name, []).append(doc)
        self._names: dict[tuple, dict[tuple, list[str]]] = {}
        self._attachments: dict[int, list[Attachment]] = {}
        self._refs: dict[int, list[ParentRef]] = {}  # id(route) -> parent_refs (the graph holds the routes)
        self._collapsed: dict[tuple, list] = {}
        self._entries_of: dict[int, list[RouteEntry]] = {}  # id(route) -> its routing-table entries
        self._tables: dict[tuple, tuple] = {}  # listener key -> _listener_table
        self._routes_by_parent: dict[tuple, list] | None = None  # (kind, namespace, name) -> routes naming it
        self._references: dict[str, list[Reference]] | None = None

    # -- attachment --
    def attachments(self, route) -> list[Attachment]:
        """How each parentRef of ``route`` resolves (cached)."""
        got = self._attachments.get(id(route))
        if got is None:
            got = [self._attach(route, ref) for ref in self._parent_refs(route)]
            self._attachments[id(route)] = got
        return got

    def _parent_refs(self, route) -> list:
        """``parent_refs`` of a route, read once (attaching it and finding the routes of a
        parent both read them)."""
        got = self._refs.get(id(route))
        if got is None:
            got = self._refs[id(route)] = parent_refs(route, self.index)
        return got

    def _distinct_parents(self, key: tuple) -> list:
        """The parents named ``key``, each distinct text once: one file that repeats the
        same Gateway N times (a concatenated render) is one Gateway, not N (and every route
        then costs N, not N x N)."""
        docs = self.parents.get(key, [])
        if len(docs) < 2:
            return docs
        got = self._collapsed.get(key)
        if got is None:
            seen: set = set()
            got = []
            for d in docs:
                text = d.source.text[d.start:d.end] if d.origin is None else None
                if text is None or text not in seen:
                    got.append(d)
                    if text is not None:
                        seen.add(text)
            self._collapsed[key] = got
        return got

    def _attach(self, route, ref: ParentRef) -> Attachment:
        if (ref.group, ref.kind) not in PARENT_KINDS:
            return Attachment(route, ref, UNSUPPORTED_PARENT)
        docs = self._distinct_parents(ref.key)
        if not docs:
            return Attachment(route, ref, PARENT_NOT_FOUND)
        listeners: list[Listener] = []
        for d in docs:
            ls = self.listeners.get(id(d))
            if ls is None:
                return Attachment(route, ref, UNDECIDED, parents=docs)
            listeners += ls
        candidates = [
            l for l in listeners
            if (ref.section_name is None or l.name == ref.section_name)
            and (ref.port is None or l.port is None or l.port == ref.port)
        ]
        if not candidates:
            return Attachment(route, ref, NO_MATCHING_LISTENER, parents=docs)
        route_ns = self.index.namespace_of(route) or self.index.default_namespace
        admitted, reasons, undecided = [], [], False
        for l in candidates:
            ok_kind, why_kind = l.admits_kind(route.group, route.kind)
            ok_ns, why_ns = l.admits_namespace(self.index, route_ns, self.assume_complete)
            if not ok_kind or ok_ns is False:
                reasons.append(why_kind or why_ns)
                continue
            if ok_ns is None:
                undecided = True
                continue
            admitted.append(l)
        if not admitted:
            status = UNDECIDED if undecided else NOT_ALLOWED
            return Attachment(route, ref, status, docs, candidates, [], reasons)
        hosts = route_hostnames(route) if route.kind in HOSTNAME_ROUTE_KINDS else []
        attached = [l for l in admitted if effective_hostnames(l.hostname, hosts)] if hosts else admitted
        if not attached:
            status = UNDECIDED if undecided else NO_MATCHING_HOSTNAME
            why = [f"listener {l.short()} serves hostname {l.hostname}" for l in admitted]
            return Attachment(route, ref, status, docs, candidates, [], reasons + why)
        return Attachment(route, ref, ATTACHED, docs, candidates, attached, reasons)

    # -- routing tables --
    # Built per listener, on first use, from the routes whose parentRefs name its parent
    # (a route's listeners all come from the parents its parentRefs name: ``_attach``), and
    # each route's entries once: a run split over processes (lint/parallel.py) builds in
    # each process the tables of the listeners its documents reach, not one table of every
    # route before forking.  The order is that of a single pass over ``self.routes``.
    def _route_table_entries(self, route) -> list[RouteEntry]:
        """The entries of one route (one per listener, hostname, match), made once."""
        got = self._entries_of.get(id(route))
        if got is not None:
            return got
        out: list[RouteEntry] = []
        self._entries_of[id(route)] = out
        if route.kind not in ("HTTPRoute", "GRPCRoute"):
            return out
        matches = rule_matches(route)
        if not matches:
            return out
        route_ns = self.index.namespace_of(route) or self.index.default_namespace
        actions = _Actions(route, _list(route.get("spec", "rules")), route_ns)
        hosts = route_hostnames(route)
        seen_listeners = set()
        for att in self.attachments(route):
            for l in att.listeners:
                if l.key in seen_listeners:
                    continue
                seen_listeners.add(l.key)
                for host in effective_hostnames(l.hostname, hosts):
                    for rule_i, match_i, path, key in matches:
                        out.append(RouteEntry(route, rule_i, match_i, path, key, host, l, actions))
        return out

    def _listener_table(self, listener_key: tuple) -> tuple[dict, dict, list]:
        """({(hostname, match key): entries}, {(hostname, match key): distinct actions},
        every entry) of one listener, in route order."""
        got = self._tables.get(listener_key)
        if got is not None:
            return got
        if self._routes_by_parent is None:
            by_parent: dict[tuple, list] = {}
            index = self.index
            for route in self.routes:
                # (kind, namespace, name) of parent_refs; a route's ParentRefs are made
                # when it is attached (this runs before a split run forks: every route)
                got = self._refs.get(id(route))
                keys = [(r.kind, r.namespace, r.name) for r in got] if got is not None else _parent_keys(route, index)
                for key in keys:
                    named = by_parent.setdefault(key, [])
                    if not named or named[-1] is not route:  # a parent named twice by one route
                        named.append(route)
            self._routes_by_parent = by_parent
        buckets: dict[tuple, list[RouteEntry]] = {}
        every: list[RouteEntry] = []
        for route in self._routes_by_parent.get(listener_key[:3], ()):
            for e in self._route_table_entries(route):
                if e.listener.key == listener_key:
                    buckets.setdefault((e.hostname, e.key), []).append(e)
                    every.append(e)
        # distinct actions per bucket, counted when first asked (a bucket of one entry has one)
        got = self._tables[listener_key] = (buckets, {}, every)
        return got

    def entries(self, listener_key: tuple, hostname: str, key: tuple) -> list[RouteEntry]:
        """Every route match served on ``listener_key`` for ``hostname`` with match ``key``."""
        return self._listener_table(listener_key)[0].get((hostname, key), [])

    def distinct_actions(self, listener_key: tuple, hostname: str, key: tuple) -> int:
        """How many different actions the rules sharing this listener, hostname and match have."""
        buckets, counts, _ = self._listener_table(listener_key)
        got = counts.get((hostname, key))
        if got is None:
            bucket = buckets.get((hostname, key), ())
            got = counts[(hostname, key)] = len(bucket) if len(bucket) < 2 else len({e.action for e in bucket})
        return got

    def _name_index(self, kind: str, group: str | None, by: str) -> dict:
        """namespace -> sorted names (``by`` "ns") or name -> sorted namespaces ("name") of
        the ``kind`` objects; each table made on first use (a run may need only one)."""
        got = self._names.get((kind, group, by))
        if got is None:
            table: dict = {}
            scoped = kind in CLUSTER_SCOPED
            default_ns = self.index.default_namespace
            for d in self.index.of_kind(kind, group=group):
                name = d.name
                if name:
                    ns = None if scoped else d.namespace or default_ns  # index.namespace_of
                    if by == "ns":
                        table.setdefault(ns, set()).add(name)
                    else:
                        table.setdefault(name, set()).add(ns)
            got = {k: sorted(v) for k, v in table.items()} if by == "ns" else {
                k: sorted(v, key=str) for k, v in table.items()}
            self._names[(kind, group, by)] = got
        return got

    def names_in(self, kind: str, namespace: str | None, group: str | None = None) -> list[str]:
        """Sorted names of the ``kind`` objects in ``namespace`` (for "did you mean" hints);
        one pass over the kind per run."""
        return self._name_index(kind, group, "ns").get(namespace, [])

    def namespaces_of_name(self, kind: str, name: str, group: str | None = None) -> list:
        """Namespaces that hold a ``kind`` object called ``name``."""
        return self._name_index(kind, group, "name").get(name, [])

    def route_entries(self, route) -> list[RouteEntry]:
        """The entries of ``route`` in the routing tables (one per listener, hostname, match)."""
        return self._route_table_entries(route)

    def routing_table(self, listener_key: tuple) -> list[RouteEntry]:
        """The routes served on a listener in the order a conformant implementation tries
        them: by hostname (exact before wildcard, longer first), then match precedence, then
        route age / name, then rule order."""
        entries = self._listener_table(listener_key)[2]
        return sorted(entries, key=lambda e: table_order(e.hostname, e.key, e.route, e.rule_index, e.match_index, self.index))

    def all_listeners(self) -> list[Listener]:
        out = []
        for docs in self.parents.values():
            for d in docs:
                out += self.listeners.get(id(d)) or []
        return out

    # -- references needing grants --
    def references(self, to_ns: str) -> list[Reference]:
        """Cross-namespace references in the set that point into ``to_ns``."""
        if self._references is None:
            refs: dict[str, list[Reference]] = {}
            index = self.index
            # the routes, Gateways and ListenerSets of the group, from the index's lists
            # (put back in set order), not a pass over every resource
            docs = index.in_order([index.of_kind(kind, group=GATEWAY_GROUP) for kind in _REFERRING_KINDS])
            for doc in docs:
                src_ns = index.namespace_of(doc) or index.default_namespace
                if doc.kind in ROUTE_KINDS:
                    mesh = None
                    for b in backend_refs(doc, index):
                        # needs_grant, written out (is_mesh_route asked once per route)
                        if b.namespace == src_ns or (b.group, b.kind) in DELEGATION_KINDS:
                            continue
                        if b.group == "" and b.kind == "Service":
                            if mesh is None:
                                mesh = is_mesh_route(doc)
                            if mesh:
                                continue
                        r = Reference(GATEWAY_GROUP, doc.kind, src_ns, b.group, b.kind, b.namespace, b.name)
                        refs.setdefault(b.namespace, []).append(r)
                elif doc.kind in ("Gateway", "ListenerSet"):
                    for _, ref, dgroup, dkind in object_refs(doc):
                        ns = _s(ref.get("namespace"))
                        if ns and ns != src_ns and isinstance(ref.get("name"), str):
                            group = core_group(ref.get("group")) if "group" in ref else dgroup
                            r = Reference(GATEWAY_GROUP, doc.kind, src_ns, group, _s(ref.get("kind")) or dkind, ns, ref["name"])
                            refs.setdefault(ns, []).append(r)
            self._references = refs
        return self._references.get(to_ns, [])

    # -- classes --
    def gateway_class(self, gateway) -> list:
        """GatewayClass documents named by a Gateway's ``spec.gatewayClassName``."""
        name = gateway.get("spec", "gatewayClassName")
        return self.classes.get(name, []) if isinstance(name, str) else []


_REFERRING_KINDS = ROUTE_KINDS + ("Gateway", "ListenerSet")  # Graph.references reads these


def graph(index, assume_complete: bool | None = None) -> Graph:
    """The run's Gateway API model, built on first use and cached on ``index``."""
    return index.memo(("gateway-graph", assume_complete), lambda: Graph(index, assume_complete))


def graph_for(ctx) -> Graph:
    """``graph`` for a rule's context (honours --assume-complete)."""
    return graph(ctx.index, ctx.options.assume_complete)


def option_crd_kinds(ctx) -> set[tuple[str, str]]:
    """(group, kind) of each CustomResourceDefinition of the ``--crds`` paths (the CRDs of
    the linted set and ``--context`` are ``Graph.crd_kinds``): a kind the cluster defines."""

    def build() -> set:
        from .crd import crds_option_docs

        return set(crd_group_kinds(d for d in crds_option_docs(ctx) if d.kind == "CustomResourceDefinition"))

    return ctx.index.memo("gateway.option-crd-kinds", build)


def lookup_complete(ctx, kind: str, namespace: str | None) -> bool:
    """May a failed lookup of a ``kind`` object in ``namespace`` be reported as missing?

    ``--assume-complete`` / ``--no-assume-complete`` decide when given.  Otherwise the set
    must say that it holds that namespace's ``kind`` objects: its Namespace object is in
    the set, or at least one ``kind`` object of that namespace is.  A route (or any other
    kind) alone does not count: a tree of routes whose Services live elsewhere is partial,
    not a tree whose Services are missing.  And the set must hold at least one object of
    ``kind`` anywhere (a routes-only tree with a Namespace file).
    """
    if ctx.options.assume_complete is not None:
        return bool(ctx.options.assume_complete)
    index = ctx.index
    if kind not in graph_for(ctx).kinds_present:
        return False
    return index.namespace_obj(namespace) is not None or bool(index.of_kind(kind, namespace=namespace))


# ---- backend resolution (what IGW101 and IGW104 check, for routing tables) ----------------

#: backend kinds whose objects can be looked up in the set (ServiceImport and Istio's
#: Hostname are made by controllers or are not objects at all)
LOOKED_UP_BACKEND_KINDS = frozenset(
    {
        ("", "Service"),
        ("gateway.kgateway.dev", "Backend"),
        ("inference.networking.k8s.io", "InferencePool"),
        ("inference.networking.x-k8s.io", "InferencePool"),
        ("agentgateway.dev", "AgentgatewayBackend"),
    }
)


class Problem(FrozenRecord):
    """Why part of a route will not serve: ``code`` is the rule that reports it (IGW101
    ...), ``short`` a few words for diagram edges, ``detail`` the sentence for tables;
    ``unverified`` marks what the set cannot tell (a partial tree), not a fault."""

    _fields = ("code", "short", "detail", "unverified", "what")

    def __init__(self, code: str, short: str, detail: str, unverified: bool = False, what: str = ""):
        self.code = code
        self.short = short
        self.detail = detail
        self.unverified = unverified
        self.what = what  # for backends: "grant", "kind", "no-port", "not-found", "port" (IGW104 words them)


def only_other_controllers(route, g: Graph, judged=()) -> bool:
    """True when every parent of ``route`` is a Gateway owned by a controller the linter
    does not judge (see ``gateway_controller``/``judged_controller``; ``judged`` is the
    config's ``controllers:``): that controller may serve backend kinds nobody else knows."""
    seen = False
    for att in g.attachments(route):
        for parent in att.parents:
            if parent.kind != "Gateway":
                return False
            controller = gateway_controller(parent, g)
            if controller is None or judged_controller(controller, judged):
                return False
            seen = True
    return seen


def service_ports(svc) -> list[int] | None:
    """``spec.ports[].port`` of a Service (None when ``spec.ports`` is not a list)."""
    ports = svc.get("spec", "ports")
    if not isinstance(ports, list):
        return None
    return [p["port"] for p in ports if isinstance(p, dict) and isinstance(p.get("port"), int) and not isinstance(p.get("port"), bool)]


def backend_problems(ctx, route, b: BackendRef, grants: bool = True) -> list[Problem]:
    """Why ``b`` (a backendRef of ``route``) will not resolve, with the semantics of
    IGW101 (a cross-namespace reference needs a ReferenceGrant in the target namespace)
    and IGW104 (unknown kind, Service without port, target missing -- only when
    ``lookup_complete`` -- or port not exposed).  A target the set cannot confirm is an
    ``unverified`` problem.  Empty when the backend resolves.  ``grants=False``: without the
    IGW101 problem (IGW104 asks for every backendRef and reads only its own)."""
    index = ctx.index
    g = graph_for(ctx)
    route_ns = index.namespace_of(route) or index.default_namespace
    out: list[Problem] = []
    if b.is_delegation:
        return []  # a delegation to child routes (lint.routes shows the children)
    if grants and needs_grant(route, b, route_ns):
        ref = Reference(GATEWAY_GROUP, route.kind, route_ns, b.group, b.kind, b.namespace, b.name)
        if grants_in(index, b.namespace).first_allowing(ref) is None:
            out.append(Problem(
                "IGW101", "no ReferenceGrant",
                f"no ReferenceGrant in {b.namespace!r} allows {route.kind} from {route_ns!r} to {_shown(b)} (IGW101)",
                what="grant",
            ))
    gk = (b.group, b.kind)
    if gk not in KNOWN_BACKEND_KINDS:
        judged = getattr(ctx.options, "controllers", ())
        if (gk in g.crd_kinds or index.of_kind(b.kind, group=b.group) or gk in option_crd_kinds(ctx)
                or only_other_controllers(route, g, judged)):
            return out
        out.append(Problem(
            "IGW104", "unknown kind", f"{_shown(b)}: kind {b.kind!r} is not a backend kind the controller resolves (IGW104)",
            what="kind",
        ))
        return out
    if b.is_service and b.port is None:
        out.append(Problem("IGW104", "no port", f"backendRef to {_shown(b)} has no port (IGW104)", what="no-port"))
    if gk not in LOOKED_UP_BACKEND_KINDS:
        return out
    target = index.get(b.kind, b.namespace, b.name, group=b.group)
    if target is None:
        forgot = (  # no namespace written, and the name exists in another namespace
            "namespace" not in b.data and ctx.options.assume_complete is None
            and any(n != b.namespace for n in g.namespaces_of_name(b.kind, b.name, b.group))
        )
        if lookup_complete(ctx, b.kind, b.namespace) or forgot:
            out.append(Problem("IGW104", f"{b.kind} not found", f"{_shown(b)} not found (IGW104)", what="not-found"))
        else:
            out.append(Problem("", "not in the set", f"unverified: {_shown(b)} is not in the linted set", unverified=True))
        return out
    if b.is_service and b.port is not None:
        ports = service_ports(target)
        if ports and b.port not in ports:
            listed = ", ".join(str(p) for p in ports)
            out.append(Problem(
                "IGW104", f"no port {b.port}", f"{_shown(b)} has no port {b.port} (ports: {listed}) (IGW104)", what="port",
            ))
    return out


def _shown(b: BackendRef) -> str:
    """A backendRef's target in a Problem's words (made only for a problem)."""
    return f"{b.kind} {b.namespace}/{b.name}" if not b.group else f"{b.kind}.{b.group} {b.namespace}/{b.name}"


# ---- kgateway -----------------------------------------------------------------------------

KGATEWAY_CONTROLLERS = frozenset({"kgateway.dev/kgateway", "kgateway.dev/kgateway-waypoint"})


def is_kgateway_class(gateway_class) -> bool:
    """A GatewayClass meant for kgateway (its controllerName mentions kgateway, even a
    wrong one like ``kgateway.dev/kgateway-controller``)."""
    cn = gateway_class.get("spec", "controllerName")
    return isinstance(cn, str) and "kgateway" in cn.lower()


def gateway_is_kgateway(gateway, g: Graph) -> bool | None:
    """True/False when the Gateway's class is in the set, None when it is not."""
    classes = g.gateway_class(gateway)
    if not classes:
        return None
    return any(is_kgateway_class(c) for c in classes)


#: GatewayClasses controllers create themselves, so a tree names them without a
#: GatewayClass object (Istio: pilot/pkg/features/pilot.go, pkg/config/constants/constants.go;
#: kgateway: its GatewayClass reconciler creates `kgateway` and, with waypoints enabled,
#: `kgateway-waypoint` at start-up, pkg/kgateway/controller/start.go GetDefaultClassInfo and
#: wellknown/controller.go, v2.2.8 and v2.4.3)
BUILTIN_CLASSES = {
    "kgateway": "kgateway.dev/kgateway",
    "kgateway-waypoint": "kgateway.dev/kgateway",
    "istio": "istio.io/gateway-controller",
    "istio-waypoint": "istio.io/mesh-controller",
    "istio-remote": "istio.io/unmanaged-gateway",
    "istio-east-west": "istio.io/eastwest-controller",
}


def gateway_controller(gateway, g: Graph) -> str | None:
    """The controllerName that owns a Gateway: its GatewayClass's (when in the set), or
    the controller that installs a well-known class itself (``istio``); None when unknown."""
    for c in g.gateway_class(gateway):
        cn = c.get("spec", "controllerName")
        if isinstance(cn, str) and cn:
            return cn
    name = gateway.get("spec", "gatewayClassName")
    return BUILTIN_CLASSES.get(name) if isinstance(name, str) else None


def judged_controller(controller: str, judged=()) -> bool:
    """Does the linter judge what is specific to ``controller`` (backend kinds, class
    settings, policies)?  kgateway's (any controllerName mentioning kgateway, so a wrong
    one is still judged), and those listed in the config's ``controllers:``."""
    return "kgateway" in controller.lower() or controller in judged


def foreign_controller_notes(index, judged=()) -> list[str]:
    """One note per controller whose Gateways the run does not judge (see
    ``judged_controller``), naming the controller and its classes."""
    g = graph(index)
    owners: dict[str, set] = {}
    for (group, kind, _ns, _name), docs in g.parents.items():
        if kind != "Gateway":
            continue
        for d in docs:
            controller = gateway_controller(d, g)
            if controller and not judged_controller(controller, judged):
                owners.setdefault(controller, set()).add(str(d.get("spec", "gatewayClassName")))
    return [
        f"Gateways of class {', '.join(sorted(classes))} belong to controller {controller}: their backend kinds "
        "and class settings are left to it (list it under `controllers:` in the configuration to judge them)"
        for controller, classes in sorted(owners.items())
    ]
