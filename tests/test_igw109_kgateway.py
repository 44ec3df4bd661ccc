"""IGW109 on kgateway's own group (gateway.kgateway.dev): the kinds and versions of the run's
kgateway release, from its bundled CRDs, when that release is known; a CRD of the kind in the
set wins over them."""

from __future__ import annotations

from test_igw109_crds import crd, igw109, write

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: kgateway, namespace: kgateway-system}}
spec:
  selector: {{matchLabels: {{app: kgateway}}}}
  template:
    metadata: {{labels: {{app: kgateway}}}}
    spec:
      containers:
        - name: kgateway
          image: cr.kgateway.dev/kgateway-dev/kgateway:{tag}
"""

POLICY = """\
apiVersion: gateway.kgateway.dev/{version}
kind: {kind}
metadata: {{name: p, namespace: ai-gateway}}
spec: {{}}
"""


def _kinds(findings):
    return [f.message.split(":")[0] for f in findings]


def test_the_release_seen_in_the_controller_image_decides(tmp_path):
    policy = POLICY.format(version="v1alpha1", kind="BackendConfigPolicy")
    old = write(tmp_path, "old.yaml", DEPLOYMENT.format(tag="v2.0.5"), policy)
    got = igw109([old])
    assert _kinds(got) == ["BackendConfigPolicy gateway.kgateway.dev/v1alpha1"]
    assert "defined from kgateway v2.1" in got[0].message and "image cr.kgateway.dev" in got[0].message
    new = write(tmp_path, "new.yaml", DEPLOYMENT.format(tag="v2.1.2"), policy)
    assert igw109([new]) == []


def test_the_stated_release_wins_over_the_image(tmp_path):
    path = write(tmp_path, "p.yaml", DEPLOYMENT.format(tag="v2.0.5"), POLICY.format(version="v1alpha1", kind="ListenerPolicy"))
    got = igw109([path])
    assert "defined from kgateway v2.2" in got[0].message
    assert igw109([path], versions={"kgateway": ("2.2", "--kgateway-version")}) == []
    assert igw109([path], versions={"kgateway": ("2.1", "versions.kgateway")})[0].message.startswith(
        "ListenerPolicy gateway.kgateway.dev/v1alpha1: kgateway v2.1 has no ListenerPolicy kind: the target is "
        "kgateway v2.1 (versions.kgateway)"
    )


def test_a_crd_of_the_kind_in_the_set_wins_over_the_release(tmp_path):
    served = crd("ListenerPolicy", [("v1alpha1", True)], group="gateway.kgateway.dev")
    path = write(tmp_path, "p.yaml", served, POLICY.format(version="v1alpha1", kind="ListenerPolicy"))
    assert igw109([path], versions={"kgateway": ("2.1", "--kgateway-version")}) == []
    unserved = crd("TrafficPolicy", [("v1alpha1", False), ("v1", True)], group="gateway.kgateway.dev")
    path2 = write(tmp_path, "t.yaml", unserved, POLICY.format(version="v1alpha1", kind="TrafficPolicy"))
    got = igw109([path2], versions={"kgateway": ("2.1", "--kgateway-version")})
    assert _kinds(got) == ["TrafficPolicy gateway.kgateway.dev/v1alpha1 is not served by its CRD in the set"]


def test_hostile_kind_and_version_are_cut_in_the_message(tmp_path):
    path = write(tmp_path, "p.yaml", POLICY.format(version="v" + "9" * 500, kind="K" * 5000))
    got = igw109([path], versions={"kgateway": ("2.3", "--kgateway-version")})
    assert len(got) == 1 and len(got[0].message) < 2000


def test_a_kind_renamed_before_v2_0_names_its_new_name(tmp_path):
    path = write(tmp_path, "u.yaml", POLICY.format(version="v1alpha1", kind="Upstream"))
    got = igw109([path], versions={"kgateway": ("2.0", "--kgateway-version")})
    assert len(got) == 1 and "Use kind Backend" in got[0].message
