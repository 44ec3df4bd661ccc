"""The engine: load, index, run rules, locate findings."""

from __future__ import annotations

import re
from collections import Counter
from itertools import repeat

from .index import Index
from .loader import LoadResult, load
from .record import Record
from .rule import SEVERITY_RANK, Finding, Rule, fingerprint


class Options(Record):
    _fields = (
        "select", "ignore", "env", "context", "default_namespace", "rule_options", "severity", "assume_complete",
        "gateway_api_version", "versions", "gateway_api_channel", "crds", "controllers", "gateways", "exclude",
        "environments", "default_env", "baseline", "extra_rules", "kustomize", "helm", "helm_values", "render",
        "allow_remote_resources", "prod_segments", "not_manifests", "notes", "jobs",
    )

    def __init__(
        self,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        env: str | None = None,
        context: list[str] | None = None,
        default_namespace: str = "default",
        rule_options: dict | None = None,
        severity: dict | None = None,
        assume_complete: bool | None = None,
        gateway_api_version: str | None = None,
        versions: dict | None = None,
        gateway_api_channel: str = "standard",
        crds: list | None = None,
        controllers: tuple = (),
        gateways: tuple = (),
        exclude: object = None,
        environments: list | None = None,
        default_env: str | None = None,
        baseline: str | None = None,
        extra_rules: list | None = None,
        kustomize: list | None = None,
        helm: list | None = None,
        helm_values: list | None = None,
        render: bool = True,
        allow_remote_resources: bool = False,
        prod_segments: tuple = ("prod", "production"),
        not_manifests: dict | None = None,
        notes: list | None = None,
        jobs: int | None = 1,
        json_heads: bool = False,
    ):
        self.select = select  # codes, names or code prefixes; None = all
        self.ignore = [] if ignore is None else ignore
        self.env = env  # prod|staging|dev for every file
        self.context = [] if context is None else context  # paths loaded for lookups only
        self.default_namespace = default_namespace
        self.rule_options = {} if rule_options is None else rule_options
        self.severity = {} if severity is None else severity  # code -> severity override
        self.assume_complete = assume_complete
        self.gateway_api_version = gateway_api_version  # --gateway-api-version (also in versions["gateway-api"])
        # component -> (version text, source): lint/versions.py
        self.versions = {} if versions is None else versions
        self.gateway_api_channel = gateway_api_channel  # its release channel (standard|experimental), for lint/crd
        self.crds = [] if crds is None else crds  # --crds: CRD files whose resources lint/crd validates
        self.controllers = controllers  # config `controllers:`: GatewayClass controllerNames judged besides kgateway's
        self.gateways = gateways  # config `gateways:`: base URLs / hostnames of the Bifrost gateway clients call (IGW301)
        self.exclude = exclude  # config.PathMatcher: files not to load
        self.environments = [] if environments is None else environments  # config.EnvRule, first match wins
        self.default_env = default_env  # config `env`: when nothing else says
        self.baseline = baseline  # baseline file: findings in it do not fail
        self.extra_rules = [] if extra_rules is None else extra_rules  # custom policies
        self.kustomize = [] if kustomize is None else kustomize  # directories to build with kustomize (lint/render.py)
        self.helm = [] if helm is None else helm  # chart directories to render with helm template
        self.helm_values = [] if helm_values is None else helm_values  # --values files for those charts
        self.render = render  # build kustomization / chart directories given as PATH
        self.allow_remote_resources = allow_remote_resources  # let kustomize fetch remote resources (URLs, git)
        self.prod_segments = prod_segments  # overlay path segments that mean prod
        # real path -> why: baseline, --output files (never linted)
        self.not_manifests = {} if not_manifests is None else not_manifests
        self.notes = [] if notes is None else notes  # from the configuration step, shown with the run's notes
        # processes a large tree is linted by (lint/parallel.py): 1 = this one only; 0 or None =
        # automatic, one per idle usable CPU (the command's default, --jobs)
        self.jobs = jobs
        # the run writes a JSON report: a split check phase makes each finding's JSON head
        # in the processes that check (reporters/json.py head_marker); not compared by ==
        self.json_heads = json_heads


