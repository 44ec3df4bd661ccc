"""Kustomize overlays and Helm charts as input.

A directory given on the command line that holds a ``kustomization.yaml`` (or
``--kustomize DIR``) is built with ``kustomize build`` or ``kubectl kustomize``; a
directory holding ``Chart.yaml`` (or ``--helm DIR``) is rendered with ``helm template``, or,
when no ``helm`` is on PATH, with Helm's engine from the ``helm`` extra (lint/helm_sdk.py).
The rendered YAML is parsed with the loader like any file, and every rendered document
gets an ``origin``: an object whose ``locate(path, key)`` says where a field of the
rendered resource is written in the user's files, so that findings point at the source
file (the base, the overlay's patch, the chart template) and not at text nobody can see.

Kustomize has no command-line switch for ``buildMetadata``, so the target is built
through a throw-away wrapper kustomization in a temporary directory::

    resources: [<relative path to the target>]
    buildMetadata: [originAnnotations, transformerAnnotations]

Origin paths in the output are relative to that wrapper directory.  The annotations are
read and removed from the data before any rule runs: they never reach a finding, a
message or a fingerprint.

Only directories named directly (on the command line or with --kustomize/--helm) are
rendered; a kustomization met while walking a tree is read raw (one note says so).
"""

from __future__ import annotations

import functools
import os
import re

import yaml

from .document import Builder, Document
from .lazyre import lazy
from .loader import LoadResult, Problem, UsageError, _read, _remap, _YamlLoader, parse_source
from .record import Record
from .source import SourceFile, Span

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
ORIGIN = "config.kubernetes.io/origin"
TRANSFORMATIONS = "alpha.config.kubernetes.io/transformations"
STRIPPED = (ORIGIN, TRANSFORMATIONS)
TIMEOUT = 120  # seconds for one kustomize build / helm template (INFERGW_LINT_RENDER_TIMEOUT)
DEFAULT_PROD_SEGMENTS = ("prod", "production")
_HELM_SOURCE = lazy(r"^# Source: (\S(?:.*\S)?)\s*$", re.M)  # greedy: linear on trailing blanks
# list items that strategic merge patches match by key, not by position
MERGE_KEYS = ("name", "containerPort", "mountPath", "devicePath", "port", "ip", "topologyKey")
# fields kustomize transformers set, and the kustomization keys that set them
TRANSFORMER_KEYS = (
    (("metadata", "name"), ("namePrefix", "nameSuffix")),
    (("metadata", "namespace"), ("namespace",)),
    (("metadata", "labels"), ("labels", "commonLabels")),
    (("metadata", "annotations"), ("commonAnnotations",)),
    (("spec", "replicas"), ("replicas",)),
)


# --------------------------------------------------------------------------------------
# targets


class Target(Record):
    _fields = ("kind", "path", "values")

    def __init__(self, kind: str, path: str, values: list | None = None):
        self.kind = kind  # "kustomize" | "helm"
        self.path = path  # as given
        self.values = [] if values is None else values  # helm --values files


def kustomization_file(directory: str) -> str | None:
    for name in KUSTOMIZATION_NAMES:
        cand = os.path.join(directory, name)
        if os.path.isfile(cand):
            return cand
    return None


def is_chart(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "Chart.yaml"))


def kustomize_command() -> list[str] | None:
    """``kustomize build`` or ``kubectl kustomize``, whichever is on PATH (kustomize first)."""
    import shutil  # here and below: only runs that render import them

    exe = shutil.which("kustomize")
    if exe:
        return [exe, "build"]
    exe = shutil.which("kubectl")
    if exe:
        return [exe, "kustomize"]
    return None


def helm_command() -> str | None:
    import shutil

    return shutil.which("helm")


def helm_sdk_available() -> bool:
    """The ``helm`` extra (helm-python-sdk, Helm's engine as a library) is installed."""
    from . import helm_sdk

    return helm_sdk.available()


def helm_available() -> bool:
    """A chart can be rendered: ``helm`` on PATH, else the ``helm`` extra."""
    return helm_command() is not None or helm_sdk_available()


NO_HELM = "helm is not on PATH and the helm extra is not installed (pip install 'infergw-lint[helm]')"


def split_targets(paths: list[str], options) -> tuple[list[str], list[Target]]:
    """(paths to read raw, directories to render).  Only directories named here are
    rendered: a kustomization found while walking a tree is read raw."""
    raw: list[str] = []
    targets: list[Target] = []
    values = list(getattr(options, "helm_values", None) or [])
    for d in getattr(options, "kustomize", None) or []:
        if not os.path.isdir(d):
            raise UsageError(f"--kustomize {d}: not a directory")
        if kustomization_file(d) is None:
            raise UsageError(f"--kustomize {d}: no kustomization.yaml, kustomization.yml or Kustomization in it")
        targets.append(Target("kustomize", d))
    for d in getattr(options, "helm", None) or []:
        if not os.path.isdir(d) or not is_chart(d):
            raise UsageError(f"--helm {d}: not a chart directory (no Chart.yaml)")
        if not helm_available():
            raise UsageError(
                f"--helm {d}: {NO_HELM}; install either, or lint the chart's rendered output "
                "(helm template ... | infergw-lint -)"
            )
        targets.append(Target("helm", d, values))
    if values and not (getattr(options, "helm", None) or any(os.path.isdir(p) and is_chart(p) for p in paths)):
        raise UsageError("--values is for Helm charts: give a chart directory with --helm DIR")
    auto = getattr(options, "render", True)
    for p in paths:
        if auto and p != "-" and os.path.isdir(p):
            if kustomization_file(p) is not None:
                targets.append(Target("kustomize", p))
                continue
            if is_chart(p) and helm_available():
                targets.append(Target("helm", p, values))
                continue
            if is_chart(p) and values:
                raise UsageError(f"{p}: --values needs helm to render the chart: {NO_HELM}")
        raw.append(p)
    unique, seen = [], set()
    for t in targets:  # the same directory named twice is rendered once
        key = (t.kind, os.path.realpath(t.path))
        if key not in seen:
            seen.add(key)
            unique.append(t)
    return raw, unique


