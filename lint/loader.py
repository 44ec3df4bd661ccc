"""Loader: paths -> source files -> documents with source maps.

YAML is composed with PyYAML's C loader (safe: nothing in a manifest is ever
constructed as an object), JSON with ``jsonparse``.  A file of plain YAML goes by the fast
path (``_fast_documents``, lint/_fastyaml.c): the same libyaml's events straight to data.
Problems that stop a file or a document from loading become ``Problem`` records (reported
as IGW000), never exceptions.
"""

from __future__ import annotations

import bisect
import codecs
import gc
import json
import operator
import os
import re
import stat
import sys
from itertools import chain

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from . import domain
from .document import MAX_DEPTH, MERGE, STR, _PLAIN, _WORDS, Builder, Document, Embedded, LoadError, _merge, _plain, _tag
from .jsonparse import JSONError, Mark, TooManyNodes, align, align_lazily, lone_surrogate, parse_json
from .record import Record
from .source import SourceFile, Span
from .suppress import read_marks

try:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _BaseLoader = yaml.SafeLoader

_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"


class _YamlLoader(_BaseLoader):
    """The safe loader with a memo of implicit tags: manifests repeat the same plain
    scalars (keys, kinds, names) thousands of times, and the composer asks the Python
    resolver for every one.  Only composing is used: nothing is ever constructed."""

    _tags: dict = {}
    nodes = 0  # composed so far in this file: see MAX_COMPOSE_NODES

    def resolve(self, kind, value, implicit):
        self.nodes += 1
        if self.nodes > MAX_COMPOSE_NODES:
            raise _TooManyNodes()
        if kind is ScalarNode:
            if implicit[0]:
                tags = self._tags
                tag = tags.get(value)
                if tag is None:
                    tag = _BaseLoader.resolve(self, kind, value, implicit)
                    if len(value) <= 64 and len(tags) < 50_000:
                        tags[value] = tag
                return tag
            return _STR_TAG
        return _SEQ_TAG if kind is SequenceNode else _MAP_TAG

    # no path resolvers: the C composer calls these around every node and ignores what
    # they return, so they are C callables that do nothing (a Python method costs a frame)
    descend_resolver = staticmethod(operator.is_)  # (parent, index) -> a bool, unused
    ascend_resolver = tuple  # () -> the empty tuple, unused


class _QuickLoader(_YamlLoader):
    """The composer of the files the loader reads: ``resolve`` is a C callable that
    keeps what the composer asks (``slice(kind, value, implicit)``) as the node's tag,
    and ``Builder`` types the scalars and writes the real tags (a Python ``resolve``
    is a frame per node; ``recompose`` and embedded YAML keep it).  It counts no nodes:
    it composes only texts that cannot reach MAX_COMPOSE_NODES (``_composer``)."""

    resolve = staticmethod(slice)


_C_NEST_LIMIT: bool | None = None  # does libyaml refuse deep nesting itself?


def _deep_risk(text: str) -> bool:
    """True when ``text`` could nest deeply enough to overflow the C stack in the C
    composer, which recurses once per level.  libyaml >= 0.2.5 (bundled with PyYAML's
    wheels) refuses more than 1,000 levels itself; with an older libyaml, texts that may
    nest deeper than ~2,000 levels (flow brackets, or lines long enough to indent that
    far) go to the pure-Python composer, whose recursion Python bounds (RecursionError)."""
    global _C_NEST_LIMIT
    if _BaseLoader is yaml.SafeLoader:
        return False
    if _C_NEST_LIMIT is None:
        try:
            yaml.compose("[" * 1500 + "]" * 1500, Loader=_BaseLoader)
            _C_NEST_LIMIT = False
        except yaml.YAMLError:
            _C_NEST_LIMIT = True
    if _C_NEST_LIMIT:
        return False
    if text.count("[") + text.count("{") > 1000:
        return True
    return max(map(len, text.splitlines()), default=0) > 1000


EXTENSIONS = (".yaml", ".yml", ".json")
OWN_CONFIG_FILES = {".infergw-lint.yaml", ".infergw-lint.yml"}  # the linter's config, not a manifest
SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".tox"}
# hidden directories are skipped, except those that hold client configs the rules read
HIDDEN_DIRS_READ = {".continue"}
MAX_FILE_BYTES = 64 * 1024 * 1024  # per file, stdin too
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # per run (--max-total-bytes): files past it are reported, not read
# nodes composed per file: the composer is stopped there, before a tree of that size is
# kept (a 20 MB flow sequence of 10M items otherwise peaks at 3 GB); the Builder refuses
# documents of this many nodes anyway
MAX_COMPOSE_NODES = 2_000_000
# a text shorter than this cannot compose MAX_COMPOSE_NODES nodes, so it is composed
# without counting (_QuickLoader): the densest YAML composes about one node per character
# ("?\n" is a key and a value; tests/test_untyped_compose.py)
QUICK_MAX_CHARS = MAX_COMPOSE_NODES // 2
# a longer text neither when it holds few of the marks a node needs: every node but a
# document's root is an entry of a collection, brought by a mark (':' or '?' for a key and
# its value, '-' or ',' or '[' '{' for the first of a flow collection), and a document
# after the first by '---' or a line break before '...': at most two nodes a mark.  A text
# of at most QUICK_MAX_MARKS marks (half the cap at two nodes a mark) is quick too; they
# are counted up to QUICK_COUNT_CHARS characters (manifests hold a mark in about ten
# characters: a longer text has too many, and counting them would cost ~3 ms a MB).
QUICK_MAX_MARKS = MAX_COMPOSE_NODES // 4
QUICK_COUNT_CHARS = 10 * QUICK_MAX_MARKS
_NODE_MARKS = ":-,?[{\n\r"
_WIDE_BREAKS = "\x85\u2028\u2029"  # line breaks too for libyaml; only in a text that is not ASCII


def _composer(text: str) -> type:
    """_QuickLoader for a text that cannot compose MAX_COMPOSE_NODES nodes, else the
    counting _YamlLoader."""
    size = len(text)
    if size < QUICK_MAX_CHARS:
        return _QuickLoader
    if size > QUICK_COUNT_CHARS:
        return _YamlLoader
    left = QUICK_MAX_MARKS
    for mark in _NODE_MARKS if text.isascii() else _NODE_MARKS + _WIDE_BREAKS:
        left -= text.count(mark)
        if left < 0:
            return _YamlLoader
    return _QuickLoader


class _TooManyNodes(yaml.YAMLError):
    pass


_SURROGATES = re.compile("[\ud800-\udfff]")  # a file name that is not UTF-8 (surrogateescape)


