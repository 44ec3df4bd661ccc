"""lint/crd: positions, CRDs from the set and --crds, broken CRDs, real upstream input, the
Kubernetes CEL library, and the lazy import of the CEL engine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, shared_path

from infergw_lint.engine import Options, run

CODES = ["IGW501", "IGW502", "IGW503"]


def lint(tmp_path, text, name="m.yaml", **opts):
    path = tmp_path / name
    path.write_text(text)
    return run([str(path)], Options(select=opts.pop("select", CODES), **opts))


ROUTE = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: apps}
spec:
  rules:
    - matches:
        - headers: [{name: x-a, value: b}]
          path:
            type: PathPrefix
            value: v1
"""


def test_cel_finding_sits_on_the_node_the_rule_is_attached_to(tmp_path):
    result = lint(tmp_path, ROUTE)
    [f] = result.findings
    assert f.rule == "IGW502" and f.field == ("spec", "rules", 0, "matches", 0, "path")
    assert (f.line, f.column) == (8, 11)  # the `path` key of spec.rules[0].matches[0]
    assert "start with '/'" in f.message


def test_flow_style_and_schema_positions(tmp_path):
    text = ROUTE.replace("""          path:
            type: PathPrefix
            value: v1
""", "          path: {type: Exact, value: /a//b}\n") + "    - backendRefs: [{name: s, port: 99999}]\n"
    result = lint(tmp_path, text)
    got = {(f.rule, f.line, f.column) for f in result.findings}
    # a bound (maximum) does not block CEL in the API server; a wrong type does
    assert got == {("IGW501", 9, 37), ("IGW502", 8, 11)}
    result = lint(tmp_path, text.replace("99999", '"80"'))
    assert {(f.rule, f.line, f.column) for f in result.findings} == {("IGW501", 9, 37)}
    result = lint(tmp_path, text.replace("99999", "80"))
    assert {(f.rule, f.line, f.column) for f in result.findings} == {("IGW502", 8, 11)}


def test_crd_in_the_set_wins_and_bundle_version_annotation_picks_the_bundle(tmp_path):
    crd = open(os.path.join(ROOT, "tests", "crds", "httproute-path-length.yaml")).read()
    (tmp_path / "crd.yaml").write_text(crd)
    (tmp_path / "route.yaml").write_text(ROUTE.replace("value: v1", "value: /a-long-path"))
    result = run([str(tmp_path)], Options(select=CODES))
    assert [f.message.split(" (")[0] for f in result.findings if f.rule == "IGW502"] == [
        "spec.rules[0].matches[0].path: rejected by a CEL validation rule: path too long for this test release"
    ]
    assert [f.rule for f in result.findings if f.rule != "IGW502"] == ["IGW503"]  # headers: not in that CRD
    # a Gateway API CRD of another kind from v1.5.0: the v1.5 bundle serves the other kinds
    (tmp_path / "crd.yaml").write_text(crd.replace(
        "metadata: {name: httproutes.gateway.networking.k8s.io}",
        "metadata: {name: httproutes.gateway.networking.k8s.io, annotations: "
        "{gateway.networking.k8s.io/bundle-version: v1.5.0}}",
    ))
    (tmp_path / "route.yaml").write_text(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: TLSRoute\nmetadata: {name: t, namespace: a}\n"
        "spec:\n  hostnames: [\"10.0.0.1\"]\n  rules: [{backendRefs: [{name: db, port: 5432}]}]\n"
    )
    result = run([str(tmp_path)], Options(select=CODES))
    assert [f.rule for f in result.findings] == ["IGW502"] and "v1.5.1" in result.findings[0].message


BROKEN = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              x-kubernetes-validations:
                - rule: "self.size( > 1"
                  message: broken
                - rule: "self.replicas <= 10"
                  message: at most 10 replicas
              properties:
                replicas: {type: integer}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  names: {kind: Gadget, plural: gadgets}
  versions:
    - name: v1
      served: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: thing}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: apps}
