"""The Gateway API conformance manifests and examples as real input for the routing rules.

Each conformance test is linted as the suite applies it: base/manifests.yaml plus the test's
own file. Where the suite expects a reference or attachment to be rejected (its .go file
checks RefNotPermitted, NotAllowedByListeners, NoMatchingListenerHostname, NoMatchingParent,
BackendNotFound, InvalidKind), the matching code must fire on that resource; everywhere else
none of the not-found / not-allowed codes may fire. Skipped when ../shared is absent.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from conftest import SHARED, shared_path

from infergw_lint.engine import Options, run

CONFORMANCE = ("corpus", "gateway-api-conformance")
EXAMPLES = ("corpus", "gateway-api-examples")
REFERENCE_CODES = ("IGW101", "IGW102", "IGW103", "IGW104")
VERSION = "1.6"  # the corpus is upstream main: TLSRoute/TCPRoute/UDPRoute/ReferenceGrant v1

# test file -> the (code, resource name) findings of REFERENCE_CODES it must produce, exactly
REJECTED = {
    # RefNotPermitted
    "httproute-invalid-cross-namespace-backend-ref": {("IGW101", "invalid-cross-namespace-backend-ref")},
    "httproute-invalid-reference-grant": {("IGW101", "reference-grant")},
    "httproute-partially-invalid-via-invalid-reference-grant": {("IGW101", "invalid-reference-grant")},
    "gateway-secret-missing-reference-grant": {("IGW101", "gateway-secret-missing-reference-grant")},
    "gateway-secret-invalid-reference-grant": {("IGW101", "gateway-secret-invalid-reference-grant")},
    "tcproute-invalid-cross-namespace-backend-ref": {("IGW101", "tcp-invalid-cross-namespace-backend-ref")},
    "tlsroute-invalid-reference-grant": {("IGW101", "gateway-conformance-infra-test")},
    # spec.tls.backend.clientCertificateRef to a Secret in another namespace, no grant
    "gateway-invalid-tls-backend-configuration": {("IGW101", "gateway-client-certificate-missing-reference-grant")},
    # the Service is not defined by the manifests either: BackendNotFound as well
    "udproute-invalid-cross-namespace-backend-ref": {
        ("IGW101", "udp-route-invalid-cross-namespace-backend-ref"),
        ("IGW104", "udp-route-invalid-cross-namespace-backend-ref"),
    },
    # NotAllowedByListeners / NoMatchingListenerHostname
    "httproute-invalid-cross-namespace-parent-ref": {("IGW102", "invalid-cross-namespace-parent-ref")},
    "httproute-disallowed-kind": {("IGW102", "disallowed-kind")},
    "httproute-hostname-intersection": {("IGW102", "no-intersecting-hosts")},
    "udproute-not-allowed-by-listeners": {("IGW102", "udproute-not-allowed-by-listeners")},
    "tlsroute-invalid-no-matching-listener-hostname": {
        ("IGW102", "tlsroute-hostname-mismatch-1"), ("IGW102", "tlsroute-hostname-mismatch-2"),
    },
    "tlsroute-invalid-no-matching-listener": {
        ("IGW102", "tlsroute-not-allowed-protocol-http"), ("IGW102", "tlsroute-not-allowed-protocol-https"),
        ("IGW103", "tlsroute-no-matching-section-name"),
    },
    # the TCPRoute's Service is not defined by the manifests: BackendNotFound as well
    "tcproute-invalid-non-tcp-listener": {("IGW102", "tcp-route"), ("IGW104", "tcp-route")},
    "listenerset-allowed-routes-namespaces": {("IGW102", "route-in-gateway-namespace")},
    "gateway-with-attached-routes": {("IGW102", "http-route-not-accepted"), ("IGW104", "http-route-4")},
    # NoMatchingParent
    "httproute-invalid-parentref-not-matching-listener-port": {("IGW103", "httproute-listener-not-matching-route-port")},
    "httproute-invalid-parentref-not-matching-section-name": {("IGW103", "httproute-listener-not-matching-section-name")},
    "httproute-invalid-parentref-section-name-not-matching-port": {
        ("IGW103", "httproute-listener-section-name-not-matching-port"),
    },
    "listenerset-gateway-parent-section-name-not-found": {("IGW103", "route-via-gateway")},
    "listenerset-dual-parentref-independence": {("IGW103", "route-dual-parentref-one")},
    # BackendNotFound / InvalidKind
    "httproute-invalid-nonexistent-backendref": {("IGW104", "invalid-nonexistent-backend-ref")},
    "httproute-invalid-backendref-unknown-kind": {("IGW104", "invalid-backend-ref-unknown-kind")},
    "tcproute-invalid-backendref-nonexistent": {("IGW104", "tcp-route-invalid-backend-ref-nonexistent")},
    "tlsroute-invalid-backendref-nonexistent": {("IGW104", "invalid-backend-ref-nonexistent")},
    "tlsroute-invalid-backendref-unknown-kind": {("IGW104", "invalid-backend-ref-unknown-kind")},
    "udproute-invalid-backendref-nonexistent": {("IGW104", "udp-route-invalid-backend-ref-nonexistent")},
    # upstream manifest bug: the route's parentRef names a Gateway the file does not define
    # ("client-validation-invalid"); the .go test never looks at the route
    # ... and its caCertificateRefs name a ConfigMap in another namespace with no grant
    "gateway-with-invalid-clientcertificate-validation": {
        ("IGW103", "misconfigured-client-certificate-validation-https-test"),
        ("IGW101", "gateway-with-invalid-client-cert-validation"),
    },
    # a ListenerSet's certificateRefs across namespaces need a grant from kind ListenerSet
    "listenerset-reference-grant": {("IGW101", "listenerset-without-reference-grant")},
}

# expected to be accepted by the suite, with grants that must count as used
GRANTS_USED = {
    "httproute-reference-grant": "reference-grant",
    "gateway-secret-reference-grant-specific": "reference-grant-specific",
    "gateway-secret-reference-grant-all-in-namespace": "reference-grant-all-in-namespace",
    "tcproute-reference-grant": "tcp-reference-grant",
}


def _test_files() -> list[str]:
    base = os.path.join(SHARED, *CONFORMANCE, "tests")
    if not os.path.isdir(base):
        return ["<absent>"]
    return sorted(f[:-5] for f in os.listdir(base) if f.endswith(".yaml"))


def _lint_conformance(test: str, **kw):
    root = shared_path(*CONFORMANCE)
    options = Options(gateway_api_version=kw.pop("version", VERSION), **kw)
    result = run([os.path.join(root, "base", "manifests.yaml"), os.path.join(root, "tests", test + ".yaml")], options)
    assert not result.internal_errors, result.internal_errors
    return result


def _show(findings) -> str:
    return "\n".join(f"  {f.path}:{f.line}:{f.column} {f.rule} {f.message}" for f in findings) or "  (none)"


@pytest.mark.parametrize("test", _test_files())
def test_conformance_file(test):
    """No internal error with every rule; reference codes exactly where the suite rejects."""
    result = _lint_conformance(test)
    got = {
        (f.rule, (f.resource or {}).get("name"))
        for f in result.findings if f.rule in REFERENCE_CODES and f"{os.sep}tests{os.sep}" in f.path
    }
    base_noise = [f for f in result.findings if f.rule in REFERENCE_CODES and "base" in os.path.basename(os.path.dirname(f.path))]
    assert not base_noise, "findings in base/manifests.yaml:\n" + _show(base_noise)
    want = REJECTED.get(test, set())
    assert got == want, f"{test}: expected {sorted(want)}, got:\n" + _show(
        [f for f in result.findings if f.rule in REFERENCE_CODES]
    )


def test_no_traceback_on_all_tests_together():
    root = shared_path(*CONFORMANCE)
    result = run([root], Options(gateway_api_version=VERSION))
    assert not result.internal_errors, result.internal_errors


@pytest.mark.parametrize("test,grant", sorted(GRANTS_USED.items()))
def test_used_grants_are_not_reported(test, grant):
    result = _lint_conformance(test, select=["IGW101", "IGW108"])
    unused = [f for f in result.findings if f.rule == "IGW108" and (f.resource or {}).get("name") == grant]
    assert not unused, _show(unused)
    assert not [f for f in result.findings if f.rule == "IGW101"], _show(result.findings)


def test_wrong_grants_are_reported():
    """httproute-invalid-reference-grant ships grants that each miss in one field."""
    result = _lint_conformance("httproute-invalid-reference-grant", select=["IGW108"])
    flagged = Counter((f.resource or {}).get("name") for f in result.findings)
    # in the route's own namespace (the source-namespace case), and wrong from kind / to group /
    # to kind / to name; the ones whose from group or from namespace is unknown are not judged
    assert set(flagged) == {
        "reference-grant-wrong-namespace", "reference-grant-wrong-from-kind", "reference-grant-wrong-to-group",
        "reference-grant-wrong-to-kind", "reference-grant-wrong-to-name",
    }, _show(result.findings)


def test_v1_grants_need_gateway_api_1_5():
    result = _lint_conformance("httproute-reference-grant", version="1.2", select=["IGW109"])
    kinds = {(f.resource or {}).get("kind") for f in result.findings}
    assert kinds == {"ReferenceGrant"}, _show(result.findings)
    assert not _lint_conformance("httproute-reference-grant", version="1.5", select=["IGW109"]).findings


def test_dead_grpc_rules_are_conflicts():
    """grpcroute-request-header-modifier repeats one method match in three rules: per the spec the
    first rule wins (the suite's gRPC echo check does not look at headers, so it passes anyway)."""
    result = _lint_conformance("grpcroute-request-header-modifier", select=["IGW105"])
    assert [f.field for f in result.findings] == [
        ("spec", "rules", 1, "matches", 0), ("spec", "rules", 2, "matches", 0),
    ], _show(result.findings)


def _example_units() -> list[str]:
    """Each example as it is meant to be applied: a directory of files, or one file."""
    root = os.path.join(SHARED, *EXAMPLES)
    if not os.path.isdir(root):
        return ["<absent>"]
    units = []
    for d, _, files in os.walk(root):
        yamls = sorted(f for f in files if f.endswith((".yaml", ".yml")))
        if os.path.relpath(d, root) in ("standard", "experimental"):
            units += [os.path.relpath(os.path.join(d, f), root) for f in yamls]
        elif yamls and d != root:
            units.append(os.path.relpath(d, root))
    return sorted(units)


@pytest.mark.parametrize("unit", _example_units())
def test_examples_are_clean(unit):
    root = shared_path(*EXAMPLES)
    result = run([os.path.join(root, unit)], Options(gateway_api_version=VERSION))
    assert not result.internal_errors, result.internal_errors
    gateway_findings = [f for f in result.findings if f.rule.startswith(("IGW1", "IGW4"))]
    assert not gateway_findings, _show(gateway_findings)


def test_examples_all_together_do_not_crash():
    root = shared_path(*EXAMPLES)
    result = run([root], Options())
    assert not result.internal_errors, result.internal_errors
