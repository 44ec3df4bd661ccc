"""The per-run tables the rules build once (Index.memo), made cheaper or per key: each
compared with the whole-set build it replaced, over real trees."""

from __future__ import annotations

import pytest

from infergw_lint import domain, llm, versions
from infergw_lint.domain import WORKLOAD_POD_SPEC, containers, pod_spec
from infergw_lint.engine import Options, load_index
from trees import real_trees

TREES = pytest.mark.parametrize("tree", real_trees(), ids=lambda p: p.rsplit("/", 2)[-1])


def _index(tree):
    return load_index([tree], Options()).ctx


# ---- the stack profile: one pass, every sighting described as it is read ---------------


class _Eager:
    """A sighting as the one pass made it: text cleaned and place described at once."""

    def __init__(self, parts, text, where):
        self.parts, self.text, self.where = parts, text, where


def _eager_sightings(documents, default_ns):
    """versions.build's pass before the sightings were described lazily: every resource's
    chart label read, the pod spec read with doc.get."""
    clean, where = versions._clean, versions._where

    def from_image(image, place):
        tag = versions._image_tag(image)
        return _Eager(versions.parse(tag) if tag else None, clean(image), place)

    bifrost, images, charts, bundles, mounts, values, configmaps = [], [], [], [], {}, {}, []
    for doc in documents:
        if doc.flavor == "bifrost":
            image = versions._values_image(doc.data)
            if image is not None:
                values[id(doc)] = seen = from_image(image, f"values file {clean(doc.path)}")
                bifrost.append(seen)
            continue
        if doc.flavor != "k8s":
            continue
        kind = doc.kind
        if kind == "ConfigMap":
            configmaps.append(doc)
            continue
        if kind == "CustomResourceDefinition":
            spec = doc.get("spec")
            if isinstance(spec, dict) and spec.get("group") in (versions.GATEWAY_GROUP, "gateway.networking.x-k8s.io"):
                ann = doc.annotations.get(versions.BUNDLE_ANNOTATION)
                if isinstance(ann, str):
                    bundles.append(_Eager(versions._bundle_release(ann), clean(ann), where(doc)))
        chart = doc.labels.get("helm.sh/chart")
        if isinstance(chart, str):
            m = versions._CHART.match(chart.strip())
            if m:
                charts.append(_Eager(versions.parse(m.group(1)), clean(chart), where(doc)))
        path = WORKLOAD_POD_SPEC.get(kind or "")
        spec = doc.get(*path) if path is not None else None
        if not isinstance(spec, dict):
            continue
        here = []
        for _, c in containers(spec, path):
            image = c.get("image")
            if not isinstance(image, str):
                continue
            name = domain.image_name(image)
            if name == "bifrost" and not domain.is_foreign_bifrost_image(image):
                here.append(from_image(image, where(doc)))
            elif name in versions.KGATEWAY_IMAGES:
                images.append(from_image(image, where(doc)))
        if here:
            bifrost += here
            for cm in versions._mounted_configmaps(spec):
                mounts.setdefault((doc.namespace or default_ns, cm), []).extend(here)
    return versions._Sightings(bifrost, images, charts, bundles, mounts, values, configmaps)


def _described(seen: list) -> list:
    return [(s.parts, s.text, s.where) for s in seen]


def _compare_profiles(documents, options):
    default_ns = options.default_namespace or "default"
    want = _eager_sightings(documents, default_ns)
    got = versions._sightings(documents, default_ns)
    for name in ("bifrost", "kgateway_images", "bundles"):
        assert _described(getattr(got, name)) == _described(getattr(want, name)), name
    assert {k: _described(v) for k, v in got.mounts.items()} == {k: _described(v) for k, v in want.mounts.items()}
    assert {k: _described([v]) for k, v in got.values.items()} == {k: _described([v]) for k, v in want.values.items()}
    assert got.configmaps == want.configmaps
    # the chart labels are read only when no controller image is seen (the image wins)
    assert _described(got.kgateway_charts) == ([] if want.kgateway_images else _described(want.kgateway_charts))
    assert versions.build(documents, options) == versions._profile(want, options, default_ns)
    # each config's Version, agreed on first use (here: the last document first) as the
    # eager build agreed every one
    eager = {key: versions._agree("bifrost", [seen], "image") for key, seen in want.values.items()}
    for cm in want.configmaps:
        seen = want.mounts.get((cm.namespace or default_ns, cm.name))
        if seen:
            eager[id(cm)] = versions._agree("bifrost", seen, "image")
    profile = versions.build(documents, options)
    for doc in reversed(documents):
        assert profile._per_config.get(id(doc)) == eager.get(id(doc))
        if profile.bifrost.origin not in ("cli", "config"):
            assert profile.bifrost_for(doc) == eager.get(id(doc), profile.bifrost)
    assert profile._per_config == eager and versions.build(documents, options)._per_config == eager


