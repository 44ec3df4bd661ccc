"""Regenerate the bundled CRD data in ``lint/crd/data/`` from upstream CRD files.

Developers' tool, not used at lint time.  Each bundle is one gzip'd JSON file holding, per
kind, the served versions' ``openAPIV3Schema`` reduced to what validation reads (types,
formats, bounds, enums, patterns, defaults, list/map types and the CEL rules; no
descriptions), plus the upstream repository, tag, commit and licence it came from.

Usage (from a clone of the upstream repositories)::

    python -m infergw_lint.crd.refresh gateway-api /path/to/gateway-api.git v1.2.1 v1.3.0 v1.4.1 v1.5.1 v1.6.1
    python -m infergw_lint.crd.refresh gateway-api /path/to/gateway-api.git --channel experimental v1.6.1
    python -m infergw_lint.crd.refresh kgateway /path/to/kgateway.git v2.0.5 v2.1.2 v2.2.8 v2.3.7 v2.4.3

The upstream files are read with ``git show <ref>:<path>`` from the given git directory (a
bare clone is fine).  Gateway API (kubernetes-sigs/gateway-api) and kgateway
(kgateway-dev/kgateway) are both Apache-2.0; the notice is in ``data/NOTICE``.

``data/kinds.json`` (the kinds and versions of every bundle, for lookups that need no
schema) is derived from the bundles and written with them (``write_index``).

kgateway: one bundle per minor release (``kgateway-2.3.json.gz``), made from the CRD files
of ``install/helm/kgateway-crds/templates`` (group ``gateway.kgateway.dev`` only; the
agentgateway CRDs are not bundled) at the newest patch release whose commit could be pinned.
``KGATEWAY_RELEASES`` below names each release's commit and the evidence that the commit is
that release; a ref given on the command line must be one of them, and when the git
directory has the tag it must point at that commit (a fork's copy of the upstream history
serves as well: the commit ids are upstream's).  A release not in the table is refused
rather than guessed; add it with its evidence first.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys

import yaml

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

KEEP = {
    "type", "format", "enum", "pattern", "default", "nullable", "required", "properties", "items",
    "additionalProperties", "minLength", "maxLength", "minItems", "maxItems", "minProperties",
    "maxProperties", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "uniqueItems", "allOf", "anyOf", "oneOf", "not",
    "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource",
    "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type", "x-kubernetes-validations",
}
RULE_KEYS = ("rule", "message", "messageExpression", "fieldPath", "reason", "optionalOldSelf")

KGATEWAY_REPOSITORY = "https://github.com/kgateway-dev/kgateway"
KGATEWAY_FOLDER = "install/helm/kgateway-crds/templates"
# release -> the upstream commit it was cut from, and why we believe so.  Release pages are
# https://github.com/kgateway-dev/kgateway/releases/tag/<release> (they print the short
# commit id next to the tag); fork tags are those of maintainers' forks, which carry copies
# of the upstream tags.  Checked 2026-12-02.
KGATEWAY_RELEASES = {
    "v2.0.5": {
        "commit": "e309e0a2687505ed8a52f478865a9d54cdaac4eb",
        "evidence": "tag v2.0.5 in the forks timflannagan/kgateway and (as the tip of branch v2.0.x) "
        "sheidkamp/kgateway; both forks' v2.0.0-v2.0.2 tags agree; the commit descends from v2.0.2 on the "
        "v2.0.x line. No release page was found for it.",
    },
    "v2.1.2": {
        "commit": "a31f0744e17d6b0b162bcff8183ddc2b9ce0add0",
        "evidence": "tag v2.1.2 in the fork timflannagan/kgateway ('[2.1.x] bump envoy-gloo to v1.35.7-patch1 "
        "(#13057)', 2025-12-04), descending from tag v2.1.0 (919cae6, the v2.1.x branch point). v2.1.3 "
        "(2026-04-13) exists but its commit could not be pinned; the v2.1.x branch relaxed BackendConfigPolicy "
        "targetRefs/targetSelectors to allow Istio Hostname on 2026-03-24 (#13709), so v2.1.3 most likely accepts "
        "what this bundle rejects there. No release page was found.",
    },
    "v2.2.8": {
        "commit": "e7f52b9a8ddc217bf77cd3d18283ae8dec515666",
        "evidence": "release page v2.2.8 (released 2026-06-25, commit e7f52b9)",
    },
    "v2.3.7": {
        "commit": "1eb924fe752ba65ed1ce089a96c06af90fcdb827",
        "evidence": "release page v2.3.7 (released 2026-08-20, commit 1eb924f); it includes #14436 (TrafficPolicy "
        "autoHostRewrite/tracing without targetRefs no longer rejected), which v2.3.0-v2.3.6 lack",
    },
    "v2.4.3": {
        "commit": "b2a63fdd03d4c6c0d6cb013b519f85cf13907c34",
        "evidence": "release page v2.4.3 (released 2026-08-20, commit b2a63fd). v2.4.4 (2026-08-31, commit "
        "844fbde; release notes list no API change) and the v2.5.x releases are in no snapshot available here.",
    },
}


def reduce_schema(node):
    """The schema node with only the keys validation reads."""
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key not in KEEP:
            continue
        if key == "properties":
            out[key] = {k: reduce_schema(v) for k, v in value.items()}
        elif key in ("items", "not") or (key == "additionalProperties" and isinstance(value, dict)):
            out[key] = reduce_schema(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [reduce_schema(v) for v in value]
        elif key == "x-kubernetes-validations":
            out[key] = [{k: r[k] for k in RULE_KEYS if k in r} for r in value]
        else:
            out[key] = value
    return out


def reduce_crd(crd: dict) -> dict:
    spec = crd["spec"]
    versions = {}
    status = False
    for v in spec.get("versions") or ():
        if not v.get("served", True):
            continue
        status = status or "status" in (v.get("subresources") or {})
        schema = ((v.get("schema") or {}).get("openAPIV3Schema")) or {}
        versions[v["name"]] = reduce_schema(schema)
    return {
        "group": spec["group"],
        "kind": spec["names"]["kind"],
        "plural": spec["names"].get("plural"),
        "scope": spec.get("scope", "Namespaced"),
        "status": status,  # status is a subresource: the API server ignores it on create
        "versions": versions,
    }


def _git(gitdir: str, *args: str) -> str:
    return subprocess.run(["git", "-C", gitdir, *args], check=True, capture_output=True, text=True).stdout


def crds_at(gitdir: str, ref: str, folder: str, name_re: str = r".*\.ya?ml$") -> list[dict]:
    out = []
    for name in _git(gitdir, "ls-tree", "--name-only", f"{ref}:{folder}").split():
        if not re.search(name_re, name):
            continue
        for doc in yaml.safe_load_all(_git(gitdir, "show", f"{ref}:{folder}/{name}")):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                out.append(doc)
    return out


def write_bundle(name: str, source: dict, crds: list[dict], out: str = DATA) -> str:
    bundle = {"source": source, "crds": sorted((reduce_crd(c) for c in crds), key=lambda c: (c["group"], c["kind"]))}
    raw = json.dumps(bundle, sort_keys=True, separators=(",", ":")).encode()
    if b"{{" in raw:  # a Helm template directive left in a kept field (descriptions are dropped)
        raise SystemExit(f"{name}: a schema field holds a Helm template directive ('{{{{'); render the chart first")
    path = os.path.join(out, name + ".json.gz")
    with gzip.GzipFile(path, "wb", mtime=0) as fh:  # mtime=0: the same input gives the same bytes
        fh.write(raw)
    return path


def kgateway_commit(gitdir: str, release: str) -> str:
    """The pinned upstream commit of a kgateway release (``KGATEWAY_RELEASES``), checked
    against the git directory: the commit must be there, and the tag, if present, must
    point at it."""
    entry = KGATEWAY_RELEASES.get(release)
    if entry is None:
        raise SystemExit(
            f"kgateway {release}: not in KGATEWAY_RELEASES (known: {', '.join(KGATEWAY_RELEASES)}); "
            "add its commit and the evidence that the commit is that release first"
        )
    commit = entry["commit"]
    found = subprocess.run(["git", "-C", gitdir, "rev-parse", "--verify", "-q", f"{commit}^{{commit}}"],
                           capture_output=True, text=True).stdout.strip()
    if found != commit:
        raise SystemExit(f"kgateway {release}: commit {commit} is not in {gitdir}")
    tagged = subprocess.run(["git", "-C", gitdir, "rev-parse", "--verify", "-q", f"refs/tags/{release}^{{commit}}"],
                            capture_output=True, text=True).stdout.strip()
    if tagged and tagged != commit:
        raise SystemExit(f"kgateway {release}: tag {release} in {gitdir} is {tagged}, not the pinned {commit}")
    return commit


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m infergw_lint.crd.refresh", description=__doc__.split("\n")[0])
    ap.add_argument("project", choices=("gateway-api", "kgateway"))
    ap.add_argument("gitdir")
    ap.add_argument("refs", nargs="+", help="Gateway API tags, or kgateway releases named in KGATEWAY_RELEASES")
    ap.add_argument("--channel", default="standard", choices=("standard", "experimental"))
    ap.add_argument("--folder", help="folder holding the CRD YAMLs (default: the project's)")
    ap.add_argument("--out", default=DATA, help="where to write the bundles (default: the package's data/)")
    args = ap.parse_args(argv)
    for ref in args.refs:
        if args.project == "gateway-api":
            commit = _git(args.gitdir, "rev-parse", f"{ref}^{{commit}}").strip()
            folder = args.folder or f"config/crd/{args.channel}"
            crds = crds_at(args.gitdir, ref, folder, r"^gateway\.networking\..*\.yaml$")
            version = ref.lstrip("v")
            bundle = [c["metadata"].get("annotations", {}).get("gateway.networking.k8s.io/bundle-version") for c in crds]
            name = f"gateway-api-{'.'.join(version.split('.')[:2])}-{args.channel}"
            source = {
                "project": "Gateway API", "repository": "https://github.com/kubernetes-sigs/gateway-api",
                "ref": ref, "commit": commit, "path": folder, "channel": args.channel,
                "bundle_version": next((b for b in bundle if b), ref), "license": "Apache-2.0",
            }
        else:
            commit = kgateway_commit(args.gitdir, ref)
            folder = args.folder or KGATEWAY_FOLDER
            crds = crds_at(args.gitdir, commit, folder, r"^gateway\.kgateway\.dev_.*\.yaml$")
            crds = [c for c in crds if (c.get("spec") or {}).get("group") == "gateway.kgateway.dev"]
            minor = ".".join(ref.lstrip("v").split(".")[:2])
            name = f"kgateway-{minor}"
            source = {
                "project": "kgateway", "repository": KGATEWAY_REPOSITORY,
                "ref": ref, "commit": commit, "path": folder, "version": minor, "release": ref.lstrip("v"),
                "evidence": KGATEWAY_RELEASES[ref]["evidence"], "license": "Apache-2.0",
            }
        print(write_bundle(name, source, crds, args.out), f"({len(crds)} CRDs)", file=sys.stderr)
    write_index(args.out)
    if args.out == DATA:
        write_notice()
    return 0


def write_index(out: str = DATA) -> str:
    """data/kinds.json: the kinds and versions of every bundle in ``out`` (``kinds_of``),
    each with the CRC-32 of the bundle file it was derived from, for the rules that ask
    which kinds a release defines without reading its schemas (lint/crd ``bundle_kinds``).
    Derived from the bundles only; regenerate after changing one by hand with
    ``python -c "from infergw_lint.crd.refresh import write_index; write_index()"``."""
    import zlib

    from . import kinds_of

    bundles = {}
    for name in sorted(os.listdir(out)):
        if name.endswith(".json.gz"):
            with open(os.path.join(out, name), "rb") as fh:
                raw = fh.read()
            data = json.loads(gzip.decompress(raw))
            bundles[name[: -len(".json.gz")]] = {"crc32": zlib.crc32(raw), "kinds": kinds_of(data)}
    path = os.path.join(out, "kinds.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"format": 1, "bundles": bundles}, fh, sort_keys=True, indent=1)
        fh.write("\n")
    return path


def write_notice() -> None:
    """data/NOTICE: where every bundle comes from (the licence text is data/LICENSE)."""
    lines = [
        "Bundled CRD schemas for infergw-lint (lint/crd/data/*.json.gz)",
        "",
        "These files hold the openAPIV3Schema (descriptions removed) of upstream CustomResourceDefinitions,",
        "regenerated with `python -m infergw_lint.crd.refresh` (lint/crd/refresh.py). The upstream projects",
        "are licensed under the Apache License, Version 2.0 (the text is in LICENSE next to this file).",
        "",
    ]
    for name in sorted(os.listdir(DATA)):
        if name.endswith(".json.gz"):
            with gzip.open(os.path.join(DATA, name)) as fh:
                s = json.load(fh)["source"]
            lines.append(
                f"- {name}: {s['project']} ({s['repository']}), {s['ref']} commit {s['commit']}, {s['path']}; {s['license']}"
            )
            if s.get("evidence"):
                lines.append(f"  (why this commit is {s['ref']}: {s['evidence']})")
    lines.append("- kinds.json: the kinds and versions of each bundle above, derived from them by refresh.py (write_index)")
    lines += ["", "Gateway API: Copyright The Kubernetes Authors. kgateway: Copyright The kgateway Authors.", ""]
    with open(os.path.join(DATA, "NOTICE"), "w") as fh:
        fh.write("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
