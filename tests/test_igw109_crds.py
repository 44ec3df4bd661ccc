"""IGW109 judges a kind by the CRDs of it in the set (linted paths, --context, --crds): their
``served`` flags are the API server's verdict once they are applied.  The release tables
decide only for kinds no readable CRD in the set defines."""

from __future__ import annotations

import os
import textwrap

import pytest
from conftest import shared_path

from infergw_lint.crd import Serving, definition, serving, version_priority
from infergw_lint.engine import Context, Options, run
from infergw_lint.index import Index
from infergw_lint.loader import LoadResult, load

GRANT_V1 = """\
apiVersion: gateway.networking.k8s.io/v1
kind: ReferenceGrant
metadata: {name: allow, namespace: ai-external}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: ai-gateway}]
  to: [{group: "", kind: Service}]
"""


def crd(kind: str, versions, name: str | None = None, channel: str | None = None, group="gateway.networking.k8s.io",
        api_version="apiextensions.k8s.io/v1") -> str:
    """A CRD document; ``versions`` a list of (name, served) or any YAML text for spec.versions."""
    plural = kind.lower() + "s"
    ann = f"\n  annotations: {{gateway.networking.k8s.io/channel: {channel}}}" if channel else ""
    if isinstance(versions, list):
        body = "".join(f"\n    - {{name: {v}, served: {str(s).lower()}, storage: {str(i == 0).lower()}}}"
                       for i, (v, s) in enumerate(versions))
    else:
        body = " " + versions
    return textwrap.dedent(f"""\
        apiVersion: {api_version}
        kind: CustomResourceDefinition
        metadata:
          name: {name or plural + '.' + group}""") + ann + textwrap.dedent(f"""
        spec:
          group: {group}
          names: {{kind: {kind}, plural: {plural}}}
          scope: Namespaced
          versions:""") + body + "\n"


def write(tmp_path, name: str, *docs: str) -> str:
    path = tmp_path / name
    path.write_text("---\n".join(docs), encoding="utf-8")
    return str(path)


def igw109(paths, **kw):
    result = run(list(paths), Options(select=["IGW109"], **kw))
    assert not result.internal_errors, result.internal_errors
    return result.findings


def test_without_a_crd_the_release_table_decides(tmp_path):
    found = igw109([write(tmp_path, "a.yaml", GRANT_V1)])
    assert len(found) == 1 and "is not served by Gateway API v1.2" in found[0].message


def test_a_crd_in_the_set_that_serves_the_version_silences_it(tmp_path):
    f = write(tmp_path, "a.yaml", crd("ReferenceGrant", [("v1beta1", True), ("v1", True)]), GRANT_V1)
    assert not igw109([f])


def test_a_crd_in_the_set_wins_over_a_stated_release(tmp_path):
    f = write(tmp_path, "a.yaml", crd("ReferenceGrant", [("v1beta1", True), ("v1", True)]), GRANT_V1)
    assert not igw109([f], versions={"gateway-api": ("1.2", "--gateway-api-version")})
    g = write(tmp_path, "b.yaml", crd("ReferenceGrant", [("v1beta1", True), ("v1", False)]), GRANT_V1)
    found = igw109([g], versions={"gateway-api": ("1.6", "--gateway-api-version")})
    assert len(found) == 1 and "CRD referencegrants.gateway.networking.k8s.io" in found[0].message


def test_a_crd_that_does_not_serve_it_is_named_as_the_reason(tmp_path):
    crds = write(tmp_path, "crds.yaml", crd("ReferenceGrant", [("v1beta1", True), ("v1", False)], channel="standard"))
    res = write(tmp_path, "grant.yaml", GRANT_V1)
    (f,) = igw109([crds, res])
    assert f.path == res and f.line == 1 and f.column == 13
    assert f.message.startswith(
        "ReferenceGrant gateway.networking.k8s.io/v1 is not served by its CRD in the set: the "
        f"standard-channel CRD referencegrants.gateway.networking.k8s.io ({crds}:1) lists v1 with served: false "
        "and serves v1beta1"
    ), f.message
    assert "Gateway API v1." not in f.message  # the CRD is the reason, not the release table
    assert f.help.startswith("Use gateway.networking.k8s.io/v1beta1")


def test_a_version_the_crd_does_not_list(tmp_path):
    f = write(tmp_path, "a.yaml", crd("HTTPRoute", [("v1", True)]), "apiVersion: gateway.networking.k8s.io/v1beta1\n"
              "kind: HTTPRoute\nmetadata: {name: r, namespace: apps}\n")
    (found,) = igw109([f])
    assert "does not list v1beta1 and serves v1," in found.message and found.help == "Use gateway.networking.k8s.io/v1"