@TREES
def test_stack_profile_matches_the_eager_pass(tree):
    documents = _index(tree).index.documents
    _compare_profiles(documents, Options())
    stated = Options()
    stated.versions = {"kgateway": ("2.0", "--kgateway-version"), "bifrost": ("1.2", "versions: in .infergw-lint.yaml")}
    _compare_profiles(documents, stated)


def test_stack_profile_chart_label_without_a_controller_image(tmp_path):
    (tmp_path / "a.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: kgateway\n  labels: {helm.sh/chart: kgateway-v2.1.0}\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {helm.sh/chart: kgateway-v2.0.0}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  labels: {helm.sh/chart: kgateway-v2.1.0}\n"
        "spec: {template: {spec: {containers: [{name: c, image: 'ghcr.io/x/envoy-wrapper:v2.1.0'}]}}}\n"
    )
    documents = _index(str(tmp_path)).index.documents
    _compare_profiles(documents, Options())
    assert str(versions.build(documents, Options()).kgateway) == "v2.1.0"


# ---- llm: the workloads of a namespace, made per namespace on first use -----------------


def _workload_kinds_one_pass(index) -> dict:
    """llm's table before it was made per namespace: every workload, by namespace."""
    out: dict = {}
    for kind in WORKLOAD_POD_SPEC:
        for doc in index.of_kind(kind):
            found = pod_spec(doc)
            if found is None:
                continue
            base, spec = found
            kinds = {llm.image_kind(c.get("image")) for _, c in containers(spec, base)} - {None}
            tmpl = doc.get(*base[:-1], "metadata", "labels") if kind != "Pod" else doc.labels
            out.setdefault(index.namespace_of(doc), []).append((tmpl if isinstance(tmpl, dict) else {}, kinds))
    return out


@TREES
def test_workload_kinds_per_namespace_match_one_pass(tree):
    index = _index(tree).index
    want = _workload_kinds_one_pass(index)
    asked = sorted(index.namespaces_seen, reverse=True) + [None, "no-such-namespace"]
    for ns in asked:
        assert llm._workload_kinds(index, ns) == want.get(ns, []), ns
    for ns in asked:  # again, from the memo
        assert llm._workload_kinds(index, ns) == want.get(ns, []), ns


# ---- domain: the providers Bifrost serves, the hosts that reach it ----------------------


def _served_models_eager(index, versions_=None):
    """domain._served_models before the release was asked only for an empty models list."""
    found, out = False, {}
    for doc in index.documents:
        for cfg in domain.bifrost_configs(doc):
            found = True
            release = versions_.bifrost_for(doc) if versions_ is not None else None
            deny_empty = domain.empty_models_deny(cfg.data, release) is True
            for name, entry in domain._provider_entries(cfg.data.get("providers")):
                served = out.setdefault(name, domain.ServedProvider())
                keys = entry.get("keys")
                if not isinstance(keys, list) or not keys:
                    served.all_models = True
                    continue
                for key in keys:
                    if not isinstance(key, dict):
                        continue
                    models = key.get("models")
                    if not isinstance(models, list) or "*" in models or (not models and not deny_empty):
                        served.all_models = True
                    elif not models:
                        served.denied_empty = True
                    else:
                        served.models.update(m for m in models if isinstance(m, str))
                    aliases = key.get("aliases")
                    if isinstance(aliases, dict):
                        served.models.update(a for a in aliases if isinstance(a, str))
    return out if found else None