spec: {replicas: 20}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w2, namespace: apps}
spec: {replicas: 30}
---
apiVersion: example.com/v1
kind: Gadget
metadata: {name: g, namespace: apps}
spec: {anything: 1}
---
apiVersion: v1
kind: Service
metadata: {name: s, namespace: apps, annotations: {service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing}}
spec: {type: LoadBalancer}
"""


def test_broken_crds_give_one_note_each_and_the_rest_still_runs(tmp_path):
    result = lint(tmp_path, BROKEN, select=None, env="prod")
    notes = [n for n in result.notes if "example.com" in n]
    assert len(notes) == 2, notes
    compile_note = next(n for n in notes if "cannot be compiled" in n)
    assert "widgets.example.com" in compile_note and "self.size( > 1" in compile_note
    schema_note = next(n for n in notes if "invalid schema" in n)
    assert "gadgets.example.com" in schema_note and "'thing'" in schema_note
    rules = sorted(f.rule for f in result.findings)
    assert rules.count("IGW502") == 2  # the other rule of the Widget CRD is still checked
    assert "IGW401" in rules  # and every other check still runs
    assert not result.internal_errors


def test_crd_file_that_does_not_parse(tmp_path):
    (tmp_path / "crds").mkdir()
    (tmp_path / "crds" / "bad.yaml").write_text("apiVersion: apiextensions.k8s.io/v1\nkind: [\n")
    (tmp_path / "r.yaml").write_text(ROUTE)
    result = run([str(tmp_path / "r.yaml")], Options(select=CODES, crds=[str(tmp_path / "crds")]))
    assert [f.rule for f in result.findings] == ["IGW502"]  # the bundled CRDs still apply
    result = run([str(tmp_path)], Options(select=None))
    assert "IGW000" in {f.rule for f in result.findings} and "IGW502" in {f.rule for f in result.findings}


def test_cli_crds_option(tmp_path):
    (tmp_path / "r.yaml").write_text(ROUTE.replace("value: v1", "value: /a-long-path"))
    crds = os.path.join(ROOT, "tests", "crds")
    proc = subprocess.run(
        [sys.executable, "-m", "infergw_lint", "--crds", crds, "--select", "IGW5", str(tmp_path / "r.yaml")],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert proc.returncode == 1 and "path too long for this test release" in proc.stdout, proc.stdout + proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "infergw_lint", "--crds", str(tmp_path / "nope"), str(tmp_path / "r.yaml")],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert proc.returncode == 2 and "--crds" in proc.stderr


def test_domain_rule_wins_over_the_generic_finding(tmp_path):
    text = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: apps}
spec:
  rules:
    - matches: [{path: {type: PathPrefix, value: /a}}, {path: {type: PathPrefix, value: /b}}]
      filters:
        - type: URLRewrite
          urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}
      backendRefs: [{name: s}]
---
apiVersion: v1
kind: Service
metadata: {name: s, namespace: apps}
spec: {ports: [{port: 80}]}
"""
    result = lint(tmp_path, text, select=["IGW104", "IGW106", "IGW502"])
    assert sorted(f.rule for f in result.findings) == ["IGW104", "IGW106"]
    result = lint(tmp_path, text, select=["IGW502"])  # without the domain rules, the CRD's verdict shows
    assert len(result.findings) == 2


def _substituted(tmp_path, src):
    """The conformance manifests as the suite applies them: placeholders replaced."""
    dst = tmp_path / "conformance"
    shutil.copytree(src, dst)
    for dirpath, _, files in os.walk(dst):
        for name in files:
            p = os.path.join(dirpath, name)
            text = open(p, encoding="utf-8").read()
            text = (text.replace("{GATEWAY_CONTROLLER_NAME}", "example.com/gateway-controller")
                    .replace("{GATEWAY_CLASS_NAME}", "conformance")
                    .replace("PLACEHOLDER_UNUSABLE_ADDRS", "192.0.2.1").replace("PLACEHOLDER_USABLE_ADDRS", "192.0.2.2"))
            open(p, "w", encoding="utf-8").write(text)
    return str(dst)


@pytest.mark.parametrize("version", ["1.6", "1.5"])
def test_conformance_manifests_are_accepted(tmp_path, version):
    src = shared_path("corpus", "gateway-api-conformance")
    result = run([_substituted(tmp_path, src)], Options(select=["IGW501", "IGW502"], gateway_api_version=version,
                                                       versions={"gateway-api": (version, "test")}))
    assert not result.internal_errors
    assert not result.findings, "\n".join(f"{f.path}:{f.line} {f.rule} {f.message}" for f in result.findings)


