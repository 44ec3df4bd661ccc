"""Domain helpers shared by rules: what a document is, where Bifrost configs, pod specs
and client model names live in it.  Facts: ../shared/DOMAIN.md (see docs/DOMAIN notes in
each rule's docstring)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Iterator

GATEWAY_GROUP = "gateway.networking.k8s.io"
KGATEWAY_GROUP = "gateway.kgateway.dev"
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


def _basename(path: str) -> str:
    return os.path.basename(path.replace("\\", "/")).lower()


def looks_like_bifrost(data: Any, filename: str = "") -> bool:
    """A Bifrost config: the Bifrost ``$schema``, or a ``providers`` key next to
    ``plugins`` (or in a file named config.json)."""
    if not isinstance(data, dict):
        return False
    schema = data.get("$schema")
    if isinstance(schema, str) and BIFROST_SCHEMA_HINT in schema:
        return True
    if "providers" in data and ("plugins" in data or filename == "config.json"):
        return True
    return False


def _is_continue(data: dict, path: str) -> bool:
    models = data.get("models")
    if not isinstance(models, list) or not models:
        return False
    if "/.continue/" in path.replace("\\", "/") or _basename(path) in ("config.json", "config.yaml", "config.yml"):
        return any(isinstance(m, dict) and ("model" in m or "provider" in m) for m in models)
    return False


def classify(doc) -> str | None:
    """What a loaded document is: "k8s", "bifrost", "continue", "aider", "cline" or None."""
    data = doc.data
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("apiVersion"), str) and isinstance(data.get("kind"), str):
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
    return None


@dataclass
class BifrostConfig:
    """A Bifrost config found in a document: ``base`` is the path of its root."""

    doc: Any
    base: tuple
    data: dict

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


def bifrost_configs(doc) -> list[BifrostConfig]:
    if doc.flavor == "bifrost":
        return [BifrostConfig(doc, (), doc.data)]
    out = []
    if doc.kind == "ConfigMap":
        for path, emb in doc.embedded.items():
            if emb.fmt == "json" and looks_like_bifrost(emb.data, str(path[-1]).lower()):
                out.append(BifrostConfig(doc, path, emb.data))
    return out


def pod_spec(doc) -> tuple[tuple, dict] | None:
    """(path, pod spec) of a workload, or None."""
    if doc.flavor != "k8s":
        return None
    path = WORKLOAD_POD_SPEC.get(doc.kind or "")
    if path is None:
        return None
    spec = doc.get(*path)
    if not isinstance(spec, dict):
        return None
    return path, spec


def containers(spec: dict, base: tuple) -> Iterator[tuple[tuple, dict]]:
    for field in ("initContainers", "containers", "ephemeralContainers"):
        items = spec.get(field)
        if isinstance(items, list):
            for i, c in enumerate(items):
                if isinstance(c, dict):
                    yield base + (field, i), c


def image_name(image: str) -> str:
    """Last path component of an image reference, without tag or digest:
    ``registry:5000/maximhq/bifrost:v1@sha256:..`` -> ``bifrost``."""
    ref = image.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()


def is_bifrost_image(image: Any) -> bool:
    return isinstance(image, str) and image_name(image) == "bifrost"


@dataclass
class ClientModel:
    client: str  # continue | aider | cline
    path: tuple
    model: str


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
