"""The language server's model of a workspace, without any LSP in it.

Every YAML/JSON file of the workspace folder is parsed once and kept (its documents,
problems and text); an edit re-parses only the file that changed.  Open editor buffers
win over the files on disk.  ``lint`` runs the rules over the whole set as one context
(grants, Services, Namespaces and Bifrost configs in other files count) and returns the
findings per file; the changed files come first, so the editor sees them first.

Speed: a (rule, document) check that never looked at the index (the other files) depends
only on its document and the options, so its findings are kept with the parsed file and
reused until that file changes.  Only checks that read the index run again for files that
did not change.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import os
import weakref
from collections import Counter
from dataclasses import dataclass, field

from ..engine import Context, Options, check_document, drop_covered, problem_findings, select_rules
from ..index import Index
from ..loader import (
    EXTENSIONS, OWN_CONFIG_FILES, LoadResult, UsageError, _is_helm_template, _read_file, discover, parse_source,
)
from ..rule import Finding
from ..document import node_end
from ..source import SourceFile, Span

ENVS = ("prod", "staging", "dev")


# ======================================================================================
# settings


@dataclass
class Settings:
    """What the editor may set (initializationOptions, workspace/didChangeConfiguration)."""

    select: list | None = None
    ignore: list = field(default_factory=list)
    env: str | None = None
    config: str | None = None  # a configuration file; default: found from the workspace folder
    debounce_ms: int = 150  # wait after the last keystroke before linting

    @classmethod
    def from_json(cls, raw) -> tuple["Settings", list[str]]:
        """Settings from the client's JSON and the problems with it (bad values are left
        at their defaults, never fatal).  The values may sit under an ``infergw-lint`` (or
        ``infergwLint``) key, as editors namespace their settings."""
        problems: list[str] = []
        out = cls()
        if not isinstance(raw, dict):
            return out, problems
        for key in ("infergw-lint", "infergwLint", "infergw_lint"):
            if isinstance(raw.get(key), dict):
                raw = raw[key]
                break

        def codes(name):
            v = raw.get(name)
            if v is None:
                return None
            if isinstance(v, str):
                v = [v]
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                problems.append(f"setting {name!r} must be a list of rule codes, names or prefixes")
                return None
            return [p.strip() for x in v for p in x.split(",") if p.strip()]

        out.select = codes("select")
        out.ignore = codes("ignore") or []
        env = raw.get("env")
        if env is not None:
            if env in ENVS:
                out.env = env
            elif env != "":
                problems.append(f"setting 'env' must be one of {', '.join(ENVS)}, not {env!r}")
        cfg = raw.get("config", raw.get("configPath"))
        if cfg is not None:
            if isinstance(cfg, str):
                out.config = cfg or None
            else:
                problems.append("setting 'config' must be a path")
        deb = raw.get("debounce", raw.get("debounceMs"))
        if deb is not None:
            if isinstance(deb, (int, float)) and not isinstance(deb, bool) and 0 <= deb <= 10_000:
                out.debounce_ms = int(deb)
            else:
                problems.append("setting 'debounce' must be milliseconds between 0 and 10000")
        return out, problems


def build_options(root: str | None, settings: Settings) -> tuple[Options, str | None]:
    """Options from the workspace's configuration file overridden by the settings, as
    the command line overrides it; on a bad configuration, the defaults and the error."""
    from ..cli import build_parser, options_from
    from ..config import ConfigError
    from ..policies import PolicyError

    args = build_parser().parse_args([])
    args.paths = [root] if root else []
    config = settings.config
    if config and root and not os.path.isabs(config):
        config = os.path.join(root, config)
    args.config = config
    args.select = [",".join(settings.select)] if settings.select is not None else None
    args.ignore = [",".join(settings.ignore)] if settings.ignore else None
    args.env = settings.env
    try:
        options, _ = options_from(args)
    except (ConfigError, PolicyError) as exc:
        options = Options(select=settings.select, ignore=list(settings.ignore), env=settings.env)
        message = str(exc)
        for flag in ("select", "ignore"):  # the editor's settings, not command-line flags
            if message.startswith(f"--{flag}:"):
                message = f"setting '{flag}':" + message[len(flag) + 3:]
                options = Options(env=settings.env)
        return options, message
    except Exception as exc:  # noqa: BLE001 - never fatal to the server
        options = Options(select=settings.select, ignore=list(settings.ignore), env=settings.env)
        return options, f"configuration: {type(exc).__name__}: {exc}"
    options.context = []  # the workspace folder is the context
    options.kustomize, options.helm, options.render = [], [], False
    return options, None


# ======================================================================================
# files


def lintable(path: str) -> bool:
    """Would ``infergw-lint DIR`` read this file (by its name)?"""
    name = os.path.basename(path)
    return name.endswith(EXTENSIONS) and name not in OWN_CONFIG_FILES and not _is_helm_template(path)


class FileState:
    """One parsed file: its text, documents, loader problems, and the findings of the
    checks that read only their own document."""

    __slots__ = ("path", "text", "buffer", "version", "src", "documents", "problems", "local", "error")

    def __init__(self, path: str, text: str | None, buffer: bool = False, version: int | None = None,
                 error: tuple | None = None, previous: "FileState | None" = None):
        self.path = path
        self.text = text
        self.buffer = buffer  # True: an editor buffer, not the file on disk
        self.version = version
        self.error = error  # (message, span) when the file could not be read
        # document number -> (findings of the checks that read no other file, the rules whose
        # checks did read other files and so run again on every lint)
        self.local: dict = {}
        result = LoadResult()
        if text is not None:
            self.src = SourceFile(path, text)
            parse_source(self.src, result)
        else:
            self.src = SourceFile(path, "")
        self.documents = result.documents
        self.problems = result.problems
        if previous is not None and previous.local and text is not None:
            self._reuse(previous)

    def _keys(self) -> list:
        """Per document: (its number in the file, its text, its first line)."""
        text = self.src.text
        out = []
        for doc in self.documents:
            start = doc.node.start_mark.index
            out.append((doc.index, text[start:node_end(doc.node)], self.src.line_col(start)[0]))
        return out

    def _reuse(self, previous: "FileState") -> None:
        """Keep the results of checks that read no other file for every document whose text
        (and number in the file) did not change, moved by as many lines as it moved: an edit
        re-checks only the documents it touched."""
        before: dict = {}
        for number, (idx, body, line) in enumerate(previous._keys()):
            if number in previous.local:
                before.setdefault((idx, body), []).append((number, line))
        for number, (idx, body, line) in enumerate(self._keys()):
            found = before.get((idx, body))
            if not found or len(found) != 1:
                continue
            old_number, old_line = found[0]
            local, remote = previous.local[old_number]
            shift = line - old_line
            if shift:
                local = [_moved(f, shift) for f in local]
            self.local[number] = (local, remote)


def _moved(finding: Finding, lines: int) -> Finding:
    sp = finding.span
    moved = copy.copy(finding)
    moved.span = Span(sp.line + lines, sp.column, sp.end_line + lines, sp.end_column)
    return moved


def read_disk(path: str) -> tuple[str | None, tuple | None]:
    """(text, None) or (None, (message, span)) for a file that cannot be read."""
    text, err, where = _read_file(path)
    if err is not None:
        return None, (err, where)
    return text, None


# ======================================================================================
# the workspace


@contextlib.contextmanager
def _paused_gc(freeze: bool = True):
    """As in loader.load: the node trees hold no cycles, so the cyclic collector would only
    re-scan a growing heap while a file is parsed; afterwards (``freeze``) they are moved
    out of its sight."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if freeze:
                gc.freeze()
            gc.enable()


