"""Custom policies: declarative YAML (a JSON Schema assertion) or Python modules using the
rule API, loaded from directories named by ``--policies DIR`` or the config ``policies``.

A YAML policy file holds one or more documents like::

    id: ACME001                       # the code findings carry
    name: bifrost-image-pinned        # lower-case-with-dashes
    severity: warning                 # error | warning | info
    description: Bifrost images are pinned to a version.
    why: ...                          # optional docs sections
    example: ...
    fix: ...
    match:
      document: k8s                   # k8s (default) | bifrost | continue | aider | cline
      apiVersion: apps/v1             # optional: string or list
      kind: [Deployment, StatefulSet] # optional: string or list
      namespace: ai-external          # optional: string or list
      labels: {app: bifrost}          # optional: every label must match
    path: spec.template.spec          # optional: where the assertion applies (dots, [n])
    assert:                           # a JSON Schema (draft 2020-12)
      properties: ...
    message: optional text put before each schema error

Findings are located on the node that fails (for a missing property, on its parent; for an
unexpected property, on the key).  ``document: bifrost`` matches Bifrost configs wherever
they are (config.json files, ConfigMap data); ``path`` is then relative to the config.

A Python policy is a module (``*.py``) defining ``RULE`` or ``RULES`` with the same ``Rule``
API as the built-in rules, its docstring being its documentation; like them it may define an
autofix, a ``fix`` method (lint/rule.py), which ``--fix``/``--diff`` apply and ``infergw-lint
test`` checks against ``NAME.fixed.yaml`` (lint/expect.py).
"""

from __future__ import annotations

import os
import re
import sys

from .rule import Rule, RuleDocs, field_path, report


class PolicyError(Exception):
    """A policy directory or file that cannot be used (exit code 2)."""


_SEG = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(text: str) -> tuple:
    """``spec.containers[0].image`` -> ("spec", "containers", 0, "image")."""
    if not text:
        return ()
    out = []
    for m in _SEG.finditer(text):
        out.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
    return tuple(out)


def json_path(path: tuple) -> str:
    """``("spec", "containers", 0)`` -> ``$.spec.containers[0]``."""
    fp = field_path(path)
    return "$" + (fp if not fp or fp.startswith("[") else "." + fp)


def schema_reports(errors, base: tuple, prefix: str = "", shown: tuple = ()):
    """Turn jsonschema errors into located reports: (path, message, key).  ``base`` is
    where the validated value sits in the document; messages name JSON paths from
    ``shown`` (the validated value's path from the root the user thinks in)."""
    for err in errors:
        at = base + tuple(err.absolute_path)
        rel = shown + tuple(err.absolute_path)
        if err.validator == "required":
            m = re.match(r"'(.+?)' is a required property", err.message)
            missing = m.group(1) if m else err.message
            yield at, f"{prefix}{json_path(rel)}: missing required property {missing!r}", True
        elif err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = set((err.schema.get("properties") or {}).keys())
            patterns = [re.compile(p) for p in (err.schema.get("patternProperties") or {})]
            extras = [k for k in err.instance if k not in allowed and not any(p.search(str(k)) for p in patterns)]
            for k in extras or [None]:
                if k is None:
                    yield at, f"{prefix}{json_path(rel)}: {err.message}", False
                else:
                    yield at + (k,), f"{prefix}{json_path(rel + (k,))}: unexpected property {k!r}", True
        else:
            yield at, f"{prefix}{json_path(rel)}: {err.message}", False


def _as_list(v) -> list:
    if v is None:
        return []
    return [v] if isinstance(v, str) else list(v)


POLICY_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "name", "severity", "description", "assert"],
    "properties": {
        "id": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_-]*$"},
        "name": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
        "severity": {"enum": ["error", "warning", "info"]},
        "description": {"type": "string", "minLength": 1},
        "why": {"type": "string"},
        "example": {"type": "string"},
        "fix": {"type": "string"},
        "message": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "security-severity": {"type": ["string", "number"]},
        "path": {"type": "string"},
        "match": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "document": {"enum": ["k8s", "bifrost", "continue", "aider", "cline"]},
                "apiVersion": {"type": ["string", "array"], "items": {"type": "string"}},
                "kind": {"type": ["string", "array"], "items": {"type": "string"}},
                "namespace": {"type": ["string", "array"], "items": {"type": "string"}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "assert": {"type": ["object", "boolean"]},
    },
}