def test_conformance_manifests_with_their_own_crds(tmp_path):
    src = shared_path("corpus", "gateway-api-conformance")
    crds = shared_path("corpus", "gateway-api-crds-standard")
    result = run([_substituted(tmp_path, src)], Options(select=["IGW501", "IGW502"], context=[crds]))
    assert not result.findings, "\n".join(f"{f.path}:{f.line} {f.rule} {f.message}" for f in result.findings)


def test_examples_are_accepted():
    std = shared_path("corpus", "gateway-api-examples", "standard")
    exp = shared_path("corpus", "gateway-api-examples", "experimental")
    for path, channel in ((std, "standard"), (exp, "experimental")):
        result = run([path], Options(select=CODES, gateway_api_channel=channel, versions={"gateway-api": ("1.6", "test")}))
        assert not result.findings, "\n".join(f"{f.path}:{f.line} {f.rule} {f.message}" for f in result.findings)


def test_cel_engine_is_loaded_only_when_a_rule_must_be_evaluated(tmp_path):
    """The native CEL compiler is imported only when a rule must be evaluated, and celpy
    (with lark and pendulum) never for the bundled CRDs: every bundled rule compiles natively."""
    code = (
        "import sys\nfrom infergw_lint.engine import run, Options\n"
        "def loaded():\n"
        "    return ['infergw_lint.crd.cel.compile' in sys.modules,"
        " any(m in sys.modules for m in ('celpy', 'lark', 'pendulum'))]\n"
        "run(['sample_manifests/good/50-bifrost.yaml'], Options())\nprint(*loaded())\n"
        "r = run(['sample_manifests/good'], Options())\nprint(*loaded(), len(r.findings))\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("INFERGW_LINT_NO_CACHE", None)

    def go():
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env).stdout.split()

    assert go() == ["False", "False", "True", "False", "0"]
    # native verdicts are not stored (evaluating a rule costs less than looking it up)
    assert not list((tmp_path / "infergw-lint").glob("cel-verdicts-*.json"))
    env["INFERGW_LINT_CEL"] = "celpy"  # the fallback engine: celpy imported, verdicts stored
    assert go() == ["False", "False", "False", "True", "0"]
    assert list((tmp_path / "infergw-lint").glob("cel-verdicts-*.json"))
    assert go() == ["False", "False", "False", "False", "0"]  # every verdict known from the last run: no compiling
    env["INFERGW_LINT_NO_CACHE"] = "1"
    assert go() == ["False", "False", "False", "True", "0"]


