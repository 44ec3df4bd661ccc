"""End to end: the real ``infergw-lint server`` process over stdio, driven by pytest-lsp's
client (pygls).  The workspace is tests/fixtures_lsp/workspace copied to a temporary
folder: a Gateway, an HTTPRoute in namespace gw with a backendRef to Service ai/bifrost,
the ReferenceGrant that allows it, the Service; plus a Bifrost ConfigMap whose embedded
config.json has `providers` as an array (IGW201, fixable)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")

from lsprotocol import types as T  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures_lsp")
SERVER = [sys.executable, "-m", "infergw_lint", "server"]
WAIT_S = 60  # generous: the test machine is shared


@pytest.fixture
def ws(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(os.path.join(FIXTURES, "workspace"), root)
    shutil.copy(os.path.join(FIXTURES, "bad-bifrost.yaml"), root / "50-bifrost-config.yaml")
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient, ws):
    @lsp_client.feature(T.CLIENT_REGISTER_CAPABILITY)
    def register(params):  # the server asks to watch *.yaml/*.json files (VS Code says it can)
        return None

    params = T.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        workspace_folders=[T.WorkspaceFolder(uri=from_fs_path(str(ws)), name="ws")],
        initialization_options={"infergw-lint": {"debounce": 50}},
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


def uri(ws, name: str) -> str:
    return from_fs_path(str(ws / name))


async def diagnostics(client: LanguageClient, doc_uri: str, predicate, what: str):
    """Wait until the diagnostics published for ``doc_uri`` satisfy ``predicate``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while True:
        current = client.diagnostics.get(doc_uri)
        if current is not None and predicate(current):
            return current
        left = deadline - loop.time()
        if left <= 0:
            raise AssertionError(f"timed out waiting for {what}; last diagnostics of {doc_uri}: {current}")
        try:
            await asyncio.wait_for(client.wait_for_notification(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), min(left, 2))
        except asyncio.TimeoutError:
            pass


def fixed_by_cli(ws, name: str) -> str:
    """The file as ``infergw-lint --fix`` leaves it (run on a copy of the workspace)."""
    copy = ws.parent / "cli-copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(ws, copy)
    subprocess.run([sys.executable, "-m", "infergw_lint", "--fix", str(copy)], capture_output=True, timeout=WAIT_S)
    return (copy / name).read_text()


def codes(diags) -> list:
    return sorted(d.code for d in diags)


def rng(d) -> tuple:
    return (d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)


