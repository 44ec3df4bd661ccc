"""Gateway API or kgateway apiVersion that the target cluster does not serve.

## What it does

- a Gateway API resource (group `gateway.networking.k8s.io` or
  `gateway.networking.x-k8s.io`) whose version is not served by the CRD of its kind in the
  set, when the set has one: a `CustomResourceDefinition` (group `apiextensions.k8s.io`)
  among the linted files, in `--context` or in `--crds` whose `spec.group` and
  `spec.names.kind` are the resource's; its `spec.versions[].served` is what the API
  server serves once it is applied, so it wins over the release (stated or not). The
  finding names that CRD (file:line), whether it lists the version with `served: false`,
  and the versions it serves. Several CRDs of one kind (the standard and the
  experimental channel, two releases) may disagree: the resource is reported only when
  none of them serves its version, and the message names them. A CRD the API server would
  refuse decides nothing: no `spec.group` or `spec.names.kind`, `spec.versions` not a
  non-empty list (as in a stub that only carries a bundle-version), a version without a
  name, `served` not `true` or `false`. As for every cross-object rule, each rendered
  kustomize overlay or Helm chart is a set of its own, the files read as they are form
  another, and `--context` and `--crds` belong to all;
- when no CRD of the kind is in the set, a version not served by the Gateway API release
  of the target cluster: the stack profile's Gateway API version (`--gateway-api-version`,
  `versions: {gateway-api: ...}` in the configuration, else the `bundle-version`
  annotation of Gateway API CRDs in the set -- not `v0.0.0-dev`, which upstream's main
  branch writes on CRDs of no release -- else `1.2`, the release the deployment
  guide installs; the message says which). The
  table covers v1.0 to v1.6 in either release channel, from the upstream CRDs -- e.g.
  ReferenceGrant `v1` exists from v1.5 (before: `v1beta1`), TLSRoute `v1` from v1.5,
  TCPRoute/UDPRoute `v1` and BackendTLSPolicy `v1` from v1.6/v1.4, ListenerSet from
  v1.5; the `v1alpha2` versions of GRPCRoute and ReferenceGrant are gone from v1.2 and
  HTTPRoute/Gateway/GatewayClass `v1alpha2` from v1.0. TCPRoute, UDPRoute and TLSRoute
  `v1alpha2` stay served (experimental channel) and are not reported;
- any resource in the `kgateway.dev` group (kgateway's API group is
  `gateway.kgateway.dev`), and `group: kgateway.dev` in references inside Gateway API
  resources (route filters, backendRefs, a Gateway's `infrastructure.parametersRef`; a
  GatewayClass parametersRef is IGW107's) -- unless a CRD in the set defines that group
  and kind (a resource is then judged by the versions that CRD serves, as above);
- a resource in kgateway's own group `gateway.kgateway.dev`: judged by the CRDs of its kind
  in the set when there are any (as above); else, when the run knows the kgateway release
  (`--kgateway-version`, `versions: {kgateway: ...}`, or the controller image or chart label
  in the manifests) and its CRDs are bundled (v2.0 to v2.4), a kind that release does not
  define (BackendConfigPolicy exists from v2.1, ListenerPolicy from v2.2) or a version it
  does not serve. With the release unknown, or newer than the bundled ones, nothing is
  reported: a newer release may define the kind.

## Why

The API server knows only the versions its installed CRDs serve: `kubectl apply` fails
with `no matches for kind "ReferenceGrant" in version "gateway.networking.k8s.io/v1"` --
in CI or, worse, halfway through a deployment, after the routes that needed the grant were
applied. Manifests copied from the newest upstream docs often use versions a v1.2 cluster
does not have. A resource in a group that does not exist (`kgateway.dev/v1alpha1`, as the
seed's GatewayClassConfig) fails the same way. When the CRDs themselves are in the set,
their `served` flags are the API server's own answer, whatever release they came from
(upstream's main branch, a vendor's fork). A kgateway policy copied from the docs of a
newer release (`ListenerPolicy` on a v2.1 cluster) fails the same way.

## Example

```yaml
apiVersion: gateway.networking.k8s.io/v1     # served from Gateway API v1.5 only
kind: ReferenceGrant
metadata: {name: allow-ai-gateway-routes, namespace: ai-external}
```

## Fix

Use a version the cluster serves (`gateway.networking.k8s.io/v1beta1` for ReferenceGrant
on v1.2..v1.4), or upgrade the Gateway API CRDs and pass `--gateway-api-version 1.5` (or
the CRDs themselves, in the set or with `--crds`) so the linter checks against them. For
kgateway resources use `gateway.kgateway.dev/v1alpha1`.

Autofix: no.
"""

