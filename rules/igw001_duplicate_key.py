"""A mapping with the same key twice.

## What it does

Reports every repeated key in a YAML or JSON mapping (and in JSON embedded in a
ConfigMap), located on the second occurrence, naming the line of the first.

## Why

Kubernetes' strict decoding rejects duplicate fields, while many YAML tools silently keep
the last value: what you review is not what the cluster gets. In a Bifrost config.json a
repeated `providers` key drops one of the two maps without a word.

## Example

```yaml
metadata:
  name: bifrost
  name: bifrost-v2
```

## Fix

Keep one of the keys and delete the other.

Autofix: no.
"""

from infergw_lint.rule import EngineRule


class DuplicateKey(EngineRule):
    code = "IGW001"
    name = "duplicate-key"
    severity = "error"
    tags = ("syntax",)
    security_severity = "3.0"


RULE = DuplicateKey()
