"""Domain helpers shared by rules: what a document is, where Bifrost configs, pod specs
and client model names live in it.  Facts: ../shared/DOMAIN.md (see docs/DOMAIN notes in
each rule's docstring)."""

from __future__ import annotations

import os
from functools import lru_cache
from collections.abc import Iterator

from .record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on every run
if TYPE_CHECKING:
    from typing import Any

GATEWAY_GROUP = "gateway.networking.k8s.io"
KGATEWAY_GROUP = "gateway.kgateway.dev"
# kinds of gateway.kgateway.dev renamed before v2.0: the old name -> the new one (kgateway
# EP-10611, design/10611.md, issue kgateway-dev/kgateway#10611, Feb 2025: Upstream became
# Backend; manifests from kgateway's 2025 development snapshots still carry the old name)
KGATEWAY_RENAMED_KINDS = {"Upstream": "Backend"}
ROUTE_KINDS = ("HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute")
BIFROST_SCHEMA_HINT = "getbifrost"

# kinds that are not namespaced (a namespace on them is ignored)
CLUSTER_SCOPED = frozenset(
    {
        "Namespace", "Node", "PersistentVolume", "StorageClass", "GatewayClass", "ClusterRole",
        "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass", "IngressClass",
        "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService",
        "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "RuntimeClass",
        "CSIDriver", "VolumeAttachment", "ClusterIssuer",
    }
)

WORKLOAD_POD_SPEC = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
KGATEWAY_IMAGES = frozenset({"kgateway"})  # the controller's image names (the proxy is envoy-wrapper)


def _basename(path: str) -> str:
    return os.path.basename(path.replace("\\", "/")).lower()


def looks_like_bifrost(data: Any, filename: str = "") -> bool:
    """A Bifrost config: the Bifrost ``$schema``, or a ``providers`` key next to
    ``plugins`` (or in a file named config.json), or a config.json whose only Bifrost
    part is a ``plugins`` list of ``{"name", "enabled", ...}`` entries."""
    if not isinstance(data, dict):
        return False
    schema = data.get("$schema")
    if isinstance(schema, str) and BIFROST_SCHEMA_HINT in schema:
        return True
    if "providers" in data and ("plugins" in data or filename == "config.json"):
        return True
    if filename == "config.json" and _bifrost_plugins(data.get("plugins")):
        return True  # a config with plugins only (the providers are set in the UI or DB)
    return False


def _bifrost_plugins(plugins) -> bool:
    """A Bifrost ``plugins`` list: entries shaped ``{"name": ..., "enabled": ...}``."""
    if not isinstance(plugins, list) or not plugins:
        return False
    return all(isinstance(p, dict) and isinstance(p.get("name"), str) and "enabled" in p for p in plugins)


VALUES_MAX_DEPTH = 3  # how deep under a values file's root a Bifrost config may sit
VALUES_MAX_NODES = 5000  # mappings looked at per values file, at most


def _config_shaped(data: dict) -> bool:
    """A mapping inside a values file that is a Bifrost config.json (not the chart's own
    keys): the Bifrost ``$schema``, or ``providers`` next to a ``plugins`` *list* (the
    upstream chart's ``bifrost:`` block has ``plugins`` as a map and is not config.json)."""
    schema = data.get("$schema")
    if isinstance(schema, str) and BIFROST_SCHEMA_HINT in schema:
        return True
    return "providers" in data and isinstance(data.get("plugins"), list)


def nested_bifrost(data: Any) -> list[tuple[tuple, dict]]:
    """(path, config) of Bifrost configs held under a Helm-style values file's root
    (``bifrost: {config: {...}}``), at most VALUES_MAX_DEPTH mappings deep."""
    out: list[tuple[tuple, dict]] = []
    if not isinstance(data, dict):
        return out
    seen = {id(data)}
    level = [((), data)]
    budget = VALUES_MAX_NODES
    for _ in range(VALUES_MAX_DEPTH):
        nxt = []
        for path, node in level:
            for key, value in node.items():
                if not isinstance(value, dict) or id(value) in seen:
                    continue
                seen.add(id(value))
                budget -= 1
                if budget < 0:
                    return out
                if _config_shaped(value):
                    out.append((path + (key,), value))
                else:
                    nxt.append((path + (key,), value))
        level = nxt
    return out


