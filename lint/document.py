"""Documents: plain Python data plus the node tree it came from.

Rules read ``doc.data`` (dicts, lists, scalars) and ask ``doc.span(path)`` for the exact
place of a value or key.  A path is a tuple of mapping keys and list indexes.  A path may
continue past a string value that holds embedded JSON or YAML (a ConfigMap's
``config.json: |``): ``("data", "config.json", "providers")`` is the ``providers`` key
inside that JSON, located in the YAML file.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from operator import itemgetter

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from .jsonparse import locate_json
from .record import Record, layout, reduce_record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on every run
if TYPE_CHECKING:
    from typing import Any
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


class DuplicateKey(Record):
    _fields = ("path", "key", "first", "again")

    def __init__(self, path: tuple, key: str, first: Node, again: Node):
        self.path = path  # kept for compatibility; the builder does not track paths (always ())
        self.key = key
        self.first = first
        self.again = again


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
    except (ValueError, TypeError, KeyError, IndexError):
        pass
    # timestamps, binary, unknown and custom tags: the text as written, never constructed
    return node.value


def _key(knode: Node) -> Any:
    """The data key of a mapping key node (a collection key becomes a placeholder string)."""
    if type(knode) is ScalarNode:
        return knode.value if _tag(knode) == STR else _scalar(knode)
    return f"<{type(knode).__name__}>"


# Keys and short values repeat across documents (apiVersion, kind, names, labels): one
# string object each instead of one per occurrence (a tenth of the loaded data on a tree of
# similar manifests).
_intern = sys.intern
_INTERN_MAX = 64

MAX_EXPANDED = 1_000_000  # data nodes a document may expand to through aliases


# ---- scalars composed untyped ----------------------------------------------------------
# The loader composes with a C callable in place of the resolver (see loader._QuickLoader):
# a node's tag is then ``slice(kind, value, implicit)``, what the composer asked, and the
# Builder types the scalar itself (YAML 1.1 implicit typing, as PyYAML's resolver) and
# writes the tag the resolver would have given, so every later reader sees real tags.

_resolver = Resolver()
# memos shared by every document, of plain scalar texts of up to _PLAIN_MAX characters:
_WORDS: dict = {}  # text typed as a string -> the text, interned (most plain scalars)
_PLAIN: dict = {}  # any other text -> (tag, data)
_PLAIN_MAX = 64
_PLAIN_ENTRIES = 50_000  # each
SEQ = "tag:yaml.org,2002:seq"
MAP = "tag:yaml.org,2002:map"


def _plain(value: str) -> tuple:
    """(tag, data) of a plain (untagged, unquoted) scalar written ``value``."""
    tag = _resolver.resolve(ScalarNode, value, (True, False))
    if tag == STR:
        data = _intern(value) if len(value) <= _INTERN_MAX else value
        if len(value) <= _PLAIN_MAX and len(_WORDS) < _PLAIN_ENTRIES:
            _WORDS[value] = data
        return tag, data
    data = _scalar(ScalarNode(tag, value))
    out = (tag, data)
    # NaN is kept out: one shared NaN object would compare equal to itself in containers
    if len(value) <= _PLAIN_MAX and len(_PLAIN) < _PLAIN_ENTRIES and data == data:
        _PLAIN[value] = out
    return out


def _tag(node: Node) -> str:
    """The tag of ``node``, written into it first if it was composed untyped."""
    tag = node.tag
    if tag.__class__ is slice:
        if type(node) is ScalarNode:
            value = node.value
            tag = STR if not tag.step[0] or value in _WORDS else (_PLAIN.get(value) or _plain(value))[0]
        else:
            tag = SEQ if type(node) is SequenceNode else MAP
        node.tag = tag
    return tag


def _retag(nodes: list) -> None:
    """Write the real tag into every node of the trees ``nodes`` (parts of a document
    the Builder does not walk: collection keys, merge values)."""
    seen: set = set()
    stack = list(nodes)
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        _tag(n)
        if type(n) is not ScalarNode:
            for item in n.value:
                if type(item) is tuple:
                    stack.extend(item)
                else:
                    stack.append(item)


class Builder:
    """Turns a node tree into data.  Shared (aliased) nodes are built once, so alias
    bombs stay small in memory; when a document uses aliases its expanded size and depth
    are bounded too (rules walk the data as a tree) and a recursive alias is refused;
    nesting is bounded; duplicate keys are recorded."""

    def __init__(self, max_nodes: int = 2_000_000, shared: bool = True):
        # built collections by id, for aliases; None: the text has no anchor (no '&'), so
        # no node is shared
        self.memo: dict[int, Any] | None = {} if shared else None
        self.duplicates: list[DuplicateKey] = []
        self.budget = max_nodes
        self.nodes = 0
        self.aliased = False
        self.unwalked: list | None = None  # subtrees _collection does not walk (their tags)

    def build(self, node: Node, path: tuple = (), depth: int = 0) -> Any:
        """Data of ``node``; raises LoadError.  (``path`` is ignored, kept for callers.)"""
        if type(node) is ScalarNode:
            return node.value if _tag(node) == STR else _scalar(node)
        self.nodes = 0
        self.unwalked = None
        out = self._collection(node, depth)
        if self.unwalked:
            _retag(self.unwalked)
        if self.aliased:
            self._check_expansion(node)
        return out

    def _collection(self, node: Node, depth: int) -> Any:
        memo = self.memo
        if memo is not None:
            key = id(node)
            if key in memo:
                self.aliased = True
                return memo[key]
        if depth > MAX_DEPTH:
            raise LoadError(f"nested deeper than {MAX_DEPTH} levels", node.start_mark.index)
        items = node.value
        self.budget -= len(items)
        if self.budget < 0:
            raise LoadError("document too large (too many nodes)", node.start_mark.index)
        depth += 1
        words, plain = _WORDS, _PLAIN
        if type(node) is SequenceNode:
            if node.tag.__class__ is slice:
                node.tag = SEQ
            out: list = []
            if memo is not None:
                memo[key] = out
            append = out.append
            for child in items:
                if type(child) is ScalarNode:
                    tag = child.tag
                    if tag.__class__ is slice:
                        v = child.value
                        w = words.get(v) if tag.step[0] else v
                        if w is not None:
                            child.tag = STR
                            append(w)
                        else:
                            child.tag, v = plain.get(v) or _plain(v)
                            append(v)
                    else:
                        append(child.value if tag == STR else _scalar(child))
                else:
                    append(self._collection(child, depth))
            return out
        if type(node) is MappingNode:
            if node.tag.__class__ is slice:
                node.tag = MAP
            d: dict = {}
            if memo is not None:
                memo[key] = d
            merged = None
            firsts = None
            for knode, vnode in items:
                if type(knode) is ScalarNode:
                    tag = knode.tag
                    if tag.__class__ is slice:
                        k = knode.value
                        w = words.get(k) if tag.step[0] else _intern(k)  # quoted: a string
                        if w is not None:
                            knode.tag = STR
                            k = w
                        else:
                            tag, k = plain.get(k) or _plain(k)
                            knode.tag = tag
                            if tag == STR:  # longer than the memo's texts
                                k = _intern(k)
                            elif tag == MERGE:
                                if merged is None:
                                    merged = []
                                merged.append(vnode)
                                continue
                    elif tag == STR:
                        k = _intern(knode.value)
                    elif tag == MERGE:
                        if merged is None:
                            merged = []
                        merged.append(vnode)
                        continue
                    else:
                        k = _scalar(knode)
                else:
                    k = f"<{type(knode).__name__}>"
                    if self.unwalked is None:
                        self.unwalked = []
                    self.unwalked.append(knode)
                if k in d:
                    if firsts is None:
                        firsts = self._first_keys(items)
                    self._duplicate(firsts.get(k, knode), k, knode)
                if type(vnode) is ScalarNode:
                    tag = vnode.tag
                    if tag.__class__ is slice:
                        v = vnode.value
                        if tag.step[0]:
                            w = words.get(v)
                        else:
                            w = _intern(v) if len(v) <= _INTERN_MAX else v
                        if w is not None:
                            vnode.tag = STR
                            d[k] = w
                        else:
                            vnode.tag, d[k] = plain.get(v) or _plain(v)
                    elif tag == STR:
                        v = vnode.value
                        d[k] = _intern(v) if len(v) <= _INTERN_MAX else v
                    else:
                        d[k] = _scalar(vnode)
                else:
                    d[k] = self._collection(vnode, depth)
            if merged is not None:
                if self.unwalked is None:
                    self.unwalked = []
                self.unwalked += merged
                for vnode in merged:
                    sources = vnode.value if type(vnode) is SequenceNode else [vnode]
                    for src in sources:
                        if type(src) is MappingNode:
                            built = self._collection(src, depth)
                            if isinstance(built, dict):
                                for mk, mv in built.items():
                                    d.setdefault(mk, mv)
            return d
        return None

    MAX_DUPLICATES = 100  # per document: a generated file can repeat a key a million times

    @staticmethod
    def _first_keys(items) -> dict:
        firsts: dict = {}
        for knode, _ in items:
            if _tag(knode) != MERGE:
                firsts.setdefault(_key(knode), knode)
        return firsts

    def _duplicate(self, first: Node, k, again: Node) -> None:
        if len(self.duplicates) < self.MAX_DUPLICATES:
            self.duplicates.append(DuplicateKey((), str(k)[:200], first, again))

    def _check_expansion(self, root: Node) -> None:
        """The document uses aliases: refuse a recursive one, and bound the size and
        depth of the data once every alias is expanded (a "billion laughs" document is
        small in memory here, but not for code that walks it as a tree)."""
        size: dict[int, int] = {}
        height: dict[int, int] = {}
        state: dict[int, int] = {}  # 1 = on the current path, 2 = done
        stack: list = [(root, False)]
        while stack:
            node, done = stack.pop()
            k = id(node)
            items = node.value
            children = [v for kv in items for v in kv] if type(node) is MappingNode else items
            if done:
                total, deepest = 1, 0
                for c in children:
                    if type(c) is ScalarNode:
                        total += 1
                    else:
                        total += size[id(c)]
                        if height[id(c)] > deepest:
                            deepest = height[id(c)]
                size[k] = total
                height[k] = deepest + 1
                state[k] = 2
                if total > MAX_EXPANDED:
                    raise LoadError(
                        f"aliases expand this document to more than {MAX_EXPANDED:,} nodes "
                        "(an alias bomb?); Kubernetes rejects excessive aliasing",
                        node.start_mark.index,
                    )
                if deepest + 1 > MAX_DEPTH:
                    raise LoadError(
                        f"aliases nest this document deeper than {MAX_DEPTH} levels", node.start_mark.index
                    )
                continue
            if state.get(k) == 2:
                continue
            state[k] = 1
            stack.append((node, True))
            for c in children:
                if type(c) is ScalarNode:
                    continue
                st = state.get(id(c))
                if st == 1:
                    raise LoadError(
                        "a recursive alias (an anchor used inside itself): the data would be "
                        "infinite; Kubernetes and JSON cannot represent it",
                        c.start_mark.index,
                    )
                if st is None:
                    stack.append((c, False))


def _merge(key: ScalarNode) -> bool:
    """Is ``key`` a merge key (``<<``)?  Also in a tree composed untyped, whose tags are
    what the composer asked the resolver (see ``_tag``): only a plain ``<<`` resolves to
    the merge tag."""
    tag = key.tag
    if tag.__class__ is slice:
        return tag.step[0] and key.value == "<<"
    return tag == MERGE


def _child(node: Node, seg) -> tuple[Node | None, Node | None]:
    """(key node, value node) of ``seg`` in ``node``, or (None, None)."""
    if isinstance(node, MappingNode):
        want = seg if isinstance(seg, str) else str(seg)
        items = node.value
        for k, v in reversed(items):  # the last of duplicate keys is the one that counts
            if type(k) is ScalarNode and k.value == want and not _merge(k):
                return k, v
        for k, v in items:
            if type(k) is ScalarNode and _merge(k):
                for src in (v.value if isinstance(v, SequenceNode) else [v]):
                    found = _child(src, seg)
                    if found[1] is not None:
                        return found
        return None, None
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


# A walk of JSON text (``jsonparse.locate_json``) steps over every value beside the path,
# so it costs about what the path's containers hold; for a document with many findings a
# positioned tree, built once, costs less: after this many walks the tree is built.  A
# tree of embedded JSON (parse_json and align, in Python) costs about 12 walks of its text
# (measured on the 10k corpus's Bifrost configs, 50 of them: 89 us against 7.7 us a walk):
# walking that many times first costs at most twice the cheaper choice in hindsight.
TEXT_WALKS = 12


class Embedded:
    """JSON or YAML held in a string value, parsed, with positions in the outer file.

    ``node`` may be built lazily: the loader checks and reads embedded JSON with the C
    ``json`` module and passes ``make``, which composes the positioned node tree the
    first time a position inside it is asked for."""

    __slots__ = ("_node", "data", "fmt", "_make", "_offsets", "_walks", "_scans")

    def __init__(self, node: Node | None, data: Any, fmt: str, make=None):
        self._node = node
        self.data = data
        self.fmt = fmt  # "json" | "yaml"
        self._make = make
        self._offsets = None  # where each character of the JSON is in the file, for ``where``
        self._walks = 0  # ``where`` walks of the text so far (see TEXT_WALKS)
        self._scans = None  # what they read of the text, for the next (``locate_json``)

    @property
    def node(self) -> Node:
        if self._node is None and self._make is not None:
            self._node = self._make()
        return self._node

    def where(self, path: tuple, key: tuple | None):
        """``jsonparse.locate_json`` of ``path`` in JSON whose tree is not built (placing
        a finding needs no tree); None when the tree is there, or to build it."""
        make = self._make
        if self._node is not None or not hasattr(make, "offsets") or self._walks >= TEXT_WALKS:
            return None
        self._walks += 1
        if self._offsets is None:
            lazily = getattr(make, "offsets_lazily", None)
            self._offsets = make.offsets() if lazily is None else lazily()
        if self._scans is None:
            self._scans = {}
        try:
            return locate_json(make.value, path, self._offsets, key, self._scans)
        except Exception:  # noqa: BLE001 - what it cannot step over: the tree says
            return None

    def __reduce__(self):
        # pickled for another process (lint/parallel.py) as a call with its values: pickle's
        # own way for a slotted object (its slots as a dictionary, set one by one after a
        # failed look-up of __setstate__) cost more than the JSON's data itself
        if self._offsets is None and not self._walks:  # as loading leaves it
            return Embedded, (self._node, self.data, self.fmt, self._make)
        return _embedded, (self._node, self.data, self.fmt, self._make, self._offsets, self._walks, self._scans)

    def forget(self) -> None:
        """Drop a tree ``make`` built (it builds it again when asked)."""
        if self._make is not None:
            self._node = None
            self._offsets = None
            self._scans = None

    def __repr__(self) -> str:
        return f"Embedded(fmt={self.fmt!r}, data={self.data!r})"


def _embedded(node, data, fmt: str, make, offsets, walks: int, scans=None) -> Embedded:
    """An ``Embedded`` pickled after its text was walked (``Embedded.__reduce__``)."""
    emb = Embedded(node, data, fmt, make)
    emb._offsets, emb._walks, emb._scans = offsets, walks, scans
    return emb


# (id(document), root key or None) -> (document, root, frame): the placing trees of the
# last documents placed (Document._placing), of one root entry or of the whole document;
# the document is held, so its id is not reused while it is here
_PLACED: OrderedDict = OrderedDict()
_WALK: list = [None]  # loader.placing_walk, imported on first use (the loader imports this module)
_PLACED_MAX = 8


class _Recomposed:
    """``Document.node`` when the instance has none (its tree was released): the tree
    composed again (``loader.recompose``) and kept on the instance.  A descriptor, not
    a ``__getattr__``: every failed attribute look-up would call that, and unpickling
    looks up ``__setstate__`` on each document a loading child sends back
    (lint/parallel.py) -- a third of their cost went there."""

    def __get__(self, doc, owner=None):
        if doc is None:
            return self
        signature = doc.__dict__.get("_recompose")
        if signature is None:
            raise AttributeError(f"{type(doc).__name__!s} has no attribute 'node'")
        from .loader import recompose

        node = doc.__dict__["node"] = recompose(doc, signature)
        return node


# the attributes of a document as the loader leaves it (its tree released), in order:
# Document.__init__'s but ``node``, then release's ``_recompose``
_LOADED = (
    "source", "data", "index", "fmt", "embedded", "duplicates", "flavor", "origin", "api_version", "kind", "group",
    "name", "namespace", "start", "end", "_recompose",
)
_N_LOADED = len(_LOADED)
_LOADED_VALUES = itemgetter(*_LOADED)  # a dict's values of _LOADED's keys, as a tuple in _LOADED's order


def _loaded_document(values: tuple, names: tuple = (), more: tuple = ()) -> Document:
    """A document pickled by ``Document.__reduce__``: ``values`` of _LOADED, in its order,
    then ``more`` values of the attributes ``names``."""
    doc = Document.__new__(Document)
    (doc.source, doc.data, doc.index, doc.fmt, doc.embedded, doc.duplicates, doc.flavor, doc.origin, doc.api_version,
     doc.kind, doc.group, doc.name, doc.namespace, doc.start, doc.end, doc._recompose) = values
    for name, value in zip(names, more):
        setattr(doc, name, value)
    return doc


_ABSENT = object()  # Document.get: no such key


class Document(Record):
    _fields = ("source", "node", "data", "index", "fmt", "embedded", "duplicates", "flavor", "origin")
    _repr_fields = (
        "source", "node", "data", "index", "fmt", "embedded", "duplicates", "flavor", "kind", "name", "namespace",
        "origin",
    )

    def __init__(
        self, source: SourceFile, node: Node, data: Any, index: int = 0, fmt: str = "yaml",
        embedded: dict | None = None, duplicates: list | None = None, flavor: str | None = None, origin: Any = None,
    ):
        self.source = source
        self.node = node
        self.data = data
        self.index = index  # position of the document in its file (0-based)
        self.fmt = fmt
        self.embedded = {} if embedded is None else embedded
        self.duplicates = [] if duplicates is None else duplicates
        self.flavor = flavor  # "k8s", "bifrost", "continue", "aider", "cline"
        # rendered documents (kustomize, helm): maps a path to (display path, Span, note) in
        # the user's source files; see lint/render.py.  None for documents read from a file.
        self.origin = origin
        # identity (api_version, kind, group, name, namespace), read from ``data`` now
        self._identify()
        # where the document's root node is written (offsets into source.text), kept when
        # the node tree is released (see ``release``)
        if node is not None:
            self.start = node.start_mark.index
            self.end = node_end(node)
        else:
            self.start = self.end = 0

    node = _Recomposed()  # the instance's own (set above, or by ``node`` after ``release``) comes first

    def __reduce__(self):
        # pickled for another process (lint/parallel.py): a loaded document's attributes
        # (those of _LOADED, then the few that loading may add, e.g. a workload's pod
        # spec) as values only, set again by _loaded_document (lint/record.py says why)
        d = self.__dict__
        if len(d) == _N_LOADED and self.__class__ is Document:
            try:  # the values of _LOADED's attributes, in its order: all there are
                return _loaded_document, (_LOADED_VALUES(d),)
            except KeyError:
                pass
        names = tuple(d)
        if names[:_N_LOADED] == _LOADED and self.__class__ is Document:
            values = tuple(d.values())
            if len(names) == _N_LOADED:
                return _loaded_document, (values,)
            return _loaded_document, (values[:_N_LOADED], layout(names[_N_LOADED:]), values[_N_LOADED:])
        return reduce_record(self)

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

    # ---- the node tree, released after loading -----------------------------------------
    # The node trees (one Python object and two marks per YAML node) take ~30 bytes per
    # byte of input, while only the documents with a finding need positions.  The loader
    # releases the tree of an ordinary YAML or JSON document once its data is built;
    # ``node`` composes it again from the source text on first use.

    def release(self, signature: tuple) -> None:
        """Drop the node tree; ``signature`` = (how to compose it again, ...) for
        ``loader.recompose``."""
        self._recompose = signature
        del self.node

    def forget(self) -> None:
        """Release again a tree that ``node`` composed (and the positioned trees of the
        embedded JSON), once the findings of the document are placed."""
        d = self.__dict__
        if "_recompose" in d:
            d.pop("node", None)
            if d.pop("_placed", False):  # _PLACED has (or had) trees of it
                me = id(self)
                for key in [k for k in list(_PLACED) if k[0] == me]:
                    _PLACED.pop(key, None)
        for emb in self.embedded.values():
            emb.forget()


    def _identify(self) -> None:
        """Read apiVersion/kind/name/namespace once, as plain attributes: the index and
        the rules ask for them hundreds of thousands of times on a large tree.  (Documents
        are not mutated; call this again after changing ``data`` by hand.)"""
        data = self.data
        av = data.get("apiVersion") if isinstance(data, dict) else None
        kind = data.get("kind") if isinstance(data, dict) else None
        self.api_version = av if isinstance(av, str) else None
        self.kind = kind if isinstance(kind, str) else None
        self.group = av.rsplit("/", 1)[0] if isinstance(av, str) and "/" in av else ""
        self.name = self._meta("name")
        self.namespace = self._meta("namespace")

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
        # the rules' usual look-up, through mappings and list items (``spec``, ``rules``, 0),
        # without the general walk's tests at each step; anything else on the way (a string
        # that may hold an embedded document, an index out of range): the walk
        cur = self.data
        for seg in path:
            cls = cur.__class__
            if cls is dict:
                cur = cur.get(seg, _ABSENT)
                if cur is _ABSENT:
                    return default
            elif cls is list and seg.__class__ is int and 0 <= seg < len(cur):
                cur = cur[seg]
            else:
                return self._get(path, default)
        if isinstance(cur, str) and path in self.embedded:
            return self.embedded[path].data
        return cur

    def _get(self, path: tuple, default):
        """``get``: the walk through lists and embedded documents."""
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

    # Findings are placed on a tree of their own when the document's was released: its
    # lines composed alone (loader.placing_tree), the marks left where they are in them,
    # so each node found is moved by the slice's place (a "frame", below); ``node`` and
    # ``locate`` keep the tree of ``recompose``, with the marks in the file.  The trees
    # of the last few documents placed are kept (``_PLACED``), not one per document: a
    # document placed outside the check (a suppression, another document's message)
    # leaves no tree behind.
    _FILE = (0, 0)  # the frame of a tree whose marks are in the file: (characters, lines)

    def _placing(self, want: str | None = None) -> tuple:
        """(root node, frame) to place findings on: the entry of the root's key ``want``
        alone when it can be told from the text (``loader.placing_entry``), else the
        whole document; (ROOT, None) when the root has no key ``want``."""
        node = self.__dict__.get("node")
        if node is not None:
            return node, self._FILE
        signature = self.__dict__.get("_recompose")
        if signature is None:
            return self.node, self._FILE
        me = id(self)
        for part in (want, None) if want is not None else (None,):
            kept = _PLACED.get((me, part))
            if kept is not None and kept[0] is self:
                return kept[1], kept[2]
        from .loader import ROOT, placing_entry, placing_tree

        made, part = None, None
        if want is not None:
            made, part = placing_entry(self, signature, want), want
            if made is ROOT:
                return ROOT, None
        if made is None:
            made, part = placing_tree(self, signature), None
            if made is None:
                return self.node, self._FILE
        while len(_PLACED) >= _PLACED_MAX:
            try:
                _PLACED.popitem(last=False)
            except KeyError:  # pragma: no cover - emptied meanwhile
                break
        _PLACED[(me, part)] = (self, made[0], made[1:])
        self.__dict__["_placed"] = True
        return made[0], made[1:]

    def _place(self, path: tuple) -> tuple:
        """``locate`` on the placing tree: (key node, its frame, value node, its frame,
        depth reached).  Embedded documents' marks are in the file."""
        node, frame = self._placing()
        key, kframe = None, frame
        for i, seg in enumerate(path):
            if type(node) is ScalarNode:
                emb = self.embedded.get(path[:i])
                if emb is None:
                    return key, kframe, node, frame, i
                node, frame = emb.node, self._FILE
            k, v = _child(node, seg)
            if v is None:
                return key, kframe, node, frame, i
            key, kframe, node = k, frame, v
        return key, kframe, node, frame, len(path)

    def _where(self, path: tuple) -> tuple:
        """``_place`` as places in the file: (key (start, end) or None, value (start, end),
        depth reached).  JSON whose tree is not built is walked in its text
        (``jsonparse.locate_json``): a JSON file's, and JSON embedded in a ConfigMap; a
        released YAML document in libyaml's events (``loader.placing_walk``)."""
        d = self.__dict__
        if self.fmt == "json" and "node" not in d and "_recompose" in d and not self.embedded \
                and d.get("_text_walks", 0) < TEXT_WALKS:
            d["_text_walks"] = d.get("_text_walks", 0) + 1
            try:
                return locate_json(self.source.text, path)
            except Exception:  # noqa: BLE001 - what it cannot step over: the tree says
                pass
        if self.embedded:
            # A path into embedded JSON: the loader found its string where the walk below
            # would (``_embed``, with ``locate``), so once a step is taken inside the JSON
            # the YAML tree has nothing to add (only a step not taken needs the key above)
            for i in range(1, len(path)):
                emb = self.embedded.get(path[:i])
                if emb is not None:
                    found = emb.where(path[i:], None) if emb._node is None else None
                    if found is not None and found[2]:
                        return found[0], found[1], i + found[2]
                    break
        if "node" not in d and self.fmt == "yaml" and "_recompose" in d:
            # libyaml's events over the lines a tree would be composed from (no tree), but
            # for a string that holds an embedded document on the way: the trees go on
            walk = _WALK[0]
            if walk is None:
                from .loader import placing_walk

                walk = _WALK[0] = placing_walk
            found = walk(self, d["_recompose"], path)
            if found is not None:
                if found.__class__ is str:  # ROOT: the root has no such key
                    return None, (self.start, self.end), 0
                reached = found[2]
                if not (found[3] and reached < len(path) and path[:reached] in self.embedded):
                    return found[0], found[1], reached
        node, frame = self._placing((path[0] if isinstance(path[0], str) else str(path[0])) if path else None)
        if frame is None:  # the root has no such key: locate stops at the root
            return None, (self.start, self.end), 0
        key, kframe = None, frame
        for i, seg in enumerate(path):
            if type(node) is ScalarNode:
                emb = self.embedded.get(path[:i])
                if emb is None:
                    break
                if emb._node is None:
                    at = kframe[0]
                    found = emb.where(path[i:], None if key is None else (key.start_mark.index + at, node_end(key) + at))
                    if found is not None:
                        return found[0], found[1], i + found[2]
                node, frame = emb.node, self._FILE
            k, v = _child(node, seg)
            if v is None:
                break
            key, kframe, node = k, frame, v
        else:
            i = len(path)
        at = frame[0]
        where = (node.start_mark.index + at, node_end(node) + at)
        if key is None:
            return None, where, i
        at = kframe[0]
        return (key.start_mark.index + at, node_end(key) + at), where, i

    def span(self, path: tuple = (), key: bool = False) -> Span:
        """Where the value at ``path`` is written (its key with ``key=True``).  A path that
        does not exist resolves to the deepest part of it that does (the place to add)."""
        if not path and "node" not in self.__dict__ and "_recompose" in self.__dict__:
            # the whole document of a released tree: where it is was kept (start, end)
            return self.source.span(self.start, self.end)
        path = tuple(path)
        k, where, reached = self._where(path)
        if k is not None and (key or reached < len(path)):
            # the key asked, or a missing field, which belongs under this key
            where = k
        return self.source.span(*where)

    def span_within(self, path: tuple, within: tuple) -> Span:
        """The span of characters ``start:end`` of line ``line`` of the string at ``path``,
        when it is written as a literal block scalar (``|``), where value lines map to
        source lines; otherwise the whole value (``span(path)``)."""
        path = tuple(path)
        whole = self.span(path)
        _, _, v, frame, reached = self._place(path)
        try:
            line, start, end = (int(x) for x in within)
        except (TypeError, ValueError):
            return whole
        if reached != len(path) or type(v) is not ScalarNode or v.style != "|" or not isinstance(v.value, str):
            return whole
        value_lines = v.value.split("\n")
        if not 0 <= line < len(value_lines) or not 0 <= start <= end <= len(value_lines[line]):
            return whole
        src = self.source
        first = v.start_mark.line + frame[1] + 1  # 0-based source line of the first content line
        starts = src.line_starts
        indent = None
        for n in range(first, min(first + len(value_lines), len(starts))):
            text = src.line_text(n + 1)
            if text.strip():
                indent = len(text) - len(text.lstrip(" "))
                break
        target = first + line
        if indent is None or target >= len(starts):
            return whole
        text = src.line_text(target + 1)
        if text[indent + start:indent + end] != value_lines[line][start:end]:
            return whole
        return src.span(starts[target] + indent + start, starts[target] + indent + end)

    def exists(self, path: tuple) -> bool:
        return self.locate(tuple(path))[2] == len(path)