def test_stored_verdicts_give_the_same_findings(tmp_path):
    """The verdict store (used for rules on the celpy fallback) gives the same findings, and
    so does the native engine."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "INFERGW_LINT_CEL": "celpy"}
    env.pop("INFERGW_LINT_NO_CACHE", None)
    cmd = [sys.executable, "-m", "infergw_lint", "-f", "json", "--select", "IGW5", "sample_manifests", "tests/fixtures/IGW502"]
    first = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env).stdout
    second = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env).stdout
    assert first == second and '"IGW502"' in first
    cache = next((tmp_path / "infergw-lint").glob("cel-verdicts-*.json"))
    cache.write_text("{not json")  # a damaged cache is ignored
    assert subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env).stdout == first
    env.pop("INFERGW_LINT_CEL")
    assert subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env).stdout == first


# ---- the Kubernetes CEL library --------------------------------------------------------------


@pytest.mark.parametrize("expr,want", [
    ("'a/b/c'.split('/') == ['a', 'b', 'c']", True),
    ("'a/b/c'.split('/', 2) == ['a', 'b/c']", True),
    ("'a/b'.split('/', 0) == []", True),
    ("'hello'.substring(1) == 'ello' && 'hello'.substring(1, 3) == 'el'", True),
    ("'hello'.charAt(1) == 'e' && 'hello'.charAt(5) == ''", True),
    ("'hello'.indexOf('l') == 2 && 'hello'.lastIndexOf('l') == 3 && 'hello'.indexOf('z') == -1", True),
    ("'HeLLo'.lowerAscii() == 'hello' && 'hello'.upperAscii() == 'HELLO'", True),
    ("'a-b-c'.replace('-', '+') == 'a+b+c' && 'a-b-c'.replace('-', '+', 1) == 'a+b-c'", True),
    ("'  x '.trim() == 'x' && ['a', 'b'].join('/') == 'a/b' && ['a', 'b'].join() == 'ab'", True),
    ("[1, 2, 3].isSorted() && !([3, 1]).isSorted() && [1, 2, 3].sum() == 6", True),
    ("[1, 5, 3].max() == 5 && ['a', 'b'].indexOf('b') == 1 && ['a', 'b', 'a'].lastIndexOf('a') == 2", True),
    ("'abc123def'.find('[0-9]+') == '123' && 'a1b22'.findAll('[0-9]+') == ['1', '22']", True),
    ("isIP('10.0.0.1') && isIP('2001:db8::1') && !isIP('10.0.0.256') && !isIP('db.example.com')", True),
    ("isCIDR('10.0.0.0/8') && !isCIDR('10.0.0.1')", True),
    ("isURL('https://example.com/a') && isURL('/path') && !isURL('example.com')", True),
    ("isQuantity('500m') && isQuantity('1Gi') && !isQuantity('1GB')", True),
])
def test_kubernetes_library(expr, want):
    from infergw_lint.crd import cel

    assert bool(cel.program(expr).evaluate({})) is want


def test_library_errors_are_not_verdicts():
    from infergw_lint.crd import cel

    with pytest.raises(Exception):
        cel.program("'abc'.substring(5)").evaluate({})


def test_reserved_words_are_escaped():
    from infergw_lint.crd import cel

    assert cel.escape("namespace") == "__namespace__"
    assert cel.escape("x-y.z/w") == "x__dash__y__dot__z__slash__w"
    assert cel.escape("a__b") == "a__underscores__b"
    assert cel.escape("plain") == "plain"
    assert cel.escape("has space") is None


def test_a_kgateway_bundle_in_data_is_used(tmp_path, monkeypatch):
    """A kgateway bundle the refresh script writes joins the registry (here the only one: a made-up 9.9)."""
    import yaml

    from infergw_lint import crd
    from infergw_lint.crd import refresh

    crd_doc = yaml.safe_load(BROKEN.split("---")[0].replace("self.size( > 1", "size(self) >= 1").replace(
        "group: example.com", "group: gateway.kgateway.dev").replace("widgets.example.com", "widgets.gateway.kgateway.dev"))
    refresh.write_bundle("kgateway-9.9", {"project": "kgateway", "ref": "v9.9.0", "repository": "r", "commit": "c",
                                          "path": "p", "version": "9.9", "license": "Apache-2.0"}, [crd_doc], str(tmp_path))
    monkeypatch.setattr(crd, "DATA", str(tmp_path))
    monkeypatch.setattr(crd, "_BUNDLES", {})
    (tmp_path / "w.yaml").write_text(
        "apiVersion: gateway.kgateway.dev/v1\nkind: Widget\nmetadata: {name: w, namespace: a}\nspec: {replicas: 11, extra: 1}\n"
    )
    result = run([str(tmp_path / "w.yaml")], Options(select=CODES))
    assert sorted(f.rule for f in result.findings) == ["IGW502", "IGW503"]
    assert "kgateway v9.9.0" in result.findings[0].message


# ---- which Gateway API release is validated against --------------------------------------

NAMED_RULE = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: apps}
spec:
  rules:
  - name: main
    backendRefs: [{name: s, port: 80}]
"""


def test_examples_without_a_stated_version_use_the_newest_bundle():
    """No version stated: the newest bundled release, so newer valid fields (retry, cors,
    rule names, allowedListeners, 303/307/308 redirects) are not reported, and a note says so."""
    std = shared_path("corpus", "gateway-api-examples", "standard")
    exp = shared_path("corpus", "gateway-api-examples", "experimental")
    for path, channel in ((std, "standard"), (exp, "experimental")):
        result = run([path], Options(select=CODES, gateway_api_channel=channel))
        assert not result.findings, "\n".join(f"{f.path}:{f.line} {f.rule} {f.message}" for f in result.findings)
        notes = [n for n in result.notes if "not stated" in n]
        assert len(notes) == 1 and "v1.6" in notes[0] and "--gateway-api-version" in notes[0]


