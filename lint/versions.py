"""The stack profile: which releases of Bifrost, kgateway and Gateway API a run lints
against, and where each came from.  Rules ask it instead of carrying version logic::

    v = ctx.versions.bifrost_for(doc)        # the release that reads this config
    if v.at_least("1.5") is None: ...        # unknown: say which behaviour is assumed

Sources, strongest first (the first that says something wins):

1. the command line: ``--bifrost-version``, ``--kgateway-version``, ``--gateway-api-version``;
2. the configuration: ``versions: {bifrost: "1.5", kgateway: "2.2", gateway-api: "1.4"}``
   (and the older top-level ``gateway-api-version``);
3. the manifests: the image tag of the workload that mounts a Bifrost config
   (``maximhq/bifrost:v1.5.3``; per config, so two Bifrost Deployments of different
   releases each get theirs), the ``image.tag`` next to a config in a Helm values file,
   kgateway's controller image or chart label (``helm.sh/chart: kgateway-v2.1.0``), the
   ``gateway.networking.k8s.io/bundle-version`` annotation of Gateway API CRDs in the set;
4. a default: Gateway API v1.2 (the release the deployment guide installs, and what
   ``--gateway-api-version`` always defaulted to); Bifrost and kgateway stay unknown.

A version may be partial: ``1.5`` stated in the config answers ``at_least("1.5")`` with
True but ``at_least("1.5.9")`` with None (unknown), because the patch release is not known.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .domain import KGATEWAY_IMAGES, WORKLOAD_POD_SPEC, image_name, is_foreign_bifrost_image, pod_containers, pod_spec
from .record import FrozenRecord, Record
from .sanitize import escape

COMPONENTS = ("bifrost", "kgateway", "gateway-api")
LABELS = {"bifrost": "Bifrost", "kgateway": "kgateway", "gateway-api": "Gateway API"}
FLAGS = {"bifrost": "--bifrost-version", "kgateway": "--kgateway-version", "gateway-api": "--gateway-api-version"}
DEFAULTS = {"gateway-api": ("1.2", "default: the Gateway API release the deployment guide installs")}
BUNDLE_ANNOTATION = "gateway.networking.k8s.io/bundle-version"
GATEWAY_GROUP = "gateway.networking.k8s.io"

_VERSION = re.compile(r"^[vV]?(\d{1,4})\.(\d{1,4})(?:\.(\d{1,4}))?(?:[-+][0-9A-Za-z.+-]*)?$")
_CHART = re.compile(r"^kgateway(?:-crds)?-(v?\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.]+)?)$")


def parse(text) -> tuple | None:
    """``"1.5"``, ``"v1.5.3"``, ``"v1.5.3-rc1"`` -> ``(1, 5)``, ``(1, 5, 3)``, ``(1, 5, 3)``;
    anything else -> None."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        return None
    return _parse(text)


@lru_cache(maxsize=1024)
def _parse(text: str) -> tuple | None:
    # by its text: the feature tables ask for the same few releases on every config
    m = _VERSION.match(text.strip())
    if not m:
        return None
    return tuple(int(g) for g in m.groups() if g is not None)


def _bundle_release(text) -> tuple | None:
    """The Gateway API release of a CRD's bundle-version annotation; None for the CRDs of
    a development build (upstream's main branch writes ``v0.0.0-dev``), which serve what
    that commit serves, not what a release 0.0 would."""
    parts = parse(text)
    return None if parts is not None and not any(parts) else parts


def valid(text) -> bool:
    return parse(text) is not None


def _clean(text: str, limit: int = 120) -> str:
    """A value from a manifest, safe to print (no control characters, bounded)."""
    text = escape(str(text))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _cmp(parts: tuple, other: tuple) -> int | None:
    """-1/0/1 comparing a (maybe partial) version with ``other``; None when the parts that
    are not known decide."""
    n = min(len(parts), len(other))
    if parts[:n] != other[:n]:
        return -1 if parts[:n] < other[:n] else 1
    if len(parts) >= len(other):
        return 0 if len(parts) == len(other) or not any(parts[n:]) else 1
    return None  # 1.5 vs 1.5.9: depends on the patch release