def _is_continue(data: dict, path: str) -> bool:
    """A Continue config: its ``models`` entries have ``provider`` and ``model`` (and, in
    its shape, ``apiBase`` or a top-level ``schema: v1``), whatever the file is called; or a
    ``models`` list in a file Continue reads by name (``.continue/``, ``config.json|yaml``)."""
    models = data.get("models")
    if not isinstance(models, list) or not models:
        return False
    entries = [m for m in models if isinstance(m, dict)]
    if "/.continue/" in path.replace("\\", "/") or _basename(path) in ("config.json", "config.yaml", "config.yml"):
        return any("model" in m or "provider" in m for m in entries)
    shaped = [m for m in entries if isinstance(m.get("provider"), str) and isinstance(m.get("model"), str)]
    return bool(shaped) and (any("apiBase" in m for m in shaped) or data.get("schema") == "v1")


def classify(doc) -> str | None:
    """What a loaded document is: "k8s", "bifrost", "continue", "aider", "cline" or None."""
    data = doc.data
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("apiVersion"), str) and isinstance(data.get("kind"), str):
        path = WORKLOAD_POD_SPEC.get(data["kind"])
        if path is not None:
            _workload_facts(doc, path)
        return "k8s"
    name = _basename(doc.path)
    if looks_like_bifrost(data, name):
        return "bifrost"
    if name in (".aider.conf.yml", ".aider.conf.yaml"):
        return "aider"
    if _is_continue(data, doc.path):
        return "continue"
    if any(k in data for k in ("openAiModelId", "cline.openAiModelId", "apiModelId")):
        return "cline"
    if doc.fmt == "yaml" and nested_bifrost(data):  # a Helm-style values file holding a config
        return "bifrost"
    return None


def _workload_facts(doc, path: tuple) -> None:
    """``pod_spec``, ``pod_containers`` and ``bifrost_containers`` of a workload, and
    whether it runs a kgateway controller image (``_kgateway_image``), made while
    it is loaded (``classify``; it is a resource): in both processes of a split run, while
    its data is fresh, instead of in the part before the check forks, where the stack
    profile and ``bifrost_hosts`` read every workload.  (A document is classified before
    ConfigMap data is embedded, and a workload embeds none: ``doc.get`` reads the same.)"""
    spec = doc.data
    for key in path:  # doc.get(*path): no string on the way holds an embedded document yet
        spec = spec.get(key) if isinstance(spec, dict) else None
    kgateway = False  # a kgateway controller image (the stack profile reads only such workloads and Bifrost's)
    if isinstance(spec, dict):
        doc._pod_spec = (path, spec)
        found = doc._pod_containers = list(containers(spec, path))
        mine = doc._bifrost_containers = []
        for at in found:
            image = at[1].get("image")
            if isinstance(image, str):
                name = image_name(image)
                if name == "bifrost":  # is_bifrost_image
                    mine.append(at)
                elif name in KGATEWAY_IMAGES:
                    kgateway = True
    else:
        doc._pod_spec = None
        doc._pod_containers = []
        doc._bifrost_containers = []
    doc._kgateway_image = kgateway


class BifrostConfig(Record):
    """A Bifrost config found in a document: ``base`` is the path of its root."""

    _fields = ("doc", "base", "data")

    def __init__(self, doc: Any, base: tuple, data: dict):
        self.doc = doc
        self.base = base
        self.data = data

    def path(self, *rest) -> tuple:
        return self.base + tuple(rest)

    def otel_plugins(self) -> Iterator[tuple[tuple, dict]]:
        """(path of the plugin's config, config) for every otel plugin."""
        plugins = self.data.get("plugins")
        if not isinstance(plugins, list):
            return
        for i, plugin in enumerate(plugins):
            if isinstance(plugin, dict) and plugin.get("name") == "otel":
                config = plugin.get("config")
                if isinstance(config, dict):
                    yield self.path("plugins", i, "config"), config

    def providers(self) -> Iterator[tuple[tuple, str, dict]]:
        """(path, name, entry) of every provider of a ``providers`` map; an array (IGW201)
        is read by each entry's ``provider``/``name``, so that one mistake does not hide the
        others."""
        providers = self.data.get("providers")
        if isinstance(providers, dict):
            for name, entry in providers.items():
                if isinstance(name, str) and isinstance(entry, dict):
                    yield self.path("providers", name), name, entry
        elif isinstance(providers, list):
            for i, entry in enumerate(providers):
                if isinstance(entry, dict):
                    name = entry.get("provider") or entry.get("name")
                    if isinstance(name, str):
                        yield self.path("providers", i), name, entry

    def base_urls(self) -> Iterator[tuple[tuple, str, dict, dict]]:
        """(path of base_url, provider name, its network_config, provider entry) for every
        provider with a string ``network_config.base_url``."""
        for path, name, entry in self.providers():
            nc = entry.get("network_config")
            if isinstance(nc, dict) and isinstance(nc.get("base_url"), str):
                yield path + ("network_config", "base_url"), name, nc, entry

    def otel_profiles(self) -> Iterator[tuple[tuple, dict]]:
        """(path, profile) for every export profile of every otel plugin: the plugin's
        config itself, or each entry of its ``profiles`` list (newer Bifrost)."""
        for path, config in self.otel_plugins():
            profiles = config.get("profiles")
            if isinstance(profiles, list):
                for i, prof in enumerate(profiles):
                    if isinstance(prof, dict):
                        yield path + ("profiles", i), prof
            else:
                yield path, config


