"""A ReadWriteOnce volume shared by the replicas of a workload.

## What it does

For a Deployment, ReplicaSet, ReplicationController or StatefulSet that can run more than
one pod, reports every pod volume that names a PersistentVolumeClaim (`volumes[].
persistentVolumeClaim.claimName`) whose access modes, in the linted set, are only
`ReadWriteOnce` or `ReadWriteOncePod`. A DaemonSet mounting such a claim is reported
too (it runs a pod on every node).

More than one pod means `spec.replicas` > 1 (a missing `replicas` is 1), or a
HorizontalPodAutoscaler in the set that targets the workload with `maxReplicas` > 1.
A StatefulSet's `volumeClaimTemplates` give each pod its own claim and are fine; a
StatefulSet that mounts one shared claim by name is the same problem.

The finding sits on the volume's `claimName` (the line to change); the message names the
replica count and where it comes from. Claims that are not in the linted set are not
checked (their access modes are unknown; use `--context`).

## Why

A ReadWriteOnce volume (an EBS volume on EKS) attaches to one node at a time. With three
replicas the scheduler places pods on other nodes, where the attach fails
(`Multi-Attach error`) and the pods hang in ContainerCreating; on one node they all
write the same SQLite files (Bifrost's `config.db`/`logs.db`) and corrupt them.
`ReadWriteOncePod` allows a single pod at all, so the second replica never starts.

## Example

```yaml
kind: Deployment
spec:
  replicas: 3
  template:
    spec:
      volumes:
        - name: bifrost-data
          persistentVolumeClaim:
            claimName: bifrost-data     # accessModes: [ReadWriteOnce]
```

## Fix

Run one replica with `strategy: {type: Recreate}` (so the old pod releases the volume
first), or give each replica its own volume with a StatefulSet `volumeClaimTemplates`,
or use a ReadWriteMany storage class (EFS), or move Bifrost's state to PostgreSQL
(`config_store`/`logs_store`) and drop the shared volume.

Autofix: no.
"""

from __future__ import annotations

from infergw_lint.domain import pod_spec
from infergw_lint.rule import Rule, report

SINGLE_NODE = frozenset({"ReadWriteOnce", "ReadWriteOncePod"})
SHARED = frozenset({"ReadWriteMany", "ReadOnlyMany"})


def _hpa_max(index, doc) -> tuple[int, object] | None:
    """(maxReplicas, HPA) of a HorizontalPodAutoscaler targeting ``doc`` (cached per run)."""
    def build() -> dict:
        table: dict = {}
        for hpa in index.of_kind("HorizontalPodAutoscaler"):
            ref = hpa.get("spec", "scaleTargetRef")
            top = hpa.get("spec", "maxReplicas")
            if (
                isinstance(ref, dict) and isinstance(ref.get("kind"), str) and isinstance(ref.get("name"), str)
                and isinstance(top, int) and not isinstance(top, bool)
            ):
                key = (index.namespace_of(hpa), ref.get("kind"), ref.get("name"))
                if top > table.get(key, (0, None))[0]:
                    table[key] = (top, hpa)
        return table

    return index.memo("igw208-hpas", build).get((index.namespace_of(doc), doc.kind, doc.name))


def _claim_name(vol) -> str | None:
    """The claimName of a persistentVolumeClaim volume (a non-empty string), else None."""
    pvc = vol.get("persistentVolumeClaim") if isinstance(vol, dict) else None
    claim = pvc.get("claimName") if isinstance(pvc, dict) else None
    return claim if isinstance(claim, str) and claim else None


class RwoVolumeSharedByReplicas(Rule):
    code = "IGW208"
    name = "rwo-volume-shared-by-replicas"
    severity = "error"
    kinds = ("Deployment", "ReplicaSet", "ReplicationController", "StatefulSet", "DaemonSet")
    tags = ("storage", "availability")
    security_severity = "3.0"

    def check(self, doc, ctx):
        found = pod_spec(doc)
        if found is None:
            return
        base, spec = found
        volumes = spec.get("volumes")
        if not isinstance(volumes, list):
            return
        claims = [(i, claim) for i, vol in enumerate(volumes) if (claim := _claim_name(vol))]
        if not claims:
            return  # (most workloads) no claim: how many pods it runs is not asked
        index = ctx.index
        ns = index.namespace_of(doc)
        pods = self._pods(doc, index)
        if pods is None:
            return
        count, why = pods
        for i, claim in claims:
            target = index.get("PersistentVolumeClaim", ns, claim)
            if target is None:
                continue
            modes = target.get("spec", "accessModes")
            modes = {m for m in modes if isinstance(m, str)} if isinstance(modes, list) else set()
            if not (modes & SINGLE_NODE) or (modes & SHARED):
                continue
            mode = "ReadWriteOncePod" if modes == {"ReadWriteOncePod"} else "ReadWriteOnce"
            effect = (
                "only one pod may use it, so the other replicas never start"
                if mode == "ReadWriteOncePod"
                else "it attaches to one node, so pods scheduled elsewhere hang in ContainerCreating "
                "(Multi-Attach error) and pods on the same node share its SQLite files"
            )
            fix = ("Run one replica with strategy Recreate, use StatefulSet volumeClaimTemplates, or a "
                   "ReadWriteMany volume")
            yield report(
                base + ("volumes", i, "persistentVolumeClaim", "claimName"),
                f"{mode} PersistentVolumeClaim {claim!r} is mounted by more than one pod: {doc.kind} "
                f"{ns}/{doc.name} {why} and mounts it, and {effect}. {fix}",
                help=fix,
            )

    @staticmethod
    def _pods(doc, index):
        """(pod count, how it is known) when the workload can run more than one pod."""
        if doc.kind == "DaemonSet":
            return 2, "runs a pod on every node"
        replicas = doc.get("spec", "replicas", default=1)
        if replicas is None:
            replicas = 1
        if isinstance(replicas, bool) or not isinstance(replicas, int):
            return None
        if replicas > 1:
            return replicas, f"runs {replicas} replicas (spec.replicas)"
        hpa = _hpa_max(index, doc)
        if hpa is not None and hpa[0] > 1:
            return hpa[0], (
                f"is scaled up to {hpa[0]} replicas by HorizontalPodAutoscaler {index.namespace_of(hpa[1])}/{hpa[1].name}"
            )
        return None


RULE = RwoVolumeSharedByReplicas()