class Version(FrozenRecord):
    """One component's release in this run (``parts`` None: unknown) and where it came from."""

    _fields = ("component", "parts", "source", "origin")

    def __init__(self, component: str, parts: tuple | None, source: str, origin: str = "unknown"):
        self.component = component
        self.parts = parts
        self.source = source  # for people: "image maximhq/bifrost:v1.5.3 of Deployment llm/bifrost at f.yaml:40"
        self.origin = origin  # cli | config | manifest | default | unknown

    @property
    def known(self) -> bool:
        return self.parts is not None

    @property
    def stated(self) -> bool:
        """Said by the user or the manifests (not a default)."""
        return self.origin in ("cli", "config", "manifest")

    def at_least(self, version) -> bool | None:
        """Is this release ``version`` or newer?  None when unknown."""
        other = parse(version) if not isinstance(version, tuple) else version
        if self.parts is None or other is None:
            return None
        c = _cmp(self.parts, other)
        return None if c is None else c >= 0

    def below(self, version) -> bool | None:
        r = self.at_least(version)
        return None if r is None else not r

    def within(self, low, high) -> bool | None:
        """``low`` <= release <= ``high`` (both inclusive); None when unknown."""
        lo = self.at_least(low)
        other = parse(high) if not isinstance(high, tuple) else high
        if self.parts is None or other is None or lo is None:
            return None
        if lo is False:
            return False
        n = min(len(self.parts), len(other))
        if self.parts[:n] != other[:n]:
            return self.parts[:n] < other[:n]
        return True if len(self.parts) >= len(other) else None

    def minor(self) -> tuple | None:
        return None if self.parts is None else self.parts[:2]

    def __str__(self) -> str:
        return "v" + ".".join(map(str, self.parts)) if self.parts else "unknown"

    @property
    def label(self) -> str:
        return LABELS.get(self.component, self.component)

    def describe(self) -> str:
        """``Bifrost v1.5.3 (image maximhq/bifrost:v1.5.3 of Deployment llm/bifrost ...)``."""
        return f"{self.label} {self}" + (f" ({self.source})" if self.source else "")

    def how_to_state(self) -> str:
        key = self.component
        return f"state it with {FLAGS[key]} or `versions: {{{key}: \"X.Y\"}}` in .infergw-lint.yaml"

    def to_json(self) -> dict:
        return {
            "version": ".".join(map(str, self.parts)) if self.parts else None,
            "origin": self.origin,
            "source": self.source,
        }


def unknown(component: str, why: str = "") -> Version:
    return Version(component, None, why or "not stated, and not found in the manifests")


# ---- inference from the manifests ------------------------------------------------------


class _Seen:
    """A version read from one place in the manifests.  Most sightings are never printed
    (only the first of a release is, in ``_agree``): the value is cleaned and the place
    described when asked."""

    __slots__ = ("parts", "_raw", "_place")

    def __init__(self, parts: tuple | None, raw: str, place) -> None:
        self.parts = parts
        self._raw = raw  # the raw value (image reference, annotation)
        self._place = place  # a description, or the document (described by _where)

    @property
    def text(self) -> str:
        return _clean(self._raw)

    @property
    def where(self) -> str:  # "Deployment llm/bifrost at path:line"
        place = self._place
        return place if isinstance(place, str) else _where(place)


def _where(doc) -> str:
    ns = doc.namespace
    name = doc.name or "?"
    obj = f"{doc.kind} {_clean(ns) + '/' if ns else ''}{_clean(name)}"
    try:
        line = doc.span(()).line
    except Exception:  # pragma: no cover - a document always has a span
        line = 0
    return f"{obj} at {_clean(doc.path)}:{line}"


def _image_tag(image: str) -> str | None:
    ref = image.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


@lru_cache(maxsize=1024)
def _image_parts(image: str) -> tuple | None:
    tag = _image_tag(image)
    return parse(tag) if tag else None


def _from_image(image: str, place) -> _Seen:
    """A sighting of ``image``; ``place`` a description or the document it is in."""
    return _Seen(_image_parts(image), image, place)


def _agree(component: str, seen: list, what: str) -> Version | None:
    """One Version from several sightings: the common release, or unknown when they
    disagree; None when nothing was seen."""
    if not seen:
        return None
    known = [s for s in seen if s.parts is not None]
    distinct = sorted({s.parts for s in known})
    if len(distinct) == 1:
        first = next(s for s in known if s.parts == distinct[0])
        more = len(known) - 1
        extra = f", and {more} more" if more else ""
        return Version(component, distinct[0], f"{what} {first.text} of {first.where}{extra}", "manifest")
    if len(distinct) > 1:
        listed = "; ".join(
            f"v{'.'.join(map(str, p))} ({next(s.where for s in known if s.parts == p)})" for p in distinct[:4]
        )
        return Version(component, None, f"the manifests disagree: {listed}", "unknown")
    first = seen[0]
    return Version(component, None, f"{what} {first.text} of {first.where} names no release", "unknown")