def _bifrost_hosts_eager(index) -> set:
    """domain.bifrost_hosts before its pods were read from the workloads alone."""
    from infergw_lint.gateway import backend_refs, graph

    pods: dict = {}
    for doc in index.resources:
        found = pod_spec(doc)
        if found is None:
            continue
        base, spec = found
        if any(domain.is_bifrost_image(c.get("image")) for _, c in containers(spec, base)):
            meta = doc.get(*base[:-1], "metadata") if len(base) > 1 else doc.get("metadata")
            labels = meta.get("labels") if isinstance(meta, dict) else doc.labels
            pods.setdefault(index.namespace_of(doc), []).append(labels if isinstance(labels, dict) else {})
    services, hosts = set(), set()
    for svc in index.of_kind("Service"):
        ns = index.namespace_of(svc) or index.default_namespace
        selector = svc.get("spec", "selector")
        if "bifrost" in (svc.name or "").lower() or any(domain._labels_match(selector, l) for l in pods.get(ns, ())):
            services.add((ns, svc.name))
            hosts |= {svc.name, f"{svc.name}.{ns}", f"{svc.name}.{ns}.svc", f"{svc.name}.{ns}.svc.cluster.local"}
    if services:
        g = graph(index)
        for route in index.of_kind("HTTPRoute"):
            if not any(b.is_service and (b.namespace, b.name) in services for b in backend_refs(route, index)):
                continue
            names = [h for h in (route.get("spec", "hostnames") or []) if isinstance(h, str)]
            if not names:
                names = [l.hostname for att in g.attachments(route) for l in att.listeners if l.hostname]
            hosts |= {h.lower() for h in names}
    return {h.lower() for h in hosts if h}


@TREES
def test_served_models_and_bifrost_hosts_match_eager_builds(tree):
    ctx = _index(tree)
    index = ctx.index
    assert domain._served_models(index, ctx.versions) == _served_models_eager(index, ctx.versions)
    assert domain._served_models(index) == _served_models_eager(index)
    assert domain.bifrost_hosts(index) == _bifrost_hosts_eager(index)


def test_served_models_empty_list_by_release(tmp_path):
    """An empty models list: denied on Bifrost v1.5+ (the workload's image), served before."""
    cm = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cfg-{n}, namespace: ns{n}}}\ndata:\n  config.json: |\n"
        '    {{"providers": {{"openai": {{"keys": [{{"name": "k", "value": "v", "models": []}}]}},\n'
        '     "anthropic": {{"keys": [{{"name": "k", "value": "v", "models": ["claude"]}}]}}}}}}\n'
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: b, namespace: ns{n}}}\nspec:\n"
        "  template:\n    spec:\n      containers: [{{name: b, image: 'maximhq/bifrost:{tag}'}}]\n"
        "      volumes: [{{name: c, configMap: {{name: cfg-{n}}}}}]\n"
    )
    for n, tag in enumerate(("v1.4.0", "v1.5.2")):
        (tmp_path / f"{n}.yaml").write_text(cm.format(n=n, tag=tag))
        ctx = _index(str(tmp_path / f"{n}.yaml"))
        got = domain._served_models(ctx.index, ctx.versions)
        assert got == _served_models_eager(ctx.index, ctx.versions)
        assert got["openai"].all_models is (tag == "v1.4.0") and got["openai"].denied_empty is (tag == "v1.5.2")


# ---- gateway: the graph's parents, routes and classes, from the lists by kind ---------------


def _graph_one_pass(index):
    """What Graph.__init__ read in one pass over every resource."""
    from infergw_lint import gateway as gw

    parents, listeners, routes, kinds, classes, crds = {}, {}, [], set(), {}, set()
    for doc in index.resources:
        kind = doc.kind
        kinds.add(kind)
        if kind == "CustomResourceDefinition":
            spec = gw._dict(doc.get("spec"))
            crd_kind = gw._dict(spec.get("names")).get("kind")
            if isinstance(spec.get("group"), str) and isinstance(crd_kind, str):
                crds.add((spec["group"], crd_kind))
        if (doc.group, kind) in gw.PARENT_KINDS:
            parents.setdefault((doc.group, kind, index.namespace_of(doc), doc.name), []).append(doc)
            listeners[id(doc)] = [(l.key, l.hostname) for l in gw.listeners_of(doc, index) or []]
        elif kind in gw.ROUTE_KINDS and doc.group == gw.GATEWAY_GROUP:
            routes.append(doc)
        elif kind == "GatewayClass" and doc.group == gw.GATEWAY_GROUP and doc.name:
            classes.setdefault(doc.name, []).append(doc)
    return parents, listeners, routes, kinds, classes, crds


