"""The language server's workspace model (lint/lsp/workspace.py, lint/lsp/convert.py):
no LSP library needed."""

from __future__ import annotations

import os
import shutil

from infergw_lint.engine import run
from infergw_lint.lsp import convert
from infergw_lint.lsp.workspace import LintWorkspace, Settings
from infergw_lint.source import SourceFile, Span

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORKSPACE = os.path.join(HERE, "fixtures_lsp", "workspace")


def _key(f):
    s = f.span
    return (os.path.abspath(f.path), (s.line, s.column, s.end_line, s.end_column), f.rule, f.message, f.severity, f.suppression is None)


def _all(ws):
    return sorted(_key(f) for _, found in ws.lint() for f in found)


def test_same_findings_as_the_command_line():
    for tree in ("sample_manifests", os.path.join("tests", "fixtures")):
        root = os.path.join(ROOT, tree)
        ws = LintWorkspace(root)
        ws.load_folder()
        first = _all(ws)
        assert first == sorted(_key(f) for f in run([root], ws.options).findings)
        assert _all(ws) == first  # the second lint reuses the per-document results


def _copy(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(WORKSPACE, root)
    return root


def test_buffers_win_and_only_the_changed_file_is_parsed_again(tmp_path):
    root = _copy(tmp_path)
    ws = LintWorkspace(str(root))
    assert ws.load_folder() == 5
    assert _all(ws) == []
    grant = str(root / "30-grant.yaml")
    route = str(root / "20-route.yaml")
    before = {p: s for p, s in ws.files.items()}
    assert ws.set_buffer(grant, "# deleted\n", version=2)
    assert all(ws.files[p] is before[p] for p in before if p != grant)
    found = dict(ws.lint([grant]))
    assert [f.rule for f in found[route]] == ["IGW101"]
    assert list(dict(ws.lint()).keys())[0] == sorted(ws.files)[0]
    ws.close_buffer(grant)  # the file on disk counts again
    assert dict(ws.lint())[route] == []
    # a deleted file is dropped; an unsaved buffer of it would have won
    os.unlink(grant)
    ws.disk_changed(grant)
    assert grant not in ws.files
    assert [f.rule for f in dict(ws.lint())[route]] == ["IGW101"]


def test_half_typed_yaml_is_igw000_and_keeps_the_rest(tmp_path):
    root = _copy(tmp_path)
    ws = LintWorkspace(str(root))
    ws.load_folder()
    route = str(root / "20-route.yaml")
    ws.set_buffer(route, "apiVersion: v1\nkind: [Service\n")
    found = dict(ws.lint())
    assert [f.rule for f in found[route]] == ["IGW000"]
    assert not ws.internal_errors


def test_settings_and_config_file(tmp_path):
    settings, problems = Settings.from_json({"infergw-lint": {"select": "IGW1", "env": "qa", "debounce": -1}})
    assert settings.select == ["IGW1"] and settings.env is None and settings.debounce_ms == 150
    assert len(problems) == 2
    root = _copy(tmp_path)
    (root / ".infergw-lint.yaml").write_text("ignore: [IGW101]\n")
    ws = LintWorkspace(str(root))
    ws.load_folder()
    grant = str(root / "30-grant.yaml")
    ws.set_buffer(grant, "")
    assert _all(ws) == []  # the workspace's configuration applies
    ws.configure(Settings(config=str(tmp_path / "missing.yaml")))
    assert ws.config_error and "missing.yaml" in ws.config_error
    ws.configure(Settings(select=["IGW999"]))  # a typo: said, and every rule runs
    assert ws.config_error.startswith("setting 'select': unknown rule 'IGW999'")
    assert ws.options.select is None


def test_line_suppression_comment_suppresses(tmp_path):
    root = _copy(tmp_path)
    ws = LintWorkspace(str(root))
    ws.load_folder()
    route = str(root / "20-route.yaml")
    text = (root / "20-route.yaml").read_text().replace("name: bifrost", "name: nowhere")
    ws.set_buffer(route, text)
    f = next(f for f in dict(ws.lint())[route] if f.rule == "IGW104")
    (title, line, comment), _file = convert.suppressions(text, route, f, ws.files[route].documents)
    assert title.startswith("Suppress IGW104 on this line")
    lines = text.splitlines(keepends=True)
    ws.set_buffer(route, "".join(lines[:line] + [comment] + lines[line:]))
    found = dict(ws.lint())[route]
    igw104 = [x for x in found if x.rule == "IGW104"]
    assert len(igw104) == 1 and igw104[0].suppression is not None  # kept, marked suppressed
    assert "IGW003" not in [x.rule for x in found]


def test_positions_in_utf16_and_short_messages():
    src = SourceFile("x.yaml", "a: \"\U0001F600 x\"\nb: 1\n")
    # column 7 (code points) is after the emoji, a space: 2 UTF-16 units for the emoji
    assert convert.position(src, 1, 7) == (0, 7)
    assert convert.position(src, 1, 7, "utf-32") == (0, 6)
    assert convert.position(src, 1, 7, "utf-8") == (0, 9)
    assert convert.lsp_range(src, Span(9, 1, 9, 2)) == ((2, 0), (2, 0))  # past the end: clamped

    class F:
        rule = "IGW999"
        message = "GatewayClass x has controllerName 'y', which no one serves: so nothing happens"
        url = None

    assert convert.short_message(F()) == "GatewayClass x has controllerName 'y', which no one serves"
    assert convert.docs_url(F(), None) is None
    assert convert.text_edits("a\nb\nc\n", "a\nB\nc\n") == [(2, 4, "B\n")]


def test_kept_results_follow_edits_like_a_fresh_run(tmp_path):
    """Edits that move documents, change the Bifrost release (a fact every Bifrost rule
    reads), delete a grant and break a file: after each, the workspace's findings equal a
    fresh command-line run over the same texts."""
    root = tmp_path / "ws"
    shutil.copytree(os.path.join(ROOT, "sample_manifests"), root)
    shutil.copytree(os.path.join(HERE, "fixtures", "IGW501"), root / "crd")
    ws = LintWorkspace(str(root))
    ws.load_folder()
    _all(ws)
    bifrost = root / "bad" / "50-bifrost.yaml"
    routes = root / "bad" / "40-routes.yaml"
    grants = root / "bad" / "30-reference-grants.yaml"
    crd = next(p for p in (root / "crd").iterdir() if p.suffix == ".yaml")
    edits = [
        (routes, lambda t: "# a new first line moves every document\n" + t),
        (bifrost, lambda t: t.replace("maximhq/bifrost:v1.3.9", "maximhq/bifrost:v1.5.2")),
        (grants, lambda t: ""),
        (crd, lambda t: "\n\n" + t.replace("name:", "name:  ", 1)),
        (routes, lambda t: t.replace("apiVersion", "apiVersion: [", 1)),
        (routes, lambda t: t.replace("apiVersion: [", "apiVersion", 1)),
        (bifrost, lambda t: t.replace("maximhq/bifrost:v1.5.2", "maximhq/bifrost:v1.3.9")),
    ]
    for path, change in edits:
        text = change(path.read_text())
        path.write_text(text)
        ws.set_buffer(str(path), text)
        assert _all(ws) == sorted(_key(f) for f in run([str(root)], ws.options).findings), f"after editing {path.name}"


def test_igw109_follows_an_edited_crd(tmp_path):
    """IGW109 reads the versions the CRDs in the set serve (a fact kept across edits of
    other files): flipping a CRD's served flag changes its findings elsewhere."""
    root = tmp_path / "ws"
    root.mkdir()
    crd = root / "crd.yaml"
    grant = root / "grant.yaml"
    crd.write_text(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata: {name: referencegrants.gateway.networking.k8s.io}\n"
        "spec:\n  group: gateway.networking.k8s.io\n  names: {kind: ReferenceGrant, plural: referencegrants}\n"
        "  scope: Namespaced\n  versions:\n    - {name: v1, served: true, storage: true}\n"
    )
    grant.write_text("apiVersion: gateway.networking.k8s.io/v1\nkind: ReferenceGrant\nmetadata: {name: g, namespace: x}\n")
    ws = LintWorkspace(str(root))
    ws.load_folder()

    def igw109():
        return [k for k in _all(ws) if "IGW109" in k]

    assert not igw109()
    for served, count in (("false", 1), ("true", 0)):
        text = crd.read_text().replace("served: true" if served == "false" else "served: false", f"served: {served}")
        crd.write_text(text)
        ws.set_buffer(str(crd), text)
        assert len(igw109()) == count
        assert _all(ws) == sorted(_key(f) for f in run([str(root)], ws.options).findings)