def bifrost_configs(doc) -> list[BifrostConfig]:
    """Every Bifrost config in a document: the document itself (a config.json), the
    configs nested in a Helm-style values file, or the JSON in a ConfigMap's data keys.
    Computed once per document."""
    cached = getattr(doc, "_bifrost_configs", None)
    if cached is not None:
        return cached
    out = []
    if doc.flavor == "bifrost":
        if looks_like_bifrost(doc.data, _basename(doc.path)):
            out.append(BifrostConfig(doc, (), doc.data))
        else:
            out.extend(BifrostConfig(doc, path, cfg) for path, cfg in nested_bifrost(doc.data))
    elif doc.kind == "ConfigMap":
        for path, emb in doc.embedded.items():
            if emb.fmt == "json" and looks_like_bifrost(emb.data, str(path[-1]).lower()):
                out.append(BifrostConfig(doc, path, emb.data))
    doc._bifrost_configs = out
    return out


class ServedProvider(Record):
    """What one Bifrost provider serves, over every key of it in the linted set."""

    _fields = ("all_models", "models", "denied_empty")

    def __init__(self, all_models: bool = False, models: set | None = None, denied_empty: bool = False):
        self.all_models = all_models  # a key without a models list (or with "*") serves any model
        self.models = set() if models is None else models
        self.denied_empty = denied_empty  # a key's empty models list denies every model (Bifrost v1.5+)

    def serves(self, model: str) -> bool:
        return self.all_models or model in self.models


def _provider_entries(providers) -> Iterator[tuple[str, dict]]:
    """(name, entry) of a providers map; an array (IGW201) is read by each entry's
    ``provider``/``name`` so one mistake does not make every model look unserved."""
    if isinstance(providers, dict):
        for name, entry in providers.items():
            if isinstance(name, str) and isinstance(entry, dict):
                yield name, entry
    elif isinstance(providers, list):
        for entry in providers:
            if isinstance(entry, dict):
                name = entry.get("provider") or entry.get("name")
                if isinstance(name, str):
                    yield name, entry


def empty_models_deny(cfg_data: dict, release) -> bool | None:
    """Does an empty ``models`` list deny every model in this config?  ``"version": 2``
    says yes and ``"version": 1`` no; without it, Bifrost v1.5 and later deny (the
    ``versions.Version`` ``release``; None when the release is unknown)."""
    version = cfg_data.get("version")
    if version == 2:
        return True
    if version == 1:
        return False
    if release is None:
        return None
    return _feature()(release, "empty_models_deny_all")


def _feature():
    """``bifrost_releases.feature``, imported on first use (an import statement run for
    every config costs more than the lookup it guards)."""
    global _FEATURE
    if _FEATURE is None:
        from .bifrost_releases import feature as _FEATURE
    return _FEATURE


_FEATURE = None


def served_models(index, versions=None) -> dict | None:
    """provider name -> ServedProvider over every Bifrost config in the set (context
    files included), or None when the set holds no Bifrost config.  Cached on the index.

    A key with no ``models`` list, or with ``"*"`` in it, serves every model of its
    provider; so does an empty list, except where it denies all (``empty_models_deny``:
    ``"version": 2``, or no ``version`` on Bifrost v1.5+ as the stack profile
    ``versions`` says; an unknown release is given the benefit of the doubt).
    ``aliases`` names count as served.  A provider without keys (ollama, sgl, a key-less
    custom provider) serves anything."""
    # with and without a profile the answers differ (an empty models list): one memo each
    return index.memo(("bifrost-served-models", versions is not None), lambda: _served_models(index, versions))