class UsageError(Exception):
    """Bad command line or unusable input path: exit code 2."""


class Problem(Record):
    """A file or document that could not be loaded (IGW000), or a duplicate key (IGW001)."""

    _fields = ("path", "span", "message", "code")

    def __init__(self, path: str, span: Span, message: str, code: str = "IGW000"):
        self.path = path
        self.span = span
        self.message = message
        self.code = code


class LoadResult(Record):
    _fields = ("files", "documents", "problems", "notes", "skipped", "bytes_read")

    def __init__(
        self, files: list | None = None, documents: list | None = None, problems: list | None = None,
        notes: list | None = None, skipped: list | None = None, bytes_read: int = 0,
    ):
        self.files = [] if files is None else files  # SourceFile
        self.documents = [] if documents is None else documents  # Document
        self.problems = [] if problems is None else problems  # Problem
        self.notes = [] if notes is None else notes  # str
        self.skipped = [] if skipped is None else skipped  # "path:line (a list)": documents that are not mappings
        self.bytes_read = bytes_read  # characters read by this run so far (MAX_TOTAL_BYTES)


# --------------------------------------------------------------------------------------
# discovery


def _is_helm_template(fs_path: str, cwd_templates=None) -> bool:
    """Is ``fs_path`` under the templates/ directory of a Helm chart?  ``cwd_templates``:
    a function saying whether the working directory's path names "templates" (discovery
    asks the working directory once for all its files), else it is asked here."""
    if "templates" not in fs_path and (
        os.path.isabs(fs_path) or not (cwd_templates() if cwd_templates is not None else "templates" in os.getcwd())
    ):
        return False  # the common case, without building the absolute path
    parts = os.path.normpath(os.path.abspath(fs_path)).split(os.sep)
    if "templates" not in parts[:-1]:
        return False
    i = len(parts) - 2 - parts[:-1][::-1].index("templates")
    chart_dir = os.sep.join(parts[:i]) or os.sep
    return os.path.exists(os.path.join(chart_dir, "Chart.yaml"))


def _is_symlink(entry) -> bool:
    """``os.path.islink`` of a directory entry, from what the directory listing said (no
    system call where the file system gives each entry's type): False when it cannot say."""
    try:
        return entry.is_symlink()
    except OSError:
        return False


def _walk(top: str, on_error) -> list:
    """[(directory path with its trailing separator, its files to look at)] under ``top``,
    in the order ``os.walk`` gives them (a directory's files sorted by name, then each
    subdirectory the same way, by name), with the directories discovery never enters
    (SKIP_DIRS, hidden ones, symlinks to directories) left out, and only the files whose
    names end in EXTENSIONS and are not the linter's own config (as ``os.scandir`` entries,
    sorted).  ``on_error(OSError)`` for a directory that cannot be listed: its files and
    subdirectories are left out, as ``os.walk`` leaves them.

    One listing of each directory keeps what ``os.walk`` would ask again: whether an entry
    is a symlink (os.walk calls ``islink`` for every subdirectory, discovery for every
    file when a file is to be skipped) is read from the listing.  A stack, not recursion:
    no depth limit."""
    out = []
    stack = [top]
    name_of = operator.attrgetter("name")
    while stack:
        path = stack.pop()
        try:
            listing = os.scandir(path)
        except OSError as exc:
            on_error(exc)
            continue
        dirs = []
        files = []
        with listing:
            try:
                for entry in listing:
                    name = entry.name
                    try:
                        is_dir = entry.is_dir()  # follows a symlink, as os.walk does
                    except OSError:
                        is_dir = False
                    if is_dir:
                        if name not in SKIP_DIRS and (not name.startswith(".") or name in HIDDEN_DIRS_READ):
                            dirs.append(entry)
                    elif name.endswith(EXTENSIONS) and name not in OWN_CONFIG_FILES:
                        files.append(entry)
            except OSError as exc:  # the listing broke off: os.walk drops the whole directory
                on_error(exc)
                continue
        prefix = os.path.join(path, "")
        files.sort(key=name_of)
        out.append((prefix, files))
        if dirs:
            dirs.sort(key=name_of, reverse=True)  # popped from the end: in name order
            stack.extend(prefix + d.name for d in dirs if not _is_symlink(d))
    return out


def discover(paths: list[str], result: LoadResult, exclude=None, skip=None) -> list[tuple[str, str]]:
    """(display path, filesystem path) of every file to load.  '-' is stdin.

    ``skip``: real path -> why, for files that are never manifests (the baseline, the run's
    --output files): left out of directories silently, and with a note when named. A file
    named explicitly whose name does not end in .yaml/.yml/.json (a README) is left out
    with a note too (pipe it to ``infergw-lint -`` to lint it anyway)."""
    out: list[tuple[str, str]] = []
    helm_skipped: dict[str, int] = {}
    skip_names = {os.path.basename(p) for p in skip} if skip else set()
    cwd = []

    def cwd_templates() -> bool:  # "templates" in the working directory: asked once, when first needed
        if not cwd:
            cwd.append("templates" in os.getcwd())
        return cwd[0]

    for given in paths:
        if given == "-":
            out.append(("-", "-"))
            continue
        if not os.path.lexists(given):
            raise UsageError(f"{given}: no such file or directory")
        if os.path.isdir(given):

            def walk_error(exc: OSError) -> None:
                where = exc.filename or given
                result.problems.append(
                    Problem(where, _START, f"cannot read directory: {exc.strerror or exc}; its files were not linted")
                )

            before, excluded = len(out), 0
            for prefix, files in _walk(given, walk_error):
                for entry in files:
                    name = entry.name
                    full = prefix + name
                    # only a file of the same name, or a symlink, can resolve to a skipped file
                    if skip and (name in skip_names or _is_symlink(entry)) and os.path.realpath(full) in skip:
                        continue
                    if exclude is not None and exclude.matches(full):
                        excluded += 1
                        continue
                    if _is_helm_template(full, cwd_templates):
                        chart = full.split(os.sep + "templates" + os.sep)[0]
                        helm_skipped[chart] = helm_skipped.get(chart, 0) + 1
                        continue
                    out.append((full, full))
            if len(out) == before and excluded:  # say so: a pull request could switch the check off this way
                result.notes.append(
                    f"{given}: the configuration's exclude patterns leave out every file here ({excluded}); nothing was linted"
                )
            elif len(out) == before and not helm_skipped:
                result.notes.append(f"{given}: no *.yaml, *.yml or *.json files to lint here")
        elif skip and os.path.realpath(given) in skip:
            result.notes.append(f"{given}: not linted: it is {skip[os.path.realpath(given)]}")
        elif not given.lower().endswith(EXTENSIONS):
            result.notes.append(
                f"{given}: not linted: not a YAML or JSON file by its name (*.yaml, *.yml, *.json); "
                f"to lint it anyway: infergw-lint - < {given}"
            )
        else:
            out.append((given, given))
    for chart, n in helm_skipped.items():
        result.notes.append(
            f"{chart}: skipped {n} Helm template file(s) under templates/ "
            "(they are not YAML until rendered; render with `helm template` and lint the output)"
        )
    return out