def apply_edits(text: str, edits) -> str:
    """Apply LSP TextEdits (utf-16 positions; the test texts are ASCII) to ``text``."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(p):
        return starts[p.line] + p.character if p.line < len(lines) else len(text)

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end):]
    return text


def open_doc(client: LanguageClient, doc_uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(T.DidOpenTextDocumentParams(
        text_document=T.TextDocumentItem(uri=doc_uri, language_id="yaml", version=version, text=text)
    ))


def replace_all(client: LanguageClient, doc_uri: str, text: str, version: int) -> None:
    client.text_document_did_change(T.DidChangeTextDocumentParams(
        text_document=T.VersionedTextDocumentIdentifier(uri=doc_uri, version=version),
        content_changes=[T.TextDocumentContentChangeWholeDocument(text=text)],
    ))


@pytest.mark.asyncio
async def test_diagnostics_suppression_hover_and_cross_file(client: LanguageClient, ws):
    bad = uri(ws, "50-bifrost-config.yaml")
    text = (ws / "50-bifrost-config.yaml").read_text()
    open_doc(client, bad, text)

    # IGW201 at the `"providers"` key inside the JSON embedded in the YAML block scalar
    diags = await diagnostics(client, bad, lambda d: len(d) > 0, "IGW201 on the Bifrost ConfigMap")
    assert codes(diags) == ["IGW201"]
    d = diags[0]
    assert rng(d) == (9, 6, 9, 17)
    assert d.severity == T.DiagnosticSeverity.Error
    assert d.source == "infergw-lint"
    assert d.code_description is not None and d.code_description.href.startswith("https://")
    assert d.message.startswith("Bifrost `providers` is an array")
    assert "\n" not in d.message

    # the rest of the workspace is clean
    for name in ("20-route.yaml", "30-grant.yaml", "10-gateway.yaml"):
        assert not client.diagnostics.get(uri(ws, name))

    # hover on the diagnostic: the full message and the rule's documentation
    hover = await client.text_document_hover_async(T.HoverParams(
        text_document=T.TextDocumentIdentifier(uri=bad), position=T.Position(9, 10)
    ))
    assert hover is not None and "IGW201" in hover.contents.value and "## Fix" in hover.contents.value
    assert await client.text_document_hover_async(T.HoverParams(
        text_document=T.TextDocumentIdentifier(uri=bad), position=T.Position(0, 0)
    )) is None

    # code actions: inside a block scalar no line comment can go, so the file-wide suppression
    actions = await client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(uri=bad), range=d.range,
        context=T.CodeActionContext(diagnostics=[d]),
    ))
    titles = [a.title for a in actions]
    assert "Suppress IGW201 in this file (with a reason)" in titles
    assert not any("on this line" in t for t in titles)
    suppress = next(a for a in actions if a.title.startswith("Suppress IGW201 in this file"))
    edits = suppress.edit.changes[bad]
    suppressed = apply_edits(text, edits)
    assert suppressed.startswith('# infergw-lint: disable-file=IGW201 reason="')
    replace_all(client, bad, suppressed, 2)
    await diagnostics(client, bad, lambda d: len(d) == 0, "IGW201 suppressed")
    replace_all(client, bad, text, 3)
    diags = await diagnostics(client, bad, lambda d: codes(d) == ["IGW201"], "IGW201 back")

    # the quick fix: the same change --fix makes, nothing else
    actions = await client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(uri=bad), range=diags[0].range,
        context=T.CodeActionContext(diagnostics=list(diags)),
    ))
    fix = next(a for a in actions if a.title.startswith("Fix IGW201"))
    assert fix.kind == T.CodeActionKind.QuickFix and fix.is_preferred
    fixed = apply_edits(text, fix.edit.changes[bad])
    assert fixed == fixed_by_cli(ws, "50-bifrost-config.yaml")
    assert all(e.range.start.line >= 9 for e in fix.edit.changes[bad])  # only the lines the fix changed
    fix_all = await client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(uri=bad), range=T.Range(T.Position(0, 0), T.Position(0, 0)),
        context=T.CodeActionContext(diagnostics=[], only=["source.fixAll"]),
    ))
    assert [a.kind for a in fix_all] == ["source.fixAll.infergw-lint"]
    assert apply_edits(text, fix_all[0].edit.changes[bad]) == fixed
    replace_all(client, bad, fixed, 4)
    await diagnostics(client, bad, lambda d: len(d) == 0, "no finding after the quick fix")
    replace_all(client, bad, text, 5)
    await diagnostics(client, bad, lambda d: codes(d) == ["IGW201"], "IGW201 back again")

    # cross-file: deleting the ReferenceGrant (unsaved buffer) turns the route in another,
    # unopened file red; putting it back clears it
    route = uri(ws, "20-route.yaml")
    grant = uri(ws, "30-grant.yaml")
    grant_text = (ws / "30-grant.yaml").read_text()
    open_doc(client, grant, grant_text)
    replace_all(client, grant, "", 2)
    diags = await diagnostics(client, route, lambda d: len(d) > 0, "IGW101 on the route after the grant is deleted")
    assert codes(diags) == ["IGW101"]
    assert rng(diags[0]) == (14, 10, 16, 20)  # the backendRef mapping (name..port)
    replace_all(client, grant, grant_text, 3)
    await diagnostics(client, route, lambda d: len(d) == 0, "the route clean again")

    # a half-typed document: IGW000 there, the other files keep their diagnostics
    open_doc(client, route, (ws / "20-route.yaml").read_text())
    replace_all(client, route, "apiVersion: v1\nkind: [Service\n", 2)
    diags = await diagnostics(client, route, lambda d: codes(d) == ["IGW000"], "IGW000 while typing")
    assert diags[0].range.start.line >= 1
    assert codes(client.diagnostics[bad]) == ["IGW201"]


@pytest.mark.asyncio
async def test_line_suppression_and_settings(client: LanguageClient, ws):
    # a route to a Service that exists nowhere: IGW104 on the backendRef
    route = uri(ws, "20-route.yaml")
    text = (ws / "20-route.yaml").read_text().replace("name: bifrost", "name: nowhere")
    open_doc(client, route, text)
    diags = await diagnostics(client, route, lambda d: len(d) > 0, "IGW104 on the route")
    assert "IGW104" in codes(diags)
    d = next(x for x in diags if x.code == "IGW104")
    actions = await client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(uri=route), range=d.range,
        context=T.CodeActionContext(diagnostics=[d]),
    ))
    line = next(a for a in actions if a.title == "Suppress IGW104 on this line (with a reason)")
    edited = apply_edits(text, line.edit.changes[route])
    assert '# infergw-lint: disable=IGW104 reason="' in edited.splitlines()[d.range.start.line]
    replace_all(client, route, edited, 2)
    await diagnostics(client, route, lambda d: "IGW104" not in codes(d), "IGW104 suppressed on its line")

    # settings: ignoring IGW1 through workspace/didChangeConfiguration
    replace_all(client, route, text, 3)
    await diagnostics(client, route, lambda d: "IGW104" in codes(d), "IGW104 back")
    client.workspace_did_change_configuration(T.DidChangeConfigurationParams(settings={"yaml": {"validate": True}}))
    client.workspace_did_change_configuration(T.DidChangeConfigurationParams(settings={"infergw-lint": {"ignore": ["IGW1"]}}))
    await diagnostics(client, route, lambda d: len(d) == 0, "IGW1 ignored by the settings")
    client.workspace_did_change_configuration(T.DidChangeConfigurationParams(settings={"infergw-lint": {}}))
    await diagnostics(client, route, lambda d: "IGW104" in codes(d), "IGW104 back with default settings")

    # the workspace's configuration file applies, and a change to it is picked up
    (ws / ".infergw-lint.yaml").write_text("ignore: [IGW104]\n")
    client.workspace_did_change_watched_files(T.DidChangeWatchedFilesParams(changes=[
        T.FileEvent(uri=uri(ws, ".infergw-lint.yaml"), type=T.FileChangeType.Created)
    ]))
    await diagnostics(client, route, lambda d: "IGW104" not in codes(d), "IGW104 ignored by .infergw-lint.yaml")


@pytest.mark.asyncio
async def test_nothing_ends_the_server(client: LanguageClient, ws):
    # notifications and requests about documents the server never saw, or cannot lint
    ghost = uri(ws, "never-opened.yaml")
    replace_all(client, ghost, "kind: x\n", 7)
    client.text_document_did_close(T.DidCloseTextDocumentParams(text_document=T.TextDocumentIdentifier(uri=ghost)))
    other = uri(ws, "notes.txt")
    open_doc(client, other, "hello")
    assert await client.text_document_hover_async(T.HoverParams(
        text_document=T.TextDocumentIdentifier(uri=ghost), position=T.Position(99, 99))) is None
    assert await client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(uri=other), range=T.Range(T.Position(0, 0), T.Position(0, 1)),
        context=T.CodeActionContext(diagnostics=[]))) is None
    client.workspace_did_change_configuration(T.DidChangeConfigurationParams(
        settings={"infergw-lint": {"env": "moon", "select": 5, "config": "missing.yaml"}}))
    # hostile text: binary-ish, deeply nested, a huge line; then a normal edit still lints
    route = uri(ws, "20-route.yaml")
    text = (ws / "20-route.yaml").read_text()
    open_doc(client, route, "\x00\x01" + "[" * 5000 + "x" * 100000)
    await diagnostics(client, route, lambda d: "IGW000" in codes(d), "IGW000 on hostile text")
    replace_all(client, route, text.replace("name: bifrost", "name: nowhere"), 2)
    await diagnostics(client, route, lambda d: "IGW104" in codes(d), "IGW104 after the hostile text")
    assert any("missing.yaml" in m.message for m in client.messages)


def test_exits_when_stdin_closes(tmp_path):
    proc = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.close()
    try:
        assert proc.wait(timeout=WAIT_S) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()


def test_without_the_extra_says_how_to_install():
    code = (
        "import sys; sys.modules['pygls'] = None; sys.modules['lsprotocol'] = None\n"
        "from infergw_lint.cli import main; sys.exit(main(['server']))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=WAIT_S)
    assert out.returncode == 2
    assert "pip install 'infergw-lint[lsp]'" in out.stderr
    assert "Traceback" not in out.stderr
