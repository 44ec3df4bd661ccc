"""Command line: ``infergw-lint [options] PATH...``, ``infergw-lint rules``,
``infergw-lint explain CODE``."""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .sanitize import escape, escape_lines

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
SUBCOMMANDS = ("lint", "rules", "explain", "test", "routes", "server", "completion")

DESCRIPTION = """\
Lint Kubernetes and JSON manifests of an AI inference gateway: Gateway API + kgateway,
the Bifrost LLM gateway (config.json, also inside ConfigMaps), Langfuse telemetry and the
IDE/CLI clients that call it. Every finding has its file, line and column.

Commands:
  infergw-lint PATH...          lint files and directories (recursive; *.yaml *.yml *.json; - = stdin)
  infergw-lint rules            list every rule: code, name, severity, description
  infergw-lint explain CODE     full documentation of one rule (What it does / Why / Example / Fix)
  infergw-lint lint PATH...     the same as the first form (for a directory named like a command)
  infergw-lint test POLICY_DIR  run custom policies over their fixtures (# expect: CODE comments)
  infergw-lint routes PATH...   each Gateway listener's effective routes, with why a route will not serve
                                (--format text|markdown|json|mermaid|dot)
  infergw-lint server           language server over stdio for editors (needs the lsp extra)
  infergw-lint completion SHELL shell completion script for bash, zsh or fish

Configuration: .infergw-lint.yaml (or [tool.infergw-lint] in pyproject.toml) in the linted
directory or any parent, or --config FILE; the command line overrides it.
"""

EPILOG = """\
examples:
  infergw-lint manifests/
  infergw-lint --env prod --format json --output findings.json overlays/prod
  infergw-lint --select IGW1 --fail-on warning manifests/
  infergw-lint overlays/prod                 # a kustomization: built, findings on the base/patch files
  infergw-lint --helm charts/gw --values charts/gw/values-prod.yaml
  infergw-lint --context manifests/ manifests/routes/changed.yaml   # pre-commit: changed files only

exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage or input error
"""


