"""A file or document that cannot be parsed as YAML or JSON.

## What it does

Reports a file that is not valid YAML or JSON, is not UTF-8 text, is binary, cannot be
read, or holds a document too deep or too large to load; also invalid JSON or YAML held
in a ConfigMap data key named `*.json`/`*.yaml`. The finding points at the exact
place the parser stopped (inside embedded JSON too). Every other file is still linted.

## Why

`kubectl apply` rejects the whole file, and a Bifrost config.json that does not parse
keeps the gateway from starting. A linter that skips the file silently would report the
tree as clean.

## Example

```yaml
data:
  config.json: |
    {"providers": {"openai": {"keys": []},}}   # trailing comma
```

## Fix

Correct the syntax at the reported line and column. Indent YAML with spaces, never tabs.

Autofix: no.
"""

from infergw_lint.rule import EngineRule


class ParseError(EngineRule):
    code = "IGW000"
    name = "parse-error"
    severity = "error"
    tags = ("syntax",)
    security_severity = "3.0"


RULE = ParseError()