def raw_kustomization_note(files, options=None) -> str | None:
    """A note when a walked tree holds kustomizations that were read raw."""
    if options is not None and not getattr(options, "render", True):
        return None  # --no-render: asked for
    names = KUSTOMIZATION_NAMES  # a file so named ends with its name: asked first, in C (a split run's serial part)
    dirs = sorted({
        os.path.dirname(f.path) or "." for f in files if f.path.endswith(names) and os.path.basename(f.path) in names
    })
    if not dirs:
        return None
    shown = ", ".join(dirs[:3]) + (f" and {len(dirs) - 3} more" if len(dirs) > 3 else "")
    return (
        f"read {len(dirs)} kustomization director{'y' if len(dirs) == 1 else 'ies'} raw ({shown}): "
        "name an overlay directory as PATH (or --kustomize DIR) to lint what it builds"
    )


# --------------------------------------------------------------------------------------
# running the tools


def _timeout() -> float:
    try:
        return max(1.0, float(os.environ.get("INFERGW_LINT_RENDER_TIMEOUT", TIMEOUT)))
    except ValueError:
        return float(TIMEOUT)


def _run(argv: list[str], what: str, cwd: str | None = None) -> subprocess.CompletedProcess:
    """Run a tool (never through a shell) with a time limit.  The tool runs in a process
    group of its own; when the time is up the whole group is killed, so no child it started
    (git, helm, a plugin) is left running."""
    import subprocess

    limit = _timeout()
    posix = os.name == "posix"
    try:
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=cwd,
            encoding="utf-8", errors="replace", start_new_session=posix,
        )
    except OSError as exc:
        raise UsageError(f"{what}: cannot run {argv[0]}: {exc.strerror or exc}") from None
    try:
        out, err = proc.communicate(timeout=limit)
    except BaseException as exc:
        _kill_group(proc, posix)
        if isinstance(exc, subprocess.TimeoutExpired):
            raise UsageError(
                f"{what}: {os.path.basename(argv[0])} did not finish in {limit:g} s (INFERGW_LINT_RENDER_TIMEOUT)"
            ) from None
        raise
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def _kill_group(proc: subprocess.Popen, posix: bool) -> None:
    if posix:
        import signal

        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        proc.kill()
    except OSError:
        pass
    try:
        proc.communicate(timeout=5)
    except Exception:  # noqa: BLE001 - a pipe held open by a stuck grandchild: give up reading
        pass


# kustomize fetches a resource that is a URL or a git repository; nothing from the network
# is built unless the user allows it (--allow-remote-resources)
_REMOTE = lazy(r"^(?:[a-z][a-z0-9+.-]*://|git@|git::|gh:|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d+)?/)")


def remote_resources(directory: str, _seen: set | None = None, _depth: int = 0) -> list[tuple[str, str]]:
    """(kustomization file, entry) of every remote resource, base, component or Helm chart
    repository that building ``directory`` would fetch, following local bases."""
    seen = _seen if _seen is not None else set()
    real = os.path.realpath(directory)
    kfile = kustomization_file(directory)
    if kfile is None or real in seen or _depth > 50:
        return []
    seen.add(real)
    try:
        with open(kfile, encoding="utf-8", errors="replace") as fh:
            data = yaml.load(fh, Loader=_META_LOADER)
    except (OSError, yaml.YAMLError):
        return []  # kustomize reports it
    if not isinstance(data, dict):
        return []
    out: list[tuple[str, str]] = []
    for key in ("resources", "bases", "components"):
        for entry in data.get(key) or ():
            if not isinstance(entry, str):
                continue
            local = os.path.join(directory, entry)
            if os.path.exists(local):
                if os.path.isdir(local):
                    out += remote_resources(local, seen, _depth + 1)
            elif _REMOTE.match(entry.strip()):
                out.append((kfile, entry))
    for chart in data.get("helmCharts") or ():
        if isinstance(chart, dict) and isinstance(chart.get("repo"), str) and chart["repo"].strip():
            out.append((kfile, f"helmCharts {chart.get('name', '?')} from {chart['repo']}"))
    return out


_KLOG = lazy(r'^[EWIF]\d{4} [\d:.]+\s+\d+ \S+\] "command failed" err="(?P<err>.*)"\s*$')


def _tool_error(stderr: str) -> str:
    """The useful part of kustomize's / kubectl's / helm's error output."""
    out = []
    for line in stderr.splitlines():
        line = line.strip()
        if not line or line.startswith("# Warning"):
            continue
        m = _KLOG.match(line)
        if m:
            line = m.group("err").replace('\\"', '"')
        if line.startswith("Error: "):
            line = line[len("Error: "):]
        out.append(line)
    msg = " ".join(out) or "failed without a message"
    return msg if len(msg) <= 2000 else msg[:2000] + " ..."


def _warnings(stderr: str, directory: str) -> list[str]:
    out = []
    for ln in stderr.splitlines():
        if ln.strip().startswith("# Warning"):
            out.append(f"{directory}: kustomize: {ln.strip().lstrip('#').strip()}")
    return out