def _terminal_columns(fallback: int) -> int:
    """``shutil.get_terminal_size((fallback, 24)).columns`` ($COLUMNS, else the terminal's,
    else ``fallback``), without importing shutil (and bz2, lzma) on every run."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns or fallback
        except (AttributeError, ValueError, OSError):
            columns = fallback
    return columns


def _help_width() -> int:
    """What argparse's HelpFormatter wraps help to (the terminal's columns - 2, else 78):
    argparse makes a formatter for each option added."""
    return _terminal_columns(80) - 2


class _Parser(argparse.ArgumentParser):
    """argparse, with an unknown option named together with the commands that do take it
    (``infergw-lint rules --env prod``: --env is an option of lint and routes) or the
    option it was probably meant to be."""

    def __init__(self, *args, formatter_class=argparse.HelpFormatter, **kwargs):
        class Formatter(formatter_class):
            def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
                super().__init__(prog, indent_increment, max_help_position, _help_width() if width is None else width)

        super().__init__(*args, formatter_class=Formatter, **kwargs)

    def error(self, message):
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            message = _unknown_arguments(self, message[len(prefix):].split(" ")) or message
        super().error(message)


def _unknown_arguments(parser, extras: list[str]) -> str | None:
    import difflib

    try:
        from .completion import parsers

        commands = parsers()
    except Exception:  # pragma: no cover - the plain message then
        return None
    me = next((name for name, p in commands.items() if p.prog == parser.prog), parser.prog)
    flags = [e.split("=", 1)[0] for e in extras if e.startswith("-") and e != "-"]
    if not flags:
        return f"unexpected argument(s): {' '.join(extras)}"
    out = []
    for flag in dict.fromkeys(flags):
        owners = [name for name, p in commands.items() if flag in p._option_string_actions and name != me]
        if owners:
            where = ", ".join("`infergw-lint" + ("" if o == "lint" else f" {o}") + "`" for o in owners)
            out.append(f"{flag} is not an option of `{parser.prog}` (it belongs to {where})")
            continue
        mine = [o for o in parser._option_string_actions if o.startswith("--")]
        close = difflib.get_close_matches(flag, mine, n=1, cutoff=0.6)
        out.append(f"{flag} is not an option of `{parser.prog}`" + (f" (did you mean {close[0]}?)" if close else ""))
    return "; ".join(out) + f"; see `{parser.prog} --help`"


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if not 0 <= n <= 64:
        raise argparse.ArgumentTypeError(f"expected a number of processes from 1 to 64 (0 = one per CPU), got {text!r}")
    return n


def _split(values) -> list[str]:
    out: list[str] = []
    for v in values or ():
        out += [p.strip() for p in v.split(",") if p.strip()]
    return out


class _FormatAction(argparse.Action):
    """--format appends a [format, output] pair; --output fills the latest one."""

    def __call__(self, parser, namespace, value, option_string=None):
        reports = list(getattr(namespace, self.dest, None) or [])
        pending = [r for r in reports if r[0] is None]
        if pending:  # an --output given before any --format
            pending[0][0] = value
        else:
            reports.append([value, None])
        setattr(namespace, self.dest, reports)


class _OutputAction(argparse.Action):
    """--output FILE names where the --format before it goes; one file per --format."""

    def __call__(self, parser, namespace, value, option_string=None):
        reports = list(getattr(namespace, self.dest, None) or [])
        if reports and reports[-1][1] is None:
            reports[-1][1] = value
        elif reports and reports[-1][1] is not None:
            fmt = reports[-1][0] or "text"
            parser.error(
                f"{option_string} {value}: --format {fmt} already writes to {reports[-1][1]}; "
                "one --output per --format (give --format before each --output)"
            )
        else:
            reports.append([None, value])
        setattr(namespace, self.dest, reports)


def build_parser() -> argparse.ArgumentParser:
    from .reporters import FORMATS

    p = _Parser(
        prog="infergw-lint",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or directories to lint; - reads stdin")
    p.add_argument(
        "-f", "--format", action=_FormatAction, choices=FORMATS, dest="reports",
        help="output format: " + ", ".join(FORMATS) + " (default text); repeat with --output for several reports",
    )
    p.add_argument(
        "-o", "--output", action=_OutputAction, dest="reports", metavar="FILE",
        help="write the report of the --format before it (or the only one) to FILE instead of stdout",
    )
    p.add_argument(
        "--sarif-category", type=_sarif_category, default=None, metavar="CATEGORY",
        help="SARIF runs[].automationDetails.id (CATEGORY/), so several runs per commit (one per environment, "
        "say) stay apart in GitHub code scanning",
    )
    p.add_argument("--select", action="append", metavar="CODES", help="run only these rules (codes, names or prefixes like IGW1)")
    p.add_argument("--ignore", action="append", metavar="CODES", help="do not run these rules")
    p.add_argument("--env", choices=("prod", "staging", "dev"), help="environment of every linted file (default: from Namespace labels)")
    p.add_argument(
        "--fail-on", choices=("error", "warning", "info", "never"), default=None,
        help="lowest severity that makes the exit code 1 (default: error)",
    )
    p.add_argument("--config", metavar="FILE", help="configuration file (default: nearest .infergw-lint.yaml or pyproject.toml)")
    p.add_argument("--no-config", action="store_true", help="ignore configuration files")
    p.add_argument("--policies", action="append", default=[], metavar="DIR", help="load custom policies (YAML or Python) from DIR")
    p.add_argument(
        "--allow-python-policies", action="store_true",
        help="also run the Python policies that the configuration file names (by default a configuration "
        "found in the linted tree loads YAML policies only: Python policies are code)",
    )
    p.add_argument(
        "--max-total-bytes", type=int, default=None, metavar="N",
        help="read at most N bytes of input in this run (default 1 GiB; each file or stdin is capped at 64 MiB); "
        "files past the limit are reported as IGW000, not read",
    )
    p.add_argument(
        "--jobs", "-j", type=_jobs, default=None, metavar="N",
        help="lint a large tree with N processes (default: one per usable CPU not busy with other work, up to 8; "
        "1 = one process); split on Linux only, for trees from about 1 MB or 400 documents; the output is the same",
    )
    p.add_argument("--baseline", metavar="FILE", help="findings recorded in FILE do not fail the run (only new ones do)")
    p.add_argument("--write-baseline", metavar="FILE", help="record every current finding in FILE and exit 0")
    p.add_argument(
        "--context", action="append", default=[], metavar="DIR",
        help="load DIR for cross-file lookups (grants, services, namespaces) but report only on PATHs",
    )
    p.add_argument(
        "--kustomize", action="append", default=[], metavar="DIR",
        help="build DIR with kustomize (or kubectl kustomize) and lint the result, with findings on the source "
        "files (a PATH directory holding kustomization.yaml is built too)",
    )
    p.add_argument(
        "--helm", action="append", default=[], metavar="DIR",
        help="render the chart in DIR with helm template and lint the result (a PATH directory holding "
        "Chart.yaml is rendered too when helm is on PATH)",
    )
    p.add_argument("--values", action="append", default=[], metavar="FILE", help="values file for the Helm charts (repeatable)")
    p.add_argument(
        "--allow-remote-resources", action="store_true",
        help="let kustomize fetch the remote resources a kustomization names (URLs, git repositories, Helm chart "
        "repositories); by default such a kustomization is refused (exit 2)",
    )
    p.add_argument(
        "--no-render", action="store_true",
        help="read kustomization and chart directories given as PATH raw instead of building them",
    )
    p.add_argument("--namespace", default="default", metavar="NS", help="namespace of resources that set none (default: default)")
    complete = p.add_mutually_exclusive_group()
    complete.add_argument(
        "--assume-complete", dest="assume_complete", action="store_true", default=None,
        help="report missing targets even in namespaces with no resource in the linted set",
    )
    complete.add_argument(
        "--no-assume-complete", dest="assume_complete", action="store_false",
        help="never report missing targets (partial trees)",
    )
    p.add_argument(
        "--gateway-api-version", type=_gateway_api_version, default=None, metavar="X.Y",
        help="Gateway API release whose CRDs the cluster runs (default: the CRDs' bundle-version in the set, else 1.2)",
    )
    p.add_argument(
        "--gateway", action="append", default=[], metavar="URL",
        help="base URL or hostname of the Bifrost gateway the IDE/CLI clients call (repeatable; config "
        "gateways:); IGW301 checks a client model only when its apiBase points at Bifrost",
    )
    p.add_argument(
        "--bifrost-version", type=_release("Bifrost", "1.5 or v1.5.3"), default=None, metavar="X.Y[.Z]",
        help="Bifrost release that reads the configs (default: the image tag of the workload that mounts each config)",
    )
    p.add_argument(
        "--kgateway-version", type=_release("kgateway", "2.2 or v2.1.0"), default=None, metavar="X.Y[.Z]",
        help="kgateway release of the cluster (default: the controller image or chart label in the set)",
    )
    p.add_argument(
        "-v", "--verbose", action="store_true",
        help="also print the versions linted against (Bifrost, kgateway, Gateway API) and where each came from",
    )
    p.add_argument(
        "--gateway-api-channel", choices=("standard", "experimental"), default=None,
        help="release channel of the cluster's Gateway API CRDs, for IGW501-IGW503 (default: standard)",
    )
    p.add_argument(
        "--crds", action="append", default=[], metavar="PATH",
        help="CustomResourceDefinition files or directories: their custom resources are validated against "
        "them (IGW501-IGW503), in place of the bundled CRDs of the same kind",
    )
    p.add_argument(
        "--fix", action="store_true",
        help="apply the safe automatic fixes in place (comments and layout kept), then report what remains",
    )
    p.add_argument(
        "--diff", action="store_true",
        help="print the changes --fix would make as a unified diff and write nothing (exit 1 if there are any)",
    )
    p.add_argument("--no-color", action="store_true", help="plain text output even on a terminal")
    source = p.add_mutually_exclusive_group()
    source.add_argument(
        "--show-source", dest="show_source", action="store_true", default=None,
        help="show the source lines of each finding with the span underlined (the default for --format text)",
    )
    source.add_argument("--no-show-source", dest="show_source", action="store_false", help="leave the code frames out")
    p.add_argument(
        "--statistics", action="store_true",
        help="print how many findings each rule has (and whether --fix fixes them) instead of the findings",
    )
    p.add_argument("-V", "--version", action="version", version=f"infergw-lint {__version__}")
    return p


def _sarif_category(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 200 or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise argparse.ArgumentTypeError("a category is 1 to 200 printable characters, like infergw-lint/prod")
    return value


def _release(label: str, example: str):
    def parse(value: str) -> str:
        from .versions import valid

        if not valid(value):
            raise argparse.ArgumentTypeError(f"{value!r} is not a {label} version like {example}")
        return value.strip().lstrip("vV")

    return parse


_gateway_api_version = _release("Gateway API", "1.2 or v1.5.0")


def stated_versions(args, data: dict | None = None, config_path: str | None = None) -> dict:
    """component -> (version, source) from the command line, then the configuration
    (``versions:``, then the older ``gateway-api-version``)."""
    data = data or {}
    where = f" in {config_path}" if config_path else ""
    out: dict = {}
    conf = data.get("versions") or {}
    if "gateway-api-version" in data:
        out["gateway-api"] = (str(data["gateway-api-version"]), f"gateway-api-version{where}")
    for key in ("bifrost", "kgateway", "gateway-api"):
        if key in conf:
            out[key] = (str(conf[key]), f"versions.{key}{where}")
    for key, attr in (("bifrost", "bifrost_version"), ("kgateway", "kgateway_version"), ("gateway-api", "gateway_api_version")):
        value = getattr(args, attr, None)
        if value:
            out[key] = (value, f"--{key}-version")
    return out


def _err(msg: str) -> None:
    """One message on stderr.  Lines we break on purpose stay lines; every control, format
    and bidi character is escaped (lint/sanitize.py), so no value in it can drive the
    terminal or start a CI workflow command."""
    sys.stderr.write(f"infergw-lint: {escape_lines(str(msg))}\n")


def _note(msg: str) -> None:
    """A note on stderr, always one line (sanitize.escape)."""
    sys.stderr.write(f"infergw-lint: note: {escape(str(msg))}\n")


def _custom_rules(dirs) -> list | None:
    """The custom policies in ``dirs`` (--policies), or None after saying what is wrong."""
    if not dirs:
        return []
    from .policies import PolicyError, load_policies

    try:
        return load_policies(list(dirs))
    except PolicyError as exc:
        _err(str(exc))
        return None


def cmd_rules(argv: list[str]) -> int:
    from infergw_lint.rules import all_rules

    ap = _Parser(
        prog="infergw-lint rules",
        description="List every rule (with --policies, custom policies too). --format docs writes one Markdown "
        "page per rule into the --output directory (the pages in docs/rules are made this way).",
    )
    ap.add_argument("-f", "--format", choices=("text", "markdown", "json", "docs"), default="text",
                    help="text (default), markdown (the README table), json, or docs (pages; needs --output DIR)")
    ap.add_argument("-o", "--output", metavar="PATH", help="write to PATH instead of stdout (a directory for --format docs)")
    ap.add_argument("--policies", action="append", default=[], metavar="DIR", help="list the custom policies in DIR too")
    args = ap.parse_args(argv)
    custom = _custom_rules(args.policies)
    if custom is None:
        return EXIT_USAGE
    rules = all_rules() + custom
    if args.format == "docs":
        from .docs import write_pages

        if not args.output:
            _err("rules --format docs writes one page per rule: give the directory with --output (e.g. docs/rules)")
            return EXIT_USAGE
        try:
            written = write_pages(rules, args.output)
        except OSError as exc:
            _err(f"cannot write {args.output}: {exc.strerror or exc}")
            return EXIT_USAGE
        _err(f"{len(written)} page(s) written to {args.output}, {len(rules) + 1 - len(written)} unchanged")
        return EXIT_OK
    if args.format == "json":
        import json

        text = json.dumps([
            {"code": r.code, "name": r.name, "severity": r.severity, "description": r.short_description, "fixable": r.fixable}
            for r in rules
        ], indent=2) + "\n"
    elif args.format == "markdown":
        text = rules_markdown(rules) + "\n"
    else:
        w = max(len(r.name) for r in rules)
        text = "".join(f"{r.code}  {r.name:<{w}}  {r.severity:<7}  {r.short_description}\n" for r in rules)
    return _write_output(text, args.output)


def _write_output(text, target: str | None, json_like: bool = False) -> int:
    """Write ``text`` (a string or an iterable of strings) to stdout or, whole or not at all,
    to ``target`` (lint/safeio.py)."""
    from .safeio import write_stdout, write_text

    if target is None:
        write_stdout(text, json_like)
        return EXIT_OK
    try:
        write_text(target, text, json_like)
    except OSError as exc:
        _err(f"cannot write {target}: {exc.strerror or exc}")
        return EXIT_USAGE
    return EXIT_OK


def rules_markdown(rules) -> str:
    """The README rule table; a built-in rule's code links to its page in docs/rules."""
    from .docs import is_builtin

    lines = ["| code | name | severity | what it flags |", "|---|---|---|---|"]
    for r in rules:
        desc = r.short_description.replace("|", "\\|")
        code = f"[{r.code}](docs/rules/{r.code}.md)" if is_builtin(r) else r.code
        lines.append(f"| {code} | {r.name} | {r.severity} | {desc} |")
    return "\n".join(lines)