class Result(Record):
    _fields = ("findings", "files", "resources", "rules", "notes", "internal_errors", "index", "versions", "sources")
    _repr_fields = ("findings", "files", "resources", "rules", "notes", "internal_errors", "versions")

    def __init__(
        self, findings: list, files: int, resources: int, rules: list, notes: list | None = None,
        internal_errors: list | None = None, index: Index | None = None, versions: object = None,
        sources: dict | None = None,
    ):
        self.findings = findings
        self.files = files
        self.resources = resources
        self.rules = rules
        self.notes = [] if notes is None else notes
        self.internal_errors = [] if internal_errors is None else internal_errors
        self.index = index  # the linted set (for --fix)
        self.versions = versions  # versions.StackProfile of the whole run
        self.sources = {} if sources is None else sources  # path -> SourceFile (code frames)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity and f.suppression is None)

    def failed(self, fail_on: str) -> bool:
        if fail_on == "never":
            return False
        floor = SEVERITY_RANK[fail_on]
        return any(SEVERITY_RANK.get(f.severity, 0) >= floor for f in self.findings if f.suppression is None)


class Context:
    """What a rule sees besides its document."""

    def __init__(self, index: Index, options: Options):
        self.index = index
        self.options = options
        self.rule_options = options.rule_options
        self.notes: list[str] = []  # said once on stderr after the run (rules append)

    @property
    def versions(self):
        """The stack profile (lint/versions.py): the Bifrost, kgateway and Gateway API
        releases this set is linted against."""
        # a bound method, not a lambda and an import on each call: rules ask for it on
        # every document they read (a relative import costs ~5 us: ``__spec__.parent``)
        return self.index.memo("stack-profile", self._build_profile)

    def _build_profile(self):
        from .versions import build

        return build(self.index.documents, self.options, self.index)

    def environment(self, doc) -> str | None:
        """prod/staging/dev: --env wins, else the labels of the resource's Namespace."""
        if self.options.env:
            return self.options.env
        for entry in self.options.environments:
            if entry.matches(doc, self.index):
                return entry.env
        env = self.index.environment_of(doc)
        origin = getattr(doc, "origin", None)
        if env is None and origin is not None:  # a rendered overlay: its path (overlays/prod)
            env = origin.env
        return env or self.options.default_env

    def environment_reason(self, doc) -> str:
        """Why ``environment(doc)`` says what it says, for messages."""
        if self.options.env:
            return f"--env {self.options.env}"
        for entry in self.options.environments:
            if entry.matches(doc, self.index):
                return "the configuration's environments"
        ns = self.index.namespace_of(doc)
        if self.index.environment_of(doc):
            return f"namespace {ns!r} is labelled {self.index.environment_of(doc)}"
        origin = getattr(doc, "origin", None)
        if origin is not None and origin.env:
            return origin.why
        return "the configuration's env"

    def complete(self, namespace: str | None) -> bool:
        """May a failed lookup in ``namespace`` be reported as missing?"""
        if self.options.assume_complete is not None:
            return self.options.assume_complete
        return self.index.namespace_known(namespace)


def _matches(rule: Rule, selectors) -> bool:
    for s in selectors:
        s = s.strip()
        if not s:
            continue
        if s == rule.name or rule.code.upper().startswith(s.upper()):
            return True
    return False


def select_rules(rules: list[Rule], options: Options) -> list[Rule]:
    out = []
    for rule in rules:
        if options.select is not None and not _matches(rule, options.select):
            continue
        if options.ignore and _matches(rule, options.ignore):
            continue
        out.append(rule)
    return out


def stable_path(path: str) -> str:
    """A path for fingerprints: the same file named as dir/x.yaml, ./dir/x.yaml or
    dir//x.yaml gives the same string."""
    if path == "-":
        return path
    import os

    return os.path.normpath(path).replace(os.sep, "/")


def identity(doc) -> str:
    if doc.flavor == "k8s":
        return f"{doc.group}/{doc.kind}/{doc.namespace or ''}/{doc.name or ''}"
    return f"file:{stable_path(doc.path)}#{doc.index}"


def resource_of(doc, index: Index) -> dict | None:
    if doc.flavor != "k8s":
        return None
    return {
        "apiVersion": doc.api_version,
        "kind": doc.kind,
        "namespace": index.namespace_of(doc),
        "name": doc.name,
    }