# --------------------------------------------------------------------------------------
# reading


def _read(display: str, fs_path: str) -> tuple[str | None, str | None]:
    """(text, error message)."""
    text, err, _ = _read_file(fs_path)
    return text, err


_START = Span(1, 1, 1, 2)
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _read_file(fs_path: str) -> tuple[str | None, str | None, Span]:
    """(text, error message, where the error is)."""
    try:
        if fs_path == "-":
            raw = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
            if len(raw) > MAX_FILE_BYTES:
                return None, f"input too large (more than {MAX_FILE_BYTES} bytes; limit {MAX_FILE_BYTES})", _START
        else:
            st = os.stat(fs_path)
            if not stat.S_ISREG(st.st_mode):
                return None, "not a regular file", _START
            if st.st_size > MAX_FILE_BYTES:
                return None, f"file too large ({st.st_size} bytes; limit {MAX_FILE_BYTES})", _START
            raw = _read_bytes(fs_path, st.st_size)
            if len(raw) > MAX_FILE_BYTES:
                return None, f"file too large (more than {MAX_FILE_BYTES} bytes; limit {MAX_FILE_BYTES})", _START
    except FileNotFoundError:
        return None, "cannot read file: it does not exist (broken symlink?)", _START
    except OSError as exc:
        return None, f"cannot read file: {exc.strerror or exc}", _START
    return _decode(raw)


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0)  # O_BINARY: no newline translation on Windows


def _read_bytes(fs_path: str, size: int) -> bytes:
    """Up to MAX_FILE_BYTES + 1 bytes of a regular file of ``size`` bytes (it may have
    grown since): asking for ``size + 1`` bytes first (a ``read(MAX_FILE_BYTES + 1)``
    allocates a 64 MB buffer per file, a third of the time on a tree of small files),
    with the descriptor calls themselves (a file object costs as much as the read)."""
    fd = os.open(fs_path, _OPEN_FLAGS)
    try:
        chunks = []
        left = MAX_FILE_BYTES + 1
        want = size + 1
        while left > 0:
            chunk = os.read(fd, min(want, left))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
            want = 1 << 20
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)


def _decode(raw: bytes) -> tuple[str | None, str | None, Span]:
    for bom, name in _WIDE_BOMS:
        if raw.startswith(bom):
            return None, f"{name} text: save the file as UTF-8 (Kubernetes and YAML tools read UTF-8)", _START
    nul = raw.find(b"\x00", 0, 8192)
    if nul != -1:
        return None, "binary file (NUL bytes): not YAML or JSON", _START
    try:
        return raw.decode("utf-8-sig"), None, _START
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8-sig", "replace")
        line, col = SourceFile("", before).line_col(len(before))
        return None, (
            f"not UTF-8 text: invalid byte 0x{raw[exc.start]:02x} at line {line}, column {col} "
            "(save the file as UTF-8)"
        ), Span(line, col, line, col + 1)


# --------------------------------------------------------------------------------------
# parsing


def _yaml_error(src: SourceFile, exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    msg = f"invalid YAML: {problem}"
    if mark is not None and 0 <= mark.index < len(src.text) and src.text[mark.index] == "\t":
        problem = "a tab character; YAML is indented with spaces only"
        msg = f"invalid YAML: {problem}"
    if context:
        msg += f" ({context})"
    span = src.point(mark.index) if mark is not None else src.point(0)
    return Problem(src.path, span, msg)


def _add_document(src: SourceFile, node, fmt: str, idx: int, result: LoadResult, lazy: bool = False,
                  shared: bool = True) -> None:
    """``shared``: the tree may share nodes (aliases; False when the text has no anchor)."""
    builder = Builder(shared=shared)
    try:
        data = builder.build(node)
    except LoadError as exc:
        result.problems.append(Problem(src.path, src.point(exc.offset), f"document #{idx + 1}: {exc.message}"))
        return
    except RecursionError:
        result.problems.append(Problem(src.path, src.point(node.start_mark.index), "document nested too deeply"))
        return
    _report_duplicates(src, builder, result)
    if data is None:  # an empty document (--- alone, or only comments)
        return
    docs = []
    if not isinstance(data, dict):
        if isinstance(data, list) and any(_is_resource(item) for item in data):
            result.problems.append(
                Problem(
                    src.path, src.point(node.start_mark.index),
                    f"document #{idx + 1} is a YAML list of resources, not a resource: kubectl and the API "
                    "server read one object per document; start each resource with `---` instead of `- `",
                )
            )
            for i, item in enumerate(data):
                inode = node.value[i] if i < len(node.value) else node
                doc = Document(src, inode, item, idx, fmt)
                doc.flavor = domain.classify(doc)
                _embed(doc, result)
                result.documents.append(doc)
            return
        what = "a list" if isinstance(data, list) else "a scalar"
        result.skipped.append(f"{src.path}:{src.line_col(node.start_mark.index)[0]} ({what})")
    if isinstance(data, dict) and data.get("kind") == "List" and isinstance(data.get("items"), list):
        items_node = None
        for k, v in node.value:
            if getattr(k, "value", None) == "items":
                items_node = v
        for i, item in enumerate(data["items"]):
            inode = items_node.value[i] if items_node is not None and i < len(items_node.value) else node
            docs.append(Document(src, inode, item, idx, fmt))
    else:
        docs.append(Document(src, node, data, idx, fmt))
    signature = _signature(src, node, fmt, idx) if lazy and len(docs) == 1 and docs[0].node is node else None
    for doc in docs:
        doc.flavor = domain.classify(doc)
        _embed(doc, result)
        result.documents.append(doc)
        if signature is not None:
            doc.release(signature)
            if builder.duplicates:  # placing_walk reads every key: the last of the same text wins
                doc.__dict__["_dups"] = True


def _is_resource(data) -> bool:
    return isinstance(data, dict) and isinstance(data.get("apiVersion"), str) and isinstance(data.get("kind"), str)


def _report_duplicates(src: SourceFile, builder: Builder, result: LoadResult) -> None:
    for dup in builder.duplicates:
        result.problems.append(
            Problem(
                src.path,
                src.span(dup.again.start_mark.index, dup.again.end_mark.index),
                f"duplicate key {dup.key!r} (first at line {src.line_col(dup.first.start_mark.index)[0]}); "
                "Kubernetes rejects documents with duplicate keys and tools disagree on which value wins",
                code="IGW001",
            )
        )


def _remap(node, offsets: list[int], seen: set) -> None:
    """Translate the marks of a node tree composed from a string value into file offsets."""
    stack = [node]
    last = len(offsets) - 1
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        s = n.start_mark.index
        e = n.end_mark.index
        n.start_mark = Mark(offsets[min(s, last)])
        n.end_mark = Mark(offsets[min(e - 1, last)] + 1 if e > s else offsets[min(e, last)])
        if isinstance(n.value, list):
            for item in n.value:
                if isinstance(item, tuple):
                    stack.extend(item)
                else:
                    stack.append(item)


EMBED_JSON = (".json",)
EMBED_YAML = (".yaml", ".yml")
FAST_JSON_MAX_CHARS = 1_000_000

_SLOW = object()


class _NeedsSlowPath(Exception):
    pass


def _pairs(pairs):
    d = dict(pairs)
    if len(d) != len(pairs):  # a duplicate key: IGW001 needs its position
        raise _NeedsSlowPath
    return d


def _reject_constant(name):  # NaN, Infinity: not JSON, let the positioned parser say where
    raise _NeedsSlowPath


_json_decode = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_reject_constant).decode


