"""No step grows faster than the input: the lookups that replaced scans give the answers
the scans gave, and repeating a document N times costs N, not N x N (counted in calls,
never timed)."""

from __future__ import annotations

import os
import random
from types import SimpleNamespace

from infergw_lint import gateway as gw
from infergw_lint import suppress
from infergw_lint.engine import Options, run
from infergw_lint.rules import igw105_conflicting_route_match as igw105
from infergw_lint.rules import igw204_bifrost_otel_collector_url as igw204
from infergw_lint.source import Span

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


# ---- IGW204: rewrites by host ---------------------------------------------------------


def test_igw204_rewrites_by_host_equal_the_scan():
    rng = random.Random(204)
    labels = ["a", "b", "api", "Lf", "x-y", ""]

    def host():
        return ".".join(rng.choice(labels) for _ in range(rng.randint(1, 4)))

    for _ in range(300):
        rewrites = []
        for _ in range(rng.randint(0, 6)):
            names = [("*." if rng.random() < 0.4 else "") + host() for _ in range(rng.randint(0, 3))]
            if names and rng.random() < 0.2:
                names.append(names[0])  # listed twice
            rewrites.append((names, "/p", "ReplacePrefixMatch", "/", None))
        index = SimpleNamespace(_memo={})
        index.memo = lambda key, build, m=index._memo: m[key] if key in m else m.setdefault(key, build())
        index._memo["igw204-rewrites"] = rewrites
        for _ in range(10):
            h = host().lower()
            want = [i for i, (names, *_r) in enumerate(rewrites) if any(igw204._host_matches(h, p) for p in names)]
            assert igw204._candidates(index, h) == want, (h, rewrites)


# ---- suppressions by file and line ----------------------------------------------------


def test_suppression_lookup_equals_the_scan():
    rng = random.Random(2)
    for _ in range(200):
        sups = []
        for _ in range(rng.randint(0, 12)):
            first = rng.randint(1, 30)
            scope = rng.choice(["line", "resource", "file"])
            last = first if scope == "line" else first + rng.randint(0, 20)
            if rng.random() < 0.05:
                last = first + suppress._Lookup.WIDE + 5
            codes = rng.sample(["all", "ALL", "IGW101", "igw101", " IGW102", "missing-reference-grant", "x"], rng.randint(1, 3))
            sups.append(suppress.Suppression(rng.choice("ab"), Span(first, 1, first, 2), codes, "r", scope, first, last))
        lookup = suppress._Lookup(sups)
        names = {"IGW101": "missing-reference-grant"}
        for path in "abc":
            for line in range(0, 60):
                for rule in ("IGW101", "IGW102", "IGW103"):
                    f = SimpleNamespace(path=path, line=line, rule=rule)
                    want = [s for s in sups if s.path == path and s.covers(f, names)]
                    assert [s for s in lookup.near(path, line) if s.covers(f, names)] == want
                    got = [s for s in lookup.near(path, line, rule, names.get(rule, "")) if s.covers(f, names)]
                    assert got == want


# ---- IGW105: a route's rival in its bucket ---------------------------------------------


def test_igw105_rivals_equal_the_scan(monkeypatch):
    monkeypatch.setattr(igw105, "_identity", lambda doc, index: doc.ident)

    def first_rival(entries, e, doc, candidates):
        for o in candidates:
            if o.action == e.action:
                continue
            if o.route is not doc and o.route.ident == doc.ident:
                continue
            if o.route is doc and o.rule_index >= e.rule_index:
                continue
            return o
        return None

    rng = random.Random(105)
    for _ in range(3000):
        routes = [SimpleNamespace(ident=rng.randint(0, 3)) for _ in range(rng.randint(1, 5))]
        entries = [
            SimpleNamespace(route=rng.choice(routes), action=rng.randint(0, 2), rule_index=rng.randint(0, 2))
            for _ in range(rng.randint(1, 9))
        ]
        bucket = igw105._Bucket(entries, None)
        for e in entries:
            want = first_rival(entries, e, e.route, entries)
            got = first_rival(entries, e, e.route, bucket.rivals(e.route, e.route.ident, e.action))
            assert got is want


# ---- one file that repeats the same documents ------------------------------------------

GATEWAY = """\
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: kgateway
  listeners:
    - {name: http, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: All}}}
"""
ROUTE = """\
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: infra}
spec:
  parentRefs: [{name: gw, sectionName: https}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /v1}}]
      backendRefs: [{name: svc, port: 80}]
"""