def test_crds_that_disagree_report_only_when_none_serves_it(tmp_path):
    standard = crd("ReferenceGrant", [("v1beta1", True), ("v1", False)], channel="standard")
    experimental = crd("ReferenceGrant", [("v1beta1", True), ("v1", True)], channel="experimental")
    assert not igw109([write(tmp_path, "a.yaml", standard, experimental, GRANT_V1)])
    assert not igw109([write(tmp_path, "b.yaml", experimental, standard, GRANT_V1)])  # order does not matter
    other = crd("ReferenceGrant", [("v1beta1", True), ("v1alpha2", True)], channel="experimental")
    (f,) = igw109([write(tmp_path, "c.yaml", standard, other, GRANT_V1)])
    assert "is served by none of its 2 CRDs in the set" in f.message
    assert "standard-channel CRD" in f.message and "experimental-channel CRD" in f.message
    assert f.help == "Use gateway.networking.k8s.io/v1beta1"  # served by both


@pytest.mark.parametrize("versions", [
    "{v1: {served: true, storage: true}}",  # not a list
    "[]",  # empty: the API server needs one version at least
    "[{name: v1, served: 'true', storage: true}]",  # served not a bool
    "[{name: v1, storage: true}]",  # served missing
    "[{served: true, storage: true}]",  # no name
    "[{name: 1, served: true, storage: true}]",  # name not a string
    "[v1]",  # an entry not a mapping
    "[{name: v1beta1, served: true, storage: true}, [v1, true]]",  # one bad entry spoils it
    "null",
    "v1",
])
def test_a_malformed_crd_decides_nothing(tmp_path, versions):
    """The API server refuses such a CRD: neither silenced nor reported because of it."""
    f = write(tmp_path, "a.yaml", crd("ReferenceGrant", versions), GRANT_V1)
    found = igw109([f])
    assert len(found) == 1 and "is not served by Gateway API v1.2" in found[0].message, found


@pytest.mark.parametrize("doc", [
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x}\nspec: [1, 2]\n",
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x}\n",
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x}\n"
    "spec: {group: gateway.networking.k8s.io, names: [ReferenceGrant], versions: [{name: v1, served: true}]}\n",
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: [x]}\n"
    "spec: {group: 7, names: {kind: ReferenceGrant}, versions: [{name: v1, served: true}]}\n",
])
def test_odd_crd_shapes_do_not_crash(tmp_path, doc):
    f = write(tmp_path, "a.yaml", doc, GRANT_V1)
    assert len(igw109([f])) == 1
    assert not run([f], Options()).internal_errors


def test_only_apiextensions_crds_count(tmp_path):
    f = write(tmp_path, "a.yaml", crd("ReferenceGrant", [("v1", True)], api_version="example.com/v1"), GRANT_V1)
    assert len(igw109([f])) == 1


def test_a_crd_in_context_counts(tmp_path):
    crds = write(tmp_path, "crds.yaml", crd("ReferenceGrant", [("v1beta1", True), ("v1", True)]))
    res = write(tmp_path, "grant.yaml", GRANT_V1)
    assert len(igw109([res])) == 1
    assert not igw109([res], context=[crds])
    other = write(tmp_path, "other.yaml", crd("ReferenceGrant", [("v1beta1", True), ("v1", False)]))
    (f,) = igw109([res], context=[other])
    assert f"({other}:1)" in f.message


def test_a_crd_given_with_crds_counts(tmp_path):
    crds = write(tmp_path, "crds.yaml", crd("ReferenceGrant", [("v1beta1", True), ("v1", True)]))
    res = write(tmp_path, "grant.yaml", GRANT_V1)
    assert not igw109([res], crds=[crds])
    other = write(tmp_path, "other.yaml", crd("ReferenceGrant", [("v1beta1", True), ("v1", False)]))
    (f,) = igw109([res], crds=[other])
    assert f"({other}:1)" in f.message


def test_a_crd_given_with_crds_is_read_once(tmp_path, monkeypatch):
    """The CRD validator's registry and IGW109 share the ``--crds`` documents."""
    from infergw_lint import crd as crd_pkg

    crds = write(tmp_path, "crds.yaml", crd("HTTPRoute", [("v1", True)]))
    res = write(tmp_path, "route.yaml", "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
                "metadata: {name: r, namespace: apps}\nspec: {}\n")
    calls = []
    real = crd_pkg._crds_docs
    monkeypatch.setattr(crd_pkg, "_crds_docs", lambda options: calls.append(1) or real(options))
    result = run([res], Options(select=["IGW109", "IGW501"], crds=[crds]))
    assert not result.internal_errors and len(calls) == 1