def _compare_graph(index):
    from infergw_lint import gateway as gw

    g = gw.Graph(index)
    parents, listeners, routes, kinds, classes, crds = _graph_one_pass(index)
    assert list(g.parents.items()) == list(parents.items())  # the same order: all_listeners
    assert {k: [(l.key, l.hostname) for l in v or []] for k, v in g.listeners.items()} == listeners
    assert list(g.listeners) == list(listeners)
    assert g.routes == routes and g.kinds_present == kinds and g.crd_kinds == crds
    assert list(g.classes.items()) == list(classes.items())


@TREES
def test_graph_from_lists_by_kind_matches_one_pass(tree):
    _compare_graph(_index(tree).index)


def test_graph_parents_and_routes_of_several_kinds_in_document_order(tmp_path):
    gw_api = "gateway.networking.k8s.io"
    docs = []
    for i in range(3):
        docs.append(f"apiVersion: {gw_api}/v1\nkind: TLSRoute\nmetadata: {{name: t{i}}}\nspec: {{parentRefs: [{{name: g}}]}}\n")
        docs.append(f"apiVersion: {gw_api}/v1\nkind: ListenerSet\nmetadata: {{name: g}}\n"
                    "spec: {parentRef: {name: g}, listeners: [{name: l, port: 80, protocol: HTTP}]}\n")
        docs.append(f"apiVersion: {gw_api}/v1\nkind: HTTPRoute\nmetadata: {{name: h{i}}}\nspec: {{parentRefs: [{{name: g}}]}}\n")
        docs.append(f"apiVersion: {gw_api}/v1\nkind: Gateway\nmetadata: {{name: g{i}}}\n"
                    "spec: {gatewayClassName: c, listeners: [{name: l, port: 80, protocol: HTTP}]}\n")
        docs.append(f"apiVersion: {gw_api}/v1\nkind: GRPCRoute\nmetadata: {{name: r{i}}}\nspec: {{parentRefs: [{{name: g}}]}}\n")
        docs.append(f"apiVersion: example.com/v1\nkind: HTTPRoute\nmetadata: {{name: other{i}}}\n")
    (tmp_path / "a.yaml").write_text("---\n".join(docs))
    index = _index(str(tmp_path)).index
    _compare_graph(index)
    from infergw_lint import gateway as gw

    assert [d.name for d in gw.Graph(index).routes] == ["t0", "h0", "r0", "t1", "h1", "r1", "t2", "h2", "r2"]


# ---- the index: lookups by name and namespace, made per kind on first use ----------------


def _index_one_pass(index):
    """Index.__init__'s tables before they were made per kind: one pass over every
    resource, (kind, namespace, name) -> docs and (kind, namespace) -> docs."""
    by_key, by_kind_ns, seen = {}, {}, set()
    for doc in index.resources:
        ns = index.namespace_of(doc)
        by_key.setdefault((doc.kind, ns, doc.name), []).append(doc)
        by_kind_ns.setdefault((doc.kind, ns), []).append(doc)
        if ns is not None:
            seen.add(ns)
        if doc.kind == "Namespace" and doc.name:
            seen.add(doc.name)
    return by_key, by_kind_ns, seen


def _compare_index(index):
    by_key, by_kind_ns, seen = _index_one_pass(index)
    assert index.namespaces_seen == seen
    groups = {doc.group for doc in index.resources} | {None, "no.such.group"}
    for (kind, ns, name), docs in by_key.items():
        for group in groups:
            want = next((d for d in docs if group is None or d.group == group), None)
            assert index.get(kind, ns, name, group) is want, (kind, ns, name, group)
    kinds = {doc.kind for doc in index.resources} | {"NoSuchKind"}
    namespaces = {ns for _, ns in by_kind_ns if ns is not None} | {"no-such-namespace"}  # None: every namespace
    for kind in kinds:
        assert index.get(kind, "no-such-namespace", "no-such-name") is None
        for ns in namespaces:
            for group in groups:
                want = [d for d in by_kind_ns.get((kind, ns), ()) if group is None or d.group == group]
                got = index.of_kind(kind, namespace=ns, group=group)
                assert [id(d) for d in got] == [id(d) for d in want], (kind, ns, group)


@TREES
def test_index_lookups_per_kind_match_one_pass(tree):
    _compare_index(_index(tree).index)
    options = Options()
    options.default_namespace = "elsewhere"
    _compare_index(load_index([tree], options).ctx.index)


def _mutated_indexes(tmp_path, seed: int, tokens: list):
    """The index of each of 150 random edits of the sample manifests (tests/mutations.py),
    made with ``tokens``: one file each, loaded alone."""
    import random

    from mutations import mutations, seeds

    for n, text in mutations(random.Random(seed), seeds([]), tokens, 150, insert=0.6):
        path = tmp_path / f"m{n}.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        yield _index(str(path)).index