def _served_models(index, versions=None) -> dict | None:
    found = False
    out: dict = {}
    of_kind = getattr(index, "of_kind", None)
    if of_kind is not None:  # the documents bifrost_configs reads, from the index's lists
        # not put back in set order: what is made here does not depend on the order (sets
        # of models, flags; the readers sort or look up provider names)
        docs = [d for d in index.others() if d.flavor == "bifrost" or d.kind == "ConfigMap"] + of_kind("ConfigMap")
    else:
        docs = [d for d in index.documents if d.flavor == "bifrost" or d.kind == "ConfigMap"]
    for doc in docs:  # bifrost_configs finds none in the others
        for cfg in bifrost_configs(doc):
            found = True
            deny_empty = None  # empty_models_deny, asked only for a config with an empty models list
            for name, entry in _provider_entries(cfg.data.get("providers")):
                served = out.setdefault(name, ServedProvider())
                keys = entry.get("keys")
                if not isinstance(keys, list) or not keys:
                    served.all_models = True  # key-less (ollama, sgl, is_key_less): not judged here
                    continue
                for key in keys:
                    if not isinstance(key, dict):
                        continue
                    models = key.get("models")
                    if isinstance(models, list) and not models and deny_empty is None:
                        release = None
                        if versions is not None:  # the release only: its description is not read here
                            release_for = getattr(versions, "bifrost_release_for", None)
                            release = release_for(doc) if release_for is not None else versions.bifrost_for(doc)
                        deny_empty = empty_models_deny(cfg.data, release) is True
                    if not isinstance(models, list) or "*" in models or (not models and not deny_empty):
                        served.all_models = True
                    elif not models:
                        served.denied_empty = True
                    else:
                        served.models.update(m for m in models if isinstance(m, str))
                    aliases = key.get("aliases")
                    if isinstance(aliases, dict):
                        served.models.update(a for a in aliases if isinstance(a, str))
    return out if found else None


def serving_providers(index, versions=None) -> dict:
    """model -> set of Bifrost providers whose keys list it by name (cached on the index)."""
    def build() -> dict:
        out: dict = {}
        for name, served in (served_models(index, versions) or {}).items():
            for model in served.models:
                out.setdefault(model, set()).add(name)
        return out

    return index.memo(("bifrost-serving-providers", versions is not None), build)


def pod_spec(doc) -> tuple[tuple, dict] | None:
    """(path, pod spec) of a workload, or None (looked up once per document: a workload is
    read by several rules)."""
    if doc.flavor != "k8s":
        return None
    path = WORKLOAD_POD_SPEC.get(doc.kind or "")
    if path is None:
        return None
    found = getattr(doc, "_pod_spec", _UNSET)
    if found is _UNSET:
        spec = doc.get(*path)
        found = doc._pod_spec = (path, spec) if isinstance(spec, dict) else None
    return found


_UNSET = object()


def containers(spec: dict, base: tuple) -> Iterator[tuple[tuple, dict]]:
    for key in ("initContainers", "containers", "ephemeralContainers"):
        items = spec.get(key)
        if isinstance(items, list):
            for i, c in enumerate(items):
                if isinstance(c, dict):
                    yield base + (key, i), c


def pod_containers(doc) -> list[tuple[tuple, dict]]:
    """(path, container) of every container of a workload's pod spec (none for other
    documents), in ``containers`` order; looked up once per document (several rules read
    the containers of every workload)."""
    found = getattr(doc, "_pod_containers", None)
    if found is None:
        spec = pod_spec(doc)
        found = doc._pod_containers = [] if spec is None else list(containers(spec[1], spec[0]))
    return found


def bifrost_containers(doc) -> list[tuple[tuple, dict]]:
    """The (path, container) of ``pod_containers`` that run the Bifrost image
    (``is_bifrost_image``), once per document: most workloads run none, and each Bifrost
    workload rule starts by asking."""
    found = getattr(doc, "_bifrost_containers", None)
    if found is None:
        found = doc._bifrost_containers = [
            (p, c) for p, c in pod_containers(doc) if is_bifrost_image(c.get("image"))
        ]
    return found


@lru_cache(maxsize=4096)
def image_name(image: str) -> str:
    """Last path component of an image reference, without tag or digest:
    ``registry:5000/maximhq/bifrost:v1@sha256:..`` -> ``bifrost``."""
    ref = image.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()


def is_bifrost_image(image: Any) -> bool:
    return isinstance(image, str) and image_name(image) == "bifrost"


BIFROST_UPSTREAM = "maximhq/bifrost"
DOCKER_HUB = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})