def _count_calls(monkeypatch, owner, name) -> list:
    calls = [0]
    original = getattr(owner, name)

    def counted(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_repeated_gateways_collapse(tmp_path, monkeypatch):
    """N copies of one Gateway are one Gateway: each route is matched against its
    listeners once (not N times), and messages list each listener once."""
    counts = {}
    for n in (10, 40):
        (tmp_path / f"m{n}.yaml").write_text((GATEWAY + ROUTE) * n)
        calls = _count_calls(monkeypatch, gw.Graph, "_attach")
        kind_calls = _count_calls(monkeypatch, gw.Listener, "admits_kind")
        result = run([str(tmp_path / f"m{n}.yaml")], Options(select=["IGW103"]))
        monkeypatch.undo()
        msgs = [f.message for f in result.findings if f.rule == "IGW103"]
        assert len(msgs) == n and all(m.count("http (HTTP/80)") == 1 for m in msgs)
        counts[n] = (calls[0], kind_calls[0])
    assert counts[40][0] <= 4 * counts[10][0] + 4
    assert counts[40][1] <= 4 * counts[10][1] + 4


def test_igw206_validates_each_distinct_config_once(tmp_path, monkeypatch):
    from infergw_lint.rules import igw206_bifrost_config_schema as igw206

    text = open(os.path.join(FIXTURES, "IGW206", "configmap.yaml"), encoding="utf-8").read()
    one = run([os.path.join(FIXTURES, "IGW206", "configmap.yaml")], Options(select=["IGW206"])).findings
    body = text.split("apiVersion:", 1)[1]
    copies = "---\n".join("apiVersion:" + body.replace("bifrost-gateway-config", f"cfg-{i}") for i in range(5))
    (tmp_path / "five.yaml").write_text(copies)
    calls = _count_calls(monkeypatch, igw206.BifrostConfigSchema, "_check_config")
    found = run([str(tmp_path / "five.yaml")], Options(select=["IGW206"])).findings
    assert calls[0] == 1
    assert len(found) == 5 * len(one)
    # every copy gets the findings of the original, at its own place
    lines = len(body.split("\n")) - 1
    first = [(f.message, f.span.line, f.span.column) for f in one]
    for i in range(5):
        got = [(f.message, f.span.line - i * lines, f.span.column) for f in found[i * len(one):(i + 1) * len(one)]]
        offset = one[0].span.line - got[0][1]
        assert [(m, line + offset, c) for m, line, c in got] == first


# ---- released node trees come back the same ---------------------------------------------


def _yaml_files():
    from conftest import SHARED, ROOT

    tops = [os.path.join(ROOT, "tests"), os.path.join(ROOT, "sample_manifests"), os.path.join(SHARED, "corpus")]
    out = []
    for top in tops:
        for dirpath, _dirs, files in os.walk(top):
            out += [os.path.join(dirpath, f) for f in sorted(files) if f.endswith((".yaml", ".yml", ".json"))]
    return out


def _same_tree(a, b, where: str, tags: bool = True) -> None:
    """Two node trees are equal node by node: type, tag (unless not ``tags``), scalar value
    and style, marks."""
    stack = [(a, b)]
    seen = set()
    while stack:
        x, y = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        assert type(x) is type(y), where
        assert x.tag == y.tag or not tags, where
        for m, n in ((x.start_mark, y.start_mark), (x.end_mark, y.end_mark)):
            assert (m.index, m.line, m.column) == (n.index, n.line, n.column), (where, x, y)
        if isinstance(x.value, str):
            assert (x.value, x.style) == (y.value, y.style), where
            continue
        assert len(x.value) == len(y.value), where
        for i, j in zip(x.value, y.value):
            stack.extend(zip(i, j) if isinstance(i, tuple) else [(i, j)])


def test_released_trees_compose_again_the_same(monkeypatch):
    """Every YAML/JSON document of the test corpus, sample_manifests/ and ../shared/corpus
    (when present): the tree composed again after release equals the one loaded."""
    from infergw_lint import loader
    from infergw_lint.loader import LoadResult, parse_source
    from infergw_lint.source import SourceFile

    files = _yaml_files()
    assert len(files) > 50
    released = 0
    for path in files:
        with open(path, "rb") as fh:
            text, err, _ = loader._decode(fh.read())
        if text is None:
            continue
        kept = LoadResult()
        with monkeypatch.context() as m:
            m.setattr(loader.Document, "release", lambda self, signature: None)
            m.setattr(loader, "_fastyaml", None)  # the fast path keeps no tree to keep
            # a plain JSON object is read without its tree: the positioned parser's is the one loaded
            m.setattr(loader, "_json_file_read_fast", lambda src, result: False)
            parse_source(SourceFile(path, text), kept)
        lazy = LoadResult()
        parse_source(SourceFile(path, text), lazy)
        assert len(kept.documents) == len(lazy.documents), path
        assert [(p.span, p.message) for p in kept.problems] == [(p.span, p.message) for p in lazy.problems], path
        for d1, d2 in zip(kept.documents, lazy.documents):
            assert d1.data == d2.data and (d1.start, d1.end) == (d2.start, d2.end)
            if "node" not in d2.__dict__:
                released += 1
                _same_tree(d1.node, d2.node, f"{path} document #{d2.index + 1}")
                d2.forget()
                assert "node" not in d2.__dict__
    assert released > 100


# ---- the console entry point ends without tearing down the heap ------------------------


def test_console_entry_flushes_everything_then_exits(tmp_path):
    """``python -m infergw_lint`` / the ``infergw-lint`` script end with os._exit after
    flushing: the whole report arrives, with the exit code of ``main``."""
    import json
    import subprocess
    import sys

    from conftest import ROOT

    (tmp_path / "m.yaml").write_text((GATEWAY + ROUTE) * 200)
    proc = subprocess.run(
        [sys.executable, "-m", "infergw_lint", "--format", "json", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)  # complete: the last byte was flushed
    assert len(report["findings"]) >= 200
    ok = subprocess.run([sys.executable, "-m", "infergw_lint", "sample_manifests/good"], capture_output=True, cwd=ROOT)
    assert ok.returncode == 0
    # a reader that goes away early: no traceback
    p = subprocess.Popen([sys.executable, "-m", "infergw_lint", str(tmp_path)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, cwd=ROOT)
    p.stdout.read(10)
    p.stdout.close()
    err = p.stderr.read().decode()
    p.wait()
    assert "Traceback" not in err


def test_cel_verdicts_are_kept_by_value_for_one_run(tmp_path, monkeypatch):
    """With the celpy fallback (milliseconds per rule), the same Gateway written N times is
    judged by CEL once (IGW502 still reported for each copy, at its own place); the native
    engine evaluates each copy (microseconds, less than a lookup)."""
    from infergw_lint.crd import cel

    saved = dict(cel._PROGRAMS)
    cel._PROGRAMS.clear()
    monkeypatch.setattr(cel, "FORCE_CELPY", True)
    monkeypatch.setenv("INFERGW_LINT_NO_CACHE", "1")  # count evaluations, not stored verdicts

    gw_text = """\
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: kgateway
  listeners:
    - {name: http, protocol: HTTP, port: 80}
    - {name: http, protocol: HTTP, port: 8080}
"""
    counts = {}
    for n in (1, 6):
        (tmp_path / f"g{n}.yaml").write_text(gw_text * n)
        calls = [0]
        original = cel._evaluate

        def counted(*args, **kwargs):
            calls[0] += 1
            return original(*args, **kwargs)

        cel._evaluate = counted
        try:
            found = run([str(tmp_path / f"g{n}.yaml")], Options(select=["IGW502"])).findings
        finally:
            cel._evaluate = original
        counts[n] = calls[0]
        assert found and len(found) % n == 0
        assert len({f.span.line for f in found}) >= n  # each copy at its own place
    assert counts[6] == counts[1] > 0
    cel._PROGRAMS.clear()
    cel._PROGRAMS.update(saved)


def test_message_split_stops_at_the_first_clause_end():
    """split_message reads the boundaries only up to the first clause end: the bounded scan
    gives the same ones up to there (and a long message is not scanned to its end)."""
    from infergw_lint.rule import _boundaries

    rng = random.Random(17)
    pieces = ["HTTPRoute ns/a", "route", "; ", ": ", ". ", " -- ", ", which ", ", but ", "(x; y)", "'q: r'",
              '"s. t"', "`u -- v`", "word", " ", "a.b", "[1, 2]"]
    for _ in range(2000):
        m = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        full = [b for b in _boundaries(m, 4)]
        bounded = _boundaries(m, 4, stop_at_strong=True)
        first_strong = next((i for i, b in enumerate(full) if b[2]), None)
        want = full if first_strong is None else full[: first_strong + 1]
        assert bounded == want, m


# ---- kgateway delegation: lookups instead of scans ------------------------------------


def _scan_children(index, parent, b) -> list:
    """The scan ``gateway.delegated_children`` replaced (every route of the pool compared)."""
    if not b.is_delegation:
        return []
    label_form = b.group == gw.DELEGATION_LABEL_GROUP
    if label_form and b.namespace == gw.DELEGATION_ALL_NAMESPACES:
        pool = index.of_kind("HTTPRoute", group=gw.GATEWAY_GROUP)
    else:
        pool = index.of_kind("HTTPRoute", namespace=b.namespace, group=gw.GATEWAY_GROUP)
    parent_ns = index.namespace_of(parent) or index.default_namespace
    out = []
    for child in pool:
        if child is parent and (label_form or b.name == "*"):
            continue
        if label_form:
            if child.labels.get(gw.DELEGATION_LABEL) != b.name:
                continue
        elif b.name != "*" and child.name != b.name:
            continue
        child_ns = index.namespace_of(child) or index.default_namespace
        named = [
            r for r in (child.get("spec", "parentRefs") or [])
            if isinstance(r, dict) and r.get("kind") == "HTTPRoute"
            and gw.core_group(r.get("group", gw.GATEWAY_GROUP)) == gw.GATEWAY_GROUP
        ]
        if named and not any(
            r.get("name") == parent.name and ((r.get("namespace") if isinstance(r.get("namespace"), str) else None) or child_ns) == parent_ns
            for r in named
        ):
            continue
        out.append(child)
    return out


def _scan_cycle(index, start, children=None, limit=64):
    """The search ``gateway.delegation_cycle`` replaced (children copied onto the stack)."""
    if children is None:
        children = [c for b in gw.backend_refs(start, index) for c in _scan_children(index, start, b)]
    stack = [(c, [c]) for c in children]
    seen, steps = set(), 0
    while stack and steps < limit * 8:
        steps += 1
        route, path = stack.pop()
        if route is start:
            return path
        if id(route) in seen or len(path) > limit:
            continue
        seen.add(id(route))
        for b in gw.backend_refs(route, index):
            for c in _scan_children(index, route, b):
                stack.append((c, path + [c]))
    return None


def _random_routes(rng) -> str:
    names, labels, namespaces = ["r1", "r2", "r3", "*"], ["t", "u", 7], ["a", "b", "all"]
    docs = []
    for _ in range(rng.randint(1, 9)):
        ns = rng.choice(namespaces)
        lines = ["apiVersion: gateway.networking.k8s.io/v1", "kind: HTTPRoute", "metadata:",
                 f"  name: {rng.choice(names[:3])}", f"  namespace: {ns}"]
        if rng.random() < 0.6:
            lines += ["  labels:", f"    delegation.kgateway.dev/label: {rng.choice(labels)}"]
        lines.append("spec:")
        if rng.random() < 0.4:
            lines.append("  parentRefs:")
            for _ in range(rng.randint(1, 2)):
                extra = f", namespace: {rng.choice(namespaces)}" if rng.random() < 0.5 else ""
                lines.append(f"    - {{kind: HTTPRoute, group: gateway.networking.k8s.io, name: {rng.choice(names)}{extra}}}")
        lines += ["  rules:", "    - backendRefs:"]
        for _ in range(rng.randint(0, 3)):
            ref_ns = f", namespace: {rng.choice(namespaces)}" if rng.random() < 0.6 else ""
            if rng.random() < 0.5:
                lines.append(f"        - {{group: delegation.kgateway.dev, kind: label, name: {rng.choice(labels[:2])}{ref_ns}}}")
            else:
                lines.append(f"        - {{group: gateway.networking.k8s.io, kind: HTTPRoute, name: '{rng.choice(names)}'{ref_ns}}}")
        lines.append("        - {name: svc, port: 80}")
        docs.append("\n".join(lines) + "\n")
    return "---\n".join(docs)


def test_delegation_lookups_equal_the_scans():
    from infergw_lint.index import Index
    from infergw_lint.loader import LoadResult, parse_source
    from infergw_lint.source import SourceFile

    rng = random.Random(121)
    for _ in range(250):
        loaded = LoadResult()
        parse_source(SourceFile("routes.yaml", _random_routes(rng)), loaded)
        index = Index(loaded.documents)
        routes = index.of_kind("HTTPRoute")
        for route in routes:
            for b in gw.backend_refs(route, index):
                assert gw.delegated_children(index, route, b) == _scan_children(index, route, b)
                kids = _scan_children(index, route, b)
                assert gw.delegation_cycle(index, route, kids) == _scan_cycle(index, route, kids)
            assert gw.delegation_cycle(index, route) == _scan_cycle(index, route)
            expected = [p for p in routes if any(
                any(c is route for c in _scan_children(index, p, b)) for b in gw.backend_refs(p, index))]
            got = gw.delegation_parents(index, route)
            assert len(got) == len(expected) and all(x is y for x, y in zip(got, expected))


def test_repeated_delegation_costs_linear(tmp_path, monkeypatch):
    """N copies of a delegating parent and its children: the routes' backendRefs are read
    a bounded number of times per copy (the searches use lookups, not scans of N copies)."""
    text = open(os.path.join(os.path.dirname(FIXTURES), "..", "sample_manifests", "bad", "48-delegation.yaml"),
                encoding="utf-8").read()
    counts = {}
    for n in (10, 40):
        (tmp_path / f"d{n}.yaml").write_text(("---\n" + text) * n)
        calls = _count_calls(monkeypatch, gw, "backend_refs")
        labels = _count_calls(monkeypatch, gw, "_named_parents")
        run([str(tmp_path / f"d{n}.yaml")], Options(select=["IGW120", "IGW121"]))
        monkeypatch.undo()
        counts[n] = (calls[0], labels[0])
    assert counts[40][0] <= 4 * counts[10][0] + 4
    assert counts[40][1] <= 4 * counts[10][1] + 4


def test_json_report_written_in_pieces_is_the_same_text(tmp_path):
    """The CLI writes the JSON report as it is made; the pieces make the same text."""
    from infergw_lint.reporters.json import iter_json, render_json
    from infergw_lint.safeio import write_text

    result = run([os.path.join(os.path.dirname(FIXTURES), "..", "sample_manifests", "bad")], Options())
    whole = render_json(result)
    pieces = list(iter_json(result, chunk=1))
    assert len(pieces) > 2 and "".join(pieces) == whole
    out = tmp_path / "report.json"
    write_text(str(out), iter_json(result, chunk=64), json_like=True)
    assert out.read_text(encoding="utf-8") == whole


def test_recomposed_trees_in_awkward_texts_are_the_same(monkeypatch):
    """Released trees composed again (blank padding in front of the document's lines, or
    the slice with its marks moved, or the whole file) equal the ones loaded: CRLF line
    ends, a lone CR, U+2028 and NEL (line breaks to libyaml only), anchors, comments and a
    long line before the document, a document past the padding bound."""
    from infergw_lint import loader
    from infergw_lint.loader import LoadResult, parse_source
    from infergw_lint.source import SourceFile

    doc = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, labels: &l {a: b}}\ndata:\n  k: *l\n  j: |\n    one\n    two\n"
    texts = [
        ("---\n" + doc) * 3,
        ("---\r\n" + doc.replace("\n", "\r\n")) * 3,
        "# " + "c" * 70000 + "\n---\n" + doc + "---\n" + doc,
        "a: 1\r---\n" + doc + "---\n" + doc,
        "a: \"x\u2028y\"\n---\n" + doc + "# note \u2028 here\n---\n" + doc,
        "a: 1\x85b: 2\n---\n" + doc,
        ("---\n" + doc) * 900,  # ~90 kB: the last documents are past the padding bound
    ]
    checked = 0
    for text in texts:
        kept = LoadResult()
        with monkeypatch.context() as m:
            m.setattr(loader.Document, "release", lambda self, signature: None)
            m.setattr(loader, "_fastyaml", None)  # the fast path keeps no tree to keep
            parse_source(SourceFile("t.yaml", text), kept)
        lazy = LoadResult()
        parse_source(SourceFile("t.yaml", text), lazy)
        assert [(p.span, p.message) for p in kept.problems] == [(p.span, p.message) for p in lazy.problems]
        for d1, d2 in zip(kept.documents, lazy.documents):
            if "node" not in d2.__dict__:
                checked += 1
                _same_tree(d1.node, d2.node, repr(text[:40]))
                assert d1.span(("data", "j")) == d2.span(("data", "j"))
    assert checked > 900


def test_per_run_lookups_still_mark_a_language_server_check_as_reading_other_files():
    """Answers kept per run (Services' kinds, backendRefs, delegation) are read through
    ``Index.memo``: under the language server's watched index a check that used one is
    marked as reading other files on every use, not only on the one that built it."""
    from infergw_lint.engine import Options
    from infergw_lint.index import Index
    from infergw_lint.llm import service_kind
    from infergw_lint.loader import LoadResult, parse_source
    from infergw_lint.lsp.workspace import _TrackingContext
    from infergw_lint.source import SourceFile

    text = ("apiVersion: v1\nkind: Service\nmetadata: {name: lf, namespace: o}\nspec: {selector: {app: lf}}\n---\n"
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: lf, namespace: o}\nspec:\n  template:\n"
            "    metadata: {labels: {app: lf}}\n    spec: {containers: [{name: c, image: langfuse/langfuse:3}]}\n")
    loaded = LoadResult()
    parse_source(SourceFile("s.yaml", text), loaded)
    ctx = _TrackingContext(Index(loaded.documents), Options())
    ctx.memo_touch = {}
    for _ in range(2):
        ctx.touched = False
        service_kind(ctx.index, "o", "lf")
        assert ctx.touched

    text = open(os.path.join(os.path.dirname(FIXTURES), "..", "sample_manifests", "bad", "48-delegation.yaml"),
                encoding="utf-8").read()
    loaded = LoadResult()
    parse_source(SourceFile("d.yaml", text), loaded)
    ctx = _TrackingContext(Index(loaded.documents), Options())
    ctx.memo_touch = {}
    routes = [d for d in loaded.documents if d.kind == "HTTPRoute"]
    for _ in range(2):
        for route in routes:
            for ask in (lambda: gw.delegation_parents(ctx.index, route), lambda: gw.delegation_cycle(ctx.index, route)):
                ctx.touched = False
                ask()
                assert ctx.touched


def test_a_run_of_suppression_comments_points_at_the_next_line():
    """Standalone suppression comments in a row (with blank lines and other comments
    between) all cover the next line that is neither; found once per run of comments."""
    from types import SimpleNamespace

    text = ('# infergw-lint: disable=IGW101 reason="x"\n\n# note\n' * 300 + "a: 1\n"
            + '# infergw-lint: disable=IGW102 reason="y"\n' * 3 + "\n")
    found = suppress.from_comments(SimpleNamespace(text=text, path="f.yaml"))
    assert len(found) == 303
    assert {s.first_line for s in found[:300]} == {901}
    assert {s.first_line for s in found[300:]} == {907}  # past the last line: nothing to cover


def test_suppression_comments_count_a_lone_cr_as_a_line_break(tmp_path):
    """A lone CR ends a line for the YAML parser and for the source map that numbers the
    findings, so the suppression comments count it too: a comment is reported on its own
    line, and one written on a finding's line covers it (found by tests/test_fuzz.py: a CR
    in place of the first '#' of bad/80-suppressions.yaml moved every comment a line up)."""
    from infergw_lint.source import SourceFile

    public = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: ai\n  annotations:\n"
              "    service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing{trail}\n"
              "spec:\n  type: LoadBalancer\n  selector: {{app: x}}\n  ports: [{{port: 80}}]\n")
    text = ("\r# header\n" + public.format(name="a", trail='  # infergw-lint: disable=IGW401 reason="demo"')
            + "---\n# infergw-lint: disable=IGW401\n" + public.format(name="b", trail=""))
    text = text.replace("\n", "\r")  # classic Mac line ends: every break a lone CR
    path = tmp_path / "svc.yaml"
    path.write_bytes(text.encode())
    src = SourceFile(str(path), text)
    found = suppress.from_comments(src)
    assert [src.line_text(s.span.line)[s.span.column - 1:].startswith("# infergw-lint") for s in found] == [True, True]
    result = run([str(path)], Options(select=["IGW401", "IGW002"], env="prod"))
    by_rule = {(f.rule, f.resource["name"] if f.resource else None, f.suppression is not None) for f in result.findings}
    assert ("IGW401", "a", True) in by_rule  # the trailing comment on its line covers it
    (bad,) = [f for f in result.findings if f.rule == "IGW002"]  # the one without a reason
    assert src.line_text(bad.span.line).startswith("# infergw-lint: disable=IGW401")