def cmd_explain(argv: list[str]) -> int:
    from infergw_lint.rules import all_rules, get_rule

    from .docs import render_markdown, rule_page

    ap = _Parser(
        prog="infergw-lint explain",
        description="Show a rule's documentation (the page in docs/rules), rendered as Markdown on a terminal "
        "(in a pager when it is longer than the screen) and as Markdown source otherwise.",
    )
    ap.add_argument("code", help="rule code or name, e.g. IGW101 or missing-reference-grant")
    ap.add_argument("--policies", action="append", default=[], metavar="DIR", help="custom policies in DIR can be explained too")
    ap.add_argument("--no-pager", action="store_true", help="never page the output")
    ap.add_argument("--no-color", action="store_true", help="print the Markdown source even on a terminal")
    args = ap.parse_args(argv)
    custom = _custom_rules(args.policies)
    if custom is None:
        return EXIT_USAGE
    key = args.code.strip()
    rule = get_rule(key) or next((r for r in custom if key.upper() == r.code.upper() or key == r.name), None)
    if rule is None:
        from .config import suggest

        hint = suggest(key, all_rules() + custom, prefixes=False)
        codes = ", ".join(r.code for r in all_rules() + custom)
        _err(f"no rule {args.code!r}" + (f" (did you mean {hint}?)" if hint else "") + f"; known rules: {codes}")
        return EXIT_USAGE
    tty = sys.stdout.isatty()
    color = tty and not args.no_color and "NO_COLOR" not in os.environ
    text = render_markdown(rule_page(rule, links=False), color=color)
    if tty and not args.no_pager:
        _page(text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _page(text: str) -> None:
    """Show ``text`` through the user's pager ($PAGER, else less): colours kept (less -R),
    quitting at once when it fits on one screen (-F), the screen left as it was (-X)."""
    import pydoc

    os.environ.setdefault("LESS", "FRX")
    pydoc.pager(text)


def cmd_test(argv: list[str]) -> int:
    """Run the policies in POLICY_DIR over their fixtures (POLICY_DIR/tests/)."""
    from .engine import Options, run
    from .expect import check_fixes, compare, fixed_companion, fixture_files, is_fixed_companion, read_expectations
    from .policies import PolicyError, load_policies

    ap = _Parser(
        prog="infergw-lint test",
        description="Run custom policies over their own fixtures: every file or directory under POLICY_DIR/tests "
        "(or fixtures/) is linted with the policies, and its findings must equal its inline "
        "`# expect: CODE` comments (`# expect: CODE@LINE:COL` for an exact place; NAME.json.expect beside JSON). "
        "When NAME.fixed.yaml (or DIR.fixed/) is beside a fixture, the policies' fixes must turn it into that.",
    )
    ap.add_argument("policy_dir", metavar="POLICY_DIR")
    ap.add_argument("--builtin", action="store_true", help="run the built-in rules too")
    args = ap.parse_args(argv)
    try:
        policies = load_policies([args.policy_dir])
    except PolicyError as exc:
        _err(str(exc))
        return EXIT_USAGE
    if not policies:
        _err(f"{args.policy_dir}: no policies (*.yaml, *.yml, *.py)")
        return EXIT_USAGE
    fixtures_dir = next(
        (os.path.join(args.policy_dir, d) for d in ("tests", "fixtures") if os.path.isdir(os.path.join(args.policy_dir, d))),
        None,
    )
    if fixtures_dir is None:
        _err(f"{args.policy_dir}: no tests/ (or fixtures/) directory with fixture files")
        return EXIT_USAGE
    passed = failed = 0
    for entry in sorted(os.listdir(fixtures_dir)):
        target = os.path.join(fixtures_dir, entry)
        if entry.endswith(".expect") or not (os.path.isdir(target) or entry.endswith((".yaml", ".yml", ".json"))):
            continue
        if is_fixed_companion(entry):  # the expected --fix result of another fixture
            continue
        expected, extra = [], []
        try:
            for f in fixture_files(target) if os.path.isdir(target) else [target]:
                e, a = read_expectations(f)
                expected += e
                extra += a
        except (ValueError, OSError) as exc:
            failed += 1
            print(f"FAIL {target}\n     {exc}")
            continue
        ns = build_parser().parse_args(extra + [target])
        codes = [p.code for p in policies]
        options = Options(select=None if args.builtin else codes, env=ns.env, extra_rules=policies,
                          assume_complete=ns.assume_complete)
        def lint(paths, options=options):
            return run(paths, options, rules=None if args.builtin else [])

        result = lint([target])
        missing, unexpected = compare([f for f in result.findings if f.suppression is None], expected)
        problems = missing and [f"missing {m}" for m in missing] or []
        problems += [f"unexpected {u}" for u in unexpected] + list(result.internal_errors)
        fixed = fixed_companion(target)
        if fixed is not None and not problems:
            problems += check_fixes(target, fixed, result, options, lint)
        if problems:
            failed += 1
            print(f"FAIL {target}")
            for p in problems:
                print(f"     {p}")
        else:
            passed += 1
            also = f", fixed as {os.path.basename(fixed)}" if fixed is not None else ""
            print(f"ok   {target} ({len(expected)} expected finding{'s' if len(expected) != 1 else ''}{also})")
    print(f"{passed} passed, {failed} failed")
    return EXIT_FINDINGS if failed else EXIT_OK


def cmd_routes(argv: list[str]) -> int:
    """Print the effective routing table of every Gateway listener (lint/routes.py)."""
    from .loader import UsageError
    from .routes import FORMATS, render, routing_map

    ap = _Parser(
        prog="infergw-lint routes",
        description="The effective routing table of every Gateway listener, in precedence order: hostname, "
        "match, filters, backends with weights, the route, and ok or why it will not serve (the reason names "
        "the rule that reports it). Files are loaded as for linting (configuration, --context, kustomize/helm).",
    )
    ap.add_argument("paths", nargs="*", metavar="PATH", help="files or directories; - reads stdin")
    ap.add_argument("-f", "--format", choices=FORMATS, default="text", help="output format (default text)")
    ap.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    ap.add_argument("--context", action="append", default=[], metavar="DIR", help="load DIR for lookups (grants, services, gateways)")
    ap.add_argument("--namespace", default="default", metavar="NS", help="namespace of resources that set none (default: default)")
    complete = ap.add_mutually_exclusive_group()
    complete.add_argument("--assume-complete", dest="assume_complete", action="store_true", default=None,
                          help="treat objects missing from the set as missing (not unverified)")
    complete.add_argument("--no-assume-complete", dest="assume_complete", action="store_false",
                          help="never call a missing object missing (partial trees)")
    ap.add_argument("--config", metavar="FILE", help="configuration file (default: nearest .infergw-lint.yaml or pyproject.toml)")
    ap.add_argument("--no-config", action="store_true", help="ignore configuration files")
    ap.add_argument("--kustomize", action="append", default=[], metavar="DIR", help="build DIR with kustomize first")
    ap.add_argument("--helm", action="append", default=[], metavar="DIR", help="render the chart in DIR with helm template first")
    ap.add_argument("--values", action="append", default=[], metavar="FILE", help="values file for the Helm charts (repeatable)")
    ap.add_argument("--no-render", action="store_true", help="read kustomization and chart directories raw")
    ap.add_argument("--no-color", action="store_true", help="plain text even on a terminal")
    ap.add_argument(
        "--fail-on", dest="routes_fail_on", choices=("broken", "unverified", "never"), default="never",
        help="exit 1 when a route match is broken (broken), or broken or unverified (unverified); default never",
    )
    args = ap.parse_args(argv)
    if not (args.paths or args.kustomize or args.helm):
        ap.print_usage(sys.stderr)
        _err("no PATH given (try: infergw-lint routes sample_manifests/good)")
        return EXIT_USAGE
    full = build_parser().parse_args([])  # the lint options' defaults, for options_from
    for key, value in vars(args).items():
        setattr(full, key, value)
    loaded = _checked_options(full)
    if loaded is None:
        return EXIT_USAGE
    options = loaded[0]
    options.not_manifests = _not_manifests([(args.output, "the --output file of this run")])
    try:
        routes = routing_map(args.paths, options)
    except UsageError as exc:
        _err(str(exc))
        return EXIT_USAGE
    color = (
        args.format == "text" and args.output is None and not args.no_color
        and "NO_COLOR" not in os.environ and sys.stdout.isatty()
    )
    text = render(args.format, routes, color=color, width=_width(args.output))
    if _write_output(text, args.output, json_like=args.format == "json") != EXIT_OK:
        return EXIT_USAGE
    for note in routes.notes:
        _note(note)
    failing = {"broken": {"broken"}, "unverified": {"broken", "unverified"}}.get(args.routes_fail_on, set())
    if any(row.state in failing for _, row in routes.rows()):
        return EXIT_FINDINGS
    return EXIT_OK


def cmd_server(argv: list[str]) -> int:
    """The language server over stdio (lint/lsp/)."""
    ap = _Parser(
        prog="infergw-lint server",
        description="Language Server Protocol server over stdio: diagnostics while typing, quick fixes, "
        "suppressions and rule docs on hover in any LSP editor. Needs the lsp extra: "
        "pip install 'infergw-lint[lsp]'. Settings come from the editor (initializationOptions or "
        "workspace/didChangeConfiguration: select, ignore, env, config, debounce) and the workspace's "
        "configuration file.",
    )
    ap.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default and only transport)")
    ap.parse_args(argv)
    from .lsp import main as serve

    return serve()


