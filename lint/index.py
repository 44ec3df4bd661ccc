"""Index of every loaded resource, for cross-file questions."""

from __future__ import annotations

from collections import defaultdict

from .domain import CLUSTER_SCOPED, env_from_labels


class Index:
    def __init__(self, documents, default_namespace: str = "default"):
        self.default_namespace = default_namespace
        self._memo: dict = {}
        self.documents = list(documents)
        self.resources = [d for d in self.documents if d.flavor == "k8s"]
        self._by_kind: dict[str, list] = defaultdict(list)
        self._by_key: dict[tuple, list] = defaultdict(list)
        self._by_kind_ns: dict[tuple, list] = defaultdict(list)
        self.namespaces_seen: set[str] = set()
        self._namespace_objs: dict[str, object] = {}
        for doc in self.resources:
            kind = doc.kind
            ns = self.namespace_of(doc)
            self._by_kind[kind].append(doc)
            self._by_key[(kind, ns, doc.name)].append(doc)
            self._by_kind_ns[(kind, ns)].append(doc)
            if ns is not None:
                self.namespaces_seen.add(ns)
            if kind == "Namespace" and doc.name:
                self._namespace_objs[doc.name] = doc
                self.namespaces_seen.add(doc.name)

    def memo(self, key, build):
        """Per-run facts derived from the whole set (a rule's lookup table, the Gateway API
        graph), built once by ``build()`` on first use."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = build()
            return value

    def namespace_of(self, doc) -> str | None:
        """The namespace a resource lands in: None for cluster-scoped kinds, the
        default namespace when metadata.namespace is not set."""
        if doc.kind in CLUSTER_SCOPED:
            return None
        return doc.namespace or self.default_namespace

    def of_kind(self, *kinds: str, namespace: str | None = None, group: str | None = None) -> list:
        out = []
        for kind in kinds:
            docs = self._by_kind.get(kind, ()) if namespace is None else self._by_kind_ns.get((kind, namespace), ())
            if group is None:
                out.extend(docs)
            else:
                out.extend(doc for doc in docs if doc.group == group)
        return out

    def kinds(self) -> set:
        """The kinds of the resources in the set (None for a resource without one)."""
        return set(self._by_kind)

    def get(self, kind: str, namespace: str | None, name: str, group: str | None = None):
        for doc in self._by_key.get((kind, namespace, name), ()):
            if group is None or doc.group == group:
                return doc
        return None

    def namespace_obj(self, name: str):
        return self._namespace_objs.get(name)

    def namespace_labels(self, name: str | None) -> dict:
        obj = self._namespace_objs.get(name) if name else None
        return obj.labels if obj is not None else {}

    def namespace_known(self, name: str | None) -> bool:
        """True when the set holds the Namespace object or any resource in it (lookups by
        kind use the stricter gateway.lookup_complete: the Namespace object, or an object of
        that kind in the namespace)."""
        return name is not None and name in self.namespaces_seen

    def environment_of(self, doc) -> str | None:
        """Environment from the labels of the resource's Namespace (environment/env)."""
        return env_from_labels(self.namespace_labels(self.namespace_of(doc)))