def _fast_json(value: str):
    """Data of embedded JSON read with the C ``json`` module, or ``_SLOW`` when the
    positioned parser must run now (invalid JSON, a duplicate key, deep nesting, a huge
    value).  The result equals what the positioned parser + Builder produce."""
    if len(value) > FAST_JSON_MAX_CHARS or value.count("[") + value.count("{") > MAX_DEPTH:
        return _SLOW
    try:
        return _json_decode(value)
    except Exception:  # noqa: BLE001 - any doubt: the positioned parser decides and reports
        return _SLOW


class _JsonNodeMaker:
    """Composes the positioned node tree of embedded JSON the C parser has read, when a
    position inside it is first asked for.  An object, not a closure: a document loaded
    in another process (lint/parallel.py) is pickled with it, as the three values it is
    made of (``__reduce__``): the JSON text (an object the document's data already holds),
    its file and ``at``, where the string is written in the file (start offset, line,
    column, end offset, line, column, style: the fast path's spans), not a node with two
    marks -- which the tree needs only where it cannot be built (``_string_node``)."""

    __slots__ = ("value", "src", "at")

    def __init__(self, value: str, src: SourceFile, at: tuple):
        self.value, self.src, self.at = value, src, at

    def __reduce__(self):
        # pickle's own way for a slotted object (its slots as a dictionary, set one by one
        # after a failed look-up of __setstate__) costs several times this call
        return _JsonNodeMaker, (self.value, self.src, self.at)

    def offsets(self) -> list[int]:
        """Where each character of the JSON is in the file (``jsonparse.align``)."""
        at = self.at
        return align(self.value, self.src.text, at[0], at[3], at[6])

    def offsets_lazily(self):
        """``offsets()``, worked out as far as it is read (``jsonparse.align_lazily``)."""
        at = self.at
        return align_lazily(self.value, self.src.text, at[0], at[3], at[6])

    def __call__(self):
        offsets = self.offsets()
        try:
            return parse_json(self.value, offsets)
        except (JSONError, RecursionError):  # pragma: no cover - the C parser accepted it
            return _string_node(self.value, self.at)


try:  # pragma: no cover - depends on how PyYAML was built
    from yaml._yaml import Mark as _Mark  # a C constructor: half the cost of a Python one
except ImportError:  # pragma: no cover
    from yaml.error import Mark as _Mark
_STREAM = "<unicode string>"  # the name PyYAML's C loader gives a text's marks


def _string_node(value: str, at: tuple) -> ScalarNode:
    """The node of a string written at ``at`` (``_JsonNodeMaker``), with its marks in the file."""
    return ScalarNode(STR, value, _Mark(_STREAM, at[0], at[1], at[2], None, None),
                      _Mark(_STREAM, at[3], at[4], at[5], None, None), style=at[6])


def _embed(doc: Document, result: LoadResult, spans: dict | None = None) -> None:
    """Parse JSON/YAML held in ConfigMap data values; positions map to the YAML file.
    ``spans``: where each value of ``data`` is written, from the fast path (which keeps no
    node tree): key -> (start index, line, column, end index, line, column, style)."""
    if doc.kind != "ConfigMap" or not isinstance(doc.data, dict):
        return
    data = doc.data.get("data")
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if not isinstance(key, str) or not isinstance(value, str):
            continue
        stripped = value.lstrip()
        is_json = key.endswith(EMBED_JSON) or (stripped[:1] in ("{", "[") and not key.endswith(EMBED_YAML))
        is_yaml = key.endswith(EMBED_YAML)
        if not (is_json or is_yaml):
            continue
        path = ("data", key)
        if spans is not None:
            at = spans.get(key)
            if at is None:  # pragma: no cover - the fast path places every scalar of data
                continue
            vnode = None  # made below if needed (JSON the C parser reads needs none)
        else:
            _, vnode, reached = doc.locate(path)
            if reached != len(path) or vnode is None:
                continue
            s, e = vnode.start_mark, vnode.end_mark
            at = (s.index, s.line, s.column, e.index, e.line, e.column, vnode.style)
        src = doc.source
        if is_json:
            edata = _fast_json(value)
            if edata is not _SLOW:
                doc.embedded[path] = Embedded(None, edata, "json", make=_JsonNodeMaker(value, src, at))
                continue
        if vnode is None:
            vnode = _string_node(value, at)
        offsets = align(value, src.text, vnode.start_mark.index, vnode.end_mark.index, vnode.style)
        strict = key.endswith(EMBED_JSON) or is_yaml
        try:
            if is_json:
                enode = parse_json(value, offsets)
                fmt = "json"
            else:
                enode = yaml.compose(value, Loader=yaml.SafeLoader if _deep_risk(value) else _YamlLoader)
                if enode is None:
                    continue
                _remap(enode, offsets, set())
                fmt = "yaml"
            builder = Builder()
            edata = builder.build(enode)
        except JSONError as exc:
            if strict:
                off = offsets[min(exc.offset, len(offsets) - 1)]
                result.problems.append(
                    Problem(src.path, src.point(off), f"invalid JSON in ConfigMap data key {key!r}: {exc.message}")
                )
            continue
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            off = offsets[min(mark.index, len(offsets) - 1)] if mark is not None else vnode.start_mark.index
            problem = getattr(exc, "problem", None) or "syntax error"
            result.problems.append(
                Problem(src.path, src.point(off), f"invalid YAML in ConfigMap data key {key!r}: {problem}")
            )
            continue
        except (LoadError, RecursionError) as exc:
            msg = exc.message if isinstance(exc, LoadError) else "nested too deeply"
            result.problems.append(Problem(src.path, src.point(vnode.start_mark.index), f"data key {key!r}: {msg}"))
            continue
        _report_duplicates(src, builder, result)
        doc.embedded[path] = Embedded(enode, edata, fmt)