# ---- placing findings: the short cuts equal the walks they replace ------------------------


def test_literal_block_alignment_equals_the_character_walk():
    """``align`` maps a literal block (``|``) line by line where the source line is the
    block's indentation plus the value line; every offset equals the character-by-character
    walk, for blank lines, tabs, CRLF, indentation indicators, chomping and comments; so
    does every entry of ``align_lazily``'s table, read in any order."""
    import yaml

    from infergw_lint.jsonparse import _align_run, align, align_lazily

    rnd = random.Random(20)
    atoms = ["{", "}", '"a": 1,', "  ", "\t", "x", "é", "漢", " ", "[1, 2]", "", "#", ":", '\\"']
    compared = 0
    for _ in range(3000):
        indent = rnd.choice([1, 2, 4])
        lines = []
        for _ in range(rnd.randint(0, 6)):
            if rnd.random() < 0.15:
                lines.append(" " * rnd.randint(0, 6))
            else:
                extra = rnd.choice([0, 0, 0, 1, 3])
                lines.append(" " * (indent + extra) + "".join(rnd.choice(atoms) for _ in range(rnd.randint(0, 5))))
        nl = rnd.choice(["\n", "\n", "\r\n"])
        header = rnd.choice(["|", "|-", "|+", "|2", "| # c"])
        text = f"a: 1{nl}key: {header}{nl}" + nl.join(lines) + nl + rnd.choice(["", "b: 2\n", "\n\n"])
        try:
            node = yaml.compose(text, Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            continue
        v = node.value[1][1]
        if not isinstance(v, yaml.ScalarNode) or v.style != "|":
            continue
        for end in (v.end_mark.index, v.end_mark.index - 1):
            nl_at = text.find("\n", v.start_mark.index, end)
            start = nl_at + 1 if nl_at != -1 else v.start_mark.index
            walk = [0] * (len(v.value) + 1)
            walk[-1] = _align_run(v.value, 0, len(v.value), text, start, end, False, walk)
            assert align(v.value, text, v.start_mark.index, end, "|") == walk, repr(text)
            # the table worked out as it is read (placing reads a few entries): the same
            # entries, read in order, from the end, or at random
            order = rnd.choice(["forward", "backward", "random"])
            ks = list(range(len(walk)))
            if order == "backward":
                ks.reverse()
            elif order == "random":
                rnd.shuffle(ks)
            lazy = align_lazily(v.value, text, v.start_mark.index, end, "|")
            assert len(lazy) == len(walk)
            assert [lazy[k] for k in ks] == [walk[k] for k in ks], repr(text)
            assert lazy[-1] == walk[-1]
            compared += 1
    assert compared > 2000


def test_line_columns_counted_equal_the_table():
    """``line_col`` counts line breaks from the place asked last instead of building the
    table of line starts; it gives what the table gives (lone CRs: the table), and places
    asked far apart switch it to the table (the counting stays linear)."""
    from infergw_lint.source import SourceFile

    rnd = random.Random(21)
    alphabet = ["a", "b", "\n", "\n", "\r\n", "\r", " ", "é", "\u2028", "\t"]
    for _ in range(5000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 50)))
        counted, table = SourceFile("x", text), SourceFile("x", text)
        assert table.line_starts is not None
        for _ in range(rnd.randint(1, 10)):
            offset = rnd.randint(-2, len(text) + 2)
            assert counted.line_col(offset) == table.line_col(offset), (text, offset)
            start, end = sorted((rnd.randint(0, len(text)), rnd.randint(0, len(text))))
            assert counted.span(start, end) == table.span(start, end), (text, start, end)
    text = "x: 1\n" * 10_000
    src = SourceFile("x", text)
    for i in range(50):
        src.line_col(len(text) if i % 2 else 0)
    assert src._starts is not None


