"""The bundled kgateway CRDs (lint/crd/data/kgateway-X.Y.json.gz): their provenance, which
one a run uses (the stack profile's kgateway release), and accepted and rejected kgateway
resources per bundled release, including kgateway's own end-to-end manifests."""

from __future__ import annotations

import gzip
import json
import os

import pytest
from conftest import ROOT

from infergw_lint import crd
from infergw_lint.crd import refresh
from infergw_lint.engine import Options, run

CODES = ["IGW501", "IGW502", "IGW503"]
DATA = os.path.join(ROOT, "lint", "crd", "data")
UPSTREAM = os.path.join(ROOT, "tests", "crd", "kgateway")
RELEASES = {"2.0": "v2.0.5", "2.1": "v2.1.2", "2.2": "v2.2.8", "2.3": "v2.3.7", "2.4": "v2.4.3"}
KINDS = {"Backend", "DirectResponse", "GatewayExtension", "GatewayParameters", "HTTPListenerPolicy", "TrafficPolicy"}
LATER_KINDS = {"2.1": {"BackendConfigPolicy"}, "2.2": {"BackendConfigPolicy", "ListenerPolicy"}}


def load(minor: str) -> dict:
    with gzip.open(os.path.join(DATA, f"kgateway-{minor}.json.gz")) as fh:
        return json.load(fh)


def lint(tmp_path, text, kgateway=None, name="m.yaml"):
    path = tmp_path / name
    path.write_text(text)
    versions = {"kgateway": (kgateway, "--kgateway-version")} if kgateway else {}
    return run([str(path)], Options(select=CODES, versions=versions))


def kgateway_findings(result):
    return [f for f in result.findings if "CRD, kgateway " in f.message]


# ---- the data ------------------------------------------------------------------------------


@pytest.mark.parametrize("minor", sorted(RELEASES))
def test_bundle_provenance(minor):
    """Each bundle names its release, the pinned upstream commit, the evidence for that
    commit, the path and the licence; the NOTICE lists it; the data stays compact."""
    data = load(minor)
    src = data["source"]
    assert src["project"] == "kgateway" and src["license"] == "Apache-2.0"
    assert src["ref"] == RELEASES[minor] and src["version"] == minor
    assert src["commit"] == refresh.KGATEWAY_RELEASES[src["ref"]]["commit"] and len(src["commit"]) == 40
    assert src["evidence"] and src["path"] == "install/helm/kgateway-crds/templates"
    notice = open(os.path.join(DATA, "NOTICE")).read()
    assert f"kgateway-{minor}.json.gz: kgateway (https://github.com/kgateway-dev/kgateway), {src['ref']} commit {src['commit']}" in notice
    kinds = {c["kind"] for c in data["crds"]}
    assert kinds == KINDS | LATER_KINDS.get(minor, LATER_KINDS["2.2"] if minor > "2.2" else set())
    assert {c["group"] for c in data["crds"]} == {"gateway.kgateway.dev"}
    assert os.path.getsize(os.path.join(DATA, f"kgateway-{minor}.json.gz")) < 40_000
    assert "description" not in json.dumps(data["crds"])


def _rules(node, out):
    if isinstance(node, dict):
        out.extend(r["rule"] for r in node.get("x-kubernetes-validations") or ())
        for key, value in node.items():
            if key != "x-kubernetes-validations":
                _rules(value, out)
    elif isinstance(node, list):
        for value in node:
            _rules(value, out)
    return out


def test_every_bundled_kgateway_cel_rule_compiles():
    """Every CEL rule of every bundled kgateway release compiles with the CEL engine (kgateway
    2.3+ GatewayExtension rules use CEL's optional field selection, ``self.?jwt``)."""
    from infergw_lint.crd import cel

    failed = []
    total = 0
    for minor in RELEASES:
        for c in load(minor)["crds"]:
            for schema in c["versions"].values():
                for rule in _rules(schema, []):
                    total += 1
                    try:
                        cel.program(rule)
                    except Exception as exc:  # noqa: BLE001 - any refusal is a failure here
                        failed.append((minor, c["kind"], rule, str(exc)[:200]))
    assert total > 700
    assert any(".?" in r for m in RELEASES for c in load(m)["crds"] for s in c["versions"].values() for r in _rules(s, []))
    assert not failed, "\n".join(map(str, failed))


