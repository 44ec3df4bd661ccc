"""Bifrost config.json that does not match Bifrost's documented config schema.

## What it does

Validates every Bifrost config with JSON Schema (draft 2019-09) against
`schemas/bifrost-config.schema.json`, shipped in the package and written by this
project from Bifrost's documented fields. It checks:

- the top level: only known keys (`$schema`, `providers`, `plugins`, `client`,
  `governance`, `mcp`, `config_store`, `logs_store`, `source_of_truth`, ...);
- `providers`: an object keyed by provider name, each entry with `keys` (at least one;
  optional for `ollama`, `sgl` and key-less custom providers), `network_config`,
  `concurrency_and_buffer_size`, `proxy_config`, `custom_provider_config`, ...;
- every key: `name` and `weight` (a number >= 0) required, `value` a string
  (`env.VAR` allowed), `models` a list of strings;
- `plugins`: a list of `{enabled, name, config}`; the `otel` plugin's config needs
  `collector_url`, `trace_type` and `protocol` (`http` or `grpc`), and may carry
  `service_name`, `headers` (string values), `tls_ca_cert`, `insecure` (or a
  `profiles` list of such configs, newer Bifrost).

Each error is reported on the exact node, inside JSON embedded in a ConfigMap too: the
failing value; for a missing required field the object that lacks it; for an unknown key
the key itself. The message names the JSON path and the expected shape. Unknown keys are
warnings (Bifrost ignores them); everything else is an error. Errors that IGW201
(`providers` as an array) and IGW202 (the `trace_type` value) already report are not
repeated.

Where Bifrost configs are found (for every IGW2xx rule and IGW302):

- a file named `config.json` with `providers`, or any JSON/YAML file whose root has the
  Bifrost `$schema` (`https://www.getbifrost.ai/schema`) or `providers` next to
  `plugins`;
- a ConfigMap `data` key holding such JSON (`config.json: |`);
- a Helm-style values file (any other YAML that is not a Kubernetes resource): a mapping
  at most three levels under its root (`bifrost: {config: {...}}`) that carries the
  Bifrost `$schema`, or `providers` next to a `plugins` *list*. The upstream chart's
  own `bifrost:` block (camelCase settings, `plugins` as a map) is not config.json and
  is not checked; a config written as a JSON string inside a values file is not parsed.

## Why

Bifrost decodes config.json into typed structures at start-up. A wrong type (`"weight":
"1"`, `"keys": {}`) makes the file fail to load; a missing `weight` or `name`
breaks key selection; a misspelt key (`"network_confg"`) is silently ignored, so the
base URL or timeout you wrote never applies and requests go to the provider's public API.

## Example

```json
{
  "providers": {
    "openai": {
      "keys": [{"name": "local-vllm", "value": "dummy", "models": ["glm-5"]}],
      "network_confg": {"base_url": "http://vllm-service:8000"}
    }
  }
}
```

## Fix

Follow the path in the message: add the missing field (`"weight": 1`), correct the
type, or fix the key's spelling (`network_config`). The schema lives in the package
(`infergw_lint/schemas/bifrost-config.schema.json`) for editors that validate JSON.

Autofix: no.
"""

from __future__ import annotations

import json

from infergw_lint.bifrost_releases import range_for, schema_for
from infergw_lint.domain import bifrost_configs
from infergw_lint.quickschema import blind_key, explains, is_valid, iter_errors, json_type
from infergw_lint.rule import Rule, close_matches, field_path, report, sha256

MAX_ERRORS = 100  # per config


def schema(release: dict | None = None) -> dict:
    """The config schema of a release range (bifrost_releases; None: the newest)."""
    return schema_for(release)


_VALIDATORS: dict = {}


def validator(release: dict | None = None):
    """The compiled validator of a release range, built on first use (jsonschema is slow
    to import)."""
    key = release["name"] if release else None
    found = _VALIDATORS.get(key)
    if found is None:
        from jsonschema import Draft201909Validator

        found = _VALIDATORS[key] = Draft201909Validator(schema_for(release))
    return found


def schema_errors(release: dict | None, data):
    """jsonschema's errors of ``data`` against a release range's schema, in its order:
    from quickschema when it knows every keyword of the schema (no jsonschema import, no
    validator to build; a valid config costs what the quick check costs), else from
    jsonschema itself, asked only when the quick check cannot tell the config is valid."""
    sch = schema_for(release)
    if explains(sch):
        return iter_errors(sch, data)
    if is_valid(sch, data):
        return ()  # surely valid: no need to import jsonschema
    return validator(release).iter_errors(data)