def cmd_completion(argv: list[str]) -> int:
    """A completion script generated from the parsers (lint/completion.py)."""
    from . import completion

    ap = _Parser(
        prog="infergw-lint completion",
        description="Print a shell completion script for infergw-lint, generated from its own parsers. "
        "bash: infergw-lint completion bash > ~/.local/share/bash-completion/completions/infergw-lint; "
        "zsh: infergw-lint completion zsh > \"${fpath[1]}/_infergw-lint\"; "
        "fish: infergw-lint completion fish > ~/.config/fish/completions/infergw-lint.fish",
    )
    ap.add_argument("shell", choices=completion.SHELLS, help="the shell: bash, zsh or fish")
    args = ap.parse_args(argv)
    sys.stdout.write(completion.render(args.shell))
    return EXIT_OK


def options_from(args):
    """Options and fail-on level from the configuration file overridden by the command line."""
    from . import config as cfgmod
    from .engine import Options
    from .policies import load_policies
    from .rules import all_rules

    if args.no_config:
        cfg = cfgmod.Config(None, os.getcwd(), {})
    else:
        cfg = cfgmod.discover(args.paths + args.kustomize + args.helm, args.config)
    data = cfg.data
    skipped: list = []
    if getattr(args, "allow_python_policies", False):
        custom = load_policies(cfg.policy_dirs + list(args.policies))
    else:
        custom = load_policies(list(args.policies), data_only=cfg.policy_dirs, skipped=skipped)
    notes = cfg.notes[:]
    if skipped:
        shown = ", ".join(os.path.relpath(p) for p in skipped[:5]) + (", ..." if len(skipped) > 5 else "")
        notes.append(
            f"{cfg.path} names Python policies that were not loaded ({shown}): a configuration in the linted "
            "tree loads YAML policies only; pass --policies DIR or --allow-python-policies to run them"
        )
    try:
        cfgmod.check_rule_names(cfg, lambda: all_rules() + custom)
    except cfgmod.ConfigError as exc:
        if not skipped:
            raise
        raise cfgmod.ConfigError(
            f"{exc}; its Python policies were not loaded: pass --policies DIR or --allow-python-policies to run them"
        ) from None
    disabled, severity, rule_options, enabled = cfg.rule_settings()

    def as_list(v):
        return _split([v] if isinstance(v, str) else v or [])

    for flag, given in (("--select", args.select), ("--ignore", args.ignore)):
        if not given:
            continue
        bad = cfgmod.unknown_selectors(_split(given), all_rules() + custom)
        if bad:
            raise cfgmod.ConfigError(cfgmod.describe_unknown(bad, all_rules() + custom, flag))
    cli_select = _split(args.select) if args.select else None
    select = cli_select if cli_select is not None else (as_list(data["select"]) if "select" in data else None)
    explicit = set(cli_select or [])
    ignore = [c for c in as_list(data.get("ignore")) + disabled if c not in explicit] + _split(args.ignore)
    if select is not None and enabled and cli_select is None:
        select = select + enabled
    options = Options(
        select=select,
        ignore=ignore,
        env=args.env,
        context=args.context,
        default_namespace=args.namespace if args.namespace != "default" else data.get("namespace", "default"),
        assume_complete=args.assume_complete if args.assume_complete is not None else data.get("assume-complete"),
        gateway_api_version=args.gateway_api_version,
        versions=stated_versions(args, data, cfg.path),
        gateway_api_channel=getattr(args, "gateway_api_channel", None) or data.get("gateway-api-channel") or "standard",
        crds=list(getattr(args, "crds", None) or []),
        jobs=getattr(args, "jobs", None),
        exclude=cfg.exclude(),
        environments=cfg.environments(),
        default_env=data.get("env"),
        baseline=args.baseline or cfg.baseline,
        extra_rules=custom,
        kustomize=list(args.kustomize),
        helm=list(args.helm),
        helm_values=list(args.values),
        render=not args.no_render,
        allow_remote_resources=bool(getattr(args, "allow_remote_resources", False)),
        prod_segments=tuple((data.get("kustomize") or {}).get("prod-segments") or ("prod", "production")),
        notes=notes,
        controllers=tuple(data.get("controllers") or ()),
        gateways=tuple(args.gateway) + tuple(data.get("gateways") or ()),
    )
    from .rules import get_rule

    for key, sev in severity.items():
        rule = get_rule(key) or next((r for r in custom if key in (r.code, r.name)), None)
        if rule is not None:
            options.severity[rule.code] = sev
    for key, opts in rule_options.items():
        rule = get_rule(key) or next((r for r in custom if key in (r.code, r.name)), None)
        options.rule_options[rule.code if rule else key] = opts
    fail_on = args.fail_on or data.get("fail-on") or "error"
    # a pull request may edit the configuration: what switches the check off is said aloud
    if fail_on == "never" and not args.fail_on:
        notes.append(f"{cfg.path} sets fail-on: never: no finding fails this run")
    if data.get("baseline") and not args.baseline:
        notes.append(
            f"{cfg.path} names the baseline {data['baseline']}: findings recorded there do not fail the run "
            "(a baseline in the linted tree can be edited by the change under review)"
        )
    return options, fail_on