def test_refresh_refuses_a_release_without_pinned_evidence(tmp_path):
    with pytest.raises(SystemExit, match="not in KGATEWAY_RELEASES"):
        refresh.main(["kgateway", str(tmp_path), "v2.1.3", "--out", str(tmp_path)])


def test_refresh_rejects_helm_directives_in_kept_fields(tmp_path):
    crd_doc = {"spec": {"group": "gateway.kgateway.dev", "names": {"kind": "X", "plural": "xs"}, "versions": [
        {"name": "v1alpha1", "served": True, "schema": {"openAPIV3Schema": {
            "type": "object", "properties": {"a": {"type": "string", "pattern": "{{ .Values.p }}"}}}}}]}}
    with pytest.raises(SystemExit, match="Helm template"):
        refresh.write_bundle("kgateway-9.9", {}, [crd_doc], str(tmp_path))


# ---- accepted and rejected, per release ----------------------------------------------------

ACCEPTED = """\
apiVersion: gateway.kgateway.dev/v1alpha1
kind: Backend
metadata: {name: api, namespace: apps}
spec:
  type: Static
  static:
    hosts: [{host: api.example.com, port: 443}]
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: DirectResponse
metadata: {name: gone, namespace: apps}
spec: {status: 410, body: gone}
"""

SCHEMA = """\
apiVersion: gateway.kgateway.dev/v1alpha1
kind: DirectResponse
metadata: {name: bad, namespace: apps}
spec: {status: 700}
"""

PRUNED = """\
apiVersion: gateway.kgateway.dev/v1alpha1
kind: Backend
metadata: {name: api, namespace: apps}
spec:
  type: Static
  static:
    hosts: [{host: api.example.com, port: 443}]
    weight: 3
"""

CEL = """\
apiVersion: gateway.kgateway.dev/v1alpha1
kind: Backend
metadata: {name: api, namespace: apps}
spec:
  type: Static
"""


@pytest.mark.parametrize("minor", sorted(RELEASES))
def test_accepted_and_rejected_per_release(tmp_path, minor):
    release = RELEASES[minor]
    assert not lint(tmp_path, ACCEPTED, minor).findings

    found = lint(tmp_path, SCHEMA, minor).findings
    assert [(f.rule, f.line) for f in found] == [("IGW501", 4)]
    assert "spec.status" in found[0].message and f"DirectResponse CRD, kgateway {release}" in found[0].message

    found = lint(tmp_path, PRUNED, minor).findings
    assert [(f.rule, f.line, f.severity) for f in found] == [("IGW503", 8, "warning")]
    assert "weight" in found[0].message

    found = lint(tmp_path, CEL, minor).findings
    assert found and {f.rule for f in found} == {"IGW502"}
    assert any("static backend must be specified" in f.message for f in found)
    assert all(f"Backend CRD, kgateway {release}" in f.message for f in found)


def test_a_field_one_release_knows_and_another_prunes(tmp_path):
    """DirectResponse.spec.bodyFormat arrived in kgateway 2.3: pruned (a warning) on 2.2,
    accepted on 2.3, and its CEL rule (exactly one of json and text) judged on 2.3."""
    text = SCHEMA.replace("{status: 700}", "{status: 200, bodyFormat: {text: ok}}")
    assert [f.rule for f in lint(tmp_path, text, "2.2").findings] == ["IGW503"]
    assert not lint(tmp_path, text, "2.3").findings
    both = text.replace("{text: ok}", "{text: ok, json: {a: b}}")
    found = lint(tmp_path, both, "2.3").findings
    assert [f.rule for f in found] == ["IGW502"] and "exactly one of the fields in [json text]" in found[0].message


# ---- which bundle ----------------------------------------------------------------------------

AI_BACKEND = """\
apiVersion: gateway.kgateway.dev/v1alpha1
kind: Backend
metadata: {name: openai, namespace: ai}
spec:
  type: AI
  ai:
    llm:
      openai:
        authToken: {kind: SecretRef, secretRef: {name: openai}}
"""


