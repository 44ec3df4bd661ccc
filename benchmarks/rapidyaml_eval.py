#!/usr/bin/env python3
"""Would rapidyaml (the ``ryml`` Python binding of the C++ rapidyaml) make the loader faster?

    python -m venv /tmp/ryvenv && /tmp/ryvenv/bin/pip install rapidyaml pyyaml
    /tmp/ryvenv/bin/python benchmarks/rapidyaml_eval.py FILE_OR_DIR [...]

For each input, in one process: PyYAML's C compose (what the loader runs today: a node
tree with marks, built in C), ``ryml.parse_in_place`` alone, and the least a loader on
ryml must add in Python -- one walk over the ryml tree that reads each node's type, key
and value (no YAML 1.1 typing, no positions, no duplicate keys, no anchors yet) -- and
the way around that walk: each document written as JSON by ryml's C++ emitter and read
back with the C ``json`` module.  Then
the facts that decide whether it can keep the loader's guarantees on small inputs.  It
changes nothing; the conclusions are in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import json
import os
import sys
import time

import yaml

try:
    import ryml
except ImportError:  # pragma: no cover
    sys.exit("rapidyaml is not installed (pip install rapidyaml)")


def files_of(path: str) -> list[str]:
    if os.path.isfile(path):
        return [path]
    out = []
    for root, dirs, names in os.walk(path):
        dirs.sort()
        out += [os.path.join(root, n) for n in sorted(names) if n.endswith((".yaml", ".yml"))]
    return out


def walk(tree) -> int:
    """Visit every node the way a builder must (type, key, value): the Python-side floor."""
    none = ryml.NONE
    count = 0
    stack = [tree.root_id()]
    while stack:
        i = stack.pop()
        count += 1
        if tree.has_key(i):
            bytes(tree.key(i))
        if tree.is_map(i) or tree.is_seq(i) or tree.is_stream(i) or tree.is_doc(i) and not tree.has_val(i):
            c = tree.first_child(i)
            while c != none:
                stack.append(c)
                c = tree.next_sibling(c)
        elif tree.has_val(i):
            v = tree.val(i)
            if v is not None:
                bytes(v)
    return count


def measure(paths: list[str]) -> None:
    blobs = [open(p, "rb").read() for p in paths]
    texts = [b.decode("utf-8-sig") for b in blobs]
    t0 = time.perf_counter()
    for text in texts:
        try:
            for _ in yaml.compose_all(text, Loader=yaml.CSafeLoader):
                pass
        except yaml.YAMLError:
            pass
    t_compose = time.perf_counter() - t0
    bufs = [bytearray(b) for b in blobs]
    t0 = time.perf_counter()
    trees = []
    for buf in bufs:
        try:
            trees.append(ryml.parse_in_place(buf))
        except Exception:  # noqa: BLE001
            pass
    t_parse = time.perf_counter() - t0
    t0 = time.perf_counter()
    nodes = sum(walk(t) for t in trees)
    t_walk = time.perf_counter() - t0
    # the other way to Python data: ryml writes each document as JSON in C++, the C json
    # module reads it (no walk from Python; what is lost on the way is listed in facts())
    t0 = time.perf_counter()
    docs = 0
    for b in blobs:
        try:
            tree = ryml.parse_in_arena(b)
        except Exception:  # noqa: BLE001
            continue
        root = tree.root_id()
        tops = []
        if tree.is_stream(root):
            c = tree.first_child(root)
            while c != ryml.NONE:
                tops.append(c)
                c = tree.next_sibling(c)
        else:
            tops.append(root)
        for c in tops:
            try:
                json.loads(ryml.emit_json(tree, c))
                docs += 1
            except Exception:  # noqa: BLE001 - e.g. a plain +12 written as is: not JSON
                pass
    t_json = time.perf_counter() - t0
    mb = sum(map(len, blobs)) / 1e6
    print(
        f"{len(paths)} file(s), {mb:.1f} MB, {nodes} ryml nodes: PyYAML C compose {t_compose:.3f} s; "
        f"ryml parse_in_place {t_parse:.3f} s ({t_compose / t_parse:.1f}x faster); Python walk of the ryml tree "
        f"{t_walk:.3f} s; ryml parse + walk = {(t_parse + t_walk) / t_compose:.2f}x the PyYAML compose "
        f"({(t_walk / nodes) * 1e6:.2f} us per node in the walk); ryml parse + emit_json + json.loads "
        f"({docs} documents) {t_json:.3f} s = {t_json / t_compose:.2f}x the PyYAML compose"
    )


def facts() -> None:
    def children(src: bytes):
        buf = bytearray(src)  # the tree's strings are views into it: keep it alive
        t = ryml.parse_in_place(buf)
        out, c = [], t.first_child(t.root_id())
        while c != ryml.NONE:
            val = bytes(t.val(c)) if t.has_val(c) and t.val(c) is not None else ("<map>" if t.is_map(c) else "<seq>")
            out.append((bytes(t.key(c)) if t.has_key(c) else None, val))
            c = t.next_sibling(c)
        return out

    print("YAML 1.1 scalars:", children(b"a: yes\nb: 0x1F\nc: 012\nd: ~\ne: on\n"), "(all text: typing is ours to do)")
    print("duplicate keys:", children(b"a: 1\na: 2\n"), "(kept: detectable)")
    for src in (b"a: yes\nb: '1'\nc: 1\nd: 012\ne: ~\nf: 1e3\ng: True\nh: !!str 5\ni: &x [1]\nj: *x\n012: k\n",):
        t = ryml.parse_in_arena(src)
        print("as JSON:", ryml.emit_json(t, t.root_id()).replace("\n", " "),
              "(YAML 1.1 forms come out as strings, quoted or not: yes, 012, ~, True; 1e3 a number where "
              "PyYAML reads a string; a tag is dropped; an alias is the text *x; keys are strings: "
              "the quoting the typing needs is gone)")
    print("aliases:", children(b"a: &x [1]\nb: *x\n"), "(a reference node: expansion and bounds are ours)")
    buf = bytearray(b"k: |\n  line one\n  line two\nz: 1\n")
    t = ryml.parse_in_place(buf)
    c = t.first_child(t.root_id())
    print("block scalar in place:", bytes(t.val(c)), "-> the buffer now reads", bytes(buf),
          "(filtered in place: the scalar's end in the file is lost)")
    # the JSON route rewrites numbers: the source form PyYAML types by is gone
    for src in (b"a: -.5\n", b"a: .5\n", b"a: 1.\n", b"a: 1e3\n"):
        t = ryml.parse_in_arena(src)
        number = ryml.emit_json(t, t.root_id()).split(":", 1)[1].strip(" }\n")
        print(f"number {src!r}: JSON {number}, PyYAML {yaml.safe_load(src)['a']!r}")
    # texts PyYAML rejects (IGW000) that ryml reads without an error: a loader on ryml would
    # lose the error unless PyYAML parsed every file again
    saved = os.dup(2)  # ryml's C++ writes its ERROR lines on stderr itself
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        for bad in (b"a: @x\n", b"a: `x`\n", b"a: *\n", b"a: b\n...\nc\n", b"a: !\n"):
            try:
                list(yaml.compose_all(bad.decode(), Loader=yaml.CSafeLoader))
                theirs = "PyYAML reads it"
            except yaml.YAMLError as exc:
                theirs = f"PyYAML: {str(exc).splitlines()[0]}"
            try:
                t = ryml.parse_in_arena(bad)
                ours = "ryml reads it: " + ryml.emit_json(t, t.root_id()).replace("\n", " ")
            except Exception as exc:  # noqa: BLE001
                ours = f"ryml: {type(exc).__name__}"
            os.write(saved, f"{bad!r}: {theirs} | {ours}\n".encode())
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    for bad in (b"a: [1\n", b"a:\n\t- b\n", b"a: b: c\n"):
        try:
            ryml.parse_in_place(bytearray(bad))
            print("accepted:", bad)
        except Exception as exc:  # noqa: BLE001
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            print(f"error on {bad!r}: {first[:100]} (PyYAML's wording differs: IGW000 would need a second parse; "
                  "the library also prints its own ERROR lines on stderr)")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        measure(files_of(arg))
    facts()
