"""Documents: plain Python data plus the node tree it came from.

Rules read ``doc.data`` (dicts, lists, scalars) and ask ``doc.span(path)`` for the exact
place of a value or key.  A path is a tuple of mapping keys and list indexes.  A path may
continue past a string value that holds embedded JSON or YAML (a ConfigMap's
``config.json: |``): ``("data", "config.json", "providers")`` is the ``providers`` key
inside that JSON, located in the YAML file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .source import SourceFile, Span

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
MERGE = "tag:yaml.org,2002:merge"

MAX_DEPTH = 200

_constructor = SafeConstructor()


class LoadError(Exception):
    """A document that cannot be turned into data (too deep, too large)."""

    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass
class DuplicateKey:
    path: tuple
    key: str
    first: Node
    again: Node


def _scalar(node: ScalarNode) -> Any:
    tag = node.tag
    if tag == STR:
        return node.value
    try:
        if tag == INT:
            return _constructor.construct_yaml_int(node)
        if tag == FLOAT:
            return _constructor.construct_yaml_float(node)
        if tag == BOOL:
            return _constructor.construct_yaml_bool(node)
        if tag == NULL:
            return None
    except (ValueError, TypeError, KeyError):
        pass
    # timestamps, binary, unknown and custom tags: the text as written, never constructed
    return node.value


class Builder:
    """Turns a node tree into data.  Shared (aliased) nodes are built once, so alias
    bombs stay small; nesting is bounded; duplicate keys are recorded."""

    def __init__(self, max_nodes: int = 2_000_000):
        self.memo: dict[int, Any] = {}
        self.duplicates: list[DuplicateKey] = []
        self.budget = max_nodes

    def build(self, node: Node, path: tuple = (), depth: int = 0) -> Any:
        if type(node) is ScalarNode:
            return _scalar(node)
        key = id(node)
        memo = self.memo
        if key in memo:
            return memo[key]
        if depth > MAX_DEPTH:
            raise LoadError(f"nested deeper than {MAX_DEPTH} levels", node.start_mark.index)
        self.budget -= len(node.value)
        if self.budget < 0:
            raise LoadError("document too large (too many nodes)", node.start_mark.index)
        if isinstance(node, SequenceNode):
            out: list = []
            memo[key] = out
            for i, child in enumerate(node.value):
                out.append(self.build(child, path + (i,), depth + 1))
            return out
        if isinstance(node, MappingNode):
            d: dict = {}
            memo[key] = d
            seen: dict = {}
            merged: list = []
            for knode, vnode in node.value:
                if knode.tag == MERGE:
                    merged.append(vnode)
                    continue
                if type(knode) is ScalarNode:
                    k = _scalar(knode)
                    if isinstance(k, (list, dict)):
                        k = str(k)
                else:
                    k = f"<{type(knode).__name__}>"
                try:
                    hash(k)
                except TypeError:
                    k = str(k)
                if k in seen:
                    self.duplicates.append(DuplicateKey(path, str(k), seen[k], knode))
                seen[k] = knode
                d[k] = self.build(vnode, path + (k,), depth + 1)
            for vnode in merged:
                sources = vnode.value if isinstance(vnode, SequenceNode) else [vnode]
                for src in sources:
                    if isinstance(src, MappingNode):
                        built = self.build(src, path, depth + 1)
                        if isinstance(built, dict):
                            for mk, mv in built.items():
                                d.setdefault(mk, mv)
            return d
        return None


def _child(node: Node, seg) -> tuple[Node | None, Node | None]:
    """(key node, value node) of ``seg`` in ``node``, or (None, None)."""
    if isinstance(node, MappingNode):
        want = seg if isinstance(seg, str) else str(seg)
        hit = (None, None)
        merges = []
        for k, v in node.value:
            if type(k) is ScalarNode:
                if k.tag == MERGE:
                    merges.append(v)
                elif k.value == want:
                    hit = (k, v)
        if hit[1] is None:
            for m in merges:
                for src in (m.value if isinstance(m, SequenceNode) else [m]):
                    found = _child(src, seg)
                    if found[1] is not None:
                        return found
        return hit
    if isinstance(node, SequenceNode) and isinstance(seg, int) and 0 <= seg < len(node.value):
        return None, node.value[seg]
    return None, None


def node_end(node: Node) -> int:
    """End offset of a node's own text (block collections end at their last child,
    not at the next token, which may be after comments)."""
    while isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    return node.end_mark.index


@dataclass
class Embedded:
    """JSON or YAML held in a string value, parsed, with positions in the outer file."""

    node: Node
    data: Any
    fmt: str  # "json" | "yaml"


@dataclass
class Document:
    source: SourceFile
    node: Node
    data: Any
    index: int = 0  # position of the document in its file (0-based)
    fmt: str = "yaml"
    embedded: dict = field(default_factory=dict)
    duplicates: list = field(default_factory=list)
    flavor: str | None = None  # "k8s", "bifrost", "continue", "aider", "cline"

    # ---- identity -------------------------------------------------------------------
    @property
    def path(self) -> str:
        return self.source.path

    def _meta(self, key: str):
        if isinstance(self.data, dict):
            meta = self.data.get("metadata")
            if isinstance(meta, dict):
                val = meta.get(key)
                return val if isinstance(val, str) else None
        return None

    @property
    def api_version(self) -> str | None:
        v = self.data.get("apiVersion") if isinstance(self.data, dict) else None
        return v if isinstance(v, str) else None

    @property
    def kind(self) -> str | None:
        v = self.data.get("kind") if isinstance(self.data, dict) else None
        return v if isinstance(v, str) else None

    @property
    def group(self) -> str:
        av = self.api_version or ""
        return av.rsplit("/", 1)[0] if "/" in av else ""

    @property
    def name(self) -> str | None:
        return self._meta("name")

    @property
    def namespace(self) -> str | None:
        return self._meta("namespace")

    @property
    def labels(self) -> dict:
        meta = self.data.get("metadata") if isinstance(self.data, dict) else None
        labels = meta.get("labels") if isinstance(meta, dict) else None
        return labels if isinstance(labels, dict) else {}

    @property
    def annotations(self) -> dict:
        meta = self.data.get("metadata") if isinstance(self.data, dict) else None
        ann = meta.get("annotations") if isinstance(meta, dict) else None
        return ann if isinstance(ann, dict) else {}

    # ---- data access ----------------------------------------------------------------
    def get(self, *path, default=None):
        """Value at ``path`` (through embedded documents), or ``default``."""
        cur = self.data
        for i, seg in enumerate(path):
            if isinstance(cur, str):
                emb = self.embedded.get(path[:i])
                if emb is None:
                    return default
                cur = emb.data
            if isinstance(cur, dict):
                if seg not in cur:
                    return default
                cur = cur[seg]
            elif isinstance(cur, list) and isinstance(seg, int) and 0 <= seg < len(cur):
                cur = cur[seg]
            else:
                return default
        if isinstance(cur, str) and path in self.embedded:
            return self.embedded[path].data
        return cur

    # ---- positions ------------------------------------------------------------------
    def locate(self, path: tuple) -> tuple[Node | None, Node | None, int]:
        """(key node, value node, depth reached) for ``path``."""
        node: Node = self.node
        key: Node | None = None
        for i, seg in enumerate(path):
            if type(node) is ScalarNode:
                emb = self.embedded.get(path[:i])
                if emb is None:
                    return key, node, i
                node = emb.node
            k, v = _child(node, seg)
            if v is None:
                return key, node, i
            key, node = k, v
        return key, node, len(path)

    def span(self, path: tuple = (), key: bool = False) -> Span:
        """Where the value at ``path`` is written (its key with ``key=True``).  A path that
        does not exist resolves to the deepest part of it that does (the place to add)."""
        k, v, reached = self.locate(tuple(path))
        if key and k is not None:
            node = k
        elif reached < len(path) and k is not None:
            # the missing field belongs under this key: point at the key
            node = k
        else:
            node = v if v is not None else self.node
        return self.source.span(node.start_mark.index, node_end(node))

    def exists(self, path: tuple) -> bool:
        return self.locate(tuple(path))[2] == len(path)