def test_index_lookups_per_kind_on_mutated_manifests(tmp_path):
    """Random edits of the sample manifests (a kind, a namespace or a name lost, changed or
    made a list) give the same lookups as the one pass."""
    tokens = ["kind: Namespace\n", "namespace: ", "name: ", "kind: ", "\n---\n", "[]", "{}", "null", "- ", ": "]
    for index in _mutated_indexes(tmp_path, 8, tokens):
        _compare_index(index)


# ---- backendRefs, workloads' pod specs and the stack profile from the index's lists -------


def _backend_refs_before(doc, index):
    """gateway._backend_refs before its helpers were written out."""
    from infergw_lint import gateway as gw

    route_ns = index.namespace_of(doc) or index.default_namespace
    out = []

    def make(path, ref, mirror):
        if not isinstance(ref.get("name"), str) or not ref["name"]:
            return
        out.append(gw.BackendRef(
            path, ref, gw.core_group(ref.get("group")), gw._s(ref.get("kind")) or "Service",
            gw._s(ref.get("namespace")) or route_ns, ref["name"], gw._int(ref.get("port")), mirror,
        ))

    def mirrors(filters, base):
        for k, f in enumerate(gw._list(filters)):
            if isinstance(f, dict) and isinstance(f.get("requestMirror"), dict):
                ref = f["requestMirror"].get("backendRef")
                if isinstance(ref, dict):
                    make(base + (k, "requestMirror", "backendRef"), ref, True)

    for i, rule in enumerate(gw._list(doc.get("spec", "rules"))):
        if not isinstance(rule, dict):
            continue
        for j, ref in enumerate(gw._list(rule.get("backendRefs"))):
            if isinstance(ref, dict):
                base = ("spec", "rules", i, "backendRefs", j)
                make(base, ref, False)
                mirrors(ref.get("filters"), base + ("filters",))
        mirrors(rule.get("filters"), ("spec", "rules", i, "filters"))
    return out


def _workload_facts_lazily(doc):
    """pod_spec, pod_containers and bifrost_containers as made on first use."""
    path = WORKLOAD_POD_SPEC.get(doc.kind or "") if doc.flavor == "k8s" else None
    spec = doc.get(*path) if path is not None else None
    if not isinstance(spec, dict):
        return None, [], []
    found = list(containers(spec, path))
    return (path, spec), found, [(p, c) for p, c in found if domain.is_bifrost_image(c.get("image"))]


def _compare_loaded_tables(index):
    from infergw_lint import gateway as gw

    for doc in index.documents:
        d = doc.__dict__
        if doc.flavor == "k8s" and doc.kind in WORKLOAD_POD_SPEC:  # _kgateway_image, at load
            images = [c.get("image") for _, c in _workload_facts_lazily(doc)[1]]
            assert d.get("_kgateway_image") is any(
                isinstance(i, str) and domain.image_name(i) in domain.KGATEWAY_IMAGES for i in images), doc.path
        got = (domain.pod_spec(doc), domain.pod_containers(doc), domain.bifrost_containers(doc))
        assert got == _workload_facts_lazily(doc), doc.path
        if doc.flavor == "k8s":
            refs = gw._backend_refs(doc, index)
            assert [(b._values(b), type(b.port)) for b in refs] == [
                (b._values(b), type(b.port)) for b in _backend_refs_before(doc, index)]
    documents = index.documents
    position = {id(d): i for i, d in enumerate(documents)}
    assert index.others() == [d for d in documents if d.flavor != "k8s"]
    lists = [index.of_kind(kind) for kind in index.kinds()] + [index.others()]
    assert [id(d) for d in index.in_order(lists)] == [id(d) for d in sorted(documents, key=lambda d: position[id(d)])]
    default_ns = "default"
    want = _eager_sightings(documents, default_ns)
    for got in (versions._sightings(documents, default_ns, index), versions._sightings(list(documents), default_ns)):
        for name in ("bifrost", "kgateway_images", "bundles"):
            assert _described(getattr(got, name)) == _described(getattr(want, name)), name
        assert list(got.mounts) == list(want.mounts)
        assert [_described(v) for v in got.mounts.values()] == [_described(v) for v in want.mounts.values()]
        assert {k: _described([v]) for k, v in got.values.items()} == {k: _described([v]) for k, v in want.values.items()}
        assert [id(d) for d in got.configmaps] == [id(d) for d in want.configmaps]
        assert _described(got.kgateway_charts) == ([] if want.kgateway_images else _described(want.kgateway_charts))
    assert versions.build(documents, Options(), index) == versions.build(list(documents), Options())