class LoadedSet(Record):
    """The load stage of ``run``: what was read (and rendered), indexed."""

    _fields = ("loaded", "rendered", "reported_paths", "ctx", "contexts", "checked")

    def __init__(self, loaded: LoadResult, rendered: object, reported_paths: set, ctx: Context, contexts: dict,
                 checked: list | None = None):
        self.loaded = loaded
        self.rendered = rendered  # render.render() result, or None when nothing was rendered
        self.reported_paths = reported_paths  # files whose findings are reported (not --context files)
        self.ctx = ctx  # the files read raw, plus --context documents
        self.contexts = contexts  # rendered world key -> Context of that overlay or chart
        # the documents that are checked and counted (not --context only), in set order
        self.checked = [d for d in loaded.documents if not d.source.context_only] if checked is None else checked


def load_index(paths: list[str], options: Options, warm=None) -> LoadedSet:
    """Load ``paths`` (and ``options.context``), render kustomizations and charts, and
    index the result -- the same way ``run`` does, for commands that read the set without
    linting it (``infergw-lint routes``).  Raises loader.UsageError for a missing path.
    ``warm``: what ``loader.load`` calls when it splits the loading of ``paths``."""
    from . import render

    loaded = LoadResult()
    raw_paths, targets = render.split_targets(paths, options)
    load(raw_paths, loaded, exclude=options.exclude, skip=options.not_manifests, jobs=options.jobs, warm=warm)
    note = render.raw_kustomization_note(loaded.files, options)
    if note:
        loaded.notes.append(note)
    rendered = render.render(targets, options, loaded) if targets else None
    if rendered is not None:
        loaded.documents += rendered.documents
        loaded.problems += rendered.problems
        loaded.notes += rendered.notes
    reported_paths = {f.path for f in loaded.files} | {p.path for p in loaded.problems}
    if options.context:
        ctx_loaded = LoadResult()
        load(options.context, ctx_loaded, context_only=True, exclude=options.exclude, skip=options.not_manifests,
             jobs=options.jobs)
        seen = {_real(f.path) for f in loaded.files}
        for doc in ctx_loaded.documents:
            if _real(doc.path) not in seen:
                loaded.documents.append(doc)
        loaded.notes.extend(ctx_loaded.notes)

    # each rendered overlay or chart is a world of its own (its own namespaces, grants,
    # environment); files read raw form one more; --context documents belong to all.
    # Files read raw only (nothing rendered, no --context): one world, every document
    # checked, known without a pass over them (serial in a split run).
    raw_only = rendered is None and not options.context
    groups = {None: loaded.documents} if raw_only else render.worlds(loaded.documents)
    index = Index(groups.pop(None), options.default_namespace)
    ctx = Context(index, options)
    contexts = {key: Context(Index(docs, options.default_namespace), options) for key, docs in groups.items()}
    return LoadedSet(loaded, rendered, reported_paths, ctx, contexts, loaded.documents if raw_only else None)