from __future__ import annotations

from bisect import bisect_left

from infergw_lint.crd import MAX_SHOWN, bundle_kinds, kgateway_bundles, serving, version_priority
from infergw_lint.domain import GATEWAY_GROUP, KGATEWAY_GROUP, KGATEWAY_RENAMED_KINDS
from infergw_lint.gateway import X_GATEWAY_GROUP, first_served, last_served, served, served_versions
from infergw_lint.rule import Rule, brief, report

WRONG_KGATEWAY_GROUPS = frozenset({"kgateway.dev"})
MAX_WALK = 2000  # nodes looked at per document for group: references
MAX_MARKS = 10_000  # backslashes and group names noted per file (more: its documents are all walked)
MAX_VERSIONS_SHOWN = 6  # versions of one CRD listed in a message


def _fmt(v: tuple) -> str:
    return f"v{v[0]}.{v[1]}"


def _group_refs(node, path, budget):
    """(path, value, the sibling ``kind``) of every ``group`` key under ``node`` holding a
    wrong kgateway group."""
    stack = [(node, path)]
    while stack and budget[0] > 0:
        cur, p = stack.pop()
        budget[0] -= 1
        if isinstance(cur, dict):
            for k, v in cur.items():
                if k == "group" and isinstance(v, str) and v in WRONG_KGATEWAY_GROUPS:
                    yield p + (k,), v, cur.get("kind")
                elif isinstance(v, (dict, list)):
                    stack.append((v, p + (k,)))
        elif isinstance(cur, list):
            for i, v in enumerate(cur):
                if isinstance(v, (dict, list)):
                    stack.append((v, p + (i,)))


def _may_hold_wrong_group(doc, ctx) -> bool:
    """Could a string of ``doc`` be one of WRONG_KGATEWAY_GROUPS?  No when the text the
    document was read from holds none of them and no backslash: a YAML or JSON string
    equal to one is written with its characters in a row, or with an escape (a folded
    line inserts a space; an alias names an anchor of the same document).  The walk of
    the whole spec is then left out; documents of another origin are always walked."""
    if doc.origin is not None or doc.end <= doc.start:
        return True
    marks = _marks(ctx, doc.source)
    if marks is None:
        return True
    i = bisect_left(marks, doc.start)
    return i < len(marks) and marks[i] < doc.end


def _marks(ctx, source) -> list | None:
    """Where a backslash or a wrong group name starts in a source file, in order: one scan
    of each file per run, not of each document."""
    index = getattr(ctx, "index", None)
    memo = index.memo("igw109-marks", dict) if index is not None else {}
    got = memo.get(id(source))
    if got is None or got[0] is not source:
        text = getattr(source, "text", None)
        found = None
        if isinstance(text, str):
            found = []
            for needle in ("\\", *WRONG_KGATEWAY_GROUPS):
                at = text.find(needle)
                while at != -1 and len(found) <= MAX_MARKS:
                    found.append(at)
                    at = text.find(needle, at + 1)
            # a file of many escapes: every document of it is walked (a bounded scan)
            found = sorted(found) if len(found) <= MAX_MARKS else None
        got = memo[id(source)] = (source, found)
    return got[1]