def test_rules_are_asked_whether_they_apply_once_per_shape(tmp_path, monkeypatch):
    """A rule with the default ``applies`` is asked once per (flavor, group, kind) by
    ``applicable``, not again for each document; a rule with its own ``applies`` (or one
    set on the instance) is asked for each document, as before."""
    from infergw_lint import engine
    from infergw_lint.rule import Rule, report

    asked = {"plain": 0, "own": 0, "instance": 0}

    class Plain(Rule):
        code, name, kinds = "IGW990", "plain", ("ConfigMap",)

        def check(self, doc, ctx):
            yield report(("metadata", "name"), "plain")

    class Own(Plain):
        code, name = "IGW991", "own"

        def applies(self, doc):
            asked["own"] += 1
            return Rule.applies(self, doc)

    counting = Rule.applies

    def applies(self, doc):
        if self.code == "IGW990":
            asked["plain"] += 1
        return counting(self, doc)

    monkeypatch.setattr(Rule, "applies", applies)  # the default, counting
    instance = Plain()
    instance.code = "IGW992"
    instance.applies = lambda doc: asked.__setitem__("instance", asked["instance"] + 1) or True
    for i in range(5):
        (tmp_path / f"{i}.yaml").write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n")
    res = engine.run([str(tmp_path)], engine.Options(), rules=[Plain(), Own(), instance])
    assert sorted(f.rule for f in res.findings) == ["IGW990"] * 5 + ["IGW991"] * 5 + ["IGW992"] * 5
    assert asked == {"plain": 1, "own": 5, "instance": 5}