def run(paths: list[str], options: Options | None = None, rules: list[Rule] | None = None) -> Result:
    """Lint ``paths``.  Raises loader.UsageError for a path that does not exist."""
    from infergw_lint.rules import all_rules

    options = options or Options()
    chosen: list = []

    def rule_set() -> list:
        """[every rule, the active ones], the rule modules imported on the first call:
        in a split load by this process once the loading child is forked (loading needs
        none of them), else after loading."""
        if not chosen:
            every = (rules if rules is not None else all_rules()) + list(options.extra_rules)
            chosen[:] = [every, select_rules(every, options)]
        return chosen

    from . import render

    # a split load does the check's document-independent first-use work meanwhile (lint/warm.py)
    stage = load_index(paths, options, warm=lambda: _warm_up(rule_set()[1], options))
    every, active = rule_set()
    by_code = {r.code: r for r in every}
    loaded, rendered, reported_paths = stage.loaded, stage.rendered, stage.reported_paths
    index, ctx, contexts = stage.ctx.index, stage.ctx, stage.contexts
    findings: list[Finding] = []
    internal: list[str] = []
    active_codes = {r.code for r in active}

    findings += problem_findings(loaded.problems, by_code, active_codes, reported_paths, options)

    from datetime import date

    from . import suppress

    # the annotation suppressions of the checked documents, made while checking them; for a
    # rendered set, suppress.apply reads those of the files the resources come from itself
    today = date.today()
    annotations = [] if rendered is None else None
    findings += check_documents(stage.checked, active, ctx, contexts, options, internal, annotations, today)

    for c in (ctx, *contexts.values()):  # notes from the rules (a CRD that cannot be used)
        loaded.notes.extend(n for n in c.notes if n not in loaded.notes)

    sup_files, sup_docs, shared = loaded.files, loaded.documents, set()
    if rendered is not None:  # suppressions written in the files the rendered resources come from
        sup_files, shared = render.suppression_sources(loaded.files, rendered)
        sup_docs = [d for d in loaded.documents if d.origin is None] + rendered.sources.documents()
    meta = suppress.apply(findings, sup_files, sup_docs, by_code, active_codes, options.severity, today, annotations)
    # a suppression in a base shared by several overlays may be for another overlay
    findings += [f for f in meta if not (f.rule == "IGW003" and f.path in shared)]
    if options.baseline:
        from . import baseline

        baseline.apply(options.baseline, findings)
    findings.sort(key=Finding.sort_key)
    add_docs(findings, by_code)
    from .versions import build as build_profile

    profile = ctx.versions if not contexts else build_profile(loaded.documents, options)
    return Result(
        findings=findings,
        files=len(loaded.files) + (len(rendered.sources.files()) if rendered is not None else 0),
        resources=len(stage.checked),
        rules=active,
        notes=list(options.notes) + loaded.notes + [n for n in profile.notes if n not in loaded.notes]
        + _controller_notes(index, options),
        internal_errors=internal,
        index=index,
        versions=profile,
        sources={f.path: f for f in list(loaded.files) + (rendered.sources.files() if rendered is not None else [])},
    )


def _warm_up(active: list, options: Options) -> None:
    from .warm import warm_up  # not imported by a run that does not split its loading

    warm_up(active, options)


def check_documents(documents: list, active: list, ctx: Context, contexts: dict, options: Options,
                    internal: list, annotations: list | None = None, today=None) -> list:
    """The located findings of ``documents`` (none --context only: LoadedSet.checked), in
    document order; a large set is split over processes (lint/parallel.py) with the same
    result.  ``annotations``: a list to extend with the documents' annotation suppressions
    (suppress.annotation_suppressions on ``today``), made by each part while its
    documents' trees are at hand."""
    from . import parallel
    from .suppress import annotation_suppressions

    docs = documents
    contexts_all = (ctx, *contexts.values())

    processes = parallel.jobs(options.jobs) if len(docs) >= parallel.MIN_DOCUMENTS else 1
    heads = None
    if processes > 1 and getattr(options, "json_heads", False):
        from .reporters.json import head_marker

        heads = head_marker()

    def check_part(bounds):
        said = [len(c.notes) for c in contexts_all]
        # before the check, which lets each tree go once its findings are placed
        marked = None if annotations is None else annotation_suppressions(docs[bounds[0]:bounds[1]], today)
        found: list = []
        keys = [] if processes > 1 else None  # (finding, occurrence key, occurrence): see the merge below
        errors: list = []
        occurrences: Counter = Counter()
        shapes: dict = {}  # (flavor, group, kind) -> the rules that may apply to such a document
        for doc in docs[bounds[0]:bounds[1]]:
            origin = doc.origin
            dctx = ctx if origin is None else contexts[origin.world]
            shape = (doc.flavor, doc.group, doc.kind)
            rules_here = shapes.get(shape)
            if rules_here is None:
                rules_here = shapes[shape] = applicable(active, doc)
            found += check_document(doc, rules_here, dctx, options, occurrences, errors, keys)
            doc.forget()  # its findings are placed: a tree composed for them goes again
        if heads is not None:
            heads(found)
        return found, keys, errors, occurrences, [c.notes[n:] for c, n in zip(contexts_all, said)], marked

    if processes <= 1:
        found, _, errors, _, _, marked = check_part((0, len(docs)))
        internal += errors
        if annotations is not None:
            annotations += marked
        return found
    weights = [max(1, d.end - d.start) for d in docs]  # characters: about what checking one costs
    notes: list = [list(c.notes) for c in contexts_all]  # said before: each part brings what it adds
    parts = parallel.fork_map(
        check_part, parallel.split_after_lead(weights, processes), processes,
        first_here=True,
    )
    # Merged as one process would have made it.  An occurrence number counts the same
    # (rule, resource, field) in earlier documents: a part counted from 0, so its
    # findings on keys seen in earlier parts get their fingerprint again.  Notes keep the
    # order in which they were first said (each part brings those its process had not
    # said before it; a process does its parts in order).  The counts are merged with set
    # and dict operations (each key hashed in C), not key by key in Python: most keys are
    # in one part only, and this runs serially.
    out: list = []
    seen: dict = {}  # key -> its occurrences in the parts merged so far
    for found, keys, errors, occurrences, part_notes, marked in parts:
        again = occurrences.keys() & seen.keys() if seen else None
        if again:
            for f, key, occ in keys:
                if key in again:
                    f.fingerprint = fingerprint(key[0], key[1], key[2], seen[key] + occ)
            occurrences = dict(occurrences)
            for key in again:
                occurrences[key] += seen[key]
        seen.update(occurrences)
        out += found
        internal += errors
        if annotations is not None:
            annotations += marked
        for merged, said in zip(notes, part_notes):
            merged.extend(n for n in said if n not in merged)
    for c, merged in zip(contexts_all, notes):
        c.notes[:] = merged  # in place: the CRD registry holds this list too
    return out