@TREES
def test_backend_refs_workloads_and_profile_match_the_passes_they_replace(tree):
    _compare_loaded_tables(_index(tree).index)


def test_backend_refs_workloads_and_profile_on_mutated_manifests(tmp_path):
    """Random edits of the sample manifests (containers, images, backendRefs and mirrors
    lost, moved or made other types) give the same tables."""
    tokens = ["image: maximhq/bifrost:v1.5.0\n", "image: cr.kgateway.dev/kgateway-dev/kgateway:v2.1.0\n", "image: ",
              "containers:\n", "- name: c\n", "backendRefs:\n",
              "requestMirror:\n  backendRef: {name: m, port: '80'}\n", "port: ", "namespace: ", "group: core\n",
              "kind: Deployment\n", "kind: CronJob\n", "\n---\n", "[]", "{}", "null", "true", "- ", ": "]
    for index in _mutated_indexes(tmp_path, 88, tokens):
        _compare_loaded_tables(index)


# ---- IGW204's rewrites, the Graph's references, a route's spec --------------------------


def _route_rewrites_before(index):
    """IGW204's _route_rewrites before a route's hostnames were read only on a rewrite."""
    from infergw_lint.domain import GATEWAY_GROUP

    out = []
    for route in index.of_kind("HTTPRoute", group=GATEWAY_GROUP):
        hostnames = route.get("spec", "hostnames")
        hostnames = [h for h in hostnames if isinstance(h, str)] if isinstance(hostnames, list) else []
        rules = route.get("spec", "rules")
        for rule in rules if isinstance(rules, list) else ():
            if not isinstance(rule, dict):
                continue
            rewrite = None
            filters = rule.get("filters")
            for f in filters if isinstance(filters, list) else ():
                if isinstance(f, dict) and f.get("type") == "URLRewrite" and isinstance(f.get("urlRewrite"), dict):
                    p = f["urlRewrite"].get("path")
                    if isinstance(p, dict):
                        rewrite = p
            if rewrite is None:
                continue
            kind = rewrite.get("type")
            repl = rewrite.get("replacePrefixMatch") if kind == "ReplacePrefixMatch" else rewrite.get("replaceFullPath")
            if not isinstance(repl, str):
                continue
            matches = rule.get("matches")
            for match in matches if isinstance(matches, list) else ():
                path = match.get("path") if isinstance(match, dict) else None
                if isinstance(path, dict) and path.get("type", "PathPrefix") == "PathPrefix" and isinstance(path.get("value"), str):
                    out.append((hostnames, path["value"], kind, repl, route))
    return out


def _references_before(index):
    """Graph.references' table before it read the index's lists by kind."""
    from infergw_lint import gateway as gw

    refs = {}
    for doc in index.resources:
        if doc.group != gw.GATEWAY_GROUP:
            continue
        src_ns = index.namespace_of(doc) or index.default_namespace
        if doc.kind in gw.ROUTE_KINDS:
            for b in gw.backend_refs(doc, index):
                if gw.needs_grant(doc, b, src_ns):
                    refs.setdefault(b.namespace, []).append(
                        gw.Reference(gw.GATEWAY_GROUP, doc.kind, src_ns, b.group, b.kind, b.namespace, b.name))
        elif doc.kind in ("Gateway", "ListenerSet"):
            for _, ref, dgroup, dkind in gw.object_refs(doc):
                ns = gw._s(ref.get("namespace"))
                if ns and ns != src_ns and isinstance(ref.get("name"), str):
                    group = gw.core_group(ref.get("group")) if "group" in ref else dgroup
                    refs.setdefault(ns, []).append(
                        gw.Reference(gw.GATEWAY_GROUP, doc.kind, src_ns, group, gw._s(ref.get("kind")) or dkind, ns, ref["name"]))
    return refs


