"""What differs between Bifrost releases: the data in ``schemas/bifrost-releases.json``
(trace_type values, config schema per release range, when a behaviour starts, releases
known to be broken), asked with a ``versions.Version`` from the stack profile.

Every question answers for an unknown release too: ``range_for`` gives None, and callers
then say which behaviour they assume (the schema falls back to the newest range, which
knows every key, so an unknown release never produces an unknown-key finding)."""

from __future__ import annotations

import copy
import json
from functools import lru_cache

from . import read_data

DATA_FILE = "schemas/bifrost-releases.json"
SCHEMA_FILE = "schemas/bifrost-config.schema.json"


@lru_cache(maxsize=1)
def data() -> dict:
    return json.loads(read_data(DATA_FILE))


@lru_cache(maxsize=1)
def base_schema() -> dict:
    return json.loads(read_data(SCHEMA_FILE))


def ranges() -> list[dict]:
    return data()["ranges"]


def range_for(version) -> dict | None:
    """The release range ``version`` (a versions.Version) falls in, or None when the
    release is unknown or not precise enough to tell."""
    for entry in ranges():
        lo, hi = entry.get("from"), entry.get("below")
        ok_lo = True if lo is None else version.at_least(lo)
        ok_hi = True if hi is None else version.below(hi)
        if ok_lo is None or ok_hi is None:
            return None
        if ok_lo and ok_hi:
            return entry
    return None


def describe_ranges(key: str = "trace_types") -> str:
    """``before v1.5: "otel"; v1.5 and later: "genai_extension", ...`` for messages."""
    parts = []
    for entry in ranges():
        values = entry.get(key) or []
        parts.append(f"{entry['name']}: " + ", ".join(f'"{v}"' for v in values))
    return "; ".join(parts)


def feature_from(name: str) -> str:
    return data()["features"][name]["from"]


def feature(version, name: str) -> bool | None:
    """Does ``version`` have the behaviour ``name`` (features in the data)?  None: unknown."""
    return version.at_least(feature_from(name))


def broken(version, feature_name: str) -> dict | None:
    """The known-broken entry for ``feature_name`` that ``version`` falls in, if any."""
    for entry in data().get("broken", ()):
        if entry.get("feature") == feature_name and version.within(entry["from"], entry["to"]):
            return entry
    return None


_SCHEMAS: dict = {}


def schema_for(entry: dict | None) -> dict:
    """The config schema of a release range (the newest schema when ``entry`` is None)."""
    key = entry["name"] if entry else None
    cached = _SCHEMAS.get(key)
    if cached is not None:
        return cached
    schema = base_schema()
    change = (entry or {}).get("schema") or {}
    if change:
        schema = copy.deepcopy(schema)
        for name in change.get("remove_top_level", ()):
            schema["properties"].pop(name, None)
        values = change.get("otel_trace_types")
        if values:
            prop = schema["$defs"]["otel_profile"]["properties"]["trace_type"]
            prop["enum"] = list(values)
            prop.pop("x-expect", None)
    _SCHEMAS[key] = schema
    return schema