def test_unstated_version_note_and_newer_field(tmp_path):
    result = lint(tmp_path, NAMED_RULE)
    assert not result.findings
    assert any("newest bundled Gateway API CRDs (v1.6)" in n and "versions:" in n for n in result.notes)


@pytest.mark.parametrize("how", ["cli", "config"])
def test_stated_old_version_still_prunes_newer_fields(tmp_path, how):
    opts = {"gateway_api_version": "1.2"} if how == "cli" else {"versions": {"gateway-api": ("1.2", "config versions:")}}
    result = lint(tmp_path, NAMED_RULE, **opts)
    assert [f.rule for f in result.findings] == ["IGW503"]
    assert "unknown field 'name' in spec.rules[0]" in result.findings[0].message
    assert not any("not stated" in n for n in result.notes)


def test_bundle_version_annotation_states_the_version(tmp_path):
    crd_doc = (
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata:\n  name: grpcroutes.gateway.networking.k8s.io\n"
        "  annotations: {gateway.networking.k8s.io/bundle-version: v1.2.1}\n"
        "spec:\n  group: gateway.networking.k8s.io\n  names: {kind: GRPCRoute, plural: grpcroutes}\n"
        "  scope: Namespaced\n  versions: []\n---\n"
    )
    result = lint(tmp_path, crd_doc + NAMED_RULE)
    assert [f.rule for f in result.findings] == ["IGW503"]


# ---- the stored CEL verdicts -----------------------------------------------------------------


def test_store_is_keyed_by_the_code_bytes(tmp_path):
    from infergw_lint.crd import cel

    src = tmp_path / "cel.py"
    src.write_bytes(b"x = 1\n")
    before = cel.code_hash([str(src)])
    st = os.stat(src)
    src.write_bytes(b"x = 2\n")  # same size, same times: still a different key
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert cel.code_hash([str(src)]) != before
    assert cel.code_hash() in os.path.basename(cel._disk_path() or cel.code_hash())


def test_store_key_covers_the_cel_engine_and_the_data():
    from infergw_lint.crd import cel

    names = {os.path.relpath(p, os.path.dirname(os.path.dirname(cel.__file__))) for p in cel.hashed_paths()}
    for module in ("cel/__init__.py", "cel/compile.py", "cel/parser.py", "cel/lexer.py", "cel/values.py",
                   "cel/library.py", "cel/fallback.py", "schema.py", "__init__.py"):
        assert module in names, module
    assert any(n.startswith("data/gateway-api-") for n in names)


def test_tests_do_not_use_the_home_cache():
    home = os.path.join(os.path.expanduser("~"), ".cache")
    assert os.environ.get("XDG_CACHE_HOME") and not os.environ["XDG_CACHE_HOME"].startswith(home)


def _store(tmp_path, text: str):
    path = tmp_path / "store.json"
    path.write_text(text)
    return str(path)


def test_damaged_store_is_ignored(tmp_path):
    from infergw_lint.crd import cel

    assert cel._read_store(_store(tmp_path, '{"a": null, "b": "msg"}')) == {"a": None, "b": "msg"}
    assert cel._read_store(_store(tmp_path, "{not json")) == {}
    assert cel._read_store(_store(tmp_path, "[1, 2]")) == {}
    assert cel._read_store(_store(tmp_path, '{"a": 1, "b": "m"}')) == {"b": "m"}
    assert cel._read_store(_store(tmp_path, "[" * 100_000)) == {}
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe{")
    assert cel._read_store(str(tmp_path / "bin.json")) == {}
    assert cel._read_store(str(tmp_path / "missing.json")) == {}


def test_oversized_store_is_ignored(tmp_path, monkeypatch):
    from infergw_lint.crd import cel

    path = _store(tmp_path, '{"a": "' + "x" * 200 + '"}')
    monkeypatch.setattr(cel, "MAX_DISK_BYTES", 100)
    assert cel._read_store(path) == {}
    monkeypatch.setattr(cel, "MAX_DISK_BYTES", 16 * 1024 * 1024)
    assert cel._read_store(path) != {}


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX ownership")
def test_foreign_store_is_ignored(tmp_path, monkeypatch):
    from infergw_lint.crd import cel

    path = _store(tmp_path, '{"a": "m"}')
    uid = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: uid + 1)  # as if another user owned the file
    assert cel._read_store(path) == {}


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symlinks")
def test_symlinked_store_is_ignored(tmp_path):
    from infergw_lint.crd import cel

    target = _store(tmp_path, '{"a": "m"}')
    os.symlink(target, tmp_path / "link.json")
    assert cel._read_store(str(tmp_path / "link.json")) == {}


