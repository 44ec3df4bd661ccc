#!/usr/bin/env python3
"""Latency of ``infergw-lint server``: how long after the debounce an edit's diagnostics
arrive, in a large workspace.

    python benchmarks/lsp_latency.py                 # 1,500-file corpus, 20 edits
    python benchmarks/lsp_latency.py --edits 40 --write ''

Steps: generate the benchmark corpus (benchmarks/gen_corpus.py, ~1,500 files) into
benchmarks/out/lsp-corpus and add one 2,000-line manifest of HTTPRoutes (each attached to a
Gateway in another file and sending to a Service in another namespace through a
ReferenceGrant in another file, so every edit runs the cross-file checks).  Start the real
server over stdio with pygls's client, open that manifest, wait for the first diagnostics,
then make ``--edits`` edits in the middle of it (a hostname changes, so the document's data
changes and the file is parsed again), one at a time.  For each edit:

* latency = time from sending didChange to receiving that version's publishDiagnostics,
  minus the debounce (``--debounce`` ms, set through initializationOptions);
* the server's own log line (window/logMessage) gives the time from the end of the debounce
  to the changed file's diagnostics being sent, and to the whole workspace being re-checked
  (cross-file diagnostics of the other files).

Results are printed and written into benchmarks/RESULTS.md between the
``<!-- lsp-latency -->`` markers (``--write`` another file or '' for none).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BIG_NAME = "90-many-routes.yaml"
START, END = "<!-- lsp-latency:start -->", "<!-- lsp-latency:end -->"


def make_corpus(out: str, files: int) -> tuple[str, int, int]:
    """The corpus and the big manifest in it: (path of the big file, its lines, files)."""
    subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), out, "--files", str(files)],
                   check=True, stdout=subprocess.DEVNULL)
    tenant = sorted(d for d in os.listdir(out) if d.startswith("t"))[0]
    routes = os.path.join(out, tenant, "good", "40-routes.yaml")
    with open(routes, encoding="utf-8") as fh:
        text = fh.read()
    first = text.split("\n---\n")[0]
    first = "\n".join(line for line in first.splitlines() if not line.startswith("#"))
    name = re.search(r"^  name: (\S+)$", first, re.M).group(1)
    host = re.search(r'^    - "(\S+)"$', first, re.M).group(1)
    docs, lines, i = [], 0, 0
    while lines < 2000:
        doc = first.replace(f"name: {name}", f"name: {name}-{i:03d}").replace(f'"{host}"', f'"r{i:03d}.{host}"')
        docs.append(doc)
        lines += doc.count("\n") + 2
        i += 1
    big = os.path.join(out, tenant, "good", BIG_NAME)
    with open(big, "w", encoding="utf-8") as fh:
        fh.write("\n---\n".join(docs) + "\n")
    count = sum(1 for _, _, fs in os.walk(out) for f in fs if f.endswith((".yaml", ".yml", ".json")))
    with open(big, encoding="utf-8") as fh:
        return big, fh.read().count("\n"), count


async def measure(corpus: str, big: str, edits: int, debounce_ms: int) -> dict:
    from lsprotocol import types as T
    from pygls.lsp.client import LanguageClient
    from pygls.uris import from_fs_path

    client = LanguageClient("lsp-latency", "1")
    got: dict = {}
    codes: dict = {}
    runs: list = []
    waiters: dict = {}

    @client.feature(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def diagnostics(params):
        if params.uri == uri:
            got[params.version] = time.perf_counter()
            codes[params.version] = sorted({d.code for d in params.diagnostics})
            fut = waiters.pop(params.version, None)
            if fut is not None and not fut.done():
                fut.set_result(None)

    @client.feature(T.WINDOW_LOG_MESSAGE)
    def log(params):
        m = re.search(r"lint run: (\d+) files, changed file\(s\) published after ([\d.]+) ms \(([\d.]+) ms CPU\), "
                      r"all after ([\d.]+) ms \(([\d.]+) ms CPU\)", params.message)
        if m:
            runs.append((int(m.group(1)), float(m.group(2)), float(m.group(4)), float(m.group(3)), float(m.group(5))))

    @client.feature(T.WINDOW_SHOW_MESSAGE)
    def show(params):
        print("server says:", params.message, file=sys.stderr)

    uri = from_fs_path(big)
    loop = asyncio.get_running_loop()

    def wait_version(v):
        fut = loop.create_future()
        if v in got:
            fut.set_result(None)
        else:
            waiters[v] = fut
        return fut

    await client.start_io(sys.executable, "-m", "infergw_lint", "server")
    t0 = time.perf_counter()
    await client.initialize_async(T.InitializeParams(
        capabilities=T.ClientCapabilities(),
        workspace_folders=[T.WorkspaceFolder(uri=from_fs_path(corpus), name="corpus")],
        initialization_options={"debounce": debounce_ms},
    ))
    client.initialized(T.InitializedParams())
    with open(big, encoding="utf-8") as fh:
        text = fh.read()
    client.text_document_did_open(T.DidOpenTextDocumentParams(
        text_document=T.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)))
    await asyncio.wait_for(wait_version(1), 600)
    startup = time.perf_counter() - t0
    while not runs:
        await asyncio.sleep(0.05)
    files = runs[-1][0]
    first_all = time.perf_counter() - t0

    lines = text.splitlines(keepends=True)
    target = next(i for i in range(len(lines) // 2, len(lines)) if lines[i].lstrip().startswith('- "r'))
    old_line = lines[target]
    latencies, server_first, server_all, cpu_first, cpu_all = [], [], [], [], []
    for k in range(edits):
        version = k + 2
        new_line = lines[target].replace('- "r', f'- "e{k}r', 1)  # a new hostname each time
        assert new_line != old_line
        n_runs = len(runs)
        sent = time.perf_counter()
        client.text_document_did_change(T.DidChangeTextDocumentParams(
            text_document=T.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[T.TextDocumentContentChangePartial(
                range=T.Range(T.Position(target, 0), T.Position(target + 1, 0)), text=new_line)],
        ))
        old_line = new_line
        await asyncio.wait_for(wait_version(version), 120)
        latencies.append((got[version] - sent) * 1000 - debounce_ms)
        while len(runs) == n_runs:  # the whole workspace re-checked: the next edit starts clean
            await asyncio.sleep(0.01)
        server_first.append(runs[-1][1])
        server_all.append(runs[-1][2])
        cpu_first.append(runs[-1][3])
        cpu_all.append(runs[-1][4])
        await asyncio.sleep(0.2)

    # sanity: an edit that breaks the route (its Service does not exist) shows up at once
    version = edits + 2
    broken = next(i for i in range(target, len(lines)) if lines[i].strip().startswith("- name:") and "service" in lines[i])
    client.text_document_did_change(T.DidChangeTextDocumentParams(
        text_document=T.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[T.TextDocumentContentChangePartial(
            range=T.Range(T.Position(broken, 0), T.Position(broken + 1, 0)),
            text=lines[broken].replace("service", "no-such-service"))],
    ))
    await asyncio.wait_for(wait_version(version), 120)
    sanity = codes[version]

    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return {
        "files": files, "startup_s": startup, "first_all_s": first_all, "latency": latencies, "sanity": sanity,
        "server_first": server_first, "server_all": server_all, "cpu_first": cpu_first, "cpu_all": cpu_all,
    }


def summary(values: list) -> str:
    s = sorted(values)
    p90 = s[min(len(s) - 1, int(round(0.9 * (len(s) - 1))))]
    return f"{statistics.median(s):.0f} ms | {p90:.0f} ms | {s[-1]:.0f} ms"


def report(res: dict, big_lines: int, debounce_ms: int, edits: int, load: float) -> str:
    ok = statistics.median(res["latency"]) < 200
    ok_cpu = statistics.median(res["cpu_first"]) < 200
    return "\n".join([
        START,
        "## Language server latency (`python benchmarks/lsp_latency.py`)",
        "",
        f"- Workspace: {res['files']} files (the benchmark corpus plus one {big_lines}-line manifest of "
        f"HTTPRoutes whose Gateway, ReferenceGrant and Service are in other files); Python {platform.python_version()}",
        f"- Load average when the benchmark started: {load:.2f} on {os.cpu_count()} CPUs (the machine is shared: "
        "other jobs add noise)",
        f"- Startup: the opened file's first diagnostics {res['startup_s']:.1f} s after initialize (read and parse "
        f"the folder, lint that file first); every file linted after {res['first_all_s']:.1f} s",
        f"- {edits} edits in the middle of the {big_lines}-line manifest, one at a time; debounce {debounce_ms} ms",
        "",
        "| measured | median | p90 | max |",
        "|---|---|---|---|",
        f"| didChange sent -> that version's diagnostics received, minus the debounce (client side) | "
        f"{summary(res['latency'])} |",
        f"| end of debounce -> changed file's diagnostics sent (server log) | {summary(res['server_first'])} |",
        f"| end of debounce -> every file of the workspace re-checked, cross-file diagnostics sent (server log) | "
        f"{summary(res['server_all'])} |",
        f"| the same for the changed file, server CPU time (less sensitive to the other jobs) | "
        f"{summary(res['cpu_first'])} |",
        f"| the same for every file, server CPU time | {summary(res['cpu_all'])} |",
        "",
        f"Target: the changed file's diagnostics < 200 ms after the debounce: {'met' if ok else 'NOT met'} "
        f"by the median wall time in this run, {'met' if ok_cpu else 'NOT met'} by the server's CPU time "
        f"(on a machine shared with other jobs, wall time varies from run to run). Only the edited file is parsed again, and in it only the edited document is checked "
        "again by the checks that read no other file; the other files keep their parsed documents and "
        "those results, so only cross-file checks run again on them.",
        f"Sanity check after the timed edits: renaming the Service of one route in the manifest gives "
        f"{', '.join(res['sanity']) or 'no finding'} on it.",
        END,
    ])


def write_section(path: str, section: str) -> None:
    old = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            old = fh.read()
    if START in old and END in old:
        new = old[: old.index(START)] + section + old[old.index(END) + len(END):]
    else:
        new = old.rstrip("\n") + ("\n\n" if old else "") + section + "\n"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(new)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=os.path.join(HERE, "out", "lsp-corpus"))
    ap.add_argument("--files", type=int, default=1500)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--debounce", type=int, default=100, help="debounce in ms (server setting)")
    ap.add_argument("--write", default=os.path.join(HERE, "RESULTS.md"), help="results file ('' = none)")
    args = ap.parse_args()
    shutil.rmtree(args.corpus, ignore_errors=True)
    big, big_lines, _ = make_corpus(args.corpus, args.files)
    load = os.getloadavg()[0]
    res = asyncio.run(measure(os.path.abspath(args.corpus), os.path.abspath(big), args.edits, args.debounce))
    text = report(res, big_lines, args.debounce, args.edits, load)
    print(text)
    if args.write:
        write_section(args.write, text)
        print(f"written to {os.path.relpath(args.write, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