def _context(*texts, tmp_path) -> Context:
    res = LoadResult()
    load([write(tmp_path, f"w{i}.yaml", t) for i, t in enumerate(texts)], res)
    return Context(Index(res.documents), Options())


def test_each_set_has_its_own_crds(tmp_path):
    """Built once per index, as the registry is: a rendered world sees its own CRDs."""
    with_crd = _context(crd("ReferenceGrant", [("v1", True)]), GRANT_V1, tmp_path=tmp_path)
    without = _context(GRANT_V1, tmp_path=tmp_path)
    assert serving(with_crd).verdict("gateway.networking.k8s.io", "ReferenceGrant", "v1")[0] is True
    assert serving(with_crd) is serving(with_crd)  # memoised
    assert serving(without).verdict("gateway.networking.k8s.io", "ReferenceGrant", "v1") == (None, ())


def test_verdict():
    class Doc:
        def __init__(self, versions, name="x"):
            self.data = {"spec": {"group": "g.io", "names": {"kind": "K"}, "versions": versions}}
            self.name, self.path, self.annotations = name, "f.yaml", {}

        def get(self, key):
            return self.data.get(key)

        def span(self, path):
            return type("S", (), {"line": 3})()

    a = definition(Doc([{"name": "v1", "served": True}, {"name": "v2", "served": False}], "a"))
    b = definition(Doc([{"name": "v2", "served": True}], "b"))
    assert a.served == ("v1",) and a.lists("v2") and not a.serves("v2") and a.where == "f.yaml:3"
    s = Serving([a, None, b])
    assert s.verdict("g.io", "K", "v2") == (True, (b,))
    assert s.verdict("g.io", "K", "v3") == (False, (a, b))
    assert s.verdict("g.io", "Other", "v1") == (None, ())
    assert s.defines("g.io", "K") and s.has_group("g.io") and not s.has_group("h.io")
    assert definition(Doc("v1")) is None and definition(Doc([])) is None


def test_version_priority():
    names = ["v1alpha1", "v2", "v1beta1", "foo", "v1", "v1alpha3", "v1beta2", "v10"]
    assert sorted(names, key=version_priority) == ["v10", "v2", "v1", "v1beta2", "v1beta1", "v1alpha3", "v1alpha1", "foo"]


def test_hostile_crd_name_is_printable(tmp_path):
    f = write(tmp_path, "a.yaml", crd("ReferenceGrant", [("v1beta1", True)], name='"evil\\u001b[31m"'), GRANT_V1)
    (found,) = igw109([f])
    assert "\x1b" not in found.message and "evil" in found.message


def test_the_upstream_crds_serve_the_conformance_kinds():
    """../shared/corpus holds upstream main's standard-channel CRDs next to the conformance
    manifests: each v1 kind there is served by its CRD, so what IGW109 still reports is a
    version those CRDs list with served: false (the experimental channel's alpha versions)."""
    root = shared_path("corpus")
    if not os.path.isdir(os.path.join(root, "gateway-api-crds-standard")):
        pytest.skip("the corpus has no CRDs")
    found = igw109([root])
    assert found, "the experimental examples use versions the standard CRDs do not serve"
    for f in found:
        assert "is not served by its CRD in the set" in f.message and "with served: false" in f.message, f.message
        assert (f.resource or {}).get("apiVersion", "").rsplit("/", 1)[-1].startswith("v1alpha"), f.message


def test_a_long_kind_leaves_the_first_line_whole(tmp_path):
    from infergw_lint.rule import SHORT_LIMIT, split_message

    kind = "X" + "y" * 90
    res = f"apiVersion: gateway.networking.x-k8s.io/v1alpha9\nkind: {kind}\nmetadata: {{name: r, namespace: apps}}\n"
    one = crd(kind, [("v1alpha1", True)], group="gateway.networking.x-k8s.io")
    two = crd(kind, [("v1alpha2", True)], group="gateway.networking.x-k8s.io")
    for docs in ((one,), (one, two)):
        (f,) = igw109([write(tmp_path, "a.yaml", *docs, res)])
        parts = split_message(f.message)
        assert len(parts.short) <= SHORT_LIMIT and not parts.continued, parts
        assert parts.short.startswith("apiVersion ") and kind in parts.rest