def add_docs(findings: list, by_code: dict) -> None:
    """Each finding's documentation URL, and its help (the rule's, else the message's rest)."""
    from .docs import rule_url
    from .reporters import message_parts  # split_message, remembered: findings repeat messages

    urls: dict = {}
    for f in findings:
        rule = f.rule
        url = urls.get(rule, urls)
        if url is urls:
            url = urls[rule] = rule_url(by_code[rule]) if rule in by_code else None
        f.url = url
        if not f.help:
            f.help = message_parts(f.message).rest


def problem_findings(problems, by_code: dict, active_codes: set, reported_paths: set, options: Options) -> list:
    """Findings for the loader's problems (IGW000 parse errors, IGW001 duplicate keys)."""
    out: list[Finding] = []
    problem_seen: Counter = Counter()
    for problem in problems:
        if problem.code not in active_codes or problem.path not in reported_paths:
            continue
        rule = by_code[problem.code]
        # loader messages name lines ("first at line 105", "document #2"): leave numbers out of
        # the fingerprint so that it survives edits elsewhere in the file
        stable = _NUMBERS.sub("#", problem.message)
        occ = problem_seen[(problem.code, problem.path, stable)]
        problem_seen[(problem.code, problem.path, stable)] += 1
        out.append(
            Finding(
                problem.code, rule.name, options.severity.get(problem.code, rule.severity), problem.message,
                problem.path, problem.span, None, (), fingerprint(problem.code, f"file:{stable_path(problem.path)}", (stable,), occ),
            )
        )
    return out


def _by_shape(rule) -> bool:
    """Does ``rule.applies`` read only a document's flavor, group and kind?  ``Rule.applies``
    does; so does one defined by a class that says ``applies_by_shape = True`` (a subclass
    that defines ``applies`` again without saying so is asked for each document, and so is
    a rule given an ``applies`` of its own on the instance)."""
    if "applies" in getattr(rule, "__dict__", ("applies",)):
        return False
    for klass in type(rule).__mro__:
        if "applies" in vars(klass):
            return klass is Rule or vars(klass).get("applies_by_shape") is True
    return False


class _Applicable(list):
    """What ``applicable`` returns: the rules, and for each whether ``check_document``
    must ask it again for each document (``ask`` True), or knows the answer for every
    document of ``shape`` (an ``applies`` that reads only the shape said yes: False, or
    the rule's ``requires``, asked of each document)."""

    __slots__ = ("shape", "ask", "by_code", "covering")


def applicable(rules, doc) -> list:
    """``rules`` without those that cannot apply to any document of ``doc``'s flavor, group
    and kind (``Rule.applies`` reads nothing else, nor does an ``applies`` whose class sets
    ``applies_by_shape``); a rule with another ``applies`` of its own stays (it is asked
    for each document)."""
    out = _Applicable()
    ask = []
    for rule in rules:
        if not _by_shape(rule):
            out.append(rule)
            ask.append(True)
        else:
            try:
                if rule.applies(doc):
                    out.append(rule)
                    ask.append(getattr(rule, "requires", None) or False)
            except Exception:  # noqa: BLE001 - check_document asks again and reports it
                out.append(rule)
                ask.append(True)
    out.shape = (doc.flavor, doc.group, doc.kind)
    out.ask = ask
    out.by_code = {r.code: r for r in out}
    out.covering = any(getattr(r, "covers", ()) for r in out)  # else drop_covered keeps every finding
    return out


