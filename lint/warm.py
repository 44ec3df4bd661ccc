"""First-use work of the check that depends on no document, done while loading is split.

The check phase of a split run starts with a lead part that the parent checks alone before
it forks the checking child (engine.check_documents), so that the tables every part reads
are built once; the other CPU idles meanwhile.  Part of what that lead part does is the
same whatever the documents say: modules the rules import on first use (the CEL engine,
RE2, difflib), regular expressions compiled on first use, the Bifrost config schemas and
what the quick validator derives from them.  ``warm_up`` does that work earlier, in the
loading phase: lint/parallel.py ``fork_map`` calls it after it has forked the loading child and
before the parent takes loading parts, so the child takes more parts meanwhile and the
warm-up costs the wall clock about half of what it costs in the lead part.

Only when loading is split (a large input: a small run pays nothing for what it may not
use), only for the active rules, and only what the loaded set cannot change: the stack
profile, the CRDs of the set and the versions the files state are not known yet, so
nothing that depends on them is warmed (the CRD bundle in use, the CEL rules of its kinds,
the schema patterns of its CRDs).  Each step fills the caches the rules fill on first use,
with the same keys and the same values, through the same functions: no finding, message
or note can change (notes are said by the rules in order of first use, and no step here
says one).  A step that fails leaves the run as it was without it.
"""

from __future__ import annotations

import importlib

CRD_CODES = frozenset({"IGW501", "IGW502", "IGW503"})  # lint/crd's validator
# the rules whose findings suggest a name ("did you mean"): rule.close_matches or difflib
SUGGEST_CODES = frozenset({"IGW103", "IGW104", "IGW107", "IGW109", "IGW206", "IGW302"})


def warm_up(rules, options=None) -> list:
    """Do the document-independent first-use work of ``rules`` (the active rules); the
    names of the steps that failed (each is left half done at worst: a cache holds whole
    entries only)."""
    codes = {getattr(r, "code", None) for r in rules}
    failed = []
    for name, wanted, step in _STEPS:
        if wanted is not None and not codes & wanted:
            continue
        try:
            step(rules)
        except Exception:  # noqa: BLE001 - the check does the same work again when it needs it
            failed.append(name)
    return failed


def _crd(rules) -> None:
    """The CEL engine and RE2: imported when the first custom resource with CEL rules or a
    pattern is validated (lint/crd/cel: its compiler and function library; schema._pattern
    and the CEL library compile patterns with RE2)."""
    for name in ("infergw_lint.crd.cel", "infergw_lint.crd.cel.compile", "zlib"):
        importlib.import_module(name)
    try:
        import re2  # noqa: F401 - optional: schema._pattern falls back to re without it
    except ImportError:
        pass


def _kgateway_kinds(rules) -> None:
    """The kinds of every bundled kgateway release (crd.bundle_kinds: data/kinds.json and
    the CRC of each bundle), which IGW109 reads all of once the run's kgateway release is
    known."""
    from .crd import bundle_kinds, kgateway_bundles

    for name in kgateway_bundles().values():
        bundle_kinds(name)


def _bifrost_schemas(rules) -> None:
    """IGW206's config schemas, one per release range and the newest (bifrost_releases
    .schema_for), and what the quick validator derives from each on first use: whether it
    explains the schema (its patterns compiled on the way) and the names blind_key keeps."""
    from .bifrost_releases import ranges, schema_for
    from .quickschema import blind_key, explains

    for entry in (None, *ranges()):
        sch = schema_for(entry)
        if explains(sch):
            blind_key(sch, {})  # an empty config: its key is made of nothing, the schema's names are kept


def _difflib(rules) -> None:
    """difflib (and heapq), imported by the first finding that suggests a name
    (rule.close_matches): on a large set, in the part checked before the check forks, or
    in both checking processes, each importing it for itself."""
    importlib.import_module("difflib")


_STEPS = (  # (name, the rule codes it serves or None for any, the step)
    ("crd", CRD_CODES, _crd),
    ("kgateway-kinds", frozenset({"IGW109"}), _kgateway_kinds),
    ("bifrost-schemas", frozenset({"IGW206"}), _bifrost_schemas),
    ("difflib", SUGGEST_CODES, _difflib),
)