@lru_cache(maxsize=4096)
def split_image(image: str) -> tuple[str, str, str]:
    """(registry, repository, tag-or-digest) of an image reference; registry "docker.io"
    when none is written, "library/" added to one-part Docker Hub names."""
    ref = image.strip()
    digest = ""
    if "@" in ref:
        ref, digest = ref.split("@", 1)
        digest = "@" + digest
    parts = ref.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        registry, repo = parts[0].lower(), "/".join(parts[1:])
    else:
        registry, repo = "docker.io", ref
    tag = ""
    last = repo.rsplit("/", 1)[-1]
    if ":" in last:
        repo, tag = repo.rsplit(":", 1)
        tag = ":" + tag
    if registry in DOCKER_HUB and "/" not in repo:
        repo = "library/" + repo
    return registry, repo.lower(), tag + digest


def is_foreign_bifrost_image(image: Any) -> bool:
    """An image named ``bifrost`` from a Docker Hub repository other than maximhq/bifrost
    (the deployment guide's ``bifrost/bifrost``): not Bifrost (IGW213)."""
    if not is_bifrost_image(image):
        return False
    registry, repo, _ = split_image(image)
    return registry in DOCKER_HUB and repo != BIFROST_UPSTREAM


class ClientModel(Record):
    _fields = ("client", "path", "model")

    def __init__(self, client: str, path: tuple, model: str):
        self.client = client  # continue | aider | cline
        self.path = path
        self.model = model


def client_models(doc) -> list[ClientModel]:
    data = doc.data
    out: list[ClientModel] = []
    if doc.flavor == "continue":
        for i, m in enumerate(data.get("models") or []):
            if isinstance(m, dict) and isinstance(m.get("model"), str):
                out.append(ClientModel("continue", ("models", i, "model"), m["model"]))
    elif doc.flavor == "aider":
        for key in ("model", "weak-model", "editor-model"):
            if isinstance(data.get(key), str):
                out.append(ClientModel("aider", (key,), data[key]))
    elif doc.flavor == "cline":
        for key in ("openAiModelId", "cline.openAiModelId", "apiModelId"):
            if isinstance(data.get(key), str):
                out.append(ClientModel("cline", (key,), data[key]))
    return out


PROD_VALUES = frozenset({"prod", "production"})
ENV_LABELS = ("environment", "env")


def env_from_labels(labels: dict) -> str | None:
    for key in ENV_LABELS:
        val = labels.get(key)
        if isinstance(val, str) and val:
            v = val.lower()
            return "prod" if v in PROD_VALUES else v
    return None


# ---- which clients talk to the Bifrost gateway (IGW301) ------------------------------------

def client_base_url(doc, cm: "ClientModel") -> str | None:
    """The base URL a client model is sent to: Continue ``models[].apiBase``, Aider
    ``openai-api-base``, Cline ``openAiBaseUrl``; None when the file names none."""
    data = doc.data
    if cm.client == "continue":
        models = data.get("models")
        entry = models[cm.path[1]] if isinstance(models, list) and len(models) > cm.path[1] else None
        url = entry.get("apiBase") if isinstance(entry, dict) else None
    elif cm.client == "aider":
        url = data.get("openai-api-base")
    else:
        url = data.get("openAiBaseUrl", data.get("cline.openAiBaseUrl"))
    return url.strip() if isinstance(url, str) and url.strip() else None


def _host(url: str) -> str:
    global _URLSPLIT
    if _URLSPLIT is None:  # urllib.parse on first use, not at start-up nor on every call
        from urllib.parse import urlsplit as _URLSPLIT
    try:
        return (_URLSPLIT(url if "://" in url else "//" + url).hostname or "").lower()
    except ValueError:
        return ""


_URLSPLIT = None


def _labels_match(selector, labels) -> bool:
    return isinstance(selector, dict) and bool(selector) and isinstance(labels, dict) and all(
        labels.get(k) == v for k, v in selector.items()
    )


