"""What a backend is, for the LLM-serving rules: a Service in front of Bifrost, vLLM or the
Langfuse web app, found by the images of the pods it selects (or, when those are not in the
set, by its name).  Also Gateway API durations."""

from __future__ import annotations

import re
from functools import lru_cache

from .domain import WORKLOAD_POD_SPEC, containers, image_name, pod_spec

LLM_KINDS = ("bifrost", "vllm")
_DURATION = re.compile(r"^(?:[0-9]{1,5}(?:h|ms|m|s)){1,4}$")
_PART = re.compile(r"([0-9]{1,5})(h|ms|m|s)")
_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def duration_seconds(value) -> float | None:
    """Seconds of a Gateway API duration (``1h30m``, ``90s``, ``500ms``), or None."""
    return _duration_seconds(value) if isinstance(value, str) else None


@lru_cache(maxsize=1024)
def _duration_seconds(value: str) -> float | None:
    # the same few durations (and IGW110's floor, read for every route) recur in every file
    if not _DURATION.match(value.strip()):
        return None
    return sum(int(n) * _SECONDS[u] for n, u in _PART.findall(value.strip()))


def image_kind(image) -> str | None:
    """"bifrost", "vllm", "langfuse-web" or None for a container image reference."""
    if not isinstance(image, str):
        return None
    name = image_name(image)
    ref = image.split("@", 1)[0].lower()
    if name == "bifrost":
        return "bifrost"
    if "vllm" in name:
        return "vllm"
    if name == "langfuse" or (name.startswith("langfuse") and "worker" not in name):
        return "langfuse-web" if "worker" not in ref else None
    return None


def name_kind(name: str) -> str | None:
    n = name.lower()
    if "bifrost" in n:
        return "bifrost"
    if "vllm" in n:
        return "vllm"
    if "langfuse" in n and "worker" not in n and "clickhouse" not in n and "redis" not in n and "postgres" not in n:
        return "langfuse-web"
    return None


def _workload_kinds(index, namespace) -> list:
    """(labels of the pods, kinds of their images) of every workload in ``namespace``.
    Made per namespace on first use (a run split over processes makes in each process the
    namespaces its Services are in); the builder of the memo reads the index, so a language
    server sees every answer as reading other files."""
    memo = index.memo("llm-workload-kinds", lambda: {} if index.documents is not None else {})
    found = memo.get(namespace)
    if found is None:
        found = memo[namespace] = _namespace_workload_kinds(index, namespace)
    return found


class _Workloads(list):
    """(labels of the pods, kinds of their images) of a namespace's workloads, in set
    order, with the positions of those whose pods carry each (label, value): a selector's
    workloads are among those of its rarest pair (checked one by one as before), so N
    Services over N workloads cost about N, not N x N."""

    def candidates(self, selector: dict):
        from .gateway import _label_value  # selector_matches compares label values so

        by_label = getattr(self, "_by_label", None)
        if by_label is None:
            by_label = self._by_label = {}
            for pos, (labels, _) in enumerate(self):
                for k, v in labels.items():
                    by_label.setdefault((k, _label_value(v)), []).append(pos)
        rarest = None
        for k, v in selector.items():
            got = by_label.get((str(k), _label_value(v)), ())
            if rarest is None or len(got) < len(rarest):
                rarest = got
        if rarest is None:
            return list(self)  # an empty selector: every workload
        return [self[pos] for pos in rarest]


def _namespace_workload_kinds(index, namespace) -> list:
    out = _Workloads()
    if namespace is None:
        return out  # workloads are namespaced: namespace_of never says None for one
    for kind in WORKLOAD_POD_SPEC:
        for doc in index.of_kind(kind, namespace=namespace):
            found = pod_spec(doc)
            if found is None:
                continue
            base, spec = found
            kinds = {image_kind(c.get("image")) for _, c in containers(spec, base)} - {None}
            tmpl = doc.get(*base[:-1], "metadata", "labels") if kind != "Pod" else doc.labels
            labels = tmpl if isinstance(tmpl, dict) else {}
            out.append((labels, kinds))
    return out


def service_kind(index, namespace: str, name: str) -> str | None:
    """What the Service ``namespace/name`` fronts: the images of the workloads its selector
    matches when the set holds them, else a guess from the Service's name."""
    # asked once per route backend: answered once per Service.  The builder reads the index
    # (the answers come from other files): a language server tracking what a check read
    # sees that on every answer, not only on the first
    memo = index.memo("llm-service-kinds", lambda: {} if index.documents is not None else {})
    key = (namespace, name)
    if key not in memo:
        memo[key] = _service_kind(index, namespace, name)
    return memo[key]


def _service_kind(index, namespace: str, name: str) -> str | None:
    from .gateway import selector_matches  # (gateway imports this module)

    svc = index.get("Service", namespace, name)
    if svc is not None:
        selector = svc.get("spec", "selector")
        if isinstance(selector, dict) and selector:
            kinds = set()
            for labels, found in _workload_kinds(index, namespace).candidates(selector):
                if selector_matches({"matchLabels": selector}, labels):
                    kinds |= found
            if len(kinds) == 1:
                return next(iter(kinds))
            if kinds:
                return None
    return name_kind(name)