def test_the_release_message_says_why_a_bundle_version_was_not_used(tmp_path):
    """A development bundle-version (v0.0.0-dev) names no release: the default applies, and
    the message says that, not that no CRD had a bundle-version."""
    stub = ("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n"
            "  name: gateways.gateway.networking.k8s.io\n"
            "  annotations: {gateway.networking.k8s.io/bundle-version: v0.0.0-dev}\n"
            "spec: {group: gateway.networking.k8s.io, names: {kind: Gateway, plural: gateways}, versions: []}\n")
    (f,) = igw109([write(tmp_path, "a.yaml", stub, GRANT_V1)])
    assert "(assumed: no version stated, and bundle-version v0.0.0-dev of CustomResourceDefinition" in f.message
    assert "names no release)" in f.message and "no Gateway API CRDs with a bundle-version" not in f.message
    (g,) = igw109([write(tmp_path, "b.yaml", GRANT_V1)])
    assert "(assumed: no version stated and no Gateway API CRDs with a bundle-version in the set)" in g.message


def test_many_crds_of_one_kind_are_not_scanned_per_resource(tmp_path, monkeypatch):
    """A set may repeat a kind's CRD many times, each listing many versions, and every
    resource of the kind asks about its version: the verdict is made once per (kind,
    version) and what the message says of the CRDs once per kind, so the work does not
    grow with resources x CRDs x versions (400 CRDs of 100 versions and 3,000 routes took
    35 s when each route scanned them all).  Counts calls, not time."""
    import infergw_lint.crd as crd_pkg

    rule_mod = __import__("infergw_lint.rules.igw109_unsupported_api_version", fromlist=["_kind_parts"])
    versions = [(f"v{j}", j % 2 == 1) for j in range(20)]
    crds = [crd("TCPRoute", versions) for _ in range(30)]
    routes = [
        f"apiVersion: gateway.networking.k8s.io/{'v0' if i % 2 else 'v2'}\nkind: TCPRoute\n"
        f"metadata: {{name: r{i}, namespace: ns}}\nspec: {{rules: [{{backendRefs: [{{name: s, port: 80}}]}}]}}\n"
        for i in range(200)
    ]
    path = write(tmp_path, "all.yaml", *crds, *routes)
    calls = {"serves": 0, "versions": 0}
    serves = crd_pkg.Definition.serves
    versions_text = rule_mod._versions

    def counting_serves(self, version):
        calls["serves"] += 1
        return serves(self, version)

    def counting_versions(names):
        calls["versions"] += 1
        return versions_text(names)

    monkeypatch.setattr(crd_pkg.Definition, "serves", counting_serves)
    monkeypatch.setattr(rule_mod, "_versions", counting_versions)
    findings = igw109([path], jobs=1)
    assert len(findings) == 200  # v0 and v2 are listed with served: false by all 30
    assert calls["serves"] <= 2 * 30  # two versions asked, each against the 30 CRDs once
    # the message's account of the CRDs (what each of the first few serves) is made once
    assert calls["versions"] <= rule_mod.MAX_SHOWN
    assert all("served by none of its 30 CRDs" in f.message for f in findings)
    assert len({f.message.split(": ", 1)[1] for f in findings if "/v0 " in f.message}) == 1


WRONG_GROUP_SPELLINGS = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: a}
spec:
  rules:
  - backendRefs:
    - {group: "kgateway\\x2edev", kind: Backend, name: b}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r2, namespace: a}
spec:
  x: &g kgateway.dev
  rules:
  - backendRefs: [{group: *g, kind: Backend, name: b}]
---
{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "r3", "namespace": "a"},
 "spec": {"rules": [{"backendRefs": [{"group": "kgateway\\u002edev", "kind": "Backend", "name": "b"}]}]}}
"""


def test_wrong_group_found_however_written(tmp_path):
    """IGW109 walks a spec for ``group: kgateway.dev`` only when the document's text could
    hold it: written with an escape, or through an alias, it is still found."""
    (tmp_path / "r.yaml").write_text(WRONG_GROUP_SPELLINGS)
    result = run([str(tmp_path)], Options(select=["IGW109"]))
    found = sorted((f.resource["name"], f.field) for f in result.findings)
    assert found == [(n, ("spec", "rules", 0, "backendRefs", 0, "group")) for n in ("r", "r2", "r3")]


def test_text_check_never_hides_a_wrong_group():
    """Over the real trees: wherever the walk finds a wrong group, the text check let it walk."""
    from trees import real_trees

    from infergw_lint.rules import igw109_unsupported_api_version as igw109

    walked = 0
    for tree in real_trees("IGW1*"):
        loaded = LoadResult()
        load([tree], loaded)
        for doc in loaded.documents:
            if igw109._has_group_ref(doc.get("spec")):
                walked += 1
                assert igw109._may_hold_wrong_group(doc, None), (doc.path, doc.index)
    assert walked