def _checked_options(args):
    """(options, fail_on) from the configuration and the command line, or None after saying
    what is wrong (a bad config or policy, a --context that does not exist)."""
    from .config import ConfigError
    from .policies import PolicyError

    try:
        options, fail_on = options_from(args)
    except (ConfigError, PolicyError) as exc:
        _err(str(exc))
        return None
    for c in options.context:
        if not os.path.exists(c):
            _err(f"--context {c}: no such file or directory")
            return None
    for c in options.crds:
        if not os.path.exists(c):
            _err(f"--crds {c}: no such file or directory")
            return None
    return options, fail_on


def _not_manifests(pairs) -> dict:
    """real path -> why, for the files a run writes or reads as its own (never manifests)."""
    return {os.path.realpath(path): why for path, why in pairs if path and path != "-"}


def _width(target) -> int:
    """Columns to wrap text to: the terminal's (or $COLUMNS), else 120; 120 for a file."""
    return max(_terminal_columns(120), 40) if target is None else 120


def _fixable(result, options) -> frozenset:
    """ids of the findings `[*]` marks: the rule has an autofix, --fix edits the file the
    finding is in (not stdin, not kustomize/helm output, not suppressed) and the rule's
    ``fix_available`` does not rule the case out. Decided without running the fixes, so a
    plain lint run loads none of the fix machinery; --fix may still refuse a particular
    case, and then says why."""
    from types import SimpleNamespace

    fixable = {r.code: r for r in result.rules if getattr(r, "fixable", False)}
    ctx = SimpleNamespace(index=result.index, options=options)
    out = set()
    for f in result.findings:
        rule = fixable.get(f.rule)
        if rule is None or f.suppression is not None or f.rendered or f.path == "-":
            continue
        try:
            if rule.fix_available(f, ctx):
                out.add(id(f))
        except Exception:  # a rule's bug: no mark (--fix will say what is wrong)
            continue
    return frozenset(out)