def build_kustomization(directory: str) -> tuple[str, str, list[str]]:
    """(rendered YAML, real path of the wrapper directory origin paths are relative to
    ('' when built without origins), notes)."""
    cmd = kustomize_command()
    if cmd is None:
        raise UsageError(
            f"{directory}: holds a kustomization, but neither kustomize nor kubectl is on PATH to build it; "
            "install one of them, or pass --no-render to read the files raw"
        )
    target = os.path.realpath(directory)
    kfile = kustomization_file(directory) or ""
    extra: list[str] = []
    try:
        with open(kfile, encoding="utf-8", errors="replace") as fh:
            if "helmCharts:" in fh.read() and helm_command() is not None:
                extra.append("--enable-helm")
    except OSError:
        pass
    notes: list[str] = []
    import tempfile

    with tempfile.TemporaryDirectory(prefix="infergw-lint-kustomize-") as tmp:
        wrapper = os.path.realpath(tmp)
        try:
            rel = os.path.relpath(target, wrapper).replace(os.sep, "/")
        except ValueError:  # another drive (Windows): build without origins
            rel = None
        name = " ".join([os.path.basename(cmd[0])] + cmd[1:])
        direct = None
        for metadata in ("[originAnnotations, transformerAnnotations]", "[originAnnotations]"):
            if rel is None:
                break
            with open(os.path.join(wrapper, "kustomization.yaml"), "w", encoding="utf-8") as fh:
                fh.write(
                    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                    f"resources:\n- {_yaml_str(rel)}\nbuildMetadata: {metadata}\n"
                )
            proc = _run(cmd + [wrapper] + extra, directory)
            if proc.returncode == 0:
                return proc.stdout, wrapper, _warnings(proc.stderr, directory)
            if direct is None:
                # the target itself is broken (or the tool is too old for buildMetadata):
                # building it directly gives the tool's own message, with the user's paths
                direct = _run(cmd + [target] + extra, directory)
                if direct.returncode != 0:
                    raise UsageError(f"{directory}: {name} failed: {_tool_error(direct.stderr)}")
        if direct is None:
            direct = _run(cmd + [target] + extra, directory)
            if direct.returncode != 0:
                raise UsageError(f"{directory}: {name} failed: {_tool_error(direct.stderr)}")
        notes.append(
            f"{directory}: built without origin annotations ({name} too old for buildMetadata?); "
            "findings are reported on the kustomization file"
        )
        return direct.stdout, "", _warnings(direct.stderr, directory) + notes


def _not_an_option(path: str) -> str:
    return os.path.join(".", path) if path.startswith("-") else path


def _yaml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_chart(directory: str, values: list[str], namespace: str) -> tuple[str, list[str]]:
    """``helm template``'s output for a chart: the helm binary when it is on PATH, else Helm's
    engine from the helm extra (lint/helm_sdk.py, in a child process under the same time
    limit).  Either way each template's output follows a ``# Source:`` comment."""
    helm = helm_command()
    name = os.path.basename(os.path.normpath(os.path.abspath(directory))).lower() or "release"
    name = re.sub(r"[^a-z0-9-]", "-", name).strip("-")[:53] or "release"
    if helm is None:
        if not helm_sdk_available():  # pragma: no cover - split_targets checks
            raise UsageError(f"{directory}: {NO_HELM}")
        return _render_chart_sdk(directory, values, namespace, name)
    argv = [helm, "template", name, _not_an_option(directory)]
    if namespace and namespace != "default":
        argv += ["--namespace", namespace]
    for v in values:
        if not os.path.isfile(v):
            raise UsageError(f"--values {v}: no such file")
        argv += ["--values", _not_an_option(v)]
    proc = _run(argv, directory)
    if proc.returncode != 0:
        raise UsageError(f"{directory}: helm template failed: {_tool_error(proc.stderr)}")
    notes = [f"{directory}: helm: {ln.strip()}" for ln in proc.stderr.splitlines() if ln.strip().startswith("WARNING")]
    return proc.stdout, notes[:5]


_SDK_WARNING = lazy(r"\bwarning: (?P<text>.+)$", re.I)


def _render_chart_sdk(directory: str, values: list[str], namespace: str, name: str) -> tuple[str, list[str]]:
    from . import helm_sdk

    for v in values:
        if not os.path.isfile(v):
            raise UsageError(f"--values {v}: no such file")
    proc = _run(helm_sdk.command(directory, values, name, namespace), directory)
    if proc.returncode != 0:
        raise UsageError(f"{directory}: helm template (helm extra) failed: {_tool_error(proc.stderr)}")
    notes = []
    for ln in proc.stderr.splitlines():
        m = _SDK_WARNING.search(ln.strip())
        if m:
            notes.append(f"{directory}: helm: WARNING: {m.group('text')}")
    return proc.stdout, notes[:5]


# --------------------------------------------------------------------------------------
# source files, cached per run


class Sources:
    """Files the origins point at, loaded once per run with the loader."""

    def __init__(self, known_displays: dict | None = None):
        self._files: dict[str, tuple] = {}  # real path -> (SourceFile, documents) or (None, [])
        self.known = dict(known_displays or {})  # real path -> display path of a file read raw
        self._cwd = os.path.realpath(os.getcwd())

    def display(self, real: str, relative: bool = True) -> str:
        if real in self.known:
            return self.known[real]
        if not relative:
            return real
        try:
            rel = os.path.relpath(real, self._cwd)
        except ValueError:
            return real
        return rel

    def load(self, real: str, display: str) -> tuple:
        hit = self._files.get(real)
        if hit is not None:
            return hit
        text, err = _read(display, real) if os.path.isfile(real) else (None, "missing")
        if err is not None or text is None:
            hit = (None, [])
        else:
            src = SourceFile(display, text)
            result = LoadResult()
            parse_source(src, result)
            hit = (src, result.documents)
        self._files[real] = hit
        return hit

    def files(self) -> list:
        """Files only rendering read (not also read raw)."""
        return [src for real, (src, _) in self._files.items() if src is not None and real not in self.known]

    def documents(self) -> list:
        return [d for real, (_, docs) in self._files.items() if real not in self.known for d in docs]


