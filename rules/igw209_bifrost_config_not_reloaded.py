"""Bifrost config.json from a ConfigMap onto a persistent app dir, with nothing that reloads it.

## What it does

Finds workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet) with a Bifrost container
(image name `bifrost`) whose app dir (the `APP_DIR` environment variable, default
`/app/data`; `-app-dir` only where the container replaces the image's entrypoint with its
own `command`, since the entrypoint ignores `args`, see IGW214) is a
PersistentVolumeClaim (a `persistentVolumeClaim` volume or a StatefulSet
`volumeClaimTemplates` entry) and whose config.json comes from a ConfigMap volume: the
seed's pattern, where an init container copies it from the ConfigMap mount into the app
dir, or a `subPath` mount of it. The ConfigMap counts when, in the linted set, it holds
a Bifrost config; when it is not in the set, when an init container's command mentions
`config.json`.

Reports the pod template's annotations (or its metadata, when there are none) unless one
of these is present:

- a pod-template annotation whose key contains `checksum` (Helm's
  `checksum/config: {{ include ... | sha256sum }}`): a changed ConfigMap changes the
  template and rolls the pods;
- a Stakater Reloader annotation on the workload (`reloader.stakater.com/auto`,
  `configmap.reloader.stakater.com/reload`);
- `"source_of_truth": "config.json"` in the Bifrost config. This is a real Bifrost
  field (`split` by default): with `config.json` the sections present in the file win
  over config.db at start-up. It still takes a restart to apply.

## Why

Bifrost reads config.json at start-up and reconciles it into config.db (SQLite) in the app
dir; afterwards it serves from the database. On a PersistentVolume config.db survives pod
restarts, and nothing restarts the pod when the ConfigMap changes: `kubectl apply` of a
new provider or key does nothing until someone deletes the pod by hand (seed section 6),
and with the default `split` merge the old rows in config.db can still win.

## Example

```yaml
spec:
  template:
    metadata:
      labels: {app: bifrost}
    spec:
      initContainers:
        - name: setup
          command: [sh, -c, "cp /config/config.json /app/data/config.json"]
          volumeMounts:
            - {name: bifrost-data, mountPath: /app/data}
            - {name: gateway-config, mountPath: /config}
```

## Fix

Roll the pods when the config changes, and let config.json win at start-up:

```yaml
spec:
  template:
    metadata:
      annotations:
        checksum/config: "{{ include (print $.Template.BasePath \\"/configmap.yaml\\") . | sha256sum }}"
```

```json
{"source_of_truth": "config.json", "providers": {...}}
```

Without Helm, put a hash of config.json in the annotation (kustomize's
`configMapGenerator` renames the ConfigMap instead, which also rolls the pods).

Autofix: no.
"""

from __future__ import annotations

from infergw_lint.domain import bifrost_configs, bifrost_containers, pod_spec
from infergw_lint.rule import Rule, report

DEFAULT_APP_DIR = "/app/data"
RELOADER_KEYS = ("reloader.stakater.com/auto", "configmap.reloader.stakater.com/reload")


def app_dir(container: dict) -> str | None:
    """The app dir a Bifrost container really uses (None: cannot be told from the manifest).

    The image's entrypoint takes it from the ``APP_DIR`` environment variable and ignores
    container ``args`` (IGW214), so ``-app-dir`` counts only in a container that replaces
    the entrypoint with its own ``command``; otherwise the default ``/app/data``."""
    env = container.get("env")
    for var in env if isinstance(env, list) else ():
        if isinstance(var, dict) and var.get("name") == "APP_DIR":
            value = var.get("value")
            if not isinstance(value, str) or not value.startswith("/") or "$(" in value:
                return None  # from a Secret/ConfigMap or another variable: unknown here
            return value.rstrip("/") or "/"
    if not container.get("command"):
        return DEFAULT_APP_DIR
    words = []
    for field in ("command", "args"):
        items = container.get(field)
        if isinstance(items, list):
            words += [w for w in items if isinstance(w, str)]
    for i, w in enumerate(words):
        for flag in ("-app-dir", "--app-dir"):
            if w == flag and i + 1 < len(words):
                return words[i + 1].rstrip("/") or "/"
            if w.startswith(flag + "="):
                return w.split("=", 1)[1].rstrip("/") or "/"
    return DEFAULT_APP_DIR


def _under(path: str, mount: str) -> bool:
    mount = mount.rstrip("/") or "/"
    return path == mount or path.startswith(mount.rstrip("/") + "/")


def _mounts(container: dict) -> list[dict]:
    """volumeMounts with a string name."""
    items = container.get("volumeMounts")
    return [m for m in items if isinstance(m, dict) and isinstance(m.get("name"), str)] if isinstance(items, list) else []


