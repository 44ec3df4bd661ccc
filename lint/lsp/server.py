"""``infergw-lint server``: the Language Server Protocol over stdio, on pygls.

What it does (see lint/lsp/workspace.py for the model underneath):

* diagnostics on open, on change (debounced) and on save, for every linted file of the
  workspace folder: the file that changed first, then every other file whose findings
  changed (a deleted ReferenceGrant turns the route in another file red);
* quick fixes: each autofix, as a WorkspaceEdit that changes only what ``--fix`` would;
  and suppression comments with a ``reason=`` placeholder;
* hover on a diagnostic: the full message and the rule's documentation;
* settings from ``initializationOptions`` and ``workspace/didChangeConfiguration``
  (select, ignore, env, config, debounce); the workspace's configuration file applies.

No exception ends the server: a failing request answers with an error, a failing
notification is logged to the client.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import traceback

from lsprotocol import types as T
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from .. import __version__
from ..config import CONFIG_NAMES, PYPROJECT
from . import convert
from .workspace import LintWorkspace, Settings, lintable, settle

log = logging.getLogger("infergw_lint.lsp")

SOURCE = "infergw-lint"
SEVERITY = {
    "error": T.DiagnosticSeverity.Error,
    "warning": T.DiagnosticSeverity.Warning,
    "info": T.DiagnosticSeverity.Information,
}
FIX_ALL_KIND = "source.fixAll.infergw-lint"
YIELD_EVERY_S = 0.02  # give incoming messages a turn this often during a long lint
SETTLE_AFTER_S = 1.0  # idle time after a lint before the garbage collector gets its turn


class InfergwLanguageServer(LanguageServer):
    def __init__(self):
        super().__init__("infergw-lint", __version__, text_document_sync_kind=T.TextDocumentSyncKind.Incremental)
        self.model: LintWorkspace | None = None
        self.settings = Settings()
        self.published: dict[str, list] = {}  # path -> findings shown now
        self.pending: list[str] = []  # paths to lint first in the next run
        self.typed: dict[str, tuple] = {}  # path -> (uri, version): edited buffers not parsed yet
        self._task: asyncio.Task | None = None
        self._idle: asyncio.TimerHandle | None = None  # the collector's turn once edits pause
        self._loaded = False
        self.last_run: dict = {}  # timings of the last run (for the benchmark and logs)

    # ---------------------------------------------------------------- helpers
    @property
    def encoding(self) -> str:
        enc = self.workspace.position_encoding
        return str(getattr(enc, "value", enc) or "utf-16")

    def tell(self, message: str, kind=T.MessageType.Warning) -> None:
        try:
            self.window_show_message(T.ShowMessageParams(type=kind, message=f"infergw-lint: {message}"))
        except Exception:  # noqa: BLE001
            log.exception("showMessage failed")

    def log(self, message: str, kind=T.MessageType.Log) -> None:
        try:
            self.window_log_message(T.LogMessageParams(type=kind, message=message))
        except Exception:  # noqa: BLE001
            pass

    def internal(self, where: str, exc: BaseException) -> None:
        tb = traceback.extract_tb(exc.__traceback__)
        last = tb[-1] if tb else None
        at = f" ({last.filename.rsplit('/', 1)[-1]}:{last.lineno})" if last else ""
        self.log(f"infergw-lint: internal error in {where}: {type(exc).__name__}: {exc}{at}", T.MessageType.Error)

    # ---------------------------------------------------------------- scheduling
    def schedule(self, first=(), delay: float = 0.0) -> None:
        """Lint (again) after ``delay`` seconds; ``first`` are published first.  A newer
        call cancels a run that has not finished: every run lints the whole set, so
        nothing is lost."""
        for p in first:
            if p not in self.pending:
                self.pending.append(p)
        if self._task is not None and not self._task.done():
            self._task.cancel()
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        self._task = asyncio.ensure_future(self._run(delay))

    async def _run(self, delay: float) -> None:
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            model = self.model
            if model is None:
                return
            if not self._loaded:
                started = time.perf_counter()
                last_yield = started
                for _ in model.load_steps():
                    if time.perf_counter() - last_yield > YIELD_EVERY_S:
                        await asyncio.sleep(0)
                        last_yield = time.perf_counter()
                self._loaded = True
                self.last_run["load_s"] = time.perf_counter() - started
                for note in model.notes:
                    self.log(f"infergw-lint: note: {note}")
            started, cpu = time.perf_counter(), time.process_time()
            self.last_run["first_s"] = self.last_run["first_cpu_s"] = 0.0
            for path, (uri, version) in list(self.typed.items()):  # parse the edited buffers now
                del self.typed[path]
                model.set_buffer(path, self.workspace.get_text_document(uri).source, version)
            first = list(self.pending)
            last_yield = started
            seen = set()
            firsts = set(first)
            for path, findings in model.lint(first):
                seen.add(path)
                self.publish(path, findings, force=path in firsts)
                if path in firsts:
                    firsts.discard(path)
                    if not firsts:
                        self.last_run["first_s"] = time.perf_counter() - started
                        self.last_run["first_cpu_s"] = time.process_time() - cpu
                if time.perf_counter() - last_yield > YIELD_EVERY_S:
                    await asyncio.sleep(0)
                    last_yield = time.perf_counter()
            for path in [p for p in self.published if p not in seen]:
                self.publish(path, [], force=True)  # deleted, excluded or closed outside the folder
                del self.published[path]
            self.pending = [p for p in self.pending if p not in first]
            run = self.last_run
            run["all_s"], run["all_cpu_s"] = time.perf_counter() - started, time.process_time() - cpu
            self.log(
                f"infergw-lint: lint run: {len(seen)} files, changed file(s) published after "
                f"{run['first_s'] * 1000:.1f} ms ({run['first_cpu_s'] * 1000:.1f} ms CPU), all after "
                f"{run['all_s'] * 1000:.1f} ms ({run['all_cpu_s'] * 1000:.1f} ms CPU)"
            )
            for problem in model.internal_errors:
                self.log(f"infergw-lint: {problem}", T.MessageType.Error)
            self._idle = asyncio.get_running_loop().call_later(SETTLE_AFTER_S, self._settle)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - never end the server
            self.internal("lint", exc)

    def _settle(self) -> None:
        self._idle = None
        try:
            settle()
        except Exception as exc:  # noqa: BLE001
            self.internal("settle", exc)

    # ---------------------------------------------------------------- diagnostics
    def diagnostic(self, finding, src) -> T.Diagnostic:
        (l1, c1), (l2, c2) = convert.lsp_range(src, finding.span, self.encoding)
        rule = self.model.rule(finding.rule) if self.model else None
        url = convert.docs_url(finding, rule)
        return T.Diagnostic(
            range=T.Range(T.Position(l1, c1), T.Position(l2, c2)),
            severity=SEVERITY.get(finding.severity, T.DiagnosticSeverity.Warning),
            code=finding.rule,
            code_description=T.CodeDescription(href=url) if url else None,
            source=SOURCE,
            message=convert.short_message(finding),
            data={"fingerprint": finding.fingerprint, "name": finding.name},
        )

    def publish(self, path: str, findings: list, force: bool = False) -> None:
        shown = [f for f in findings if f.suppression is None]
        old = self.published.get(path)
        if not force and old is not None and _same(old, shown):
            return
        if not force and old is None and not shown:
            self.published[path] = shown
            return
        self.published[path] = shown
        state = self.model.files.get(path) if self.model else None
        src = state.src if state is not None else None
        diags = [self.diagnostic(f, src) for f in shown] if src is not None else []
        version = state.version if state is not None and state.buffer else None
        self.text_document_publish_diagnostics(
            T.PublishDiagnosticsParams(uri=from_fs_path(path), diagnostics=diags, version=version)
        )

    def findings_at(self, path: str, rng: T.Range, findings=None) -> list:
        """The findings (default: those shown now) whose range touches ``rng``."""
        state = self.model.files.get(path) if self.model else None
        if state is None:
            return []
        out = []
        for f in self.published.get(path, ()) if findings is None else findings:
            (l1, c1), (l2, c2) = convert.lsp_range(state.src, f.span, self.encoding)
            if (l1, c1) <= (rng.end.line, rng.end.character) and (rng.start.line, rng.start.character) <= (l2, c2):
                out.append(f)
        return out


def _same(a: list, b: list) -> bool:
    def key(f):
        return (f.rule, f.span, f.message, f.severity)

    return len(a) == len(b) and all(key(x) == key(y) for x, y in zip(a, b))


_OURS = {"infergw-lint", "infergwLint", "infergw_lint", "select", "ignore", "env", "config", "configPath", "debounce",
         "debounceMs"}


def _path(uri: str) -> str | None:
    path = to_fs_path(uri)
    return os.path.abspath(path) if path else None


def _target(ls: InfergwLanguageServer, params) -> str | None:
    """The file a textDocument notification or request is about, once the server is set up."""
    path = _path(params.text_document.uri)
    return path if path and ls.model is not None else None


def _is_config(path: str) -> bool:
    return os.path.basename(path) in CONFIG_NAMES or os.path.basename(path) == PYPROJECT


def create_server() -> InfergwLanguageServer:
    server = InfergwLanguageServer()

    def guarded(where):
        def wrap(fn):
            def inner(ls, params):
                try:
                    return fn(ls, params)
                except Exception as exc:  # noqa: BLE001 - never end the server
                    ls.internal(where, exc)
                    return None

            inner.__name__ = fn.__name__
            return inner

        return wrap

    @server.feature(T.INITIALIZE)
    @guarded("initialize")
    def initialize(ls: InfergwLanguageServer, params: T.InitializeParams):
        settings, problems = Settings.from_json(params.initialization_options)
        ls.settings = settings
        root = None
        if params.workspace_folders:
            root = to_fs_path(params.workspace_folders[0].uri)
        elif params.root_uri:
            root = to_fs_path(params.root_uri)
        elif params.root_path:
            root = params.root_path
        ls.model = LintWorkspace(root, settings)
        ls._startup_problems = problems + ([ls.model.config_error] if ls.model.config_error else [])

    @server.feature(T.INITIALIZED)
    @guarded("initialized")
    def initialized(ls: InfergwLanguageServer, params):
        for problem in getattr(ls, "_startup_problems", ()):
            ls.tell(problem)
        caps = ls.client_capabilities
        ws = getattr(caps, "workspace", None)
        watched = getattr(ws, "did_change_watched_files", None) if ws else None
        if watched is not None and getattr(watched, "dynamic_registration", False):
            ls.client_register_capability(T.RegistrationParams(registrations=[T.Registration(
                id="infergw-lint-watch",
                method=T.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=T.DidChangeWatchedFilesRegistrationOptions(watchers=[
                    T.FileSystemWatcher(glob_pattern="**/*.{yaml,yml,json}"),
                    T.FileSystemWatcher(glob_pattern="**/pyproject.toml"),
                ]),
            )]))
        ls.schedule()

    @server.feature(T.TEXT_DOCUMENT_DID_OPEN)
    @guarded("didOpen")
    def did_open(ls: InfergwLanguageServer, params: T.DidOpenTextDocumentParams):
        path = _target(ls, params)
        if path and ls.model.set_buffer(path, params.text_document.text, params.text_document.version):
            ls.schedule([path])

    @server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
    @guarded("didChange")
    def did_change(ls: InfergwLanguageServer, params: T.DidChangeTextDocumentParams):
        path = _target(ls, params)
        if path and lintable(path) and not ls.model.excluded(path):  # parsed when the debounce ends
            ls.typed[path] = (params.text_document.uri, params.text_document.version)
            ls.schedule([path], ls.settings.debounce_ms / 1000)

    @server.feature(T.TEXT_DOCUMENT_DID_SAVE)
    @guarded("didSave")
    def did_save(ls: InfergwLanguageServer, params: T.DidSaveTextDocumentParams):
        path = _target(ls, params)
        if path is None:
            return
        if _is_config(path):
            reconfigure(ls, ls.settings)
            return
        if path in ls.model.files:
            ls.schedule([path])

    @server.feature(T.TEXT_DOCUMENT_DID_CLOSE)
    @guarded("didClose")
    def did_close(ls: InfergwLanguageServer, params: T.DidCloseTextDocumentParams):
        path = _target(ls, params)
        if path:
            ls.typed.pop(path, None)
            ls.model.close_buffer(path)
            ls.schedule()

    @server.feature(T.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @guarded("didChangeWatchedFiles")
    def watched(ls: InfergwLanguageServer, params: T.DidChangeWatchedFilesParams):
        if ls.model is None:
            return
        config_changed = False
        for change in params.changes:
            path = _path(change.uri)
            if not path:
                continue
            if _is_config(path):
                config_changed = True
            elif lintable(path):
                ls.model.disk_changed(path)
        if config_changed:
            reconfigure(ls, ls.settings)
        else:
            ls.schedule()

    @server.feature(T.WORKSPACE_DID_CHANGE_CONFIGURATION)
    @guarded("didChangeConfiguration")
    def did_change_configuration(ls: InfergwLanguageServer, params: T.DidChangeConfigurationParams):
        raw = params.settings
        if not isinstance(raw, dict) or not (_OURS & set(raw)):  # another tool's settings, or none
            return
        settings, problems = Settings.from_json(raw)
        for problem in problems:
            ls.tell(problem)
        reconfigure(ls, settings)

    def reconfigure(ls: InfergwLanguageServer, settings: Settings) -> None:
        ls.settings = settings
        if ls.model is None:
            return
        error = ls.model.configure(settings)
        if error:
            ls.tell(error)
        ls._loaded = False  # the exclude list may have changed: read the folder again
        ls.schedule()

    @server.feature(
        T.TEXT_DOCUMENT_CODE_ACTION,
        T.CodeActionOptions(
            code_action_kinds=[T.CodeActionKind.QuickFix, FIX_ALL_KIND], resolve_provider=False,
        ),
    )
    @guarded("codeAction")
    def code_action(ls: InfergwLanguageServer, params: T.CodeActionParams):
        path = _target(ls, params)
        if path is None:
            return None
        state = ls.model.files.get(path)
        if state is None or state.text is None:
            return None
        only = [str(getattr(k, "value", k)) for k in params.context.only or ()]

        def wanted(kind) -> bool:
            kind = str(getattr(kind, "value", kind))
            return not only or any(kind == k or kind.startswith(k + ".") for k in only)

        # the findings of the buffer as it is now (the last published ones may be older)
        current = [f for f in ls.model.lint_file(path) if f.suppression is None]
        findings = ls.findings_at(path, params.range, current)
        actions: list[T.CodeAction] = []
        uri = params.text_document.uri
        from .fixes import fix_actions, fix_all

        if wanted(T.CodeActionKind.QuickFix):
            for title, new_text, finding, preferred in fix_actions(ls.model, path, findings):
                actions.append(_edit_action(ls, uri, state, title, new_text, [finding], T.CodeActionKind.QuickFix, preferred))
            for f in findings:
                for title, line, text in convert.suppressions(state.text, path, f, state.documents):
                    edit = T.TextEdit(range=T.Range(T.Position(line, 0), T.Position(line, 0)), new_text=text)
                    actions.append(T.CodeAction(
                        title=title,
                        kind=T.CodeActionKind.QuickFix,
                        diagnostics=[ls.diagnostic(f, state.src)],
                        edit=T.WorkspaceEdit(changes={uri: [edit]}),
                    ))
        if wanted(FIX_ALL_KIND) and (only or findings):
            done = fix_all(ls.model, path, current)
            if done is not None:
                new_text, count = done
                title = f"Fix all safely fixable infergw-lint findings in this file ({count})"
                actions.append(_edit_action(ls, uri, state, title, new_text, [], FIX_ALL_KIND, False))
        return actions or None

    @server.feature(T.TEXT_DOCUMENT_HOVER)
    @guarded("hover")
    def hover(ls: InfergwLanguageServer, params: T.HoverParams):
        path = _target(ls, params)
        if path is None:
            return None
        pos = params.position
        found = ls.findings_at(path, T.Range(pos, pos))
        if not found:
            return None
        parts = [convert.hover_markdown(f, ls.model.rule(f.rule)) for f in found]
        return T.Hover(contents=T.MarkupContent(kind=T.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)))

    @server.feature(T.SHUTDOWN)
    def shutdown(ls: InfergwLanguageServer, params):
        if ls._task is not None and not ls._task.done():
            ls._task.cancel()

    return server


def _edit_action(ls, uri, state, title, new_text, findings, kind, preferred=False) -> T.CodeAction:
    edits = []
    for start, end, replacement in convert.text_edits(state.text, new_text):
        l1, c1 = convert.offset_position(state.src, start, ls.encoding)
        l2, c2 = convert.offset_position(state.src, end, ls.encoding)
        edits.append(T.TextEdit(range=T.Range(T.Position(l1, c1), T.Position(l2, c2)), new_text=replacement))
    return T.CodeAction(
        title=title,
        kind=kind,
        diagnostics=[ls.diagnostic(f, state.src) for f in findings] or None,
        edit=T.WorkspaceEdit(changes={uri: edits}),
        is_preferred=preferred or None,
    )


def serve() -> int:
    """Run over stdio until the client says exit or closes stdin."""
    logging.basicConfig(level=logging.WARNING, format="infergw-lint server: %(levelname)s: %(message)s")
    server = create_server()
    server.start_io()
    return 0