# --------------------------------------------------------------------------------------
# rendering


class Rendered(Record):
    _fields = ("documents", "problems", "notes", "sources")

    def __init__(
        self, documents: list | None = None, problems: list | None = None, notes: list | None = None,
        sources: Sources | None = None,
    ):
        self.documents = [] if documents is None else documents
        self.problems = [] if problems is None else problems
        self.notes = [] if notes is None else notes
        self.sources = sources


def _env_from_segments(path: str, segments) -> str | None:
    parts = {p.lower() for p in re.split(r"[\\/]", os.path.normpath(path)) if p}
    segs = {s.lower() for s in segments}
    return "prod" if parts & segs else None


def _env_from_tokens(paths, segments) -> str | None:
    segs = {s.lower() for s in segments}
    for p in paths:
        tokens = {t.lower() for t in re.split(r"[\\/._-]", os.path.normpath(p)) if t}
        if tokens & segs:
            return "prod"
    return None


def _strip(doc) -> dict:
    """Remove the build-metadata annotations from the data; return what they said."""
    found: dict = {}
    data = doc.data
    meta = data.get("metadata") if isinstance(data, dict) else None
    ann = meta.get("annotations") if isinstance(meta, dict) else None
    if not isinstance(ann, dict):
        return found
    for key in STRIPPED:
        if key in ann:
            found[key] = ann.pop(key)
    if found and not ann:
        del meta["annotations"]
    return found


_META_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_meta_memo: dict = {}