def test_the_profile_release_picks_the_bundle(tmp_path):
    """Backend type AI exists up to kgateway 2.1 and is gone from 2.2 (agentgateway took
    over the AI backends): each release's own CRD decides."""
    assert not kgateway_findings(lint(tmp_path, AI_BACKEND, "2.1"))
    found = kgateway_findings(lint(tmp_path, AI_BACKEND, "2.2.3"))
    assert found and found[0].rule == "IGW501" and "kgateway v2.2.8" in found[0].message
    assert 'Unsupported value: "AI"' in found[0].message


def test_the_release_is_read_from_the_controller_image(tmp_path):
    deployment = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: kgateway, namespace: kgateway-system}
spec:
  template:
    spec:
      containers:
      - {name: kgateway, image: "cr.kgateway.dev/kgateway-dev/kgateway:v2.4.1"}
---
"""
    found = kgateway_findings(lint(tmp_path, deployment + AI_BACKEND))
    assert found and "kgateway v2.4.3" in found[0].message


def test_a_release_without_a_bundle_uses_the_nearest_one_with_a_note(tmp_path):
    result = lint(tmp_path, AI_BACKEND, "2.5.2")
    found = kgateway_findings(result)
    assert found and "kgateway v2.4.3" in found[0].message
    notes = [n for n in result.notes if "no CRDs of that release are bundled" in n]
    assert len(notes) == 1 and "kgateway v2.5.2" in notes[0] and "nearest bundled release, kgateway v2.4.3" in notes[0]
    result = lint(tmp_path, AI_BACKEND, "1.18")
    assert all("kgateway v2.0.5" in f.message for f in kgateway_findings(result))  # 2.0 nests llm.provider
    assert any("nearest bundled release, kgateway v2.0.5" in n for n in result.notes)
    assert not [n for n in lint(tmp_path, AI_BACKEND, "2.1").notes if "kgateway" in n]


def test_an_unknown_release_reports_only_what_every_bundled_release_rejects(tmp_path):
    """Release not stated: AI backends (valid up to 2.1) are not reported, a DirectResponse
    status of 700 (rejected by every release) is, naming the releases that agree."""
    result = lint(tmp_path, AI_BACKEND + "---\n" + SCHEMA)
    found = kgateway_findings(result)
    assert [(f.rule, f.line) for f in found] == [("IGW501", 14)]
    assert "(DirectResponse CRD, kgateway 2.0-2.4)" in found[0].message
    notes = [n for n in result.notes if "kgateway version not stated" in n]
    assert len(notes) == 1 and "v2.0.5, v2.1.2, v2.2.8, v2.3.7, v2.4.3" in notes[0]
    # a kind newer than 2.0 is judged by the releases that have it
    policy = """\
apiVersion: gateway.kgateway.dev/v1alpha1
kind: ListenerPolicy
metadata: {name: lp, namespace: apps}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
  default: {perConnectionBufferLimitBytes: -1}
"""
    found = kgateway_findings(lint(tmp_path, policy))
    assert found and all("(ListenerPolicy CRD, kgateway 2.2-2.4)" in f.message for f in found)
    # no kgateway resource: no note
    assert not [n for n in lint(tmp_path, "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n").notes
                if "kgateway" in n]


# a user's own DirectResponse CRD allowing status up to 999: SCHEMA's 700, which kgateway's bundled CRDs reject, passes
OWN_DIRECTRESPONSE_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: directresponses.gateway.kgateway.dev}
spec:
  group: gateway.kgateway.dev
  names: {kind: DirectResponse, plural: directresponses}
  scope: Namespaced
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              status: {type: integer, maximum: 999}
"""


def test_a_crd_in_the_set_wins_over_the_bundled_ones(tmp_path):
    own = OWN_DIRECTRESPONSE_CRD + "---\n"
    for version in (None, "2.3"):
        assert not kgateway_findings(lint(tmp_path, own + SCHEMA, version))
        assert not lint(tmp_path, own + SCHEMA, version).findings
    found = lint(tmp_path, own + SCHEMA.replace("700", "1000"), "2.3").findings
    assert found and "the CRD directresponses.gateway.kgateway.dev" in found[0].message