def _line_start(src: SourceFile, offset: int) -> tuple[int, int]:
    """(offset, 0-based number) of the line that holds ``offset``."""
    starts = src.line_starts
    i = bisect.bisect_right(starts, offset) - 1
    return starts[i], i


def _signature(src: SourceFile, node, fmt: str, idx: int) -> tuple:
    """What ``recompose`` needs to compose a released document's tree again and check
    that it is the same tree: (format, document number, slice start, slice end, root
    type, root tag, number of root items)."""
    if fmt == "json":
        return ("json", idx, 0, 0, len(src.text), type(node), node.tag, len(node.value))
    m = node.start_mark
    return _yaml_signature(src, idx, m.index, m.line, m.column, node.end_mark.index, type(node), node.tag,
                           len(node.value))


def _yaml_signature(src: SourceFile, idx: int, index: int, line: int, column: int, end: int, kind, tag,
                    size: int) -> tuple:
    """``_signature`` of a YAML document whose root starts at ``index`` (libyaml's
    ``line`` and ``column``) and ends at ``end``: the slice starts where its line does."""
    start = index - column  # where libyaml's line starts: ours too after a "\n"
    if start < 0 or (start and src.text[start - 1] != "\n"):
        start, _ = _line_start(src, index)
    return ("yaml", idx, start, (index, line, column), end, kind, tag, size)


def recompose(doc: Document, signature: tuple):
    """The node tree of a released document, composed again from its source text: the
    lines it is written on (a document needs nothing outside them when the file has no
    directives), else the whole file.  Marks are file offsets, as when it was loaded."""
    fmt, idx, start, root, end, kind, tag, size = signature
    text = doc.source.text
    was = gc.isenabled()
    gc.disable()
    try:
        if fmt == "json":
            return parse_json(text)
        node = None
        piece = text[start:end]
        lines = root[1]  # the document's first line starts the slice: libyaml's lines before it
        pad = start and 0 < lines <= start and start <= max(_PAD_MAX, 4 * len(piece))
        composer = _RecomposeLoader if len(piece) < QUICK_MAX_CHARS else _YamlLoader
        try:
            if pad:
                # blank lines in front of the slice, as many characters and line breaks as
                # the text before it: libyaml gives every node its mark in the file (no
                # second pass over the tree to move them); bounded by the slice's size
                loader = composer(" " * (start - lines) + "\n" * lines + piece)
            else:
                loader = composer(piece)
            try:
                node = loader.get_single_node()
            finally:
                loader.dispose()
        except yaml.YAMLError:
            node = None
        if node is not None and type(node) is kind and node.tag == tag and len(node.value) == size:
            m = node.start_mark
            if pad:
                if (m.index, m.line, m.column) == root:
                    return node
            elif m.column == root[2] and m.line <= root[1]:  # lines start where ours do (a U+2028 would not)
                if start:
                    _shift(node, start, root[1] - m.line, shared="&" in piece)  # no anchor, no shared node
                return node
        loader = _YamlLoader(text)  # pragma: no cover - a slice that does not stand alone
        try:
            for i in range(idx + 1):
                node = loader.get_node()
        finally:
            loader.dispose()
        return node
    finally:
        if was:
            gc.enable()


def placing_tree(doc: Document, signature: tuple):
    """(root, offset, lines) of a released YAML document, for placing its findings: the
    lines it is written on composed alone and untyped (``_QuickLoader``), every mark left
    where it is in the slice: a node is at ``offset`` characters and ``lines`` libyaml
    lines more in the file.  Neither the blank padding nor the pass over the tree
    ``recompose`` needs for marks in the file; the tags are the composer's slices
    (``document._tag`` reads them).  None when the slice does not compose to the root
    that was loaded, or for JSON: then the tree of ``recompose`` (``doc.node``)."""
    fmt, idx, start, root, end, kind, tag, size = signature
    if fmt != "yaml":
        return None
    node = _compose_alone(doc.source.text[start:end])
    if node is None or type(node) is not kind or len(node.value) != size:
        return None
    m = node.start_mark
    if m.index + start != root[0] or m.column != root[2] or m.line > root[1] or _tag(node) != tag:
        return None
    return node, start, root[1] - m.line


def _compose_alone(piece: str):
    """The node tree of ``piece`` composed alone for placing (untyped below
    QUICK_MAX_CHARS, the collector paused), or None when it is not one document."""
    was = gc.isenabled()
    gc.disable()
    try:
        loader = (_QuickLoader if len(piece) < QUICK_MAX_CHARS else _YamlLoader)(piece)
        try:
            return loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError:
        return None
    finally:
        if was:
            gc.enable()


_OTHER_BREAKS = ("\x85", "\u2028", "\u2029")  # line breaks to libyaml, not to SourceFile


def placing_entry(doc: Document, signature: tuple, want: str):
    """``placing_tree`` of one entry of the document's root mapping: the lines of its key
    ``want`` to the next key's, composed alone (a mapping of that one entry).  ROOT when
    the root has no such key (``locate`` stops at the root); None when the entries cannot
    be told from the text alone (then ``placing_tree``).

    A block mapping's keys start lines at its column, and nothing else in it does but
    the lines of a quoted or flow scalar and comments: lines at the column that start
    with anything but a blank or ``#`` are its keys when there are exactly as many as it
    has entries (a line of a scalar would be one more: no key is ever missed).  Its data
    then has a key per entry, in their order, when every key is a string and none
    repeats or merges; the entry is checked once composed (its one key where it was
    found, the same text)."""
    fmt, idx, start, root, end, kind, tag, size = signature
    data = doc.data
    if fmt != "yaml" or kind is not MappingNode or type(data) is not dict or len(data) != size:
        return None
    entry = _entry_slice(doc, signature, want)
    if entry is None or entry is ROOT:
        return entry
    begin, stop, key_at, lines_before = entry
    column = root[2]
    node = _compose_alone(doc.source.text[begin:stop])
    if type(node) is not MappingNode or len(node.value) != 1 or node.start_mark.column != column:
        return None
    k = node.value[0][0]
    if type(k) is not ScalarNode or k.value != want or _merge(k) or k.start_mark.index + begin != key_at:
        return None
    return node, begin, root[1] + lines_before


