"""Bifrost container `args` (such as `-app-dir`) that the image's entrypoint ignores.

## What it does

Reports the `args` of a container running the Bifrost image (`maximhq/bifrost`, or any
image named `bifrost`) that does not replace the entrypoint with its own `command`. The
message names the environment variable to use for each flag it knows (`-app-dir` ->
`APP_DIR`, `-port` -> `APP_PORT`, `-host` -> `APP_HOST`, `-log-level` -> `LOG_LEVEL`).

## Why

The image's entrypoint (transports/docker-entrypoint.sh) reads `APP_DIR`, `APP_PORT`,
`APP_HOST` and `LOG_LEVEL` from the environment and does not pass container arguments
on; older entrypoints hang on them. The deployment guide's `args: ["-app-dir",
"/app/data"]` therefore does nothing: Bifrost keeps its default app dir, and the
config.json and SQLite files on the volume you mounted are never read.

## Example

```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: bifrost, namespace: ai-external}
spec:
  template:
    spec:
      containers:
      - name: bifrost
        image: maximhq/bifrost:v1.5.3
        args: ["-app-dir", "/app/data"]
```

## Fix

```yaml
      containers:
      - name: bifrost
        image: maximhq/bifrost:v1.5.3
        env:
        - {name: APP_DIR, value: /app/data}
```

Autofix: no -- moving a flag into `env` is easy to do by hand and the message names the variable.
"""

from infergw_lint.domain import WORKLOAD_POD_SPEC, bifrost_containers
from infergw_lint.rule import Rule, report

FLAGS = {"app-dir": "APP_DIR", "port": "APP_PORT", "host": "APP_HOST", "log-level": "LOG_LEVEL"}


def _env_for(args: list) -> list[str]:
    """``NAME=value`` suggestions for the flags in ``args``."""
    out = []
    for i, arg in enumerate(args):
        if not isinstance(arg, str) or not arg.startswith("-"):
            continue
        flag, _, value = arg.lstrip("-").partition("=")
        env = FLAGS.get(flag.lower())
        if env is None:
            continue
        if not value and i + 1 < len(args) and isinstance(args[i + 1], str) and not args[i + 1].startswith("-"):
            value = args[i + 1]
        out.append(f"{env}={value}" if value else env)
    return out


class ContainerArgsIgnored(Rule):
    code = "IGW214"
    name = "bifrost-container-args-ignored"
    severity = "error"
    kinds = tuple(WORKLOAD_POD_SPEC)
    tags = ("bifrost", "llm-serving")
    requires = staticmethod(bifrost_containers)  # nothing to report in a document without one
    security_severity = "2.0"

    def check(self, doc, ctx):
        for path, c in bifrost_containers(doc):
            if path[-2] == "initContainers":
                continue
            args = c.get("args")
            if not isinstance(args, list) or not args or c.get("command"):
                continue
            env = _env_for(args)
            use = f"Set env {', '.join(env)} instead" if env else "Use the APP_DIR, APP_PORT, APP_HOST and LOG_LEVEL environment variables"
            yield report(
                path + ("args",),
                f"container {c.get('name') or path[-1]!s} passes args the Bifrost image ignores: its entrypoint "
                f"ignores them (older releases hang on them). {use}",
                key=True, help=use,
            )


RULE = ContainerArgsIgnored()
