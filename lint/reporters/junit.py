"""``--format junit``: JUnit XML for CI test reports (Jenkins, GitLab, Azure DevOps, CircleCI).

CI systems that have no linter integration still show test reports, so each finding is a
failed test case there:

- one ``<testsuite>`` per file with findings (``name`` is the path as reported);
- one ``<testcase>`` per finding: ``classname`` is the path, ``name`` is
  ``CODE rule-name at LINE:COL`` (the way ruff writes it), and a ``<failure>`` whose
  ``type`` is the severity, whose ``message`` is the finding's short first line (as in the
  text format) and whose text holds the location, the whole message, resource, field, help
  and documentation link;
- suppressed findings are ``<skipped>`` test cases (with the justification), so a report
  shows them without failing;
- a run without findings is one passing test case, so the report is never empty; internal
  errors are ``<error>`` test cases and notes go to ``<system-out>``, in a suite named
  ``infergw-lint``.

The output validates against the JUnit schema the Jenkins xUnit plugin ships
(``junit-10.xsd``, tests/test_ci_formats.py).  Text from the linted tree goes through
lint/sanitize.py (a report printed to a CI log must not carry terminal escapes or bidi
overrides), which also turns the characters XML 1.0 cannot carry into visible escapes.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from ..sanitize import escape_lines
from . import remedy_lines, short_message

SUITE = "infergw-lint"
# everything XML 1.0 forbids: C0 controls but tab/LF/CR, surrogates, U+FFFE/U+FFFF
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# what quoteattr below would change in a text (it quotes with ' only when the text holds ")
_ATTR_SPECIAL = re.compile("[&<>\"\n\r\t]")


def xml_text(value) -> str:
    """``value`` as a string XML 1.0 can hold and a CI log can show (before XML escaping):
    controls, bidi and format characters made visible by lint/sanitize.py (line breaks
    kept), then the noncharacters XML forbids."""
    text = escape_lines(str(value))
    if text.isascii() or not _BAD_XML.search(text):  # ASCII is left with tab and LF only
        return text
    return _BAD_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _attr(value) -> str:
    # quoteattr escapes &, <, >, quotes; tab/LF/CR become character references so an
    # attribute keeps its line breaks instead of being normalised to spaces
    text = xml_text(value)
    if not _ATTR_SPECIAL.search(text):  # nothing to replace: what quoteattr gives
        return f'"{text}"'
    return quoteattr(text, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _body(value) -> str:
    return escape(xml_text(value))


def _resource(res) -> str | None:
    if not isinstance(res, dict) or not res.get("kind"):
        return None
    ns = res.get("namespace")
    return f"{res['kind']} {ns}/{res.get('name', '')}" if ns else f"{res['kind']} {res.get('name', '')}"


def finding_details(f) -> str:
    """The text of a finding's failure element: where, what, how to fix, where documented."""
    from ..rule import field_path

    lines = [f"{f.path}:{f.line}:{f.column}: {f.rule} {f.name} ({f.severity})", f.message]
    res = _resource(f.resource)
    if res:
        lines.append(f"resource: {res}")
    if f.field:
        lines.append(f"field: {field_path(f.field)}")
    lines += remedy_lines(f)
    return "\n".join(lines)


def _testcase(f) -> str:
    head = f"    <testcase name={_attr(f'{f.rule} {f.name} at {f.line}:{f.column}')} classname={_attr(f.path)}>"
    if f.suppression is not None:
        why = (f.suppression or {}).get("justification") if isinstance(f.suppression, dict) else None
        msg = f"suppressed: {why}" if why else "suppressed"
        inner = f"      <skipped type=\"suppressed\" message={_attr(msg)}>{_body(finding_details(f))}</skipped>"
    else:
        inner = (
            f"      <failure type={_attr(f.severity)} message={_attr(short_message(f))}>"
            f"{_body(finding_details(f))}</failure>"
        )
    return f"{head}\n{inner}\n    </testcase>"


def render_junit(result) -> str:
    by_file: dict = {}
    for f in result.findings:
        by_file.setdefault(f.path, []).append(f)
    suites: list[str] = []
    total = failures = errors = skipped_total = 0
    for path, findings in by_file.items():
        failed = sum(1 for f in findings if f.suppression is None)
        skipped = len(findings) - failed
        total += len(findings)
        failures += failed
        skipped_total += skipped
        cases = "\n".join(_testcase(f) for f in findings)
        suites.append(
            f"  <testsuite name={_attr(path)} tests=\"{len(findings)}\" failures=\"{failed}\" errors=\"0\" "
            f"skipped=\"{skipped}\">\n{cases}\n  </testsuite>"
        )
    # the run itself: internal errors, notes, and one passing case when nothing was found
    cases: list[str] = []
    for problem in result.internal_errors:
        cases.append(
            f"    <testcase name=\"internal error\" classname=\"{SUITE}\">\n"
            f"      <error type=\"internal-error\" message={_attr(problem)}>{_body(problem)}</error>\n"
            "    </testcase>"
        )
    n_errors = len(cases)
    if not result.findings and not result.internal_errors:
        n = result.files
        cases.append(
            f"    <testcase name={_attr(f'no findings in {n} file' + ('s' if n != 1 else ''))} classname=\"{SUITE}\"/>"
        )
    if result.notes:
        cases.append("    <system-out>" + _body("\n".join(f"note: {n}" for n in result.notes)) + "</system-out>")
    if cases:
        n_cases = n_errors + (0 if result.findings or result.internal_errors else 1)
        total += n_cases
        errors += n_errors
        suites.append(
            f"  <testsuite name=\"{SUITE}\" tests=\"{n_cases}\" failures=\"0\" errors=\"{n_errors}\" skipped=\"0\">\n"
            + "\n".join(cases) + "\n  </testsuite>"
        )
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<testsuites name=\"{SUITE}\" tests=\"{total}\" failures=\"{failures}\" errors=\"{errors}\">"
    )
    return head + "\n" + "\n".join(suites) + ("\n" if suites else "") + "</testsuites>\n"