def test_rules_are_left_out_where_what_they_require_is_empty(tmp_path, monkeypatch):
    """A rule with ``requires`` is not run on a document where it is empty (it is asked
    once per document for all the rules that name it); on the others it runs as before,
    and a list of rules (no shapes known) runs each rule on every document."""
    from collections import Counter

    from infergw_lint import engine
    from infergw_lint.rule import Rule, report

    asked, ran = [], []

    def has_x(doc):
        asked.append(doc.name)
        return "x" in (doc.data.get("data") or {})

    class NeedsX(Rule):
        code, name, kinds = "IGW990", "needs-x", ("ConfigMap",)
        requires = staticmethod(has_x)

        def check(self, doc, ctx):
            ran.append((self.code, doc.name))
            if "x" in (doc.data.get("data") or {}):
                yield report(("data", "x"), "x")

    class AlsoNeedsX(NeedsX):
        code, name = "IGW991", "also-needs-x"

    for i in range(4):
        extra = "  x: '1'\n" if i % 2 else ""
        (tmp_path / f"{i}.yaml").write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  y: '2'\n{extra}")
    res = engine.run([str(tmp_path)], engine.Options(), rules=[NeedsX(), AlsoNeedsX()])
    assert sorted((f.rule, f.path.rsplit("/", 1)[-1]) for f in res.findings) == [
        ("IGW990", "1.yaml"), ("IGW990", "3.yaml"), ("IGW991", "1.yaml"), ("IGW991", "3.yaml")]
    assert sorted(asked) == ["c0", "c1", "c2", "c3"]  # once per document, for both rules
    assert sorted(ran) == [("IGW990", "c1"), ("IGW990", "c3"), ("IGW991", "c1"), ("IGW991", "c3")]
    ran.clear()
    loaded = engine.load_index([str(tmp_path)], engine.Options())
    for doc in loaded.loaded.documents:
        engine.check_document(doc, [NeedsX()], loaded.ctx, engine.Options(), Counter(), [])
    assert sorted(ran) == [("IGW990", f"c{i}") for i in range(4)]


