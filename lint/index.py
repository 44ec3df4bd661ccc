"""Index of every loaded resource, for cross-file questions."""

from __future__ import annotations

from collections import defaultdict

from .domain import CLUSTER_SCOPED, env_from_labels


class Index:
    def __init__(self, documents, default_namespace: str = "default"):
        self.default_namespace = default_namespace
        self._memo: dict = {}
        self.documents = list(documents)
        # the Kubernetes resources and the rest (Bifrost and client configs), listed in the
        # one pass below: in a split run it is serial, and each document it reads costs a
        # trip to memory (most are not in the CPU's caches after loading), not its few
        # instructions
        self.resources = resources = []
        self._others = others = []
        self._by_kind: dict[str, list] = defaultdict(list)
        # kind -> {(namespace, name): docs} and kind -> {namespace: docs}, each made on first
        # use (``_keyed``, ``_by_namespace``): a run looks up by name or by namespace a few
        # kinds only, most of them one way only (ConfigMaps by name, workloads by
        # namespace), and these passes are in the serial part of a split run
        self._per_key: dict[str, dict] = {}
        self._per_ns: dict[str, dict] = {}
        self.namespaces_seen: set[str] = set()
        self._namespace_objs: dict[str, object] = {}
        by_kind = self._by_kind
        seen = self.namespaces_seen.add
        scoped = CLUSTER_SCOPED
        resource, other = resources.append, others.append
        for doc in self.documents:
            if doc.flavor != "k8s":
                other(doc)
                continue
            resource(doc)
            kind = doc.kind
            by_kind[kind].append(doc)
            if kind in scoped:  # namespace_of, written out: None
                if kind == "Namespace" and doc.name:
                    self._namespace_objs[doc.name] = doc
                    seen(doc.name)
            else:
                ns = doc.namespace or default_namespace
                if ns is not None:
                    seen(ns)

    def _keyed(self, kind: str) -> dict:
        """{(namespace, name): docs} of the ``kind`` resources, in set order."""
        got = self._per_key.get(kind)
        if got is None:
            docs = self._by_kind.get(kind, ())
            if kind in CLUSTER_SCOPED:
                pairs = (((None, doc.name), doc) for doc in docs)
            else:
                default = self.default_namespace
                pairs = (((doc.namespace or default, doc.name), doc) for doc in docs)
            got = self._per_key[kind] = _grouped(pairs)
        return got

    def _by_namespace(self, kind: str) -> dict:
        """{namespace: docs} of the ``kind`` resources, in set order."""
        got = self._per_ns.get(kind)
        if got is None:
            docs = self._by_kind.get(kind, ())
            if kind in CLUSTER_SCOPED:
                got = {None: list(docs)} if docs else {}
            else:
                default = self.default_namespace
                got = _grouped((doc.namespace or default, doc) for doc in docs)
            self._per_ns[kind] = got
        return got

    def memo(self, key, build):
        """Per-run facts derived from the whole set (a rule's lookup table, the Gateway API
        graph), built once by ``build()`` on first use."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = build()
            return value

    def positions(self) -> dict:
        """id(document) -> its place in the set (made on first use)."""
        found = self._memo.get("document-positions")
        if found is None:
            found = self._memo["document-positions"] = {id(d): i for i, d in enumerate(self.documents)}
        return found

    def in_order(self, lists) -> list:
        """The documents of ``lists`` (each in set order, none in two) in set order: lists
        by kind merged back instead of a pass over every document."""
        filled = [docs for docs in lists if docs]
        if len(filled) < 2:
            return list(filled[0]) if filled else []
        position = self.positions()
        return sorted((d for docs in filled for d in docs), key=lambda d: position[id(d)])

    def others(self) -> list:
        """The documents that are not Kubernetes resources (Bifrost and client configs), in
        set order."""
        return self._others

    def namespace_of(self, doc) -> str | None:
        """The namespace a resource lands in: None for cluster-scoped kinds, the
        default namespace when metadata.namespace is not set."""
        if doc.kind in CLUSTER_SCOPED:
            return None
        return doc.namespace or self.default_namespace

    def of_kind(self, *kinds: str, namespace: str | None = None, group: str | None = None) -> list:
        out = []
        for kind in kinds:
            docs = self._by_kind.get(kind, ()) if namespace is None else self._by_namespace(kind).get(namespace, ())
            if group is None:
                out.extend(docs)
            else:
                out.extend(doc for doc in docs if doc.group == group)
        return out

    def kinds(self) -> set:
        """The kinds of the resources in the set (None for a resource without one)."""
        return set(self._by_kind)

    def get(self, kind: str, namespace: str | None, name: str, group: str | None = None):
        for doc in self._keyed(kind).get((namespace, name), ()):
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


def _grouped(pairs) -> dict:
    """{key: [values]} of (key, value) ``pairs``, each list in the pairs' order."""
    out: dict = {}
    for key, value in pairs:
        found = out.get(key)
        if found is None:
            out[key] = [value]
        else:
            found.append(value)
    return out