def test_bad_store_files_give_no_traceback(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "INFERGW_LINT_CEL": "celpy"}
    env.pop("INFERGW_LINT_NO_CACHE", None)
    cmd = [sys.executable, "-m", "infergw_lint", "-f", "json", "--select", "IGW5", "tests/fixtures/IGW502"]
    first = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    store = next((tmp_path / "infergw-lint").glob("cel-verdicts-*.json"))
    for damage in (b"\x00\xff garbage", b"[" * 200_000, b'{"k": ' + b"1" * 100 + b"}"):
        store.write_bytes(damage)
        again = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
        assert again.stdout == first.stdout and "Traceback" not in again.stderr


def test_list_type_set_reports_each_repeated_value():
    """x-kubernetes-list-type: set -- repeated scalars (found through a set, so a long list
    stays linear) and repeated objects are each reported on the repeat."""
    from infergw_lint.crd import schema

    issues = []
    values = [str(i) for i in range(50_000)] + ["7", {"a": 1}, {"a": 1}]
    schema._array(values, {"type": "array", "x-kubernetes-list-type": "set"}, ("spec", "x"), "spec.x", issues)
    assert [(i.path, i.message) for i in issues] == [
        (("spec", "x", 50_000), 'spec.x[50000]: Duplicate value: "7"'),
        (("spec", "x", 50_002), 'spec.x[50002]: Duplicate value: "object"'),
    ]


def test_a_document_written_again_is_checked_once_with_the_same_findings(tmp_path, monkeypatch):
    """The same text (a dump, a rendered chart) is validated once per run; each copy still
    gets its findings.  The same text at another column (an indented root) or in a file
    with a %TAG directive is validated on its own."""
    from infergw_lint import crd

    calls = []
    original = crd.check_object
    monkeypatch.setattr(crd, "check_object", lambda *a, **k: calls.append(a[3]) or original(*a, **k))
    three = "---\n".join([ROUTE] * 3)
    result = lint(tmp_path, three)
    lines = sorted(f.line for f in result.findings if f.rule == "IGW502")
    assert len(lines) == 3 and len(set(lines)) == 3 and len(calls) == 1
    calls.clear()
    indented = "\n".join("  " + line if line else line for line in ROUTE.splitlines())
    result = lint(tmp_path, ROUTE + "---\n" + indented + "\n", name="indented.yaml")
    assert len([f for f in result.findings if f.rule == "IGW502"]) == 2 and len(calls) == 2
    calls.clear()
    result = lint(tmp_path, "%TAG !x! tag:example.com,2024:\n---\n" + ROUTE + "---\n" + ROUTE, name="tag.yaml")
    assert len([f for f in result.findings if f.rule == "IGW502"]) == 2 and len(calls) == 2


def test_documents_whose_texts_share_a_hash_are_still_told_apart(tmp_path, monkeypatch):
    """Documents are matched by their text's hash and then compared in full: with every
    hash the same, different texts are each validated (and the same text still once),
    with the findings of a run where the hashes differ."""
    from infergw_lint import crd

    other = ROUTE.replace("value: v1", "value: /a-long-path")
    text = "---\n".join([ROUTE, other, ROUTE, other])
    expected = [(f.rule, f.line, f.message) for f in lint(tmp_path, text, name="plain.yaml").findings]
    assert {r for r, _, _ in expected} >= {"IGW502"}
    calls = []
    original = crd.check_object
    monkeypatch.setattr(crd, "check_object", lambda *a, **k: calls.append(a[3]) or original(*a, **k))
    monkeypatch.setattr(crd, "hash", lambda piece: 0, raising=False)
    result = lint(tmp_path, text, name="collide.yaml")
    assert len(calls) == 2
    assert [(f.rule, f.line, f.message) for f in result.findings] == expected
