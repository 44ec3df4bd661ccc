"""Copy the real-world corpus from local git mirrors of the upstream repositories.

Run: python tests/realworld/gather.py MIRROR_ROOT, where MIRROR_ROOT/<owner>+<name>/repo is a bare
git directory of each repository below (Bifrost's files are copied by hand: see SOURCES.md).
Writes the files under tests/realworld/<dest> and prints the SOURCES.md table rows.
"""

from __future__ import annotations

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

KG = "internal/kgateway/translator/gateway/testutils/"
GA = "conformance/"
EG = "examples/kubernetes/"
IS = "pilot/pkg/config/kube/gateway/testdata/"
CO = "packages/config-yaml/src/__tests__/packages/test-org/"

# (repo, licence, upstream path prefix, [file names], destination folder[, pinned]); ``pinned``
# names the commit (a release: lint/crd/refresh.py KGATEWAY_RELEASES) and the mirror holding it
# (a fork's copy of the upstream history; the commit ids are upstream's)
SETS = [
    ("kgateway-dev/kgateway", "Apache-2.0", KG + "inputs/delegation/", [
        "basic.yaml", "basic_invalid_hostname.yaml", "basic_parentref_match.yaml", "basic_parentref_mismatch.yaml",
        "bug-10379.yaml", "bug-6621.yaml", "child_rule_matcher.yaml", "cyclic1.yaml", "cyclic2.yaml",
        "invalid_child_valid_standalone.yaml", "multiple_children.yaml", "multiple_parents.yaml",
        "nested_absolute_relative.yaml", "recursive.yaml", "relative_paths.yaml",
    ], "kgateway/delegation"),
    # the golden xDS output of each delegation case (not linted: the oracle for the routing map)
    ("kgateway-dev/kgateway", "Apache-2.0", KG + "outputs/delegation/", [
        "basic.yaml", "basic_parentref_match.yaml", "basic_parentref_mismatch.yaml", "multiple_children.yaml",
        "recursive.yaml", "multiple_parents.yaml",
    ], "kgateway/delegation/golden"),
    ("kgateway-dev/kgateway", "Apache-2.0", KG + "inputs/", [
        "backend-plugin/gateway.yaml", "directresponse/manifest.yaml", "edge-cases/no_route.yaml",
        "http-routing-invalid-backend/manifests.yaml", "http-routing-missing-backend/manifests.yaml",
        "http-with-header-modifier/manifests.yaml", "http-with-lambda-destination/manifests.yaml",
        "https-routing/gateway.yaml", "multiple-listeners-http-routing/gateway.yaml", "route-sort.yaml",
        "tcp-routing/basic.yaml", "tcp-routing/invalid-backend.yaml", "tcp-routing/missing-backend.yaml",
        "tcp-routing/multi-backend.yaml",
    ], "kgateway/translator"),
    # kgateway releases' translator inputs with a BackendConfigPolicy the CRDs reject (the
    # translator tests feed them in directly; the API server would refuse them)
    ("kgateway-dev/kgateway", "Apache-2.0", KG + "inputs/", ["backendconfigpolicy/healthcheck.yaml"],
     "kgateway/translator-2.1", {"commit": "a31f0744e17d6b0b162bcff8183ddc2b9ce0add0", "mirror": "timflannagan/kgateway"}),
    ("kgateway-dev/kgateway", "Apache-2.0", "pkg/kgateway/translator/gateway/testutils/inputs/",
     ["route-replacement/backendconfigpolicy/invalid-outlier-detection-zero-interval.yaml"],
     "kgateway/translator-2.3", {"commit": "1eb924fe752ba65ed1ce089a96c06af90fcdb827", "mirror": "puertomontt/kgateway"}),
    ("kubernetes-sigs/gateway-api", "Apache-2.0", GA, [
        "mesh/manifests.yaml",
    ] + ["tests/mesh/" + n for n in (
        "grpcroute-request-header-modifier.yaml", "grpcroute-weight.yaml", "httproute-303-redirect.yaml",
        "httproute-matching.yaml", "httproute-named-rule.yaml", "httproute-query-param-matching.yaml",
        "httproute-redirect-host-and-status.yaml", "httproute-redirect-path.yaml", "httproute-redirect-port.yaml",
        "httproute-redirect-scheme.yaml", "httproute-request-header-modifier-backend.yaml",
        "httproute-request-header-modifier.yaml", "httproute-rewrite-path.yaml",
        "httproute-simple-same-namespace.yaml", "httproute-weight.yaml", "mesh-consumer-route.yaml",
        "mesh-frontend.yaml", "mesh-ports.yaml", "mesh-split.yaml",
    )], "gateway-api-mesh"),
    ("envoyproxy/gateway", "Apache-2.0", EG, [
        "quickstart.yaml", "http-routing.yaml", "grpc-routing.yaml", "tcp-routing.yaml", "tls-passthrough.yaml",
        "tls-termination.yaml", "merged-gateways.yaml", "multicluster-service.yaml", "backend-utilization.yaml",
        "gateway-namespace-mode.yaml", "ext-auth-http-service.yaml", "zone-aware-routing.yaml",
        "application.yaml", "udp-routing-example-backend.yaml", "ext-auth-grpc-service.yaml", "ext-proc-grpc-service.yaml",
    ], "envoy-gateway"),
    ("istio/istio", "Apache-2.0", IS, [
        n + suffix for n in (
            "mesh", "http", "grpc", "tcp", "weighted", "route-binding", "isolation", "waypoint", "eastwest",
            "serviceentry", "mix-backend-policy", "valid-invalid-parent-ref", "reference-policy-service",
            "delegated", "multi-gateway", "redirect-only", "zero", "mcs", "mismatch",
        ) for suffix in (".yaml", ".status.yaml.golden")
    ], "istio/gateway-testdata"),
    ("istio/istio", "Apache-2.0", "samples/", [
        "bookinfo/gateway-api/bookinfo-gateway.yaml", "bookinfo/gateway-api/route-all-v1.yaml",
        "bookinfo/gateway-api/route-reviews-90-10.yaml", "helloworld/gateway-api/helloworld-gateway.yaml",
        "helloworld/gateway-api/helloworld-route.yaml", "httpbin/gateway-api/httpbin-gateway.yaml",
        "tcp-echo/gateway-api/tcp-echo-all-v1.yaml", "ambient-argo/application/details-waypoint.yaml",
    ], "istio/samples"),
    ("continuedev/continue", "Apache-2.0", "", [
        CO + "agent.yaml", CO + "gemini.yaml", CO + "claude35sonnet.yaml",
        "extensions/cli/test-fixtures/model-switch-test-config.yaml",
        "extensions/vscode/e2e/test-continue-yaml/config.yaml",
    ], "continue"),
]


def main(mirrors: str) -> None:
    for repo, licence, prefix, names, dest, *pinned in SETS:
        pin = pinned[0] if pinned else {}
        gitdir = os.path.join(mirrors, pin.get("mirror", repo).replace("/", "+"), "repo")
        commit = pin.get("commit") or subprocess.run(["git", "-C", gitdir, "rev-parse", "HEAD"], check=True,
                                                     capture_output=True, text=True).stdout.strip()
        for name in names:
            path = prefix + name
            data = subprocess.run(["git", "-C", gitdir, "show", f"{commit}:{path}"], check=True,
                                  capture_output=True).stdout
            local = name.replace("/", "__") if dest != "continue" else path.rsplit("/", 2)[-2] + "__" + path.rsplit("/", 1)[-1]
            if dest.endswith("golden"):
                local += ".golden"
            target = os.path.join(HERE, dest, local)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as fh:
                fh.write(data)
            print(f"| {dest}/{local} | {repo} | {commit[:12]} | {path} | {licence} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