def _compare_route_tables(index):
    from infergw_lint import gateway as gw
    from infergw_lint.rules import igw204_bifrost_otel_collector_url as igw204

    got, want = igw204._route_rewrites(index), _route_rewrites_before(index)
    assert [(h, p, k, r, id(route)) for h, p, k, r, route in got] == [
        (h, p, k, r, id(route)) for h, p, k, r, route in want]
    # one hostnames list per route, as before (the entries of a route share it)
    assert len({id(e[0]) for e in got}) == len({id(e[0]) for e in want})
    g = gw.Graph(index)
    want_refs = _references_before(index)
    for ns in list(want_refs) + ["no-such-namespace"]:
        assert g.references(ns) == want_refs.get(ns, [])
    assert g._references == want_refs and list(g._references) == list(want_refs)
    for doc in index.documents:
        for key in ("rules", "parentRefs", "hostnames", "nothing"):
            assert gw.spec_get(doc, key) is doc.get("spec", key) or gw.spec_get(doc, key) == doc.get("spec", key)


@TREES
def test_route_rewrites_references_and_spec_reads_match_the_passes_they_replace(tree):
    _compare_route_tables(_index(tree).index)


def test_route_tables_on_mutated_manifests(tmp_path):
    tokens = ["filters:\n- type: URLRewrite\n  urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /x}}\n",
              "hostnames: [a.example.com, 1]\n", "namespace: other\n", "backendRefs:\n- name: s\n  namespace: b\n",
              "kind: HTTPRoute\n", "kind: Gateway\n", "spec: |\n  {}\n", "\n---\n", "[]", "{}", "null", "- ", ": "]
    for index in _mutated_indexes(tmp_path, 204, tokens):
        _compare_route_tables(index)


def test_spec_get_strings_left_to_doc_get(tmp_path):
    """A string under spec (where an embedded document could be) is read by doc.get, and a
    ConfigMap with embedded documents reads the same either way."""
    from infergw_lint import gateway as gw

    (tmp_path / "a.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  rules.json: '{\"a\": 1}'\n"
        "spec:\n  rules.json: '[1]'\n")
    for doc in _index(str(tmp_path)).index.documents:
        assert gw.spec_get(doc, "rules.json") == doc.get("spec", "rules.json")


# ---- the Graph's routes by parent, its name tables, the delegation tables -----------------


def _delegation_before(index):
    """_delegation_tables' label and name tables and _delegating_routes, as first written."""
    from infergw_lint import gateway as gw

    by_label, by_label_all, by_name = {}, {}, {}
    for child in index.of_kind("HTTPRoute", group=gw.GATEWAY_GROUP):
        ns = index.namespace_of(child) or index.default_namespace
        value = child.labels.get(gw.DELEGATION_LABEL)
        if isinstance(value, str):
            by_label.setdefault((ns, value), []).append(child)
            by_label_all.setdefault(value, []).append(child)
        if isinstance(child.name, str):
            by_name.setdefault((ns, child.name), []).append(child)
    rev = {}
    for pos, route in enumerate(index.of_kind("HTTPRoute", group=gw.GATEWAY_GROUP)):
        for b in [b for b in gw.backend_refs(route, index) if b.is_delegation]:
            key = (b.group == gw.DELEGATION_LABEL_GROUP, b.namespace, b.name)
            lst = rev.setdefault(key, [])
            if not lst or lst[-1][1] is not route:
                lst.append((pos, route))
    return by_label, by_label_all, by_name, rev


def _ids(table):
    return {k: [id(d) if not isinstance(d, tuple) else (d[0], id(d[1])) for d in v] for k, v in table.items()}


def _compare_graph_tables(index):
    from infergw_lint import gateway as gw

    by_label, by_label_all, by_name, rev = _delegation_before(index)
    tables = gw._delegation_tables(index)
    assert _ids(tables["label"]) == _ids(by_label) and _ids(tables["label-all"]) == _ids(by_label_all)
    assert _ids(tables["name"]) == _ids(by_name)
    assert _ids(gw._delegating_routes(index)) == _ids(rev)
    for route in index.of_kind("HTTPRoute", group=gw.GATEWAY_GROUP):
        assert gw._route_refs(index, route) == [b for b in gw.backend_refs(route, index) if b.is_delegation]
    for seen in (False, True):  # the parent keys made from the data, or from the ParentRefs made before
        g = gw.Graph(index)
        if seen:
            for route in g.routes:
                g._parent_refs(route)
        for route in g.routes:
            assert gw._parent_keys(route, index) == [(r.kind, r.namespace, r.name) for r in gw.parent_refs(route, index)]
        want: dict = {}
        for route in g.routes:
            for ref in gw.parent_refs(route, index):
                named = want.setdefault((ref.kind, ref.namespace, ref.name), [])
                if not named or named[-1] is not route:
                    named.append(route)
        for listener in g.all_listeners()[:1]:
            g._listener_table(listener.key)
            assert _ids(g._routes_by_parent) == _ids(want)
    g = gw.Graph(index)
    kinds = {d.kind for d in index.resources}
    for kind in kinds:
        for group in (None, "", gw.GATEWAY_GROUP):
            names, spaces = {}, {}
            for d in index.of_kind(kind, group=group):
                if d.name:
                    names.setdefault(index.namespace_of(d), set()).add(d.name)
                    spaces.setdefault(d.name, set()).add(index.namespace_of(d))
            assert g._name_index(kind, group, "ns") == {k: sorted(v) for k, v in names.items()}
            assert g._name_index(kind, group, "name") == {k: sorted(v, key=str) for k, v in spaces.items()}