def _namespace(doc, default_ns: str) -> str:
    return doc.namespace or default_ns


def _mounted_configmaps(spec: dict) -> set:
    names = set()
    for vol in spec.get("volumes") or ():
        if not isinstance(vol, dict):
            continue
        cm = vol.get("configMap")
        if isinstance(cm, dict) and isinstance(cm.get("name"), str):
            names.add(cm["name"])
        projected = vol.get("projected")
        if isinstance(projected, dict):
            for src in projected.get("sources") or ():
                cm = src.get("configMap") if isinstance(src, dict) else None
                if isinstance(cm, dict) and isinstance(cm.get("name"), str):
                    names.add(cm["name"])
    return names


def _values_image(data) -> str | None:
    """``image: {repository: maximhq/bifrost, tag: v1.5.3}`` at a values file's root (or
    under ``bifrost:``), as one image reference."""
    if not isinstance(data, dict):
        return None
    for node in (data.get("image"), (data.get("bifrost") or {}).get("image") if isinstance(data.get("bifrost"), dict) else None):
        if isinstance(node, dict):
            repo, tag = node.get("repository"), node.get("tag")
            if isinstance(repo, str) and image_name(repo) == "bifrost":
                return f"{repo}:{tag}" if isinstance(tag, (str, int, float)) and not isinstance(tag, bool) else repo
        elif isinstance(node, str) and image_name(node) == "bifrost":
            return node
    return None


class _PerConfig:
    """id(config document) -> the Bifrost Version that reads it, each agreed from its
    sightings on first use: a run split over processes describes in each process the
    configs its documents hold.  Compared by the Versions (the language server compares
    profiles by value)."""

    __slots__ = ("_seen", "_done")

    def __init__(self, seen: dict) -> None:
        self._seen = seen  # id(doc) -> [_Seen], each list non-empty
        self._done: dict = {}

    def get(self, key, default=None):
        found = self._done.get(key)
        if found is None:
            seen = self._seen.get(key) if self._seen is not None else None
            if seen is None:
                return default
            found = self._done[key] = _agree("bifrost", seen, "image")
        return found

    def parts(self, key, default):
        """The ``parts`` of ``get(key)``'s Version (``default``: of the default), without
        describing it: the served-models table asks for the release of every config with
        an empty models list before a split run forks, the description only a finding's
        message needs (``_agree``: one release seen, else unknown)."""
        found = self._done.get(key)
        if found is not None:
            return found.parts
        seen = self._seen.get(key) if self._seen is not None else None
        if seen is None:
            return default
        distinct = {s.parts for s in seen if s.parts is not None}
        return next(iter(distinct)) if len(distinct) == 1 else None

    def resolved(self) -> dict:
        """Every Version; the sightings (and the documents they name) are then let go."""
        if self._seen is not None:
            for key in self._seen:
                self.get(key)
            self._seen = None
        return self._done

    def __eq__(self, other) -> bool:
        if isinstance(other, _PerConfig):
            return self.resolved() == other.resolved()
        if isinstance(other, dict):
            return self.resolved() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


class StackProfile(Record):
    """The versions of one run (or one rendered overlay/chart).  ``bifrost``, ``kgateway``
    and ``gateway_api`` are run-wide; ``bifrost_for(doc)`` is the release that reads the
    Bifrost config(s) in ``doc``."""

    _fields = ("bifrost", "kgateway", "gateway_api", "_per_config", "notes")
    _repr_fields = ("bifrost", "kgateway", "gateway_api", "notes")

    def __init__(
        self, bifrost: Version, kgateway: Version, gateway_api: Version, _per_config: dict | _PerConfig | None = None,
        notes: list | None = None,
    ):
        self.bifrost = bifrost
        self.kgateway = kgateway
        self.gateway_api = gateway_api
        self._per_config = {} if _per_config is None else _per_config  # id(doc) -> Version
        self.notes = [] if notes is None else notes

    def get(self, component: str) -> Version:
        return {"bifrost": self.bifrost, "kgateway": self.kgateway, "gateway-api": self.gateway_api}[component]

    def bifrost_for(self, doc) -> Version:
        """The Bifrost release that reads the config(s) in ``doc``: the stated version, else
        the image of the workload that mounts this ConfigMap (or the image next to the
        config in a values file), else the run-wide one."""
        if self.bifrost.origin in ("cli", "config"):
            return self.bifrost
        return self._per_config.get(id(doc), self.bifrost)

    def bifrost_release_for(self, doc) -> Version:
        """A Version with the release of ``bifrost_for(doc)`` (for ``at_least`` and the
        like), its source not described."""
        if self.bifrost.origin in ("cli", "config"):
            return self.bifrost
        per_config = self._per_config
        if isinstance(per_config, _PerConfig):
            parts = per_config.parts(id(doc), self.bifrost.parts)
            return Version("bifrost", parts, "", "manifest" if parts is not None else "unknown")
        return per_config.get(id(doc), self.bifrost)

    def components(self) -> list[Version]:
        return [self.bifrost, self.kgateway, self.gateway_api]

    def to_json(self) -> dict:
        return {v.component: v.to_json() for v in self.components()}

    def lines(self) -> list[str]:
        return [v.describe() for v in self.components()]


