"""Bifrost workload without pod `securityContext.fsGroup: 1000`.

## What it does

Finds workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod) with a
container running the Bifrost image (`maximhq/bifrost` or any image whose name is
`bifrost`) and reports the pod spec when `securityContext.fsGroup` is missing, or the
value when it is not the expected group (1000; rule option `fs_group`).

## Why

The Bifrost image runs as a non-root user (UID 1000) and keeps `config.json`,
`config.db` and `logs.db` in its app dir. On a PersistentVolume the directory is owned
by root unless the pod sets `fsGroup`: Bifrost cannot write its SQLite database and
crash-loops with permission errors.

## Example

```yaml
spec:
  template:
    spec:
      containers:
      - name: bifrost
        image: maximhq/bifrost:latest
```

## Fix

```yaml
spec:
  template:
    spec:
      securityContext:
        fsGroup: 1000
```

Autofix: yes -- `infergw-lint --fix` adds `fsGroup` to the pod `securityContext`
(created if missing, other keys kept) or corrects a wrong value.
"""

from infergw_lint.domain import containers, is_bifrost_image, pod_spec
from infergw_lint.rule import Rule, option, report


class MissingFsGroup(Rule):
    code = "IGW203"
    name = "bifrost-missing-fsgroup"
    severity = "error"
    kinds = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob")
    tags = ("bifrost", "security")
    security_severity = "4.0"
    fixable = True

    def check(self, doc, ctx):
        found = pod_spec(doc)
        if found is None:
            return
        base, spec = found
        images = [c.get("image") for _, c in containers(spec, base) if is_bifrost_image(c.get("image"))]
        if not images:
            return
        want = option(ctx, self, "fs_group", 1000)
        sc = spec.get("securityContext")
        fs = sc.get("fsGroup") if isinstance(sc, dict) else None
        if fs is None:
            where = base + ("securityContext",) if isinstance(sc, dict) else base
            yield report(
                where,
                f"pod runs {images[0]} without securityContext.fsGroup; Bifrost runs as UID 1000 and "
                f"cannot write its app dir on a volume (set fsGroup: {want})",
                key=True,
            )
        elif fs != want:
            yield report(
                base + ("securityContext", "fsGroup"),
                f"fsGroup is {fs!r}; the Bifrost image writes its app dir as group {want}",
            )


RULE = MissingFsGroup()