def _parse_meta(text) -> object:
    """Data of a build-metadata annotation (the same text repeats on every resource)."""
    if not isinstance(text, str):
        return None
    if text in _meta_memo:
        return _meta_memo[text]
    try:
        out = yaml.load(text, Loader=_META_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        out = None
    if len(_meta_memo) < 10_000:
        _meta_memo[text] = out
    return out


def render(targets: list[Target], options, loaded: LoadResult) -> Rendered:
    """Render every target; documents carry ``origin`` (and a world key of their own)."""
    known = {}
    for f in loaded.files:
        if f.path != "-":
            known.setdefault(os.path.realpath(f.path), f.path)
    out = Rendered(sources=Sources(known))
    segments = tuple(getattr(options, "prod_segments", None) or DEFAULT_PROD_SEGMENTS)
    for n, target in enumerate(targets):
        relative = not os.path.isabs(target.path)
        if target.kind == "kustomize":
            remote = [] if getattr(options, "allow_remote_resources", False) else remote_resources(target.path)
            if remote:
                listed = "; ".join(f"{k}: {e}" for k, e in remote[:3]) + ("; ..." if len(remote) > 3 else "")
                raise UsageError(
                    f"{target.path}: the kustomization fetches remote resources ({listed}); not built: "
                    "pass --allow-remote-resources to let kustomize fetch them, or --no-render"
                )
            text, wrapper, notes = build_kustomization(target.path)
            kfile = kustomization_file(target.path) or os.path.join(target.path, "kustomization.yaml")
            kreal = os.path.realpath(kfile)
            display = out.sources.display(kreal, relative)
            env = _env_from_segments(display, segments) or _env_from_segments(target.path, segments)
            world = KustomizeWorld(n, target.path, display, kreal, wrapper, env, out.sources, relative)
        else:
            ns = getattr(options, "default_namespace", "default")
            text, notes = render_chart(target.path, target.values, ns)
            chart = os.path.join(target.path, "Chart.yaml")
            creal = os.path.realpath(chart)
            display = out.sources.display(creal, relative)
            env = _env_from_tokens([target.path] + list(target.values), segments)
            world = HelmWorld(n, target.path, display, os.path.realpath(target.path), env, out.sources, relative)
        out.notes += notes
        src = SourceFile(display, text)
        result = LoadResult()
        parse_source(src, result)
        for doc in result.documents:
            meta = _strip(doc)
            doc.origin = world.origin_for(doc, meta)
        for prob in result.problems:
            out.problems.append(world.problem(prob, result.documents))
        out.documents += result.documents
    return out


def worlds(documents) -> dict:
    """Documents grouped by what they were rendered from: None for files read raw; the
    context documents (lookups only) belong to every group."""
    groups: dict = {None: []}
    context = []
    for doc in documents:
        origin = getattr(doc, "origin", None)
        key = getattr(origin, "world", None) if origin is not None else None
        if key is None and doc.source.context_only:
            context.append(doc)
        groups.setdefault(key, []).append(doc)
    for key, docs in groups.items():
        if key is not None:
            docs.extend(context)
    return groups


# --------------------------------------------------------------------------------------
# value helpers


def _value(doc, path: tuple):
    return doc.get(*path, default=_MISSING)


_MISSING = object()


def _reached(doc, path: tuple) -> int:
    """How many segments of ``path`` exist in the document's data (the data, not the
    node tree: the build-metadata annotations are gone from the data only)."""
    for i in range(1, len(path) + 1):
        if doc.get(*path[:i], default=_MISSING) is _MISSING:
            return i - 1
    return len(path)


def _scalar(v) -> bool:
    return not isinstance(v, (dict, list)) and v is not _MISSING


def _same(a, b) -> bool:
    if a is _MISSING or b is _MISSING:
        return False
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _kindgroup(doc) -> tuple:
    return (doc.kind, doc.group)


def _best_named(candidates, rendered_name: str | None):
    """The candidate whose name the rendered name is built from (prefix/suffix/hash)."""
    if len(candidates) == 1:
        return candidates[0]
    if not rendered_name:
        return candidates[0] if candidates else None
    exact = [c for c in candidates if c.name == rendered_name]
    if exact:
        return exact[0]
    inside = [c for c in candidates if c.name and c.name in rendered_name]
    if inside:
        return max(inside, key=lambda c: len(c.name))
    return None


# --------------------------------------------------------------------------------------
# kustomize origins


class Kustomization:
    """A kustomization file with its patches, positioned."""

    def __init__(self, real: str, sources: Sources, relative: bool):
        self.real = real
        self.dir = os.path.dirname(real)
        self.display = sources.display(real, relative)
        self.sources = sources
        self.relative = relative
        src, docs = sources.load(real, self.display)
        self.src = src
        self.doc = docs[0] if docs else None
        self.data = self.doc.data if self.doc is not None and isinstance(self.doc.data, dict) else {}
        self._patches = None

    # a patch: (kind "smp"|"json", Document, display path, target selector or None, base path in doc)
    def patches(self) -> list:
        if self._patches is None:
            self._patches = []
            try:
                self._collect()
            except Exception:  # noqa: BLE001 - a patch we cannot read only loses precision
                pass
        return self._patches

    def _collect(self) -> None:
        data = self.data
        for field_name in ("patches", "patchesStrategicMerge", "patchesJson6902"):  # kustomization order
            entries = data.get(field_name)
            if not isinstance(entries, list):
                continue
            for i, entry in enumerate(entries):
                if field_name == "patchesStrategicMerge":
                    if isinstance(entry, str):
                        if "\n" in entry or ":" in entry and not entry.strip().endswith((".yaml", ".yml", ".json")):
                            self._inline((field_name, i), None)
                        else:
                            self._from_file(entry, None)
                elif isinstance(entry, dict):  # {path | patch, target}
                    target = entry.get("target") if isinstance(entry.get("target"), dict) else None
                    if isinstance(entry.get("path"), str):
                        self._from_file(entry["path"], target)
                    elif isinstance(entry.get("patch"), str):
                        self._inline((field_name, i, "patch"), target)

    def _from_file(self, rel: str, target) -> None:
        real = os.path.realpath(os.path.join(self.dir, rel))
        src, docs = self.sources.load(real, self.sources.display(real, self.relative))
        for doc in docs:
            self._add(doc, target, src.path if src else rel)

    def _inline(self, path: tuple, target) -> None:
        if self.doc is None or self.src is None:
            return
        from .jsonparse import align

        _, vnode, reached = self.doc.locate(path)
        if reached != len(path) or vnode is None or not isinstance(vnode.value, str):
            return
        value = vnode.value
        offsets = align(value, self.src.text, vnode.start_mark.index, vnode.end_mark.index, vnode.style)
        try:
            nodes = list(yaml.compose_all(value, Loader=_YamlLoader))
        except yaml.YAMLError:
            return
        for node in nodes:
            if node is None:
                continue
            _remap(node, offsets, set())
            try:
                data = Builder().build(node)
            except Exception:  # noqa: BLE001
                continue
            self._add(Document(self.src, node, data), target, self.display)

    def _add(self, doc, target, display: str) -> None:
        if isinstance(doc.data, list):
            self._patches.append(("json", doc, display, target))
        elif isinstance(doc.data, dict):
            self._patches.append(("smp", doc, display, target))


@functools.lru_cache(maxsize=256)
def _selector_regex(pattern: str):
    """A patch target's ``kind``/``name`` as kustomize reads it: an RE2 regular expression,
    anchored at both ends.  RE2 (the ``google-re2`` package) runs in linear time, so a
    pattern written to backtrack forever costs nothing; its syntax is Go's.  None when the
    pattern is not valid RE2 (kustomize refuses the build; here it then matches literally)."""
    try:
        import re2
    except ImportError:  # pragma: no cover - a declared dependency; without it, names compare literally
        return None
    options = re2.Options()
    options.log_errors = False  # RE2 would print the pattern to stderr, raw
    try:
        return re2.compile(pattern, options=options)
    except re2.error:
        return None


def _selector_matches(pattern: str, value: str) -> bool:
    rx = _selector_regex(pattern)
    return value == pattern if rx is None else rx.fullmatch(value) is not None


def _target_matches(target, rdoc, names: set) -> bool:
    if not target:
        return True
    kind = target.get("kind")
    if isinstance(kind, str) and kind and not _selector_matches(kind, rdoc.kind or ""):
        return False
    name = target.get("name")
    if isinstance(name, str) and name:
        if not any(_selector_matches(name, n) for n in names if n):
            return False
    group = target.get("group")
    if isinstance(group, str) and group and group != rdoc.group:
        return False
    return True


def _pointer(p: str) -> tuple | None:
    if not isinstance(p, str) or not p.startswith("/"):
        return None
    out: list = []
    for seg in p[1:].split("/"):
        seg = seg.replace("~1", "/").replace("~0", "~")
        out.append(int(seg) if seg.isdigit() else ("-" if seg == "-" else seg))
    return tuple(out)


def _prefix(a: tuple, b: tuple) -> bool:
    """``a`` is a prefix of ``b`` (``-`` in ``a`` matches any list index)."""
    if len(a) > len(b):
        return False
    for x, y in zip(a, b):
        if x == "-" and isinstance(y, int):
            continue
        if x != y:
            return False
    return True


def _smp_path(rdoc, pdoc, path: tuple) -> tuple | None:
    """The path in a strategic-merge patch document of the rendered ``path``, matching
    list items by merge key (name, port, ...), or None when the patch does not hold it."""
    out: list = []
    for i, seg in enumerate(path):
        cur = _value(pdoc, tuple(out))
        if isinstance(seg, int):
            if not isinstance(cur, list):
                return None
            item = _value(rdoc, path[: i + 1])
            hit = None
            if isinstance(item, dict):
                for key in MERGE_KEYS:
                    if key in item:
                        for j, p in enumerate(cur):
                            if isinstance(p, dict) and p.get(key) == item[key]:
                                hit = j
                                break
                        break
            elif seg < len(cur) and _same(cur[seg], item):
                hit = seg
            elif _scalar(item) and item in cur:
                hit = cur.index(item)
            if hit is None:
                rlist = _value(rdoc, path[:i])
                if isinstance(rlist, list) and len(rlist) == len(cur) and seg < len(cur):
                    hit = seg
            if hit is None:
                return None
            out.append(hit)
        else:
            if isinstance(cur, str) and tuple(out) in pdoc.embedded:
                out.append(seg)
                continue
            if not isinstance(cur, dict) or seg not in cur:
                return None
            out.append(seg)
    return tuple(out)


class KustomizeWorld:
    """Everything one kustomize target needs to map rendered documents to sources."""

    def __init__(self, n, target, display, kreal, wrapper, env, sources: Sources, relative: bool):
        self.world = ("kustomize", n)
        self.target = target
        self.display = display  # the target's kustomization file, as shown
        self.kreal = kreal
        self.wrapper = wrapper
        self.env = env
        self.sources = sources
        self.relative = relative
        self._kust: dict = {}

    def kustomization(self, real: str) -> Kustomization:
        k = self._kust.get(real)
        if k is None:
            k = self._kust[real] = Kustomization(real, self.sources, self.relative)
        return k

    def _resolve(self, rel: str) -> str | None:
        if not isinstance(rel, str) or not rel or not self.wrapper:
            return None
        return os.path.realpath(os.path.join(self.wrapper, rel))

    def origin_for(self, doc, meta: dict) -> KustomizeOrigin:
        origin = _parse_meta(meta.get(ORIGIN))
        chain: list[str] = []
        for t in _parse_meta(meta.get(TRANSFORMATIONS)) or []:
            if isinstance(t, dict):
                real = self._resolve(t.get("configuredIn"))
                if real and real not in chain:
                    chain.append(real)
        if self.kreal not in chain:
            chain.append(self.kreal)
        o = KustomizeOrigin(self, doc, origin if isinstance(origin, dict) else {}, chain)
        o.prepare()
        return o

    def problem(self, prob: Problem, docs) -> Problem:
        return Problem(self.display, Span(1, 1, 1, 2), f"in the output of kustomize build: {prob.message}", prob.code)


class KustomizeOrigin:
    """Where the fields of one rendered resource come from."""

    def __init__(self, world: KustomizeWorld, rdoc, origin: dict, chain: list[str]):
        self.world_obj = world
        self.world = world.world
        self.env = world.env
        self.rdoc = rdoc
        self.origin = origin
        self.chain = chain  # kustomization files, innermost first
        self.src_doc = None  # the source document, when found
        self.src_display = None
        self.generator = None  # (Kustomization, kind, entry index) for generated resources
        self.remote = None

    @property
    def why(self) -> str:
        return f"overlay path {self.world_obj.target}"

    # ---- finding the source document ----------------------------------------------
    def prepare(self) -> None:
        w = self.world_obj
        o = self.origin
        if o.get("repo"):
            self.remote = f"{o.get('repo')}//{o.get('path', '')}" + (f"?ref={o['ref']}" if o.get("ref") else "")
            return
        if isinstance(o.get("path"), str):
            real = w._resolve(o["path"])
            if real is None:
                return
            display = w.sources.display(real, w.relative)
            src, docs = w.sources.load(real, display)
            if src is None:
                return
            cands = [d for d in docs if d.flavor == "k8s" and _kindgroup(d) == _kindgroup(self.rdoc)]
            if not cands:
                cands = [d for d in docs if d.kind == self.rdoc.kind]
            self.src_doc = _best_named(cands, self.rdoc.name)
            self.src_display = src.path
            return
        by = o.get("configuredBy")
        if isinstance(o.get("configuredIn"), str) and isinstance(by, dict):
            real = w._resolve(o["configuredIn"])
            if real is None:
                return
            k = w.kustomization(real)
            gkind = by.get("kind")
            key = {"ConfigMapGenerator": "configMapGenerator", "SecretGenerator": "secretGenerator"}.get(gkind)
            entries = k.data.get(key) if key else None
            if isinstance(entries, list):
                named = [(i, e) for i, e in enumerate(entries) if isinstance(e, dict) and isinstance(e.get("name"), str)]
                best = None
                for i, e in named:
                    if self.rdoc.name and e["name"] in self.rdoc.name and (best is None or len(e["name"]) > len(best[1]["name"])):
                        best = (i, e)
                if best is not None:
                    self.generator = (k, key, best[0])

    # ---- locating a field -----------------------------------------------------------
    def locate(self, path: tuple, key: bool = False):
        try:
            return self._locate(tuple(path), key)
        except Exception:  # noqa: BLE001 - never lose a finding over a mapping problem
            try:
                return self._fallback(path, "")
            except Exception:  # noqa: BLE001
                w = self.world_obj
                return w.display, Span(1, 1, 1, 2), f"(in {self.rdoc.kind}/{self.rdoc.name} built by {w.display})"

    def _fallback(self, path: tuple, why: str):
        w = self.world_obj
        k = w.kustomization(w.kreal)
        what = f"{self.rdoc.kind}/{self.rdoc.name}"
        if self.remote:
            note = f"(in {what} from remote resource {self.remote}, built by {w.display})"
        else:
            note = f"(in {what} built by {w.display}{'; ' + why if why else ''})"
        if k.doc is not None:
            return k.display, k.doc.span(("resources",), key=True) if k.doc.exists(("resources",)) else k.doc.span(()), note
        return w.display, Span(1, 1, 1, 2), note

    def _locate(self, path: tuple, key: bool):
        rdoc = self.rdoc
        reached = _reached(rdoc, path)
        here = path[:reached]
        rval = _value(rdoc, here)
        if self.generator is not None:
            hit = self._generated(path, here)
            if hit is not None:
                return hit
        src = self.src_doc
        tail = path[len(here):]
        if src is not None:
            # list items are matched by merge key (a patch may have put items before them)
            spath = _smp_path(rdoc, src, here)
            if spath is not None:
                sval = _value(src, spath)
                if _same(sval, rval) or (not _scalar(rval) and not _scalar(sval) and type(rval) is type(sval)):
                    return self.src_display, src.span(spath + tail, key=key), None
        # changed or added on the way: find the patch or transformer that set it
        hit = self._patched(here, rval, path, key)
        if hit is not None:
            return hit
        hit = self._transformed(here)
        if hit is not None:
            return hit
        if src is not None:
            k = self.world_obj.kustomization(self.chain[-1])
            for i in range(len(here), -1, -1):
                spath = _smp_path(rdoc, src, here[:i])
                if spath is not None:
                    return self.src_display, src.span(spath + path[i:], key=key), f"(changed by kustomize in {k.display})"
        return self._fallback(path, "its source file was not found")

    def _names(self) -> set:
        names = {self.rdoc.name}
        if self.src_doc is not None:
            names.add(self.src_doc.name)
        return names

    def _patched(self, here: tuple, rval, path: tuple, key: bool):
        w = self.world_obj
        src_name = self.src_doc.name if self.src_doc is not None else None
        rname = self.rdoc.name or ""
        for kreal in reversed(self.chain):
            k = w.kustomization(kreal)
            for kind, pdoc, display, target in reversed(k.patches()):
                if kind == "smp":
                    if target is None:
                        if pdoc.kind != self.rdoc.kind:
                            continue
                        pname = pdoc.name or ""
                        if not (pname and pname in rname and (not src_name or src_name in pname)):
                            continue
                    elif not _target_matches(target, self.rdoc, self._names() | {pdoc.name}):
                        continue
                    ppath = _smp_path(self.rdoc, pdoc, here)
                    if ppath is None:
                        continue
                    pval = _value(pdoc, ppath)
                    if _scalar(rval) and not _same(pval, rval):
                        continue
                    tail = path[len(here):]
                    return display, pdoc.span(ppath + tail, key=key), f"(set by overlay patch {display})"
                else:
                    if target is not None and not _target_matches(target, self.rdoc, self._names()):
                        continue
                    if not isinstance(pdoc.data, list):
                        continue
                    for i in range(len(pdoc.data) - 1, -1, -1):
                        op = pdoc.data[i]
                        if not isinstance(op, dict):
                            continue
                        ptr = _pointer(op.get("path"))
                        if ptr is None:
                            continue
                        if _prefix(ptr, here):
                            tail = here[len(ptr):]
                            if "value" in op:
                                where = pdoc.span((i, "value") + tail, key=key and bool(tail))
                            else:
                                where = pdoc.span((i, "path"))
                            return display, where, f"(set by overlay patch {display}, {op.get('op', 'patch')} {op.get('path')})"
                        if _prefix(here, ptr):
                            return display, pdoc.span((i, "path")), f"(changed by overlay patch {display}, {op.get('op', 'patch')} {op.get('path')})"
        return None

    def _transformed(self, here: tuple):
        """The kustomization line of the transformer (namePrefix, namespace, labels,
        images, ...) that most likely set the field at ``here``."""
        keys: tuple = ()
        for fpath, names in TRANSFORMER_KEYS:
            if here[: len(fpath)] == fpath or (len(here) >= 2 and fpath[: len(here)] == here):
                keys = names
                break
        if not keys:
            strs = [s for s in here if isinstance(s, str)]
            if "labels" in strs or "matchLabels" in strs:
                keys = ("labels", "commonLabels")
            elif "annotations" in strs:
                keys = ("commonAnnotations",)
            elif strs and strs[-1] == "image":
                keys = ("images",)
        w = self.world_obj
        for kreal in reversed(self.chain):
            k = w.kustomization(kreal)
            for name in keys:
                if name in k.data and k.doc is not None:
                    return k.display, k.doc.span((name,), key=True), f"(set by {name} in {k.display})"
        return None

    def _generated(self, path: tuple, here: tuple):
        k, key, i = self.generator
        base = (key, i)
        entry = k.data[key][i]
        note = f"(generated by {key} {entry.get('name')!r} in {k.display})"
        if len(path) >= 2 and path[0] in ("data", "stringData", "binaryData") and isinstance(path[1], str):
            dkey = path[1]
            files = entry.get("files")
            if isinstance(files, list):
                for j, f in enumerate(files):
                    if not isinstance(f, str):
                        continue
                    name, _, rel = f.partition("=") if "=" in f else (os.path.basename(f), "", f)
                    if name != dkey:
                        continue
                    real = os.path.realpath(os.path.join(k.dir, rel))
                    src, docs = k.sources.load(real, k.sources.display(real, k.relative))
                    tail = path[2:]
                    if src is not None and docs:
                        if len(docs) == 1:
                            return src.path, docs[0].span(tail), None
                        return src.path, docs[0].span(()), None
                    if src is not None:
                        return src.path, src.point(0), None
                    return k.display, k.doc.span(base + ("files", j)), note
            literals = entry.get("literals")
            if isinstance(literals, list):
                for j, lit in enumerate(literals):
                    if isinstance(lit, str) and lit.split("=", 1)[0].strip() == dkey:
                        return k.display, k.doc.span(base + ("literals", j)), note
            envs = entry.get("envs") or ([entry["env"]] if isinstance(entry.get("env"), str) else [])
            if isinstance(envs, list):
                for rel in envs:
                    if not isinstance(rel, str):
                        continue
                    real = os.path.realpath(os.path.join(k.dir, rel))
                    text, err = _read(rel, real) if os.path.isfile(real) else (None, "missing")
                    if text is None:
                        continue
                    m = re.search(rf"^[ \t]*(?:export[ \t]+)?{re.escape(dkey)}[ \t]*=", text, re.M)
                    if m:
                        src = SourceFile(k.sources.display(real, k.relative), text)
                        off = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
                        return src.path, src.span(off, text.find("\n", off) if "\n" in text[off:] else len(text)), note
        if k.doc is None:
            return None
        return k.display, k.doc.span(base + ("name",)), note


# --------------------------------------------------------------------------------------
# helm origins


class HelmWorld:
    def __init__(self, n, target, display, chart_real, env, sources: Sources, relative: bool):
        self.world = ("helm", n)
        self.target = target
        self.display = display  # the chart's Chart.yaml
        self.chart_real = chart_real
        self.env = env
        self.sources = sources
        self.relative = relative
        self._marks: list | None = None

    def origin_for(self, doc, meta: dict) -> HelmOrigin:
        text = doc.source.text
        if self._marks is None or self._marks[0] is not text:
            self._marks = (text, [(m.start(), m.group(1)) for m in _HELM_SOURCE.finditer(text)])
        start = doc.start
        source = None
        for off, s in self._marks[1]:
            if off <= start:
                source = s
            else:
                break
        return HelmOrigin(self, doc, source)

    def template_path(self, source: str | None) -> str | None:
        if not source:
            return None
        parts = source.replace("\\", "/").split("/")
        if len(parts) < 2:
            return None
        return os.path.realpath(os.path.join(self.chart_real, *parts[1:]))

    def problem(self, prob: Problem, docs) -> Problem:
        return Problem(self.display, Span(1, 1, 1, 2), f"in the output of helm template: {prob.message}", prob.code)


_KEY_LINE = r"^(?P<indent>[ \t]*(?:-[ \t]+)?)(?P<q>[\"']?){key}(?P=q)[ \t]*:(?:[ \t]|$)"


def template_line(text: str, path: tuple, value) -> tuple[int, int, int, bool]:
    """(line, column, end column, exact) of the best line for ``path`` in a template:
    the keys of the path are looked for in order, each below the one before; ``exact``
    when the last key was found and its line holds the value as written."""
    lines = text.split("\n")
    start, found, last_key = 0, None, None
    keys = [s for s in path if isinstance(s, str)]
    for i, seg in enumerate(keys):
        rx = re.compile(_KEY_LINE.format(key=re.escape(seg)))
        for n in range(start, len(lines)):
            m = rx.match(lines[n])
            if m:
                found = (n, m.end("indent"), m)
                start = n + 1
                last_key = i
                break
    if found is None:
        return 1, 1, 2, False
    n, col, m = found
    line = lines[n].rstrip("\r")
    exact = False
    vcol = None
    if last_key == len(keys) - 1 and _scalar(value) and value is not None:
        written = str(value).lower() if isinstance(value, bool) else str(value)
        rest_at = m.end()
        pos = line.find(written, rest_at) if written else -1
        if pos != -1 and "{{" not in line[rest_at:pos + len(written) + 2]:
            exact = True
            vcol = pos
    if vcol is not None:
        return n + 1, vcol + 1, vcol + 1 + len(str(value).lower() if isinstance(value, bool) else str(value)), exact
    return n + 1, col + 1, len(line) + 1 if len(line) > col else col + 2, exact


class HelmOrigin:
    def __init__(self, world: HelmWorld, rdoc, source: str | None):
        self.world_obj = world
        self.world = world.world
        self.env = world.env
        self.rdoc = rdoc
        self.source = source

    @property
    def why(self) -> str:
        return f"chart or values path {self.world_obj.target}"

    def locate(self, path: tuple, key: bool = False):
        w = self.world_obj
        real = w.template_path(self.source)
        if real is None or not os.path.isfile(real):
            return w.display, Span(1, 1, 1, 2), f"(in {self.rdoc.kind}/{self.rdoc.name} rendered by helm from {self.source or 'the chart'})"
        display = w.sources.display(real, w.relative)
        src, _ = w.sources.load(real, display)
        if src is None:
            text, _ = _read(display, real)
            src = SourceFile(display, text or "")
        reached = _reached(self.rdoc, path)
        value = _value(self.rdoc, path[:reached])
        line, col, end, exact = template_line(src.text, tuple(path), None if key else value)
        span = Span(line, col, line, max(end, col + 1))
        if exact:
            return src.path, span, None
        rel = "/".join(self.source.split("/")[1:]) if self.source else display
        return src.path, span, f"(rendered by helm from {rel}; the line is the nearest match in the template)"


def suppression_sources(files: list, rendered: Rendered) -> tuple[list, set]:
    """(files whose suppression comments count, paths of those only rendering read)."""
    have = {f.path for f in files}
    extra = [f for f in rendered.sources.files() if f.path not in have]
    return list(files) + extra, {f.path for f in extra}