def settle() -> None:
    """Collect garbage, then move what lives out of the cyclic collector's sight, so that
    the next full collection does not stall an edit by re-scanning the whole workspace (call
    it when idle; the workspace's own structures hold no reference cycles)."""
    gc.collect()
    gc.freeze()


def _profile(index: Index, options: Options):
    return Context(index, options).versions


# Derived facts (Index.memo keys) that read the whole set but rarely change, with what
# decides whether they changed.  A check that reads only its document and these facts is
# kept with its file like a check that reads nothing else; all such results are dropped
# when a fact's fingerprint changes (a workload's image tag, a CRD in the workspace).
GLOBAL_FACTS = {
    "stack-profile": _profile,  # lint/versions.py (compared by value)
    "crd.registry": lambda index, options: (  # lint/crd: the CRDs in the set and the profile
        _profile(index, options), tuple(id(d) for d in index.of_kind("CustomResourceDefinition")),
    ),
    # lint/crd: the versions the CRDs in the set serve (IGW109)
    "crd.serving": lambda index, options: tuple(id(d) for d in index.of_kind("CustomResourceDefinition")),
}


class _Watched:
    """The index as a rule sees it: any look-up marks the check as reading other files
    (``namespace_of`` depends only on the document and the options, so it does not); a
    derived fact (``memo``) marks it when building the fact read the index, unless it is
    one of the GLOBAL_FACTS."""

    __slots__ = ("_index", "_ctx")

    _PURE = frozenset(("namespace_of", "default_namespace"))

    def __init__(self, index: Index, ctx: "_TrackingContext"):
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_ctx", weakref.proxy(ctx))  # no cycle between the two

    def __getattr__(self, name):
        if name not in self._PURE:
            try:
                self._ctx.touched = True
            except ReferenceError:  # a fact built in an earlier lint, used again: that lint is over
                pass
        return getattr(self._index, name)

    def memo(self, key, build):
        try:
            ctx = self._ctx
            ctx.touched  # noqa: B018 - alive?
        except ReferenceError:
            return self._index.memo(key, build)
        name = key if isinstance(key, str) else key[0] if isinstance(key, tuple) and key else None
        fact = isinstance(name, str) and name in GLOBAL_FACTS
        marks = ctx.memo_touch  # memo key -> did building it read the index (this index's)
        existed = key in self._index._memo
        outer, ctx.touched = ctx.touched, False
        try:
            value = self._index.memo(key, build)
        finally:
            if not existed:
                marks[key] = ctx.touched
            ctx.touched = outer or (marks.get(key, True) and not fact)  # unknown builder: assume it read
        if fact:
            ctx.workspace.fact_used(name)
        return value