def check_document(doc, rules, dctx: Context, options: Options, occurrences: Counter, internal: list,
                   keys: list | None = None) -> list:
    """Run ``rules`` on one document; located findings (a rule's exception goes to
    ``internal`` and does not hide the other rules' findings).  ``keys`` gets (finding,
    occurrence key, occurrence number) for each finding made."""
    out: list[Finding] = []
    origin = doc.origin
    world = None if origin is None else origin.world
    ident = resource = None
    rendered = origin is not None
    if type(rules) is _Applicable and rules.shape == (doc.flavor, doc.group, doc.kind):
        asks = rules.ask  # applies said yes for this flavor, group and kind, once
    else:
        asks = repeat(True)
    severity = options.severity
    required = None  # requires -> its answer for this document (rules share one)
    for rule, ask in zip(rules, asks):
        try:
            if ask:
                if ask is True:
                    if not rule.applies(doc):
                        continue
                else:  # the rule's ``requires``: nothing to read in this document when empty
                    if required is None:
                        required = {}
                    empty = required.get(ask)
                    if empty is None:
                        empty = required[ask] = not ask(doc)
                    if empty:
                        continue
            for rep in rule.check(doc, dctx) or ():
                if ident is None:
                    ident = identity(doc)
                    resource = resource_of(doc, dctx.index)  # each finding gets its own copy
                path = rep.path
                key = (rule.code, ident, path, world)
                occ = occurrences[key]
                occurrences[key] = occ + 1
                fpath, span, message = doc.path, None, rep.message
                if origin is not None:  # rendered: report where the field is written
                    mapped = origin.locate(path, rep.key)
                    if mapped is not None:
                        fpath, span, note = mapped
                        if note:
                            message = f"{message} {note}"
                code = rule.code
                out.append(
                    finding := Finding(  # (rule, name, severity, message, path, span, resource, field,
                        # fingerprint, suppression, rendered, url, help): positional, one call per finding
                        code, rule.name, severity.get(code) or rep.severity or rule.severity, message, fpath,
                        span or (doc.span_within(path, rep.within) if rep.within else doc.span(path, key=rep.key)),
                        None if resource is None else dict(resource), path, fingerprint(code, ident, path, occ),
                        None, rendered, None, rep.help or "",
                    )
                )
                if keys is not None:
                    keys.append((finding, key, occ))
        except Exception as exc:  # a rule bug must not hide the other findings
            where = f"{doc.path}:{doc.span(()).line}"
            import traceback

            tb = traceback.extract_tb(exc.__traceback__)[-1]
            internal.append(
                f"internal error in rule {rule.code} on {where}: {type(exc).__name__}: {exc} "
                f"({tb.filename.rsplit('/', 1)[-1]}:{tb.lineno})"
            )
    if len(out) < 2:
        return out
    if type(rules) is _Applicable:
        return drop_covered(out, rules.by_code) if rules.covering else out
    return drop_covered(out, {r.code: r for r in rules})


_NUMBERS = re.compile(r"\d+")
GENERIC = ("IGW501", "IGW502", "IGW503")  # the CRD validator's codes (lint/crd)


def drop_covered(found: list, by_code: dict) -> list:
    """One document's findings without the CRD validator's findings that a domain rule
    reports in its own words (its ``covers``) on the same node or inside it."""
    domain = [f for f in found if f.rule not in GENERIC and getattr(by_code.get(f.rule), "covers", ())]
    if not domain:
        return found
    out = []
    for f in found:
        if f.rule in GENERIC and any(
            any(c in f.message for c in by_code[d.rule].covers)
            and (d.field[: len(f.field)] == f.field or f.field[: len(d.field)] == d.field)
            for d in domain
        ):
            continue
        out.append(f)
    return out


def _controller_notes(index: Index, options: Options) -> list[str]:
    from .gateway import foreign_controller_notes

    return foreign_controller_notes(index, options.controllers)


def _real(path: str) -> str:
    import os

    return os.path.realpath(path) if path != "-" else path