ROOT = "root"  # placing_entry: the path's first key is not in the root (locate stops there)


def _entry_slice(doc: Document, signature: tuple, want: str):
    """Where the root's entry ``want`` is written, for ``placing_entry`` and
    ``placing_walk``: (start, end of its lines, where its key must start, libyaml lines
    from the root's line to the entry's); ROOT when the root has no such key; None when
    the entries cannot be told from the text alone (``_entry_lines``)."""
    entries = _entry_lines(doc, signature)
    if entries is None:
        return None
    if want not in doc.data:
        return ROOT
    if entries is False:
        return None
    _, _, start, root, end, _, _, _ = signature
    lines, position, numbers = entries
    at = position[want]
    begin = start if at == 0 else lines[at - 1]
    stop = lines[at] if at < len(lines) else end
    return begin, stop, (root[0] if at == 0 else begin + root[2]), (numbers[at - 1] if at else 0)
# placing_walk reads a document's events anew for each finding, a tree is composed once:
# after this many walks of a document its findings are placed on trees (kept in _PLACED),
# so a large document with many findings costs at most a few walks more than before
# (a walk costs about half a compose of the same lines on the 10k corpus)
YAML_WALKS = 8
WALK_WHOLE_MAX = 8192  # characters: a longer document is walked from its entry's lines


def placing_walk(doc: Document, signature: tuple, path: tuple):
    """``Document._where`` of a released YAML document, from libyaml's events over the lines
    ``placing_entry`` or else ``placing_tree`` would compose (lint/_fastyaml.c ``locate``),
    with no node tree: (key (start, end) or None, value (start, end), depth reached, is the
    node reached a scalar); ROOT when the root has no key ``path[0]``; None when the walk
    declines or the slice is not the one loaded (the checks of ``placing_entry`` and
    ``placing_tree``) -- then the trees say, as before.  A document without duplicate
    keys (the loader marks those with: ``_dups``) is walked only until the answer is known
    (``data``: see lint/_fastyaml.c).

    No tree is kept for the next finding: on the 10k corpus a walk costs ~100 k
    instructions, composing an entry ~210 k and walking it in Python more, and 59% of the
    documents placed have one finding, 27% two, 14% four."""
    locate = _locate
    fmt, idx, start, root, end, kind, tag, size = signature
    data = doc.data
    if locate is None or fmt != "yaml" or kind is not MappingNode or tag != _MAP_TAG or type(data) is not dict:
        return None
    text = doc.source.text
    if text.startswith("\ufeff", start):
        # libyaml skips a BOM that starts what it reads, uncounted: a tree of the whole
        # document has marks one short of an entry's, and today's placing walks whichever
        # it kept (a file's own BOM is gone by then, ``_decode``)
        return None
    d = doc.__dict__
    walks = d.get("_walks", 0)
    if walks >= YAML_WALKS:
        return None
    d["_walks"] = walks + 1
    early = None if d.get("_dups") else data
    if path and len(data) == size:
        seg = path[0]
        want = seg if isinstance(seg, str) else str(seg)
        # With ``early`` the walk of a short document stops where the entry's would, the
        # root's entries before it read by libyaml: cheaper than finding the entry's lines
        # in the text (measured on the 10k corpus: 49 M instructions less in all)
        whole = early is not None and end - start <= WALK_WHOLE_MAX and want in data
        entry = None if whole else _entry_slice(doc, signature, want)
        if entry is ROOT:
            return ROOT
        if entry is not None:
            begin, stop, key_at, _ = entry
            found = locate(text, begin, stop, path, early) if stop - begin < QUICK_MAX_CHARS else None
            # placing_entry's checks: one entry, at the root's column, its key ``want`` where it was found
            if found is not None and found[8] == root[2] and found[10] and found[11] in (1, -1) \
                    and found[9] + begin == key_at:
                return _walked(found, begin)
    if end - start >= QUICK_MAX_CHARS:
        return None
    found = locate(text, start, end, path, early)
    # placing_tree's checks: the root loaded, where it was
    if found is None or found[11] not in (size, -1) or found[6] + start != root[0] or found[8] != root[2] \
            or found[7] > root[1]:
        return None
    return _walked(found, start)


def _walked(found: tuple, at: int) -> tuple:
    """``locate``'s answer as ``placing_walk``'s, its offsets in the file."""
    ks, ke, vs, ve, reached, scalar = found[:6]
    return (None if ks < 0 else (ks + at, ke + at)), (vs + at, ve + at), reached, scalar
_ENTRY_LINES: dict = {}  # id(document) -> (the document, _find_entry_lines of it): the last few
_ENTRY_LINES_MAX = 8


def _entry_lines(doc: Document, signature: tuple):
    """``_find_entry_lines`` of ``doc``, kept for the last few documents: a document with
    findings under many of its keys reads its text once, not once per key."""
    me = id(doc)
    hit = _ENTRY_LINES.get(me)
    if hit is not None and hit[0] is doc:
        return hit[1]
    found = _find_entry_lines(doc, signature)
    while len(_ENTRY_LINES) >= _ENTRY_LINES_MAX:
        _ENTRY_LINES.pop(next(iter(_ENTRY_LINES)))
    _ENTRY_LINES[me] = (doc, found)
    return found


def _find_entry_lines(doc: Document, signature: tuple):
    """(offsets of the lines that start the root's keys after the first, {key: its
    entry's number}, the number of lines from the root's line to each of those lines) of
    a block-mapping root whose keys are plain strings; False when
    the keys are such but their lines cannot be told from the text; None when not (a
    flow, tagged, anchored or complex first key, a merge key, a key that is no string)."""
    fmt, idx, start, root, end, kind, tag, size = signature
    text = doc.source.text
    first = root[0]
    column = root[2]
    if text[first:first + 1] in ("", "{", "!", "&", "?", "-", "[", "*") or "<<" in text[start:end]:
        return None  # a flow, tagged, anchored or complex first key; a merge key
    keys = list(doc.data)
    if not all(type(k) is str for k in keys):
        return None
    line_end = text.find("\n", first, end)
    if line_end == -1:
        return False
    whole = text[start:end]
    if whole.count("\r") != whole.count("\r\n") or (not whole.isascii() and any(b in whole for b in _OTHER_BREAKS)):
        return False  # lines are where both libyaml and the pattern below see them
    pattern = _KEY_LINES.get(column)
    if pattern is None:
        # a line break, then the column's blanks: a literal prefix the regex engine scans
        # for fast (a pattern that starts with ^ in MULTILINE mode is tried at every
        # character: a third of placing's cost on the 10k corpus)
        pattern = _KEY_LINES[column] = re.compile(f"\\n {{{column}}}(?=[^ \\t#\\r\\n])")
    lines = [m.start() + 1 for m in pattern.finditer(text, line_end, end)]
    if len(lines) != size - 1:
        return False
    numbers, count, prev = [], 0, start  # libyaml lines from the root's line to each key's
    for at in lines:
        count += text.count("\n", prev, at)
        numbers.append(count)
        prev = at
    return lines, {k: i for i, k in enumerate(keys)}, numbers