def _configmap_volumes(volumes) -> dict:
    """volume name -> ConfigMap name, for configMap volumes and projected sources."""
    out = {}
    for vol in volumes:
        if not isinstance(vol, dict) or not isinstance(vol.get("name"), str):
            continue
        cm = vol.get("configMap")
        if isinstance(cm, dict) and isinstance(cm.get("name"), str):
            out[vol["name"]] = cm["name"]
        projected = vol.get("projected")
        sources = projected.get("sources") if isinstance(projected, dict) else None
        for src in sources if isinstance(sources, list) else ():
            cm = src.get("configMap") if isinstance(src, dict) else None
            if isinstance(cm, dict) and isinstance(cm.get("name"), str):
                out[vol["name"]] = cm["name"]
    return out


def _mentions_config_json(container: dict) -> bool:
    for field in ("command", "args"):
        items = container.get(field)
        if isinstance(items, list) and any(isinstance(w, str) and "config.json" in w for w in items):
            return True
    return False


class BifrostConfigNotReloaded(Rule):
    code = "IGW209"
    name = "bifrost-config-not-reloaded"
    severity = "warning"
    kinds = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")
    tags = ("bifrost", "config", "operations")
    requires = staticmethod(bifrost_containers)  # nothing to report in a document without one
    security_severity = "2.0"

    def check(self, doc, ctx):
        found = pod_spec(doc)
        if found is None:
            return
        base, spec = found
        bifrost = [c for p, c in bifrost_containers(doc) if p[-2] == "containers"]
        if not bifrost:
            return
        volumes = spec.get("volumes") if isinstance(spec.get("volumes"), list) else []
        pvc_volumes = {
            v["name"] for v in volumes
            if isinstance(v, dict) and isinstance(v.get("name"), str) and isinstance(v.get("persistentVolumeClaim"), dict)
        }
        if doc.kind == "StatefulSet":
            templates = doc.get("spec", "volumeClaimTemplates")
            for t in templates if isinstance(templates, list) else ():
                name = t.get("metadata", {}).get("name") if isinstance(t, dict) and isinstance(t.get("metadata"), dict) else None
                if isinstance(name, str):
                    pvc_volumes.add(name)
        cm_volumes = _configmap_volumes(volumes)
        if not pvc_volumes or not cm_volumes:
            return
        index = ctx.index
        ns = index.namespace_of(doc)
        for c in bifrost:
            appdir = app_dir(c)
            if appdir is None:
                continue
            persistent = [m for m in _mounts(c) if m.get("name") in pvc_volumes and isinstance(m.get("mountPath"), str)
                          and _under(appdir, m["mountPath"])]
            if not persistent:
                continue
            sources = self._config_sources(spec, base, c, appdir, pvc_volumes, cm_volumes)
            if not sources:
                continue
            configs, unknown = [], False
            for cm_name in sources:
                cm = index.get("ConfigMap", ns, cm_name)
                if cm is None:
                    unknown = True
                    continue
                configs += bifrost_configs(cm)
            if not configs and not (unknown and self._copies_config_json(spec)):
                continue
            if self._reloaded(doc, configs):
                return
            cm_list = ", ".join(sorted(sources))
            fix = ("Add a pod-template annotation such as checksum/config with a hash of the config (and "
                   "\"source_of_truth\": \"config.json\" in it)")
            yield report(
                ("spec", "template", "metadata", "annotations"),
                f"nothing restarts Bifrost when its config.json changes: {doc.kind} {ns}/{doc.name} puts Bifrost's "
                f"config.json from ConfigMap {cm_list} into the persistent app dir {appdir} "
                "(PersistentVolumeClaim), but nothing restarts it when the ConfigMap changes and config.db keeps "
                f"the old config. {fix}",
                key=True, help=fix,
            )
            return

    @staticmethod
    def _config_sources(spec, base, bifrost, appdir, pvc_volumes, cm_volumes) -> set:
        """ConfigMaps whose content reaches the app dir: mounted by an init container that
        also mounts the app-dir volume (the copy pattern), or mounted into the app dir."""
        out = set()
        for m in _mounts(bifrost):
            name, mpath = m.get("name"), m.get("mountPath")
            if name in cm_volumes and isinstance(mpath, str) and _under(mpath, appdir):
                out.add(cm_volumes[name])
        app_volumes = {m.get("name") for m in _mounts(bifrost) if m.get("name") in pvc_volumes}
        inits = spec.get("initContainers")
        for init in inits if isinstance(inits, list) else ():
            if not isinstance(init, dict):
                continue
            names = {m.get("name") for m in _mounts(init)}
            if names & app_volumes:
                out.update(cm_volumes[n] for n in names if n in cm_volumes)
        return out

    @staticmethod
    def _copies_config_json(spec) -> bool:
        inits = spec.get("initContainers")
        return any(isinstance(c, dict) and _mentions_config_json(c) for c in (inits if isinstance(inits, list) else ()))

    @staticmethod
    def _reloaded(doc, configs) -> bool:
        ann = doc.get("spec", "template", "metadata", "annotations")
        if isinstance(ann, dict) and any(isinstance(k, str) and "checksum" in k.lower() for k in ann):
            return True
        if any(k in doc.annotations for k in RELOADER_KEYS):
            return True
        return any(cfg.data.get("source_of_truth") == "config.json" for cfg in configs)


RULE = BifrostConfigNotReloaded()
