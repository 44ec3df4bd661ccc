"""Bifrost workload without a pod `securityContext.fsGroup`.

## What it does

Finds workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod) with a
container running the Bifrost image (`maximhq/bifrost` or any image whose name is
`bifrost`) and reports the pod spec when `securityContext.fsGroup` is missing, or the
value when it is not a group ID (a whole number >= 0). Any fsGroup makes the volume
writable: the kubelet gives the volume to that group and adds the group to every container
process. Only when the rule option `fs_group` names a value (your platform's policy) is a
different value reported.

## Why

The Bifrost image runs as a non-root user and keeps `config.json`, `config.db` and
`logs.db` in its app dir. On a PersistentVolume the directory is owned by root unless the
pod sets `fsGroup`: Bifrost cannot write its SQLite database, and its entrypoint exits
when the app dir is not writable, so the pod crash-loops. `1000` (the image's user, and
the deployment guide's and the upstream chart's value) is one choice among many.

## Example

```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: bifrost}
spec:
  template:
    spec:
      containers:
      - name: bifrost
        image: maximhq/bifrost:v1.5.3
```

## Fix

```yaml
spec:
  template:
    spec:
      securityContext:
        fsGroup: 1000
```

On OpenShift the restricted SCC assigns an fsGroup itself; disable the rule there
(`rules: {IGW203: false}`) rather than writing one. To require one exact group, set
`rules: {IGW203: {options: {fs_group: 2000}}}`.

Autofix: yes -- `infergw-lint --fix` adds `fsGroup` (the `fs_group` option, else 1000) to
the pod `securityContext` (created if missing, other keys kept), or writes the configured
`fs_group` over another value.
"""

from infergw_lint.domain import WORKLOAD_POD_SPEC, bifrost_containers, pod_spec
from infergw_lint.rule import Refused, Rule, option, report


DEFAULT_FS_GROUP = 1000  # the image's user; what --fix writes when no fs_group option is set


class MissingFsGroup(Rule):
    code = "IGW203"
    name = "bifrost-missing-fsgroup"
    severity = "error"
    kinds = tuple(WORKLOAD_POD_SPEC)
    tags = ("bifrost", "security")
    requires = staticmethod(bifrost_containers)  # nothing to report in a document without one
    security_severity = "4.0"
    fix_order = 1  # may add a securityContext mapping: after the value fixes
    fix_title = "Set the pod's securityContext.fsGroup"

    def check(self, doc, ctx):
        found = pod_spec(doc)
        if found is None:
            return
        base, spec = found
        images = [c.get("image") for _, c in bifrost_containers(doc)]
        if not images:
            return
        required = option(ctx, self, "fs_group", None)
        want = required if required is not None else DEFAULT_FS_GROUP
        sc = spec.get("securityContext")
        fs = sc.get("fsGroup") if isinstance(sc, dict) else None
        if fs is None:
            where = base + ("securityContext",) if isinstance(sc, dict) else base
            yield report(
                where,
                f"pod has no securityContext.fsGroup: it runs {images[0]}, and Bifrost runs as a non-root user "
                f"and cannot write its app dir on a volume. Set an fsGroup, e.g. {want}",
                key=True, help=f"Set an fsGroup, e.g. {want}",
            )
        elif isinstance(fs, bool) or not isinstance(fs, int) or fs < 0:
            yield report(
                base + ("securityContext", "fsGroup"),
                f"fsGroup is {fs!r}, not a group ID: the API server rejects the pod (write a whole number such as {want})",
            )
        elif required is not None and fs != required:
            yield report(
                base + ("securityContext", "fsGroup"),
                f"fsGroup is {fs!r}; the rule option fs_group requires {required!r}",
            )


    def fix(self, edit, finding, ctx):
        from infergw_lint.yamledit import insert_key, new_map_like, set_value

        want = option(ctx, self, "fs_group", DEFAULT_FS_GROUP)
        if isinstance(want, bool) or not isinstance(want, int):
            raise Refused(f"the configured fs_group {want!r} is not a number")
        root = edit.root
        kind = root.get("kind") if isinstance(root, dict) else None
        path = WORKLOAD_POD_SPEC.get(kind if isinstance(kind, str) else "")
        if path is None:
            raise Refused("not a workload with a pod template")
        spec = edit.get(path)
        if not isinstance(spec, dict):
            raise Refused("the pod spec is not a mapping")
        if "securityContext" not in spec or spec["securityContext"] is None:
            sc = new_map_like(spec)
            sc["fsGroup"] = want
            if "securityContext" in spec:
                spec["securityContext"] = sc
            else:
                keys = list(spec.keys())
                firsts = [keys.index(k) for k in ("initContainers", "containers") if k in keys]
                # before the containers (after any other pod field), or last when they come first
                insert_key(spec, min(firsts) if firsts and min(firsts) > 0 else len(keys), "securityContext", sc)
            return f"added securityContext.fsGroup: {want} to the pod spec"
        sc = spec["securityContext"]
        if not isinstance(sc, dict):
            raise Refused("the pod securityContext is not a mapping")
        old = sc.get("fsGroup")
        if "fsGroup" in sc:
            if old == want and type(old) is type(want):
                raise Refused(f"fsGroup is already {want}")
            set_value(sc, "fsGroup", want)
            return f"securityContext.fsGroup {old!r} -> {want}"
        insert_key(sc, len(sc), "fsGroup", want)
        return f"added fsGroup: {want} to the existing pod securityContext"


RULE = MissingFsGroup()