def cmd_lint(argv: list[str]) -> int:
    from .engine import run
    from .loader import UsageError
    from .reporters import render

    parser = build_parser()
    args = parser.parse_args(argv)
    if not (args.paths or args.kustomize or args.helm):
        parser.print_usage(sys.stderr)
        _err("no PATH given (try: infergw-lint sample_manifests/)")
        return EXIT_USAGE
    reports = [(fmt or "text", out) for fmt, out in (args.reports or [["text", None]])]
    if args.statistics and not any(fmt == "text" for fmt, _ in reports):
        _err("--statistics is a view of the text output: use it with --format text (the default)")
        return EXIT_USAGE
    if sum(1 for _, out in reports if out is None) > 1:
        _err("only one report can go to stdout: give an --output for each extra --format")
        return EXIT_USAGE
    if args.sarif_category and not any(fmt == "sarif" for fmt, _ in reports):
        _err("--sarif-category is for SARIF output: add --format sarif")
        return EXIT_USAGE
    loaded = _checked_options(args)
    if loaded is None:
        return EXIT_USAGE
    options, fail_on = loaded
    if args.max_total_bytes is not None:
        from . import loader

        loader.MAX_TOTAL_BYTES = max(0, args.max_total_bytes)
    targets = [out for _, out in reports if out is not None]
    if len(set(map(os.path.realpath, targets))) != len(targets):
        _err("two --format reports would go to one --output file: give each its own")
        return EXIT_USAGE
    options.json_heads = any(fmt == "json" for fmt, _ in reports)  # made while checking (engine.check_documents)
    options.not_manifests = _not_manifests(
        [(t, "the --output file of this run") for t in targets]
        + [(options.baseline, "the --baseline file"), (args.write_baseline, "the --write-baseline file")]
    )
    from .baseline import BaselineError

    try:
        result = run(args.paths, options)
    except (UsageError, BaselineError) as exc:
        _err(str(exc))
        return EXIT_USAGE
    if args.fix or args.diff:
        from .fix import apply_fixes

        fixes = apply_fixes(result, options, write=not args.diff, roots=list(args.paths))
        sys.stderr.write("".join(escape(line) + "\n" for line in fixes.summary(dry_run=args.diff)))
        if args.diff:
            sys.stdout.write(fixes.diff())
            return EXIT_FINDINGS if fixes.changed else EXIT_OK
        if fixes.changed:
            result = run(args.paths, options)  # report what is left
    if args.write_baseline:
        from .baseline import write

        try:
            n = write(args.write_baseline, result.findings)
        except BaselineError as exc:
            _err(str(exc))
            return EXIT_USAGE
        _err(f"wrote {n} finding(s) to baseline {args.write_baseline}")
        return EXIT_OK
    fixable = _fixable(result, options) if any(fmt in ("text", "concise") for fmt, _ in reports) else frozenset()
    for fmt, target in reports:
        tty = target is None and sys.stdout.isatty()
        color = fmt in ("text", "concise") and tty and not args.no_color and "NO_COLOR" not in os.environ
        if fmt == "json":  # written as it is made: a large report is never whole in memory
            from .reporters.json import iter_json

            text = iter_json(result)
        else:
            text = render(
                fmt, result, color=color, width=_width(target), show_source=args.show_source is not False,
                fixable=fixable, statistics=args.statistics, sarif_category=args.sarif_category,
            )
        if _write_output(text, target, json_like=fmt in ("json", "sarif", "gitlab")) != EXIT_OK:
            return EXIT_USAGE
    if args.verbose and result.versions is not None:
        for line in result.versions.lines():
            _err(f"versions: {line}")
    for note in result.notes:
        _note(note)
    for problem in result.internal_errors:
        _err(escape(problem))
    if result.internal_errors:
        return EXIT_USAGE
    return EXIT_FINDINGS if result.failed(fail_on) else EXIT_OK


