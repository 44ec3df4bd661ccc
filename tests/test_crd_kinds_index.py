"""lint/crd/data/kinds.json, the kinds and versions of every bundled CRD set derived by
lint/crd/refresh.py (write_index): it matches what is derived from the bundles at run time,
regenerating it gives the same bytes, and an entry that no longer matches its bundle file
(a bundle refreshed without the index) is not used."""

from __future__ import annotations

import json
import os
import shutil

from infergw_lint import crd
from infergw_lint.crd import refresh


def _fresh(monkeypatch, index_path):
    monkeypatch.setattr(crd, "INDEX", index_path)
    monkeypatch.setattr(crd, "_INDEX", [])
    monkeypatch.setattr(crd, "_KINDS", {})


def test_index_matches_the_bundles(monkeypatch):
    _fresh(monkeypatch, crd.INDEX)
    with open(crd.INDEX, encoding="utf-8") as fh:
        index = json.load(fh)
    names = crd.bundled_names()
    assert names and sorted(index["bundles"]) == names
    for name in names:
        want = crd.kinds_of(crd.bundle(name))
        assert index["bundles"][name]["kinds"] == want, name
        got = crd.bundle_kinds(name)
        assert got == want, name
        assert got is crd._INDEX[0]["bundles"][name]["kinds"], name  # read from the index, not derived
    assert crd.bundle_kinds("gateway-api-0.1-standard") is None


def test_index_is_what_refresh_writes(tmp_path):
    for name in os.listdir(crd.DATA):
        if name.endswith(".json.gz"):
            shutil.copy(os.path.join(crd.DATA, name), tmp_path / name)
    path = refresh.write_index(str(tmp_path))
    with open(path, "rb") as a, open(crd.INDEX, "rb") as b:
        assert a.read() == b.read(), "lint/crd/data/kinds.json is stale: run refresh.write_index()"


def test_an_entry_of_another_bundle_file_is_not_used(monkeypatch, tmp_path):
    with open(crd.INDEX, encoding="utf-8") as fh:
        index = json.load(fh)
    name = "kgateway-2.2"
    entry = index["bundles"][name]
    entry["kinds"]["crds"].append({"group": "gateway.kgateway.dev", "kind": "Invented", "versions": ["v1"], "status": True})
    stale = tmp_path / "stale.json"
    entry["crc32"] ^= 1  # made from other bytes than the bundle shipped
    stale.write_text(json.dumps(index), encoding="utf-8")
    _fresh(monkeypatch, str(stale))
    assert crd.bundle_kinds(name) == crd.kinds_of(crd.bundle(name))
    entry["crc32"] ^= 1  # the same bytes: the entry is read as it is
    stale.write_text(json.dumps(index), encoding="utf-8")
    _fresh(monkeypatch, str(stale))
    assert any(c["kind"] == "Invented" for c in crd.bundle_kinds(name)["crds"])


def test_no_index_or_a_broken_one_derives_from_the_bundles(monkeypatch, tmp_path):
    for text in (None, "{not json", '{"format": 2, "bundles": {}}', '[]', '{"format": 1, "bundles": []}'):
        path = tmp_path / "kinds.json"
        if text is None:
            path = tmp_path / "missing.json"
        else:
            path.write_text(text, encoding="utf-8")
        _fresh(monkeypatch, str(path))
        for name in ("gateway-api-1.6-standard", "kgateway-2.4"):
            assert crd.bundle_kinds(name) == crd.kinds_of(crd.bundle(name))