def test_registry_records_the_choice():
    class Stub:
        def __init__(self, parts):
            from infergw_lint.versions import Version

            self.v = Version("kgateway", parts, "test", "cli" if parts else "unknown")

    for parts, want in (((2, 3, 1), "2.3"), ((2, 9), "2.4"), ((1, 18, 0), "2.0"), (None, "2.4")):
        reg = crd.Registry()
        crd._choose_kgateway(reg, Stub(parts).v)
        assert reg.kgateway == want, parts
        assert bool(reg.kgateway_alternatives) is (parts is None)


# ---- kgateway's own end-to-end manifests ---------------------------------------------------


@pytest.mark.parametrize("minor", sorted(RELEASES))
def test_upstream_e2e_manifests_are_accepted_by_their_release(minor):
    """kgateway's CI applies these to clusters with the same release's CRDs: no kgateway
    resource in them may be reported (tests/crd/kgateway/SOURCES.md)."""
    folder = os.path.join(UPSTREAM, minor)
    files = sorted(os.path.join(folder, n) for n in os.listdir(folder))
    assert len(files) >= 10
    result = run(files, Options(select=CODES, versions={"kgateway": (minor, "--kgateway-version")}))
    found = kgateway_findings(result)
    assert not found, "\n".join(f"{f.path}:{f.line} {f.rule} {f.message}" for f in found)
    kinds = {d.kind for d in _documents(files) if d.group == "gateway.kgateway.dev"}
    assert kinds >= KINDS - {"GatewayExtension"} or minor == "2.0"


def _documents(files):
    from infergw_lint.loader import LoadResult, load as load_paths

    res = LoadResult()
    load_paths(files, res)
    return res.documents


def test_disagreeing_manifests_are_named_in_the_note(tmp_path):
    controllers = "".join(
        f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: kgateway-{n}, namespace: kgateway-system}}
spec:
  template:
    spec:
      containers:
      - {{name: kgateway, image: "cr.kgateway.dev/kgateway-dev/kgateway:v{tag}"}}
---
""" for n, tag in ((1, "2.1.0"), (2, "2.4.1")))
    result = lint(tmp_path, controllers + AI_BACKEND)
    assert not kgateway_findings(result)  # 2.1 accepts it: not reported while the release is unknown
    assert any(n.startswith("kgateway version unknown (the manifests disagree): kgateway resources") for n in result.notes)


def test_a_cel_rule_relaxed_in_a_later_release(tmp_path):
    """A TrafficPolicy with autoHostRewrite and no targetRefs (attached through an HTTPRoute
    ExtensionRef filter): kgateway's CRDs rejected it up to 2.3.6 and 2.2.8, kgateway#14436
    (v2.3.7, and 2.4) accepts it. Each release is judged by its own rule."""
    policy = """\
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: rewrite, namespace: apps}
spec:
  autoHostRewrite: true
"""
    for minor in ("2.1", "2.2"):
        found = lint(tmp_path, policy, minor).findings
        assert [(f.rule, f.line) for f in found] == [("IGW502", 4)], minor
        assert "autoHostRewrite can only be used when targeting HTTPRoute resources" in found[0].message
    for minor in ("2.3", "2.4"):
        assert not lint(tmp_path, policy, minor).findings, minor
    assert not kgateway_findings(lint(tmp_path, policy))  # release unknown: 2.3.7 and 2.4.3 accept it


def test_a_crd_given_with_crds_wins_too(tmp_path):
    """--crds: the user's own copy of a kgateway CRD (a newer release, say) judges its kind."""
    own = tmp_path / "crds.yaml"
    own.write_text(OWN_DIRECTRESPONSE_CRD)
    target = tmp_path / "m.yaml"
    target.write_text(SCHEMA)
    for versions in ({}, {"kgateway": ("2.4", "--kgateway-version")}):
        assert not run([str(target)], Options(select=CODES, crds=[str(own)], versions=versions)).findings
        assert run([str(target)], Options(select=CODES, versions=versions)).findings