@TREES
def test_graph_and_delegation_tables_match_the_passes_they_replace(tree):
    _compare_graph_tables(_index(tree).index)


def test_graph_and_delegation_tables_on_mutated_manifests(tmp_path):
    tokens = ["parentRefs:\n- name: g\n  kind: HTTPRoute\n", "labels: {delegation.kgateway.dev/label: a}\n",
              "backendRefs:\n- group: delegation.kgateway.dev\n  kind: label\n  name: a\n  namespace: all\n",
              "- group: gateway.networking.k8s.io\n  kind: HTTPRoute\n  name: '*'\n", "sectionName: ", "namespace: ",
              "kind: HTTPRoute\n", "kind: Namespace\n", "\n---\n", "[]", "{}", "null", "- ", ": "]
    for index in _mutated_indexes(tmp_path, 120, tokens):
        _compare_graph_tables(index)


# ---- documents keep their attributes without an instance dict object ----------------------
# CPython 3.11 keeps an instance's attributes in a values array shared-keyed with its class,
# and reads them through a specialised path (~60 instructions); once ``doc.__dict__`` is
# asked for, the instance gets a dict object of its own and every later read of any of its
# attributes takes the generic path (~320): the loader, the workload facts and the
# per-run tables set and read their attributes with setattr/getattr instead.


_NO_DICT_CHECK = r"""
import gc, sys
from infergw_lint import domain, versions
from infergw_lint.engine import Options, load_index

def has_dict(doc):
    return any(type(r) is dict and "source" in r and "kind" in r for r in gc.get_referents(doc))

index = load_index([sys.argv[1]], Options()).ctx.index
assert len(index.documents) == 3
print(any(has_dict(d) for d in index.documents))
versions._sightings(index.documents, "default", index)  # (the profile describes a sighting by its span)
domain.served_models(index)
domain.bifrost_hosts(index)
for d in index.documents:
    domain.pod_containers(d)
    domain.bifrost_containers(d)
print(any(has_dict(d) for d in index.documents))
vars(index.documents[0])  # the check itself: asked for, the dict object is there
print(has_dict(index.documents[0]))
"""


@pytest.mark.skipif(__import__("sys").version_info[:2] != (3, 11), reason="the instance layout of CPython 3.11")
def test_loaded_documents_and_first_use_tables_leave_no_instance_dict(tmp_path):
    """In a fresh interpreter: in a long one (these tests, the language server) the keys a
    class shares fill up with the attributes earlier documents were given, and then any
    instance gets a dict object of its own."""
    import subprocess
    import sys

    (tmp_path / "w.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b, namespace: n}\n"
        "spec: {template: {metadata: {labels: {app: b}}, spec: {containers: [{name: b, image: maximhq/bifrost:v1.3.0,"
        " volumeMounts: [{name: c, mountPath: /app/data}]}], volumes: [{name: c, configMap: {name: cfg}}]}}}\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: n}\n"
        "data:\n  config.json: '{\"providers\": {\"openai\": {\"keys\": [{\"value\": \"env.K\", \"models\": [\"gpt-4o\"]}]}}}'\n"
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: bifrost, namespace: n}\nspec: {selector: {app: b}}\n"
    )
    proc = subprocess.run([sys.executable, "-c", _NO_DICT_CHECK, str(tmp_path)], capture_output=True, text=True)
    assert proc.stdout.split() == ["False", "False", "True"], proc.stdout + proc.stderr