_TYPE_NAMES = {
    "string": "a string", "number": "a number", "integer": "an integer", "boolean": "true or false",
    "object": "an object", "array": "a list", "null": "null",
}


# a JSON type named with its article, in the words of IGW206's messages ("is a list")
_TYPE_WORDS = {
    "boolean": "a boolean", "integer": "an integer", "number": "a number", "string": "a string",
    "array": "a list", "object": "an object",
}


def kind_of(value) -> str:
    t = json_type(value)
    return _TYPE_WORDS.get(t, t)


def expect(sub) -> str:
    """The expected shape of a schema node, in words."""
    if not isinstance(sub, dict):
        return "a valid value"
    if "x-expect" in sub:
        return sub["x-expect"]
    if "enum" in sub:
        return "one of " + ", ".join(json.dumps(v) for v in sub["enum"])
    if "const" in sub:
        return json.dumps(sub["const"])
    t = sub.get("type")
    words = " or ".join(_TYPE_NAMES.get(x, x) for x in t) if isinstance(t, list) else _TYPE_NAMES.get(t, "a value")
    if "minimum" in sub and "maximum" in sub:
        words += f" from {sub['minimum']} to {sub['maximum']}"
    elif "minimum" in sub:
        words += f" >= {sub['minimum']}"
    elif "maximum" in sub:
        words += f" <= {sub['maximum']}"
    if "maxLength" in sub:
        words += f" of at most {sub['maxLength']} characters"
    if "minItems" in sub:
        words += f" with at least {sub['minItems']} item(s)"
    return words


def _short(value) -> str:
    """A value for a message: short scalars as JSON, never a long string (it may be a secret)."""
    if isinstance(value, str):
        return json.dumps(value) if len(value) <= 24 and " " not in value else f"a {len(value)}-character string"
    if isinstance(value, (int, float, bool)) or value is None:
        return json.dumps(value)
    return kind_of(value)


_CLOSE: dict = {}  # (unknown key, the known keys) -> difflib's closest known key, as a list


def _close_match(word: str, known: tuple) -> list:
    """``close_matches(word, known, n=1)``, kept by its arguments (the same
    misspelt key recurs in every copy of a config; difflib costs ~0.1 ms a call)."""
    key = (word, known)
    got = _CLOSE.get(key)
    if got is None:
        got = close_matches(word, known, n=1)
        if len(_CLOSE) < 10_000:
            _CLOSE[key] = got
    return got


def _where(path: tuple) -> str:
    return f"`{field_path(path)}`" if path else "the top level"


def _text_of(doc, base: tuple) -> str | None:
    """The string a config embedded at ``base`` was decoded from (a ConfigMap's
    ``data.config.json``), or None for a config that is the document or part of its data."""
    if not base:
        return None
    cur = doc.data
    for seg in base:
        if isinstance(cur, dict) and seg in cur:
            cur = cur[seg]
        elif isinstance(cur, list) and type(seg) is int and 0 <= seg < len(cur):
            cur = cur[seg]
        else:
            return None
    return cur if type(cur) is str else None


def _recorded(errors, into: list):
    """``errors``, each also appended to ``into`` as it is read: a reader that stops early
    (MAX_ERRORS) reads the same prefix again from ``into`` and stops at the same error."""
    for err in errors:
        into.append(err)
        yield err