class _TrackingContext(Context):
    """A Context that records whether a check looked at the index."""

    touched = False
    memo_touch: dict = {}
    workspace = None

    @property
    def index(self):
        return self._watched

    @index.setter
    def index(self, value: Index) -> None:
        self._watched = _Watched(value, self)


class LintWorkspace:
    """The files of one workspace folder (plus any open file outside it), parsed, and
    their findings."""

    def __init__(self, root: str | None, settings: Settings | None = None, rules: list | None = None):
        self.root = os.path.abspath(root) if root else None
        self.settings = settings or Settings()
        self.files: dict[str, FileState] = {}
        self.notes: list[str] = []
        self.config_error: str | None = None
        self._rules = rules
        self._index: Index | None = None
        self._memo_touch: dict = {}  # of the current index: memo key -> its builder read the index
        self._fact_prints: dict = {}  # GLOBAL_FACTS the kept results rely on -> fingerprint
        self._facts_checked = None  # the index they were last compared on
        self.internal_errors: list[str] = []
        self.configure(self.settings)

    # ---------------------------------------------------------------- configuration
    def configure(self, settings: Settings) -> str | None:
        """Apply new settings (or a changed configuration file): every cached finding is
        dropped.  Returns the configuration error, if any."""
        from infergw_lint.rules import all_rules

        self.settings = settings
        self.options, self.config_error = build_options(self.root, settings)
        every = (self._rules if self._rules is not None else all_rules()) + list(self.options.extra_rules)
        self.by_code = {r.code: r for r in every}
        self._urls: dict = {}
        self.active = select_rules(every, self.options)
        self.active_codes = {r.code for r in self.active}
        self._drop_kept()
        self._forget_index()
        return self.config_error

    def _drop_kept(self) -> None:
        for state in self.files.values():
            state.local.clear()
        self._fact_prints = {}

    def _forget_index(self) -> None:
        """Drop the index (the set changed); its derived facts hold references back to it
        (through the rules' view of it), so they are cleared to leave no cycle behind."""
        if self._index is not None:
            self._index._memo.clear()
        self._index = None

    def fact_used(self, name: str) -> None:
        """A kept result relies on the derived fact ``name``: remember its fingerprint."""
        if name not in self._fact_prints:
            self._fact_prints[name] = GLOBAL_FACTS[name](self.index, self.options)

    def _check_facts(self) -> None:
        """Before a lint on a new index: drop every kept result when a fact they rely on
        changed."""
        index = self.index
        if self._facts_checked is index:
            return
        self._facts_checked = index
        for name, old in list(self._fact_prints.items()):
            try:
                new = GLOBAL_FACTS[name](index, self.options)
            except Exception:  # noqa: BLE001 - cannot tell: drop
                new = object()
            if new != old:
                self._drop_kept()
                return

    def _tracking(self) -> _TrackingContext:
        self._check_facts()
        ctx = _TrackingContext(self.index, self.options)
        ctx.memo_touch = self._memo_touch
        ctx.workspace = self
        return ctx

    def rule(self, code: str):
        return self.by_code.get(code)

    # ---------------------------------------------------------------- files
    def excluded(self, path: str) -> bool:
        exclude = self.options.exclude
        return exclude is not None and exclude.matches(path)

    def load_folder(self) -> int:
        """Read every lintable file under the root (as ``infergw-lint ROOT`` would); keeps
        open buffers.  Returns the number of files."""
        for _ in self.load_steps():
            pass
        return len(self.files)

    def load_steps(self):
        """``load_folder`` one file at a time (it yields after each), so that a server can
        answer requests meanwhile; stopping half-way keeps what was read."""
        if not self.root or not os.path.isdir(self.root):
            return
        found = LoadResult()
        try:
            paths = [fs for _, fs in discover([self.root], found, exclude=self.options.exclude)]
        except UsageError as exc:
            self.notes.append(str(exc))
            return
        self.notes = list(found.notes)
        on_disk = set(paths)
        for path in list(self.files):
            if path not in on_disk and not self.files[path].buffer:
                del self.files[path]
        self._forget_index()
        for path in paths:
            state = self.files.get(path)
            if state is not None and state.buffer:
                continue
            text, err = read_disk(path)
            if state is not None and state.text == text and text is not None:
                continue
            with _paused_gc():
                self.files[path] = FileState(path, text, error=err, previous=state)
            self._forget_index()
            yield path

    def set_buffer(self, path: str, text: str, version: int | None = None) -> bool:
        """An editor buffer's text (open or changed).  False when the file is not one the
        linter reads."""
        if not lintable(path) or self.excluded(path):
            return False
        state = self.files.get(path)
        if state is not None and state.buffer and state.text == text:
            state.version = version
            return True
        with _paused_gc(freeze=False):
            self.files[path] = FileState(path, text, buffer=True, version=version, previous=state)
        self._forget_index()
        return True

    def close_buffer(self, path: str) -> None:
        """The editor closed the buffer: the file on disk counts again (if there is one)."""
        state = self.files.get(path)
        if state is None or not state.buffer:
            return
        self.disk_changed(path, force=True)

    def disk_changed(self, path: str, force: bool = False) -> None:
        """The file on disk was created, changed or deleted (an open buffer still wins)."""
        state = self.files.get(path)
        if state is not None and state.buffer and not force:
            return
        if not lintable(path) or self.excluded(path) or not self._inside(path) or not os.path.isfile(path):
            if path in self.files:
                del self.files[path]
                self._forget_index()
            return
        text, err = read_disk(path)
        if state is not None and not state.buffer and state.text == text and text is not None:
            return
        with _paused_gc(freeze=False):
            self.files[path] = FileState(path, text, error=err, previous=state)
        self._forget_index()

    def _inside(self, path: str) -> bool:
        if not self.root:
            return False
        try:
            return os.path.commonpath([self.root, os.path.abspath(path)]) == self.root
        except ValueError:
            return False

    # ---------------------------------------------------------------- linting
    @property
    def index(self) -> Index:
        if self._index is None:
            docs = [d for path in sorted(self.files) for d in self.files[path].documents]
            self._index = Index(docs, self.options.default_namespace)
            self._memo_touch = {}
        return self._index

    def lint_file(self, path: str, ctx: _TrackingContext | None = None) -> list[Finding]:
        """The findings of one file against the whole workspace (suppressed ones marked)."""
        from .. import suppress

        state = self.files.get(path)
        if state is None:
            return []
        options = self.options
        ctx = ctx or self._tracking()
        findings: list[Finding] = []
        if state.error is not None:
            message, span = state.error
            from ..loader import Problem

            problems = [Problem(path, span, message)]
        else:
            problems = state.problems
        findings += problem_findings(problems, self.by_code, self.active_codes, {path}, options)
        internal: list[str] = []
        active = self.active
        for number, doc in enumerate(state.documents):
            known = state.local.get(number)
            start = len(findings)
            if known is not None:  # copies: suppressions and the baseline mark findings in place
                local, remote = known
                findings += [copy.copy(f) for f in local]
                for rule in remote:
                    findings += check_document(doc, (rule,), ctx, options, Counter(), internal)
                findings[start:] = drop_covered(findings[start:], self.by_code)
                continue
            local, remote, clean = [], [], True
            for rule in active:
                if not rule.applies(doc):
                    continue
                ctx.touched = False
                errors = len(internal)
                found = check_document(doc, (rule,), ctx, options, Counter(), internal)
                clean = clean and len(internal) == errors
                if ctx.touched:
                    remote.append(rule)
                else:
                    local += [copy.copy(f) for f in found]
                findings += found
            if clean:
                state.local[number] = (local, tuple(remote))
            findings[start:] = drop_covered(findings[start:], self.by_code)  # one defect, one finding
        self.internal_errors += internal
        meta = suppress.apply(findings, [state.src], state.documents, self.by_code, self.active_codes, options.severity)
        findings += meta
        if options.baseline:
            from .. import baseline
            from ..baseline import BaselineError

            try:
                baseline.apply(options.baseline, findings)
            except BaselineError as exc:
                if str(exc) not in self.notes:
                    self.notes.append(str(exc))
        findings.sort(key=Finding.sort_key)
        for f in findings:  # the help (engine.add_docs) is worded lazily, for the hover only
            f.url = self.url(f.rule)
        return findings

    def url(self, code: str) -> str | None:
        """The documentation page of the rule ``code``."""
        if code not in self._urls:
            from ..docs import rule_url

            rule = self.by_code.get(code)
            self._urls[code] = rule_url(rule) if rule is not None else None
        return self._urls[code]

    def lint(self, first=()):
        """Yield (path, findings) for every file, the paths in ``first`` first."""
        self.internal_errors = []
        with _paused_gc(freeze=False):  # a full collection over the workspace would cost more than the lint
            ctx = self._tracking()
        firsts = set(first)
        order = [p for p in first if p in self.files] + [p for p in sorted(self.files) if p not in firsts]
        for path in order:
            with _paused_gc(freeze=False):
                found = self.lint_file(path, ctx)
            yield path, found