def _has_group_ref(node) -> bool:
    """Would ``_group_refs`` (same walk, same budget) find anything?  Without the paths,
    which only a finding needs."""
    stack = [node]
    budget = MAX_WALK
    while stack and budget > 0:
        cur = stack.pop()
        budget -= 1
        if isinstance(cur, dict):
            for k, v in cur.items():
                if k == "group" and isinstance(v, str) and v in WRONG_KGATEWAY_GROUPS:
                    return True
                if isinstance(v, (dict, list)):
                    stack.append(v)
        elif isinstance(cur, list):
            for v in cur:
                if isinstance(v, (dict, list)):
                    stack.append(v)
    return False


def _origin(release) -> str:
    """Where the target release came from, for the message."""
    if release.origin == "default":
        # the profile adds why the manifests did not say it: a bundle-version that names no
        # release (v0.0.0-dev), or CRDs whose bundle-versions disagree
        _, _, seen = release.source.partition("; ")
        if seen:
            return f"assumed: no version stated, and {seen}"
        return "assumed: no version stated and no Gateway API CRDs with a bundle-version in the set"
    return release.source


def _versions(names) -> str:
    """``v1, v1beta1`` (most stable first, at most MAX_VERSIONS_SHOWN)."""
    names = sorted(names, key=version_priority)
    more = len(names) - MAX_VERSIONS_SHOWN
    return ", ".join(names[:MAX_VERSIONS_SHOWN]) + (f" and {more} more" if more > 0 else "")


def _crd_message(group, kind, version, defs, crds) -> tuple:
    """(message, help) for an apiVersion that no CRD of its kind in the set serves."""
    resource = f"{kind} {group}/{version}"
    shown, fix = _kind_parts(group, kind, defs, crds)
    if len(defs) == 1:
        d = defs[0]
        listed = f"lists {version} with served: false" if d.lists(version) else f"does not list {version}"
        title = brief(f"{resource} is not served by its CRD in the set",
                      f"apiVersion not served by the CRD of its kind in the set: {resource}")
        msg = (
            f"{title}: {d.describe()} {listed} and {shown}, so once it is applied kubectl apply fails with "
            f"'no matches for kind {kind}'"
        )
    else:
        title = brief(f"{resource} is served by none of its {len(defs)} CRDs in the set",
                      f"apiVersion served by none of the {len(defs)} CRDs of its kind in the set: {resource}")
        msg = f"{title}: {shown}; so whichever is applied, kubectl apply fails with 'no matches for kind {kind}'"
    return f"{msg}. {fix}", fix


def _kind_parts(group, kind, defs, crds) -> tuple:
    """What the message says of the CRDs of a kind, whatever the version asked: (what they
    serve, the fix); made once per kind and run (a set may hold many CRDs of one kind,
    each listing many versions, and every resource of the kind may be reported)."""
    key = (group, kind, "igw109")
    got = crds.per_kind.get(key)
    if got is not None:
        return got
    if len(defs) == 1:
        d = defs[0]
        shown = f"serves {_versions(d.served)}" if d.served else "serves no version"
    else:
        shown = "; ".join(
            f"{d.describe()} serves {_versions(d.served) if d.served else 'no version'}" for d in defs[:MAX_SHOWN]
        )
        if len(defs) > MAX_SHOWN:
            shown += f"; and {len(defs) - MAX_SHOWN} more"
    every = set.intersection(*(set(d.served) for d in defs))
    candidates = every or {v for d in defs for v in d.served}
    if candidates:
        fix = f"Use {group}/{min(candidates, key=version_priority)}"
    else:
        fix = f"Serve a version of {kind} in its CRD"
    if all(d.channel == "standard" for d in defs):
        fix += ", or lint with the experimental channel's CRDs if the cluster runs them"
    got = crds.per_kind[key] = (shown, fix)
    return got