class BifrostConfigSchema(Rule):
    code = "IGW206"
    name = "bifrost-config-schema"
    severity = "error"
    flavors = ("k8s", "bifrost")
    k8s_kinds = ("ConfigMap",)  # domain.bifrost_configs: configs are in ConfigMaps only
    tags = ("bifrost", "config", "schema")
    requires = staticmethod(bifrost_configs)  # nothing to report in a document without one
    security_severity = "4.0"

    def check(self, doc, ctx):
        configs = bifrost_configs(doc)
        if not configs:
            return
        keep_severity = self.code in (getattr(ctx.options, "severity", None) or {})
        version = ctx.versions.bifrost_for(doc)
        release = range_for(version)  # None (unknown): the newest schema, which knows every key
        has_index = getattr(ctx, "index", None) is not None
        memo = ctx.index.memo("igw206-verdicts", dict) if has_index else {}
        alike_memo = ctx.index.memo("igw206-errors", dict) if has_index else {}
        for cfg in configs:
            # the same config (a copy per tenant, per overlay) read by the same release is
            # validated once per run: its findings, relative to the config, are kept by content
            # (a config embedded in a ConfigMap is keyed by its text: the same text decodes to
            # the same config, and the string is at hand; otherwise by a digest of the data)
            text = _text_of(doc, cfg.base)
            content = text if text is not None else sha256(repr(cfg.data).encode("utf-8", "surrogatepass")).digest()
            key = (keep_severity, release["name"] if release else None, version.describe(), content)
            found = memo.get(key)
            if found is None:
                # copies that differ only in strings the schema reads as "a string" (URLs and
                # names of each tenant's services) have the same schema errors: those are kept
                # by the release and that key, and each copy's messages made from them (a
                # message may name the Bifrost version and where it was read)
                sch = schema_for(release)
                blind = blind_key(sch, cfg.data) if explains(sch) else None
                alike = None if blind is None else (release["name"] if release else None, blind)
                errors = alike_memo.get(alike) if alike is not None else None
                recorded = None
                if errors is None:
                    errors = schema_errors(release, cfg.data)
                    if alike is not None:  # what _check_config reads of them (it may stop early)
                        recorded = []
                        errors = _recorded(errors, recorded)
                found = memo[key] = [
                    (rep.path[len(cfg.base):], rep.message, rep.key, rep.severity)
                    for rep in self._check_config(cfg, keep_severity, release, version, errors)
                ]
                if recorded is not None:  # (kept once read without an exception)
                    alike_memo[alike] = recorded
            for rel, message, key_, severity in found:
                yield report(cfg.path(*rel), message, key=key_, severity=severity)

    def _check_config(self, cfg, keep_severity: bool, release=None, version=None, errors=None):
        """The reports of ``schema_errors(release, cfg.data)`` (or of ``errors``, those of a
        config with the same ``blind_key``)."""
        seen: set = set()
        count = 0
        for err in schema_errors(release, cfg.data) if errors is None else errors:
            path = tuple(err.absolute_path)
            kw = err.validator
            if self._owned_elsewhere(path, kw, err.instance):
                continue
            if (path, kw) in seen:
                continue
            seen.add((path, kw))
            count += 1
            if count > MAX_ERRORS:
                return
            where = _where(path)
            if kw == "required":
                missing = [p for p in err.validator_value if isinstance(err.instance, dict) and p not in err.instance]
                names = ", ".join(f"`{m}`" for m in missing) or "a required field"
                yield report(
                    cfg.path(*path),
                    f"{where} lacks required {names}; Bifrost's config schema requires it "
                    f"(expected {expect(err.schema)})",
                )
            elif kw == "additionalProperties":
                props = sorted((err.schema.get("properties") or {}).keys())
                extras = [k for k in err.instance if k not in props] if isinstance(err.instance, dict) else []
                for extra in extras:
                    hint = _close_match(str(extra), tuple(props))
                    did = f" (did you mean `{hint[0]}`?)" if hint else ""
                    if not path and release is not None and extra in schema_for(None).get("properties", {}):
                        did = f" (a key of newer Bifrost releases; this config is read by Bifrost {version} ({version.source}))"
                    shown = ", ".join(props[:12]) + (", ..." if len(props) > 12 else "")
                    yield report(
                        cfg.path(*path, extra),
                        f"unknown key `{extra}` in {where}{did}; Bifrost ignores it, so the setting has no "
                        f"effect (expected one of: {shown})",
                        key=True,
                        severity=None if keep_severity else "warning",
                    )
            elif kw == "type":
                yield report(
                    cfg.path(*path),
                    f"{where} is {kind_of(err.instance)}; expected {expect(err.schema)}: Bifrost cannot decode "
                    "the config",
                )
            elif kw in ("enum", "const"):
                yield report(
                    cfg.path(*path),
                    f"{where} is {_short(err.instance)}; expected {expect(err.schema)}",
                )
            elif kw in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "maxLength", "minLength"):
                yield report(
                    cfg.path(*path),
                    f"{where} is {_short(err.instance)}; expected {expect(err.schema)}",
                )
            elif kw == "minItems":
                n = len(err.instance) if isinstance(err.instance, list) else 0
                yield report(
                    cfg.path(*path),
                    f"{where} has {n} item(s); expected {expect(err.schema)}",
                )
            else:
                yield report(
                    cfg.path(*path),
                    f"{where} does not match the config schema ({kw}); expected {expect(err.schema)}",
                )

    @staticmethod
    def _owned_elsewhere(path: tuple, kw: str, instance) -> bool:
        """Errors another rule reports with a better message."""
        if path == ("providers",) and kw == "type" and isinstance(instance, list):
            return True  # IGW201
        if path and path[-1] == "trace_type" and kw in ("enum", "const", "type") and "plugins" in path:
            return True  # IGW202
        return False


RULE = BifrostConfigSchema()