class SchemaPolicy(Rule):
    """A declarative policy: match documents, assert a JSON Schema."""

    def __init__(self, spec: dict, origin: str):
        from jsonschema import Draft202012Validator

        self.spec = spec
        self.origin = origin
        self.code = spec["id"]
        self.name = spec["name"]
        self.severity = spec["severity"]
        self.tags = tuple(spec.get("tags") or ("custom",))
        self.security_severity = str(spec.get("security-severity", "5.0"))
        match = spec.get("match") or {}
        self.document = match.get("document", "k8s")
        self.flavors = ("k8s", "bifrost") if self.document == "bifrost" else (self.document,)
        self.api_versions = _as_list(match.get("apiVersion"))
        self.kinds = tuple(_as_list(match.get("kind")))
        self.namespaces = _as_list(match.get("namespace"))
        self.labels = match.get("labels") or {}
        self.sub_path = parse_path(spec.get("path", ""))
        self.prefix = (spec["message"].rstrip() + " ") if spec.get("message") else ""
        try:
            Draft202012Validator.check_schema(spec["assert"])
        except Exception as exc:  # jsonschema.SchemaError
            raise PolicyError(f"{origin}: policy {self.code}: `assert` is not a valid JSON Schema: {exc.message}") from None
        self.validator = Draft202012Validator(spec["assert"])

    @property
    def docs(self) -> RuleDocs:
        sections = {"What it does": self.spec["description"]}
        for key, title in (("why", "Why"), ("example", "Example"), ("fix", "Fix")):
            if self.spec.get(key):
                body = self.spec[key].rstrip()
                if key == "example" and not body.lstrip().startswith(("```", "~~~")):
                    body = "```yaml\n" + body + "\n```"
                sections[title] = body
        sections.setdefault("Why", f"Custom policy from {self.origin}.")
        sections.setdefault("Example", "(none given)")
        sections.setdefault("Fix", "Make the document satisfy the policy's assertion.")
        return RuleDocs(self.spec["description"].strip().splitlines()[0], sections)

    def applies(self, doc) -> bool:
        if doc.flavor not in self.flavors:
            return False
        if self.document == "bifrost":
            return True
        if self.document != "k8s":
            return True
        if self.kinds and doc.kind not in self.kinds:
            return False
        if self.api_versions and doc.api_version not in self.api_versions:
            return False
        labels = doc.labels
        return all(labels.get(k) == v for k, v in self.labels.items())

    def check(self, doc, ctx):
        if self.namespaces and doc.flavor == "k8s" and ctx.index.namespace_of(doc) not in self.namespaces:
            return
        if self.document == "bifrost":
            from .domain import bifrost_configs

            targets = [(cfg.base, cfg.data) for cfg in bifrost_configs(doc)]
        else:
            targets = [((), doc.data)]
        for base, data in targets:
            cur = data
            for seg in self.sub_path:
                if isinstance(cur, dict) and seg in cur:
                    cur = cur[seg]
                elif isinstance(cur, list) and isinstance(seg, int) and 0 <= seg < len(cur):
                    cur = cur[seg]
                else:
                    cur = _MISSING
                    break
            if cur is _MISSING:
                continue
            errors = sorted(self.validator.iter_errors(cur), key=lambda e: list(map(str, e.absolute_path)))
            for path, message, key in schema_reports(errors, base + self.sub_path, self.prefix, self.sub_path):
                yield report(path, message, key=key)


_MISSING = object()


def _load_yaml_policies(path: str) -> list:
    from jsonschema import Draft202012Validator

    from .loader import read_yaml_file

    out = []
    validator = Draft202012Validator(POLICY_SCHEMA)
    for doc in read_yaml_file(path, PolicyError):
        if not isinstance(doc.data, dict):
            raise PolicyError(f"{path}:{doc.span(()).line}: a policy is a mapping")
        errors = list(validator.iter_errors(doc.data))
        if errors:
            lines = []
            for p_, msg, key in schema_reports(errors, ()):
                span = doc.span(p_, key=key)
                lines.append(f"{path}:{span.line}:{span.column}: {msg}")
            raise PolicyError("invalid policy:\n  " + "\n  ".join(lines))
        out.append(SchemaPolicy(doc.data, path))
    return out


def _load_python_policies(path: str) -> list:
    import hashlib
    import importlib.util

    digest = hashlib.sha1(os.path.abspath(path).encode()).hexdigest()[:10]
    stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0])
    modname = f"infergw_lint_policy_{digest}_{stem}"
    spec = importlib.util.spec_from_file_location(modname, path)
    if spec is None or spec.loader is None:
        raise PolicyError(f"{path}: cannot import")
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[modname]
        raise PolicyError(f"{path}: error while importing the policy: {type(exc).__name__}: {exc}") from None
    rules = list(getattr(module, "RULES", []) or [])
    if getattr(module, "RULE", None) is not None:
        rules.append(module.RULE)
    if not rules:
        raise PolicyError(f"{path}: defines neither RULE nor RULES")
    for r in rules:
        if not isinstance(r, Rule) or not r.code or not r.name:
            raise PolicyError(f"{path}: {r!r} is not a Rule with a code and a name")
    return rules


def load_policies(dirs: list[str], data_only: list[str] = (), skipped: list | None = None) -> list:
    """Every policy in ``dirs`` and ``data_only`` (not recursive: a ``tests/`` folder beside
    them holds fixtures).  ``data_only`` directories (named by a configuration file found in
    the linted tree) give their YAML policies only: a Python policy is code, and code runs
    only when the person running the linter names it (``--policies``,
    ``--allow-python-policies``).  The ``*.py`` files left out are added to ``skipped``."""
    from infergw_lint.rules import all_rules

    rules: list = []
    named = {os.path.realpath(d) for d in dirs}
    todo = [(d, True) for d in dirs] + [(d, False) for d in data_only if os.path.realpath(d) not in named]
    for d, code_allowed in todo:
        if not os.path.isdir(d):
            raise PolicyError(f"{d}: policy directory does not exist")
        for name in sorted(os.listdir(d)):
            full = os.path.join(d, name)
            if not os.path.isfile(full) or name.startswith((".", "_")):
                continue
            if name.endswith((".yaml", ".yml")):
                rules += _load_yaml_policies(full)
            elif name.endswith(".py"):
                if code_allowed:
                    rules += _load_python_policies(full)
                elif skipped is not None:
                    skipped.append(full)
    if not rules:  # nothing to compare with the built-in rules: their modules are not imported here
        return rules
    builtin = {r.code.upper(): r for r in all_rules()}
    seen: dict = {}
    for r in rules:
        if r.code.upper() in builtin:
            raise PolicyError(f"policy {r.code} ({r.name}) uses the code of built-in rule {builtin[r.code.upper()].name}")
        if r.code.upper() in seen:
            raise PolicyError(f"policy code {r.code} is defined twice")
        seen[r.code.upper()] = r
    return rules