_KEY_LINES: dict = {}  # column -> the pattern of the lines of keys at that column


class _RecomposeLoader(_YamlLoader):
    """``recompose``'s composer for a slice shorter than QUICK_MAX_CHARS (its blank padding
    composes no node, so it cannot reach MAX_COMPOSE_NODES): the tags of _YamlLoader, a
    plain scalar's from the memo without counting the node (a tenth of recomposing)."""

    def resolve(self, kind, value, implicit):
        if kind is ScalarNode:
            if implicit[0]:
                tag = _YamlLoader._tags.get(value)
                return tag if tag is not None else _YamlLoader.resolve(self, kind, value, implicit)
            return _STR_TAG
        return _SEQ_TAG if kind is SequenceNode else _MAP_TAG


_PAD_MAX = 1 << 16  # characters of blank padding recompose may put before a slice


def _shift(node, by: int, lines: int, shared: bool = True) -> None:
    """Move every mark of a node tree composed from a slice of the file that starts a
    line (``by`` characters and ``lines`` lines into it) to its place in the file (new
    marks of PyYAML's kind).  ``shared``: the tree may share nodes (the slice has
    anchors), each is moved once."""
    seen: set = set()
    stack = [node]
    pop, extend = stack.pop, stack.extend
    pairs = chain.from_iterable
    mark = _Mark
    name = node.start_mark.name
    while stack:
        n = pop()
        if shared:
            if id(n) in seen:
                continue
            seen.add(id(n))
        m = n.start_mark
        n.start_mark = mark(name, m.index + by, m.line + lines, m.column, None, None)
        m = n.end_mark
        n.end_mark = mark(name, m.index + by, m.line + lines, m.column, None, None)
        kind = type(n)
        if kind is not ScalarNode:
            extend(pairs(n.value) if kind is MappingNode else n.value)


_JSON_SPACE = " \t\n\r"


def _json_file_read_fast(src: SourceFile, result: LoadResult) -> bool:
    """Add the document of a JSON file read with the C ``json`` module, and leave its
    node tree to ``recompose`` (composed when a position in it is asked for), as
    ``_add_document`` would release it; False when the positioned parser must read the
    file now: whatever ``_fast_json`` refuses (invalid JSON, duplicate keys, deep or
    large texts), a lone surrogate (IGW000), and every document but a plain object (a
    list, a List, a ConfigMap whose data may embed documents)."""
    text = src.text
    data = _fast_json(text)
    if type(data) is not dict or data.get("kind") in ("List", "ConfigMap") or lone_surrogate(text) is not None:
        return False
    doc = Document(src, None, data, 0, "json")
    doc.start = len(text) - len(text.lstrip(_JSON_SPACE))  # the root object's braces
    doc.end = len(text.rstrip(_JSON_SPACE))
    doc.flavor = domain.classify(doc)
    result.documents.append(doc)
    doc.release(("json", 0, 0, 0, len(text), MappingNode, _MAP_TAG, len(data)))  # as _signature
    return True


def parse_source(src: SourceFile, result: LoadResult) -> None:
    """Parse one source file into ``result`` (documents, problems)."""
    if gc.isenabled():  # see load(): the collector only re-scans the node trees being built
        gc.disable()
        try:
            _parse_source(src, result)
        finally:
            gc.enable()
    else:
        _parse_source(src, result)


def _parse_source(src: SourceFile, result: LoadResult) -> None:
    text = src.text
    name = src.path.lower()
    if name.endswith(".json"):
        if not text.strip() or _json_file_read_fast(src, result):
            return
        try:
            node = parse_json(text)
        except TooManyNodes as exc:
            result.problems.append(Problem(src.path, src.point(exc.offset), f"document #1: {exc.message}"))
            return
        except JSONError as exc:
            result.problems.append(Problem(src.path, src.point(exc.offset), f"invalid JSON: {exc.message}"))
            return
        except RecursionError:  # pragma: no cover - MAX_DEPTH stops it first
            result.problems.append(Problem(src.path, _START, "JSON nested too deeply to parse"))
            return
        lone = lone_surrogate(text)
        if lone is not None:  # parsed, and said: the value cannot be written out as Unicode
            result.problems.append(Problem(
                src.path, src.point(lone[0]),
                f"invalid JSON: lone UTF-16 surrogate {lone[1]} in a string (not Unicode; decoders replace it with U+FFFD)",
            ))
        _add_document(src, node, "json", 0, result, lazy=True, shared=False)
        return
    deep = _deep_risk(text)
    lazy = not deep and "%" not in text[:1] and "\n%" not in text  # no directives: each document stands alone
    if lazy and _fast_documents(src, result):
        return
    if deep:
        loader = yaml.SafeLoader(text)
    else:
        loader = _composer(text)(text)
    shared = "&" in text  # an anchor: aliases may share nodes
    idx = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                _add_document(src, node, "yaml", idx, result, lazy, shared)
            idx += 1
    except _TooManyNodes:
        # the C composer gives no position: the start of the document it was composing
        starts = [m.start() for m in re.finditer(r"^---", text, re.M)] if idx else []
        at = starts[idx - 1] if 0 < idx <= len(starts) else 0
        result.problems.append(Problem(src.path, src.point(at), f"document #{idx + 1}: document too large (too many nodes)"))
    except yaml.YAMLError as exc:
        result.problems.append(_yaml_error(src, exc))
    except RecursionError:
        result.problems.append(Problem(src.path, Span(1, 1, 1, 2), "YAML nested too deeply to parse"))
    finally:
        loader.dispose()


# The fast path (lint/_fastyaml.c, built where libyaml's headers are): libyaml's events
# straight to data for a file of plain YAML, no node tree.  It calls the libyaml of PyYAML's
# C loader, so a file is parsed by the same parser whichever path takes it; without that
# loader there is no fast path.  INFERGW_LINT_PURE_YAML=1 turns it off (tests compare the
# two paths).
_fastyaml = None
if _BaseLoader is not yaml.SafeLoader and not os.environ.get("INFERGW_LINT_PURE_YAML"):
    try:
        from . import _fastyaml
    except ImportError:  # pragma: no cover - built without libyaml's headers or a compiler
        _fastyaml = None