def stated(options) -> dict:
    """component -> (text, source) the user stated (command line, then configuration)."""
    out = dict(getattr(options, "versions", None) or {})
    legacy = getattr(options, "gateway_api_version", None)
    if legacy and "gateway-api" not in out:
        out["gateway-api"] = (str(legacy), "--gateway-api-version")
    return out


def _stated_version(component: str, entry) -> Version | None:
    text, source = entry
    parts = parse(text)
    if parts is None:
        return None
    origin = "cli" if source.startswith("--") else "config"
    return Version(component, parts, source, origin)


def build(documents, options, index=None) -> StackProfile:
    """The profile of a set of documents under ``options``; ``index``, the Index of
    exactly those documents, lets the pass visit only the documents it reads."""
    default_ns = getattr(options, "default_namespace", None) or "default"
    return _profile(_sightings(documents, default_ns, index), options, default_ns)


class _Sightings(Record):
    """The versions read from a set of documents, in document order."""

    _fields = ("bifrost", "kgateway_images", "kgateway_charts", "bundles", "mounts", "values", "configmaps")

    def __init__(
        self, bifrost: list, kgateway_images: list, kgateway_charts: list, bundles: list, mounts: dict, values: dict,
        configmaps: list,
    ):
        self.bifrost = bifrost  # [_Seen]: Bifrost images of workloads and values files
        self.kgateway_images = kgateway_images
        self.kgateway_charts = kgateway_charts  # read only when no kgateway image is seen (the images win)
        self.bundles = bundles  # Gateway API CRDs' bundle-version
        self.mounts = mounts  # (namespace, configmap) -> [_Seen] of the workloads that mount it
        self.values = values  # id(values document) -> _Seen
        self.configmaps = configmaps


def _sightings(documents, default_ns: str, index=None) -> _Sightings:
    bifrost_seen: list = []
    kgw_images: list = []
    kgw_charts: list = []
    bundles: list = []
    mounts: dict = {}  # (namespace, configmap) -> [_Seen]
    per_doc: dict = {}
    if index is not None and index.documents is documents:
        # what the pass reads, from the index's lists by kind (put back in set order): a
        # split run builds the profile before forking, and most documents are none of these
        configmaps = index.of_kind("ConfigMap")
        read = index.in_order(
            [[d for d in index.others() if d.flavor == "bifrost"], index.of_kind("CustomResourceDefinition")]
            + [index.of_kind(kind) for kind in WORKLOAD_POD_SPEC]
        )
        k8s = None  # the resources but ConfigMaps, listed only when their chart labels are read
    else:
        configmaps = []
        read = []
        k8s = []
        for doc in documents:
            flavor = doc.flavor
            if flavor == "bifrost":
                read.append(doc)
            elif flavor == "k8s":
                kind = doc.kind
                if kind == "ConfigMap":
                    configmaps.append(doc)
                else:
                    k8s.append(doc)
                    if kind == "CustomResourceDefinition" or kind in WORKLOAD_POD_SPEC:
                        read.append(doc)
    for doc in read:
        if doc.flavor == "bifrost":
            image = _values_image(doc.data)
            if image is not None:
                seen = _from_image(image, f"values file {_clean(doc.path)}")
                per_doc[id(doc)] = seen
                bifrost_seen.append(seen)
            continue
        if doc.kind == "CustomResourceDefinition":
            spec = doc.get("spec")
            if isinstance(spec, dict) and spec.get("group") in (GATEWAY_GROUP, "gateway.networking.x-k8s.io"):
                ann = doc.annotations.get(BUNDLE_ANNOTATION) if isinstance(doc.annotations, dict) else None
                if isinstance(ann, str):
                    bundles.append(_Seen(_bundle_release(ann), ann, doc))
            continue
        mine = getattr(doc, "_bifrost_containers", None)
        if mine is not None and not mine and getattr(doc, "_kgateway_image", None) is False:
            continue  # loaded with neither a Bifrost nor a kgateway image (domain._workload_facts)
        found = pod_spec(doc)  # (path, spec), kept on the document for the rules
        if found is None:
            continue
        bifrost_here = []
        inside = [] if mine is None else None  # domain.bifrost_containers, made on the way
        for at in pod_containers(doc):
            image = at[1].get("image")
            if not isinstance(image, str):
                continue
            name = image_name(image)
            if name == "bifrost":
                if inside is not None:
                    inside.append(at)
                if not is_foreign_bifrost_image(image):
                    bifrost_here.append(_from_image(image, doc))
            elif name in KGATEWAY_IMAGES:
                kgw_images.append(_from_image(image, doc))
        if inside is not None:
            doc._bifrost_containers = inside
        if bifrost_here:
            bifrost_seen.extend(bifrost_here)
            ns = _namespace(doc, default_ns)
            for cm in _mounted_configmaps(found[1]):
                mounts.setdefault((ns, cm), []).extend(bifrost_here)
    if not kgw_images:  # the chart label says kgateway's release only when no controller image does
        if k8s is None:
            k8s = [d for d in index.resources if d.kind != "ConfigMap"]
        for doc in k8s:
            chart = doc.labels.get("helm.sh/chart")
            if isinstance(chart, str):
                m = _CHART.match(chart.strip())
                if m:
                    kgw_charts.append(_Seen(parse(m.group(1)), chart, doc))
    return _Sightings(bifrost_seen, kgw_images, kgw_charts, bundles, mounts, per_doc, configmaps)