def _kgateway_kinds(ctx):
    """(release, kind -> served versions, kind -> the bundled minor releases defining it) of
    the run's kgateway release, when it is known and its CRDs are bundled; else None (a
    release nobody stated, or one newer than the bundled ones, may define kinds and versions
    the bundles do not know: nothing is reported then)."""

    def build():
        release = getattr(getattr(ctx, "versions", None), "kgateway", None)
        if release is None or not release.known:
            return None
        minor = release.minor()
        if len(minor) != 2:
            return None
        releases = kgateway_bundles()  # (major, minor) -> bundle name
        if tuple(minor) not in releases:
            return None
        kinds, defined_in = {}, {}
        for m in sorted(releases):
            data = bundle_kinds(releases[m]) or {}  # names and versions: no schema read
            for c in data.get("crds") or ():
                if c.get("group") != KGATEWAY_GROUP:
                    continue
                defined_in.setdefault(c.get("kind"), []).append(m)
                if m == tuple(minor):
                    kinds[c.get("kind")] = sorted(c.get("versions") or (), key=version_priority)
        if not kinds:  # a damaged bundle: no verdict
            return None
        return release, kinds, defined_in

    return ctx.index.memo("igw109-kgateway-kinds", build)


def _kgateway_release_message(ctx, group, kind, version):
    """(message, help) for a ``gateway.kgateway.dev`` resource whose kind or version the
    run's kgateway release does not serve; None when it does, or when that is not known."""
    known = _kgateway_kinds(ctx)
    if known is None:
        return None
    release, kinds, defined_in = known
    served_here = kinds.get(kind)
    if served_here is not None and version in served_here:
        return None
    state = "or state the cluster's real version (--kgateway-version or versions.kgateway)"
    resource = f"{kind[:120]} {group}/{version[:60]}"
    if served_here is not None:
        title = brief(f"{resource} is not served by kgateway {release}",
                      f"apiVersion not served by kgateway {release}: {resource}")
        fix = f"Use {group}/{served_here[0]}, {state}"
        msg = (f"{title}: the target is kgateway {release} ({release.source}), whose {kind} CRD serves "
               f"{_versions(served_here)}, so kubectl apply fails with 'no matches for kind {kind}'")
        return f"{msg}. {fix}", fix
    name = kind[:120]
    title = brief(f"{resource}: kgateway {release} has no {name} kind",
                  f"kind not defined by kgateway {release}: {resource}")
    target = tuple(release.minor())
    later = [m for m in defined_in.get(kind, ()) if m > target]
    if later:
        since = "v%d.%d" % later[0]
        why = f"and {name} is defined from kgateway {since}"
        fix = f"Upgrade kgateway to {since} or later, {state}"
    elif KGATEWAY_RENAMED_KINDS.get(kind) in kinds:
        renamed = KGATEWAY_RENAMED_KINDS[kind]
        why = f"where {kind} is called {renamed} (renamed before kgateway v2.0)"
        fix = f"Use kind {renamed} (its spec changed too: check the fields against {renamed}'s)"
    else:
        import difflib

        close = difflib.get_close_matches(name, list(kinds), n=1, cutoff=0.6)
        why = f"whose CRDs define {', '.join(sorted(kinds))} in {group}"
        fix = f"Use kind {close[0]}" if close else f"Use one of kgateway {release}'s kinds"
        fix += f", {state}"
    msg = (f"{title}: the target is kgateway {release} ({release.source}), {why}, so kubectl apply fails with "
           f"'no matches for kind {name}'")
    return f"{msg}. {fix}", fix