def _selects_any(selector, pods: list, posted: dict, ns) -> bool:
    """``any(_labels_match(selector, labels) for labels in pods)``, asked of the pods that
    carry the selector's rarest (label, value) pair only: N Services over N Bifrost pods of
    one namespace cost about N, not N x N."""
    if not isinstance(selector, dict) or not selector:
        return False  # _labels_match matches nothing with such a selector
    by_pair = posted.get(ns)
    if by_pair is None:
        by_pair = posted[ns] = {}
        for i, labels in enumerate(pods):
            for k, v in labels.items():
                try:
                    by_pair.setdefault((k, v), []).append(i)
                except TypeError:  # an unhashable value equals no value a selector can look up
                    pass
    rarest = None
    for k, v in selector.items():
        if v is None:  # a pod without the label matches it too (labels.get(k) is None)
            return any(_labels_match(selector, labels) for labels in pods)
        try:
            got = by_pair.get((k, v), ())
        except TypeError:  # an unhashable value in the selector: ask every pod
            return any(_labels_match(selector, labels) for labels in pods)
        if rarest is None or len(got) < len(rarest):
            rarest = got
    return any(_labels_match(selector, pods[i]) for i in rarest)


def bifrost_hosts(index) -> set[str]:
    """Hostnames that reach Bifrost in the linted set: the DNS names of each Service that
    selects a Bifrost workload (image maximhq/bifrost) or is named bifrost, and the
    hostnames of the HTTPRoutes (else of their listeners) that route to such a Service."""

    def build() -> set:
        from .gateway import backend_refs, graph

        pods: dict = {}  # namespace -> labels of the Bifrost pods there (only any() reads them)
        for doc in (doc for kind in WORKLOAD_POD_SPEC for doc in index.of_kind(kind)):
            # bifrost_containers first (a workload without a pod spec has none), from the
            # memo a loaded workload has (_workload_facts) without a call
            mine = getattr(doc, "_bifrost_containers", None)
            if mine is None:
                mine = bifrost_containers(doc)
            if mine:
                base = pod_spec(doc)[0]
                meta = doc.get(*base[:-1], "metadata") if len(base) > 1 else doc.get("metadata")
                labels = meta.get("labels") if isinstance(meta, dict) else doc.labels
                pods.setdefault(index.namespace_of(doc), []).append(labels if isinstance(labels, dict) else {})
        services = set()
        hosts: set = set()
        posted: dict = {}  # namespace -> (label, value) -> positions of the Bifrost pods there
        default_ns = index.default_namespace
        for svc in index.of_kind("Service"):  # a Service is namespaced: namespace_of written out
            ns = svc.namespace or default_ns
            here = pods.get(ns)  # the selector is read only where Bifrost pods run
            if "bifrost" in (svc.name or "").lower() or (
                here and _selects_any(svc.get("spec", "selector"), here, posted, ns)
            ):
                services.add((ns, svc.name))
                hosts |= {svc.name, f"{svc.name}.{ns}", f"{svc.name}.{ns}.svc", f"{svc.name}.{ns}.svc.cluster.local"}
        if services:
            g = graph(index)
            for route in index.of_kind("HTTPRoute"):
                for b in backend_refs(route, index):
                    if b.group == "" and b.kind == "Service" and (b.namespace, b.name) in services:  # is_service
                        break
                else:
                    continue
                names = [h for h in (route.get("spec", "hostnames") or []) if isinstance(h, str)]
                if not names:
                    names = [l.hostname for att in g.attachments(route) for l in att.listeners if l.hostname]
                hosts |= {h.lower() for h in names}
        return {h.lower() for h in hosts if h}

    return index.memo("bifrost-hosts", build)


def talks_to_bifrost(url: str | None, index, gateways=()) -> bool:
    """Does a client's base URL point at the Bifrost gateway?  A URL starting with (or a
    host equal to) an entry of the configuration's ``gateways:``, a host that reaches
    Bifrost in the linted set (``bifrost_hosts``; ``*.example.com`` route hostnames match
    one or more labels), or a host that names bifrost."""
    if not url:
        return False
    host = _host(url)
    for entry in gateways:
        e = entry.strip()
        if "://" in e and url.rstrip("/").startswith(e.rstrip("/")):
            return True
        if "://" not in e and host and host == _host(e):
            return True
    if not host:
        return False
    exact, suffixes = _bifrost_host_lookup(index)
    if host in exact:
        return True
    if suffixes:  # "*.example.com" matches a host that ends with ".example.com"
        dot = host.find(".")
        while dot != -1:
            if host[dot:] in suffixes:
                return True
            dot = host.find(".", dot + 1)
    return "bifrost" in host


def _bifrost_host_lookup(index) -> tuple[set, set]:
    """``bifrost_hosts`` as (hosts, suffixes of the ``*.`` ones with their dot): a lookup
    per URL instead of a scan of every host."""

    def build() -> tuple[set, set]:
        hosts = bifrost_hosts(index)
        return hosts, {h[1:] for h in hosts if h.startswith("*.")}

    return index.memo("bifrost-host-lookup", build)