def _profile(sightings: _Sightings, options, default_ns: str) -> StackProfile:
    given = stated(options)
    bifrost_seen, kgw_images = sightings.bifrost, sightings.kgateway_images
    kgw_charts, bundles = sightings.kgateway_charts, sightings.bundles
    mounts, per_doc, configmaps = sightings.mounts, sightings.values, sightings.configmaps
    notes: list = []

    def pick(component: str, inferred: Version | None) -> Version:
        if component in given:
            v = _stated_version(component, given[component])
            if v is not None:
                if inferred is not None and inferred.known and v.minor() != inferred.minor():
                    notes.append(
                        f"{LABELS[component]} version: {v.source} says {v}, the manifests say {inferred} "
                        f"({inferred.source}); linting against {v}"
                    )
                return v
        if inferred is not None and (inferred.known or component not in DEFAULTS):
            return inferred
        if component in DEFAULTS:
            text, why = DEFAULTS[component]
            if inferred is not None:  # seen but unusable (disagreement, no release in the tag)
                why = f"{why}; {inferred.source}"
            return Version(component, parse(text), why, "default")
        return unknown(component)

    bifrost = pick("bifrost", _agree("bifrost", bifrost_seen, "image"))
    kgw = _agree("kgateway", kgw_images, "image") or _agree("kgateway", kgw_charts, "chart label")
    kgateway = pick("kgateway", kgw)
    gateway_api = pick("gateway-api", _agree("gateway-api", bundles, "bundle-version"))
    # several Bifrost releases in one set are normal (each ConfigMap is linted against the
    # workload that mounts it; -v shows it); two kgateway or Gateway API releases are not
    for v in (kgateway, gateway_api):
        if v.origin == "unknown" and v.source.startswith("the manifests disagree"):
            notes.append(f"{v.label} version unknown: {v.source}")

    per_config: dict = {}  # id(doc) -> the sightings its Version is agreed from, when asked
    for doc_id, seen in per_doc.items():
        per_config[doc_id] = [seen]
    if mounts:
        for cm in configmaps:
            seen = mounts.get((_namespace(cm, default_ns), cm.name))
            if seen:
                per_config[id(cm)] = seen
    return StackProfile(bifrost, kgateway, gateway_api, _PerConfig(per_config), notes)


def bifrost_for_finding(ctx, finding) -> Version:
    """For a rule's ``fix``: the Bifrost release that reads the config a finding is in (the
    stack profile of the linted set, as the check saw it)."""
    index = getattr(ctx, "index", None)
    options = getattr(ctx, "options", None)
    if index is None:
        return build((), options).bifrost
    profile = index.memo("stack-profile", lambda: build(index.documents, options))
    resource = finding.resource or {}
    for doc in index.documents:
        if doc.path != finding.path:
            continue
        if resource and (doc.kind, doc.name) != (resource.get("kind"), resource.get("name")):
            continue
        if doc.exists(finding.field):
            return profile.bifrost_for(doc)
    return profile.bifrost