def test_bifrost_rules_that_require_a_config_say_nothing_without_one():
    """The rules that name ``requires`` report nothing on a document where it is empty:
    run without the engine's shortcut on such documents they yield nothing."""
    from infergw_lint.engine import Context, Options
    from infergw_lint.index import Index
    from infergw_lint.loader import LoadResult, parse_source
    from infergw_lint.rules import all_rules
    from infergw_lint.source import SourceFile

    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: n}\ndata:\n"
        "  generation_config.json: '{\"temperature\": 0.6, \"providers\": []}'\n  config.yaml: 'a: 1'\n---\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: n}\nspec:\n  template:\n    spec:\n"
        "      containers:\n      - name: a\n        image: vllm/vllm-openai:v0.6\n        args: [--x]\n"
    )
    result = LoadResult()
    parse_source(SourceFile("t.yaml", text), result)
    ctx = Context(Index(result.documents, "default"), Options())
    requiring = [r for r in all_rules() if r.requires is not None]
    assert len(requiring) >= 12
    checked = 0
    for doc in result.documents:
        for rule in requiring:
            if rule.applies(doc):
                assert not rule.requires(doc)
                assert list(rule.check(doc, ctx) or ()) == [], rule.code
                checked += 1
    assert checked == len(requiring)  # each applies to one of the two documents