class UnsupportedApiVersion(Rule):
    code = "IGW109"
    name = "unsupported-api-version"
    severity = "error"
    kinds = ()
    groups = tuple(sorted(WRONG_KGATEWAY_GROUPS)) + (GATEWAY_GROUP, X_GATEWAY_GROUP, KGATEWAY_GROUP)  # check reads no other
    tags = ("gateway-api", "kgateway", "compatibility")
    security_severity = "2.0"

    def check(self, doc, ctx):
        group, kind = doc.group, doc.kind
        av = doc.api_version or ""
        version = av.rsplit("/", 1)[-1] if "/" in av else av
        # the CRDs of the set decide for their kinds (the API server's own verdict once they
        # are applied); the release tables only for kinds no CRD in the set defines
        crds = serving(ctx)
        verdict, defs = crds.verdict(group, kind, version)
        if verdict is False:
            msg, fix = _crd_message(group, kind, version, defs, crds)
            yield report(("apiVersion",), msg, help=fix)
        if group in WRONG_KGATEWAY_GROUPS:
            if verdict is not None:
                return
            extra = "; kgateway has no GatewayClassConfig kind either (use GatewayParameters)" if kind == "GatewayClassConfig" else ""
            fix = f"Use apiVersion {KGATEWAY_GROUP}/v1alpha1" + (" and kind GatewayParameters" if extra else "")
            if crds.has_group(group):  # a CRD in the set defines other kinds there
                why = f"no CRD in the set defines {kind} in the API group {group!r}: {kind} uses apiVersion {av}"
            else:
                why = f"API group {group!r} does not exist: {kind} uses apiVersion {av}, but no CRD serves the group {group!r}"
            yield report(
                ("apiVersion",),
                f"{why}, so kubectl apply fails; kgateway's API group is {KGATEWAY_GROUP} "
                f"({KGATEWAY_GROUP}/v1alpha1){extra}. {fix}",
                help=fix,
            )
            return
        if group == KGATEWAY_GROUP:
            if verdict is None and isinstance(kind, str):
                found = _kgateway_release_message(ctx, group, kind, version)
                if found is not None:
                    yield report(("apiVersion",), found[0], help=found[1])
            return
        if group in (GATEWAY_GROUP, X_GATEWAY_GROUP):
            if verdict is None:
                release = ctx.versions.gateway_api
                target = release.minor() or (1, 2)
                ok = served(group, kind, version, target)
                if ok is False:
                    msg, fix = self._message(group, kind, version, target, release)
                    yield report(("apiVersion",), msg, help=fix)
            if kind != "GatewayClass" and _may_hold_wrong_group(doc, ctx):
                spec = doc.get("spec")
                for path, value, ref_kind in _group_refs(spec, ("spec",), [MAX_WALK]) if _has_group_ref(spec) else ():
                    if isinstance(ref_kind, str) and crds.defines(value, ref_kind):
                        continue  # a CRD in the set defines the kind in that group: the group exists
                    if crds.has_group(value):
                        named = ref_kind[:120] if isinstance(ref_kind, str) else "that kind"
                        what = f"no CRD in the set defines {named} in the group {value!r}"
                    else:
                        what = f"group {value!r} does not exist"
                    yield report(
                        path,
                        f"{what}: kgateway's API group is {KGATEWAY_GROUP}, so the "
                        "reference never resolves. Use group: " + KGATEWAY_GROUP,
                        help="Use group: " + KGATEWAY_GROUP,
                    )

    def _message(self, group, kind, version, target, release) -> tuple:
        """(message, help) for an apiVersion the target release does not serve."""
        since = first_served(group, kind, version)
        alternatives = served_versions(group, kind, target)
        last = last_served(group, kind, version)
        if since is not None and since > target:
            why = f"is served from Gateway API {_fmt(since)}"
        elif last is not None and last < target:
            why = f"was last served by Gateway API {_fmt(last)}"
        else:
            why = "is not served by Gateway API v1.0 or later"
        msg = (
            f"{kind} {group}/{version} is not served by Gateway API {_fmt(target)}: it {why}, and the target "
            f"is {_fmt(target)} ({_origin(release)}), so kubectl apply fails with 'no matches for kind {kind}'"
        )
        if alternatives:
            fix = f"Use {group}/{alternatives[0]}"
        else:
            firsts = [first_served(group, kind, v) for v in ("v1", "v1beta1", "v1alpha3", "v1alpha2", "v1alpha1")]
            firsts = [f for f in firsts if f is not None and f > target]
            fix = f"{kind} needs Gateway API {_fmt(min(firsts))} or later" if firsts else f"{kind} is not available there"
        fix += ", or state the cluster's real version (--gateway-api-version or versions.gateway-api)"
        return f"{msg}. {fix}", fix


RULE = UnsupportedApiVersion()