def option_like_files(argv: list[str]) -> list[str]:
    """Arguments that read as options but also name an existing file (before any ``--``).

    pre-commit passes the changed files after the hook's options, so a file committed under
    the name ``--write-baseline=b.json`` or ``--fail-on=never`` would be read as an option by
    the run that checks it.  Such an argument is refused, the way git refuses an ambiguous
    one: the user writes ``./NAME`` for the file (or puts it after ``--``)."""
    out = []
    for arg in argv:
        if arg == "--":
            break
        if arg.startswith("-") and arg != "-" and os.path.lexists(arg):
            out.append(arg)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ambiguous = option_like_files(argv)
    if ambiguous:
        for arg in ambiguous:
            _err(
                f"'{escape(arg)}' reads as an option but is also a file here: nothing was linted; "
                f"write ./{escape(arg)} to lint the file (a file named like an option can switch the check off)"
            )
        return EXIT_USAGE
    try:
        if argv and argv[0] in SUBCOMMANDS:  # a directory named like a command: ./rules or `lint rules`
            cmd, rest = argv[0], argv[1:]
            if cmd == "rules":
                return cmd_rules(rest)
            if cmd == "explain":
                return cmd_explain(rest)
            if cmd == "test":
                return cmd_test(rest)
            if cmd == "routes":
                return cmd_routes(rest)
            if cmd == "server":
                return cmd_server(rest)
            if cmd == "completion":
                return cmd_completion(rest)
            return cmd_lint(rest)
        return cmd_lint(argv)
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: say so plainly, no traceback
        import traceback

        tb = traceback.extract_tb(exc.__traceback__)[-1]
        _err(
            f"internal error: {type(exc).__name__}: {exc} ({tb.filename.rsplit('/', 1)[-1]}:{tb.lineno}); "
            "please report it with the input that caused it"
        )
        return EXIT_USAGE


def console_main() -> None:
    """The ``infergw-lint`` command: ``main``, then exit without tearing down the heap.

    Freeing every loaded document one by one at interpreter shutdown costs about as much
    as a rule pass on a large tree (~0.3 s on 10,000 documents) and changes nothing
    outside the process.  So once the output is flushed the process ends with
    ``os._exit``.  (Tests and library callers use ``main``, which returns normally.)"""
    import gc

    # the young generation collected every 20,000 allocations instead of 700: a run makes
    # millions of short-lived objects and few cycles (10,000 documents: 0.10 s -> 0.03 s
    # of collections, the same peak memory); a process setting, so here, not in ``main``
    gc.set_threshold(20_000, 10, 10)
    code = main()
    cel = sys.modules.get("infergw_lint.crd.cel")
    if cel is not None:  # os._exit skips atexit: store the CEL verdicts learnt in this run now
        cel.save_cache()
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (| head): nothing more to say
        pass
    except OSError:
        code = code or EXIT_USAGE
    try:
        sys.stderr.flush()
    except OSError:
        pass
    os._exit(code if isinstance(code, int) else EXIT_USAGE)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