# placing_walk's locator (the loader's fast path may be turned off alone, as tests do)
_locate = getattr(_fastyaml, "locate", None)


def _fast_documents(src: SourceFile, result: LoadResult) -> bool:
    """Load ``src`` by the fast path; False (nothing added) when it declines the file
    (anything but plain mappings, sequences and scalars; any error) -- the usual path then
    loads it, and says what it says.  Each document is released at once: its tree is
    composed by ``recompose`` when a position in it is asked for."""
    if _fastyaml is None:
        return False
    try:
        items = _fastyaml.compose(src.text, _WORDS, _PLAIN, _plain, STR, MERGE, MAX_COMPOSE_NODES)
    except Exception:  # pragma: no cover - out of memory: the usual path decides
        return False
    if items is None:
        return False
    for data in items:  # a List is unpacked by _add_document, with its item nodes
        if data is not None and data[0].get("kind") == "List" and isinstance(data[0].get("items"), list):
            return False
    for idx, item in enumerate(items):
        if item is None:  # an empty document
            continue
        data, index, line, column, end, own_end, entries, spans = item
        doc = Document(src, None, data, idx, "yaml")
        doc.start, doc.end = index, own_end
        doc.release(_yaml_signature(src, idx, index, line, column, end, MappingNode, _MAP_TAG, entries))
        doc.flavor = domain.classify(doc)
        _embed(doc, result, spans or {})
        result.documents.append(doc)
    return True


def load(paths: list[str], result: LoadResult | None = None, context_only: bool = False, exclude=None,
         skip=None, jobs: int | None = 1, warm=None) -> LoadResult:
    """Load every file under ``paths``.  Raises UsageError for a path that does not exist.
    ``jobs``: the processes a large tree is read by (lint/parallel.py): 1 = this one,
    0 or None = automatic.  ``warm``: called once loading is split over processes, by this
    one before it reads its parts (lint/warm.py); not called when it reads alone."""
    result = result or LoadResult()
    # The node trees are kept (positions) and hold no reference cycles, so the cyclic
    # garbage collector only re-scans a growing heap while loading: pausing it makes a
    # large tree load about twice as fast.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    skipped_before = len(result.skipped)
    try:
        entries = discover(paths, result, exclude, skip)
        split = _parts(entries, jobs, result.bytes_read)
        if split is None:
            for display, fs_path in entries:
                if result.bytes_read >= MAX_TOTAL_BYTES:
                    _over_limit(display, result)
                    continue
                _load_file(display, fs_path, context_only, result)
        else:
            from .parallel import fork_map

            def load_part(part):
                # each file's result as a tuple of its lists: cheaper to pickle back than a LoadResult
                out = []
                for display, fs_path in part:
                    r = _load_file(display, fs_path, context_only, LoadResult())
                    out.append((r.bytes_read, r.files, r.documents, r.problems, r.notes, r.skipped))
                return out

            parts, processes = split
            for pieces, part in zip(fork_map(load_part, parts, processes, warm=warm), parts):
                for piece, (display, _) in zip(pieces, part):  # in file order, as one process reads them
                    if result.bytes_read >= MAX_TOTAL_BYTES:
                        _over_limit(display, result)
                        continue
                    read, files, documents, problems, notes, skipped = piece
                    result.bytes_read += read
                    result.files += files
                    result.documents += documents
                    result.problems += problems
                    result.notes += notes
                    result.skipped += skipped
    finally:
        if gc_was_enabled:
            # the trees stay alive as long as the result: move them out of the collector's
            # sight (they hold no cycles; reference counting still frees them)
            gc.freeze()
            gc.enable()
    skipped = result.skipped[skipped_before:]
    if skipped:
        more = f" and {len(skipped) - 3} more" if len(skipped) > 3 else ""
        result.notes.append(
            f"not linted: {len(skipped)} document(s) that are not mappings, so not manifests or configs: "
            f"{', '.join(skipped[:3])}{more}"
        )
    return result


def _load_file(display: str, fs_path: str, context_only: bool, result: LoadResult) -> LoadResult:
    """Read and parse one file into ``result`` (which it returns)."""
    if _SURROGATES.search(display):
        result.notes.append(
            f"{display}: the file name is not valid UTF-8; its undecodable bytes are shown escaped "
            "(%XX in SARIF)"
        )
    text, err, where = _read_file(fs_path)
    if err is not None:
        result.problems.append(Problem(display, where, err))
        return result
    result.bytes_read += len(text)
    src = SourceFile(display, text, context_only=context_only)
    result.files.append(src)
    if not context_only:  # its suppressions, read here: in a split run, side by side (suppress.apply)
        read_marks(src)
    _parse_source(src, result)
    return result


def _over_limit(display: str, result: LoadResult) -> None:
    result.problems.append(Problem(
        display, _START, f"not read: this run read its limit of {MAX_TOTAL_BYTES} bytes (--max-total-bytes)"
    ))


def _parts(entries: list, jobs: int | None, already: int) -> tuple[list, int] | None:
    """(``entries`` split by size, processes) for the processes ``jobs`` asks
    (``parallel.jobs``), or None to read them in this one: one process asked, a small
    tree, stdin among them (one reader only), or a tree that could reach
    --max-total-bytes (which file is the first past it is decided in order).  The
    processes are decided last, once the tree is known to be large enough."""
    if jobs == 1 or len(entries) < 2:
        return None
    from . import parallel

    sizes = []
    for _, fs_path in entries:
        if fs_path == "-":
            return None
        try:
            sizes.append(os.stat(fs_path).st_size)
        except OSError:
            sizes.append(0)
    total = sum(sizes)
    if total < parallel.MIN_BYTES or already + total >= MAX_TOTAL_BYTES // 2:
        return None
    processes = parallel.jobs(jobs)
    if processes <= 1 or len(entries) < 2 * processes:
        return None
    return [entries[a:b] for a, b in parallel.split_tapered(sizes, processes)], processes


def read_yaml_file(path: str, error: type[Exception]) -> list:
    """Documents of a YAML file the linter itself reads (its config, policies), or
    ``error`` naming the file, line and column of the first problem."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            text = fh.read(MAX_FILE_BYTES + 1)
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read: {exc}") from None
    if len(text) > MAX_FILE_BYTES:
        raise error(f"{path}: cannot read: larger than {MAX_FILE_BYTES} bytes")
    result = LoadResult()
    parse_source(SourceFile(path, text), result)
    if result.problems:
        p = result.problems[0]
        raise error(f"{path}:{p.span.line}:{p.span.column}: {p.message}")
    return result.documents