def test_recompose_counts_the_nodes_of_a_long_slice_only(monkeypatch):
    """A released document is composed again without counting its nodes (the tags from
    the memo) when its slice is shorter than QUICK_MAX_CHARS, which cannot reach
    MAX_COMPOSE_NODES; a longer slice is composed by the counting loader."""
    from infergw_lint import loader
    from infergw_lint.loader import LoadResult, parse_source
    from infergw_lint.source import SourceFile

    text = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n" + "".join(
        f"  k{i}: v{i}\n" for i in range(40)
    )
    counted = []
    counting = loader._YamlLoader.resolve
    monkeypatch.setattr(loader._YamlLoader, "resolve", lambda self, *a: counted.append(type(self)) or counting(self, *a))
    for limit, composer in ((loader.QUICK_MAX_CHARS, loader._RecomposeLoader), (100, loader._YamlLoader)):
        monkeypatch.setattr(loader, "QUICK_MAX_CHARS", limit)
        result = LoadResult()
        parse_source(SourceFile("t.yaml", text), result)
        doc = result.documents[0]
        assert "node" not in doc.__dict__
        assert doc.source.line_col(doc.locate(("data", "k7"))[1].start_mark.index)[0] == 13
        doc.forget()  # composed again below: the plain scalars' tags are in the memo now
        counted.clear()
        assert doc.source.line_col(doc.locate(("data", "k8"))[1].start_mark.index)[0] == 14
        assert counted == ([] if composer is loader._RecomposeLoader else [loader._YamlLoader] * (1 + 2 * 4 + 2 + 40 * 2))


def test_findings_under_many_root_keys_read_the_text_once(tmp_path, monkeypatch):
    """A document with findings under many of its root keys (unknown fields of a custom
    resource) finds the lines of its keys once, not once per key (a 5 MB document with 300
    such keys took 10x longer before), and places each finding as a whole compose does."""
    from infergw_lint import loader

    lines = ["apiVersion: gateway.networking.k8s.io/v1", "kind: HTTPRoute", "metadata:", "  name: r",
             "  namespace: n", "spec:", "  parentRefs:", "  - name: gw"]
    for i in range(60):
        lines.append(f"x{i}:")
        lines += [f"  k{j}: v{j}" for j in range(20)]
    path = tmp_path / "route.yaml"
    path.write_text("\n".join(lines) + "\n")
    calls = []
    real = loader._find_entry_lines
    monkeypatch.setattr(loader, "_find_entry_lines", lambda doc, sig: calls.append(1) or real(doc, sig))
    found = [f for f in run([str(path)], Options()).findings if f.rule == "IGW503"]
    assert len(found) == 60 and len(calls) == 1
    for f in found:
        key = f.field[0]
        assert (f.span.line, f.span.column) == (lines.index(f"{key}:") + 1, 1)


def test_many_findings_in_one_json_file_walk_its_text_a_few_times(tmp_path, monkeypatch):
    """A JSON file with many findings is walked in its text (each walk steps over every
    value beside the path) at most TEXT_WALKS times; then its positioned tree is built once
    (a 1.8 MB config.json with 100 findings took 2.4x longer than with the tree)."""
    import json

    from infergw_lint import document

    providers = {f"custom{i}": {"keys": [{"value": "k", "models": ["m"], "weight": 1}], "netwrok_config": {}}
                 for i in range(40)}
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"providers": providers}, indent=2))
    walks = []
    real = document.locate_json
    monkeypatch.setattr(document, "locate_json", lambda *a, **k: walks.append(1) or real(*a, **k))
    found = run([str(path)], Options()).findings
    assert len(found) == 40 and len(walks) == document.TEXT_WALKS
    lines = path.read_text().splitlines()
    at = {f.field[1]: f.span.line for f in found}
    for i in range(40):
        line = at[f"custom{i}"]
        assert lines[line - 1].strip().startswith('"netwrok_config"')
        assert f'"custom{i}"' in lines[line - 11]  # its provider's key, ten lines above


# ---- ReferenceGrants by reference (IGW101, IGW104, IGW108) -------------------------------


