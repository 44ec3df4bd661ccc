"""Regenerate the bundled CRD data in ``lint/crd/data/`` from upstream CRD files.

Developers' tool, not used at lint time.  Each bundle is one gzip'd JSON file holding, per
kind, the served versions' ``openAPIV3Schema`` reduced to what validation reads (types,
formats, bounds, enums, patterns, defaults, list/map types and the CEL rules; no
descriptions), plus the upstream repository, tag, commit and licence it came from.

Usage (from a clone of the upstream repositories)::

    python -m infergw_lint.crd.refresh gateway-api /path/to/gateway-api.git v1.2.1 v1.3.0 v1.4.1 v1.5.1 v1.6.1
    python -m infergw_lint.crd.refresh gateway-api /path/to/gateway-api.git --channel experimental v1.6.1
    python -m infergw_lint.crd.refresh kgateway /path/to/kgateway.git v2.1.0 [--version 2.1]

The upstream files are read with ``git show <ref>:<path>`` from the given git directory (a
bare clone is fine).  Gateway API (kubernetes-sigs/gateway-api) and kgateway
(kgateway-dev/kgateway) are both Apache-2.0; the notice is in ``data/NOTICE``.
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
    path = os.path.join(out, name + ".json.gz")
    raw = json.dumps(bundle, sort_keys=True, separators=(",", ":")).encode()
    with gzip.GzipFile(path, "wb", mtime=0) as fh:  # mtime=0: the same input gives the same bytes
        fh.write(raw)
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m infergw_lint.crd.refresh", description=__doc__.split("\n")[0])
    ap.add_argument("project", choices=("gateway-api", "kgateway"))
    ap.add_argument("gitdir")
    ap.add_argument("refs", nargs="+")
    ap.add_argument("--channel", default="standard", choices=("standard", "experimental"))
    ap.add_argument("--version", help="kgateway release the ref stands for (default: the ref without 'v')")
    ap.add_argument("--folder", help="folder holding the CRD YAMLs (default: the project's)")
    ap.add_argument("--out", default=DATA, help="where to write the bundles (default: the package's data/)")
    args = ap.parse_args(argv)
    for ref in args.refs:
        commit = _git(args.gitdir, "rev-parse", f"{ref}^{{commit}}").strip()
        if args.project == "gateway-api":
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
            folder = args.folder or "install/helm/kgateway-crds/templates"
            crds = crds_at(args.gitdir, ref, folder, r"^gateway\.kgateway\.dev_.*\.yaml$")
            version = args.version or ref.lstrip("v")
            name = f"kgateway-{version}"
            source = {
                "project": "kgateway", "repository": "https://github.com/kgateway-dev/kgateway",
                "ref": ref, "commit": commit, "path": folder, "version": version, "license": "Apache-2.0",
            }
        print(write_bundle(name, source, crds, args.out), f"({len(crds)} CRDs)", file=sys.stderr)
    if args.out == DATA:
        write_notice()
    return 0


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
    lines += ["", "Gateway API: Copyright The Kubernetes Authors. kgateway: Copyright The kgateway Authors.", ""]
    with open(os.path.join(DATA, "NOTICE"), "w") as fh:
        fh.write("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