def test_grant_lookups_equal_the_scans():
    """``gateway.Grants`` (the first grant allowing a reference) and IGW108's index of the
    references into a namespace give what asking every grant / every reference gives."""
    from infergw_lint.rules import igw108_unused_reference_grant as igw108

    rng = random.Random(108)
    words = ["", "a", "b", "core", 3, None]

    def entry(keys):
        return {k: rng.choice(words) for k in keys if rng.random() < 0.8}

    for _ in range(300):
        grants = []
        for i in range(rng.randint(0, 6)):
            spec = {
                "from": [entry(("group", "kind", "namespace")) for _ in range(rng.randint(0, 3))] + ([7] if rng.random() < 0.1 else []),
                "to": [entry(("group", "kind", "name")) for _ in range(rng.randint(0, 3))],
            }
            grants.append(SimpleNamespace(data={"spec": spec} if rng.random() < 0.95 else {"spec": 3}, name=f"g{i}"))
        refs = [
            gw.Reference(*(rng.choice(["", "a", "b", "core"]) for _ in range(7))) for _ in range(rng.randint(0, 8))
        ]
        lookup = gw.Grants(grants)
        into = igw108._Into(refs)
        for r in refs + [gw.Reference(*(rng.choice(["", "a", "b"]) for _ in range(7))) for _ in range(5)]:
            want = next((g for g in grants if gw.grant_mismatch(g.data, r) is None), None)
            assert lookup.first_allowing(r) is want
        for g in grants:
            assert igw108._allows_any(g.data, into) == any(gw.grant_allows(g.data, r) for r in refs)
        for k, n in {(r.from_kind, r.from_ns) for r in refs}:
            assert refs[into.first[(k, n)]] is next(r for r in refs if (r.from_kind, r.from_ns) == (k, n))


def test_many_grants_and_references_into_one_namespace_cost_linear(tmp_path, monkeypatch):
    """N grants that allow nothing and N routes referring into their namespace: each grant
    is asked why it does not match a bounded number of times, not once per reference."""
    calls = []
    real = gw.grant_mismatch
    monkeypatch.setattr(gw, "grant_mismatch", lambda data, ref: calls.append(1) or real(data, ref))
    from infergw_lint.rules import igw101_missing_reference_grant as igw101

    monkeypatch.setattr(igw101, "grant_mismatch", gw.grant_mismatch)
    n = 150
    docs = ["apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"]
    docs += [
        "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\n"
        f"metadata: {{name: g{i}, namespace: b}}\nspec:\n"
        f"  from: [{{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: other{i}}}]\n"
        "  to: [{group: '', kind: Service}]\n"
        for i in range(n)
    ]
    docs += [
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
        f"metadata: {{name: r{i}, namespace: a}}\nspec:\n  rules:\n  - backendRefs: [{{name: s{i}, namespace: b, port: 80}}]\n"
        for i in range(n)
    ]
    (tmp_path / "m.yaml").write_text("---\n".join(docs))
    result = run([str(tmp_path)], Options(select=["IGW101", "IGW104", "IGW108"], assume_complete=True))
    assert sum(f.rule == "IGW101" for f in result.findings) == n
    assert sum(f.rule == "IGW108" for f in result.findings) == n
    assert len(calls) <= 4 * n, len(calls)


def test_selector_lookups_equal_the_scans():
    """A Service's workloads found by its rarest (label, value) pair: llm's candidates
    hold every workload selector_matches accepts, and domain._selects_any says what
    asking each Bifrost pod says (values of several types, unhashable ones included)."""
    from infergw_lint import domain, llm

    rng = random.Random(110)
    values = ["a", "b", "1", 1, True, 1.0, None, ["a"], {"x": 1}]
    keys = ["app", "tier", "1", 1]

    def labels():
        return {rng.choice(keys): rng.choice(values) for _ in range(rng.randint(0, 3))}

    for _ in range(400):
        rows = llm._Workloads((labels(), {rng.choice(["bifrost", "vllm"])}) for _ in range(rng.randint(0, 8)))
        pods = [labels() for _ in range(rng.randint(0, 8))]
        for _ in range(6):
            selector = labels()
            if selector:
                got = {id(r) for r in rows.candidates(selector)}
                want = {id(r) for r in rows if gw.selector_matches({"matchLabels": selector}, r[0])}
                assert want <= got, (selector, rows)
            if pods:
                assert domain._selects_any(selector, pods, {}, "ns") == any(domain._labels_match(selector, l) for l in pods)


def test_many_services_over_many_workloads_cost_linear(tmp_path, monkeypatch):
    """N Services each selecting one of N workloads in one namespace (routes to each):
    the selectors are matched against a bounded number of workloads each."""
    from infergw_lint import llm

    calls = []
    real = gw.selector_matches
    monkeypatch.setattr(gw, "selector_matches", lambda *a, **k: calls.append(1) or real(*a, **k))
    n = 120
    docs = ["apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"]
    for i in range(n):
        docs.append(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{i}, namespace: a}}\nspec:\n  template:\n"
            f"    metadata: {{labels: {{app: x{i}, part: all}}}}\n    spec: {{containers: [{{name: c, image: vllm/vllm-openai:v0.6}}]}}\n"
        )
        docs.append(f"apiVersion: v1\nkind: Service\nmetadata: {{name: s{i}, namespace: a}}\nspec: {{selector: {{part: all, app: x{i}}}}}\n")
        docs.append(
            f"apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r{i}, namespace: a}}\nspec:\n"
            f"  rules:\n  - matches: [{{path: {{value: /v1/}}}}]\n    backendRefs: [{{name: s{i}, port: 80}}]\n"
        )
    (tmp_path / "m.yaml").write_text("---\n".join(docs))
    result = run([str(tmp_path)], Options(select=["IGW110"]))
    assert sum(f.rule == "IGW110" for f in result.findings) == n  # each an LLM route (vLLM) without a timeout
    assert len(calls) <= 2 * n, len(calls)
    assert llm  # the module whose lookup is counted
