#!/usr/bin/env python3
"""Generate a benchmark corpus: N tenant folders, each a renamed copy of the sample stack.

    python benchmarks/gen_corpus.py OUT_DIR [--files 1500] [--docs 5000] [--tenants N]
    python benchmarks/gen_corpus.py OUT.yaml --single-mb 10


Every tenant ``tNNN/`` holds ``bad/`` and ``good/`` copies of ``sample_manifests/`` in
which every namespace and resource name (``ai-gateway`` -> ``t007b-ai-gateway`` in bad/,
``t007g-ai-gateway`` in good/), the in-cluster host names (``svc.t007g-ai-inference.svc``)
and the public host names (``api.t007g.example.com``) are renamed, so no copy sees another
copy's resources and each copy's findings are those of its sample stack.  ``good/`` also gets one extra
multi-document file of vLLM model servers (Deployment + Service + ConfigMap with an
embedded ``generation_config.json``), sized so that the whole corpus reaches about
``--docs`` documents in about ``--files`` files.  The output is deterministic.

``--single-mb N`` writes instead ONE file of about N MB: the YAML documents of
``sample_manifests/bad`` and ``good`` (all but the files that do not parse) repeated
unchanged, so every copy has the same names -- one big rendered Helm output or a
``kubectl get -o yaml`` dump, where duplicates pile up under the same keys.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "sample_manifests")
STACKS = ("bad", "good")
EXTENSIONS = (".yaml", ".yml", ".json")
MODELS_FILE = "80-models.yaml"
DOCS_PER_MODEL = 3

_NAME_CHARS = "A-Za-z0-9_./-"


def stack_files(stack_dir: str) -> list[str]:
    """Relative paths of the YAML/JSON files of one sample stack (hidden dirs included:
    the client configs live in ``.continue/``)."""
    out = []
    for root, dirs, files in os.walk(stack_dir):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(EXTENSIONS):
                out.append(os.path.relpath(os.path.join(root, name), stack_dir))
    return out


def _collect_names(text: str, names: set, namespaces: set) -> int:
    """Add metadata names/namespaces of every document in ``text``; return the number of
    documents (0 for a file that does not parse: it is copied as it is)."""
    count = 0
    try:
        for data in yaml.safe_load_all(text):
            if data is None:
                continue
            count += 1
            if not isinstance(data, dict):
                continue
            meta = data.get("metadata")
            if isinstance(meta, dict):
                for key, into in (("name", names), ("namespace", namespaces)):
                    if isinstance(meta.get(key), str):
                        into.add(meta[key])
                if data.get("kind") == "Namespace" and isinstance(meta.get("name"), str):
                    namespaces.add(meta["name"])
            for ref in _walk_refs(data):
                namespaces.add(ref)
    except yaml.YAMLError:
        return max(1, text.count("\n---"))  # still one (broken) document for the count
    return count


def _walk_refs(data):
    """Namespaces named in references (parentRefs, backendRefs, grants, parametersRef)."""
    stack = [data]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            ns = cur.get("namespace")
            if isinstance(ns, str):
                yield ns
            stack.extend(cur.values())
        elif isinstance(cur, list):
            stack.extend(cur)


class Renamer:
    """Rewrites one stack's text for a tenant, with whole-token matches only."""

    def __init__(self, names: set, namespaces: set):
        self.namespaces = sorted(namespaces, key=len, reverse=True)
        tokens = sorted(names | namespaces, key=len, reverse=True)
        alt = "|".join(re.escape(t) for t in tokens) or r"(?!x)x"
        ns_alt = "|".join(re.escape(t) for t in self.namespaces) or r"(?!x)x"
        # svc-name.namespace.svc[.cluster.local]
        # (also inside a URL: http://svc.ns.svc names the tenant's copy of the Service)
        self.host = re.compile(rf"(?<![A-Za-z0-9_.-])([a-z0-9][a-z0-9-]*)\.({ns_alt})\.svc\b")
        # a name as a whole scalar or token: not part of an image, URL, domain or longer name
        self.token = re.compile(rf"(?<![{_NAME_CHARS}])({alt})(?![{_NAME_CHARS}:])")
        self.names = set(names) | set(namespaces)

    def __call__(self, text: str, tenant: str) -> str:
        def host(m: re.Match) -> str:
            svc = m.group(1)
            svc = f"{tenant}-{svc}" if svc in self.names else svc
            return f"{svc}.{tenant}-{m.group(2)}.svc"

        text = self.host.sub(host, text)
        text = self.token.sub(lambda m: f"{tenant}-{m.group(1)}", text)
        return text.replace("example.com", f"{tenant}.example.com")


MODEL_TEMPLATE = """\
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm-model-{i}
  namespace: {ns}
  labels:
    app: vllm-model-{i}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: vllm-model-{i}
  template:
    metadata:
      labels:
        app: vllm-model-{i}
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          args: ["--model", "/models/model-{i}", "--served-model-name", "model-{i}", "--port", "8000"]
          ports:
            - containerPort: 8000
              name: http
          resources:
            requests:
              cpu: "4"
              memory: 16Gi
              nvidia.com/gpu: 1
            limits:
              memory: 16Gi
              nvidia.com/gpu: 1
          volumeMounts:
            - name: generation-config
              mountPath: /etc/vllm
      volumes:
        - name: generation-config
          configMap:
            name: vllm-model-{i}-config
---
apiVersion: v1
kind: Service
metadata:
  name: vllm-model-{i}
  namespace: {ns}
spec:
  selector:
    app: vllm-model-{i}
  ports:
    - port: 8000
      targetPort: 8000
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: vllm-model-{i}-config
  namespace: {ns}
data:
  generation_config.json: |
    {{
      "temperature": 0.{t},
      "top_p": 0.95,
      "max_tokens": {max_tokens},
      "stop": ["<|endoftext|>", "<|im_end|>"]
    }}
"""


def models_file(tenant: str, ns: str, count: int) -> str:
    head = f"# Model servers of tenant {tenant} (generated by benchmarks/gen_corpus.py)\n"
    return head + "".join(
        MODEL_TEMPLATE.format(i=i, ns=f"{tenant}-{ns}", t=(i % 9) + 1, max_tokens=1024 * (1 + i % 4))
        for i in range(count)
    )


def generate(out: str, files: int = 1500, docs: int = 5000, tenants: int | None = None,
             samples: str = SAMPLES) -> dict:
    """Write the corpus under ``out`` (emptied first); returns its counts."""
    sources: dict[str, list[tuple[str, str]]] = {}
    names: set = set()
    namespaces: set = set()
    stack_docs = 0
    for stack in STACKS:
        base = os.path.join(samples, stack)
        entries = []
        for rel in stack_files(base):
            with open(os.path.join(base, rel), encoding="utf-8") as fh:
                text = fh.read()
            stack_docs += _collect_names(text, names, namespaces) if rel.endswith((".yaml", ".yml")) else 1
            entries.append((rel, text))
        sources[stack] = entries
    stack_files_n = sum(len(v) for v in sources.values())
    per_tenant_files = stack_files_n + 1  # + the models file
    if tenants is None:
        tenants = max(1, round(files / per_tenant_files))
    models = max(0, round((docs / tenants - stack_docs) / DOCS_PER_MODEL))
    model_ns = "ai-inference" if "ai-inference" in namespaces else sorted(namespaces)[0]
    rename = Renamer(names, namespaces)

    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    n_files = n_bytes = 0
    width = max(3, len(str(tenants)))
    for t in range(1, tenants + 1):
        tenant = f"t{t:0{width}d}"
        for stack, entries in sources.items():
            for rel, text in entries:
                dest = os.path.join(out, tenant, stack, rel)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                body = rename(text, f"{tenant}{stack[0]}")
                with open(dest, "w", encoding="utf-8", newline="") as fh:
                    fh.write(body)
                n_files += 1
                n_bytes += len(body.encode("utf-8"))
        body = models_file(f"{tenant}g", model_ns, models)
        with open(os.path.join(out, tenant, "good", MODELS_FILE), "w", encoding="utf-8") as fh:
            fh.write(body)
        n_files += 1
        n_bytes += len(body.encode("utf-8"))
    return {
        "tenants": tenants,
        "files": n_files,
        "documents": tenants * (stack_docs + models * DOCS_PER_MODEL),
        "bytes": n_bytes,
        "models_per_tenant": models,
    }


def single_file(out: str, megabytes: float, samples: str = SAMPLES) -> dict:
    """Write one file of about ``megabytes`` MB of repeated sample documents; returns its
    counts."""
    parts, docs_per_copy = [], 0
    for stack in STACKS:
        base = os.path.join(samples, stack)
        for rel in stack_files(base):
            if not rel.endswith((".yaml", ".yml")):
                continue
            with open(os.path.join(base, rel), encoding="utf-8") as fh:
                text = fh.read()
            try:
                n = sum(1 for d in yaml.safe_load_all(text) if d is not None)
            except yaml.YAMLError:
                continue  # a broken file would end the parse of everything after it
            if "disable-file" in text:
                continue  # would cover the whole big file
            docs_per_copy += n
            parts.append(f"# from {stack}/{rel}\n" + text.rstrip("\n") + "\n")
    block = "---\n".join(parts)
    block_bytes = len(block.encode("utf-8")) + 4
    copies = max(1, round(megabytes * 1e6 / block_bytes))
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        for i in range(copies):
            if i:
                fh.write("---\n")
            fh.write(block)
    return {"files": 1, "documents": copies * docs_per_copy, "bytes": os.path.getsize(out), "copies": copies}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="output directory (emptied first)")
    ap.add_argument("--files", type=int, default=1500, help="about this many files (default 1500)")
    ap.add_argument("--docs", type=int, default=5000, help="about this many YAML/JSON documents (default 5000)")
    ap.add_argument("--tenants", type=int, help="number of tenants (default: from --files)")
    ap.add_argument("--single-mb", type=float, help="write ONE file of about this many MB of repeated documents to OUT")
    args = ap.parse_args(argv)
    if os.path.abspath(args.out) in (ROOT, SAMPLES) or os.path.abspath(args.out).startswith(SAMPLES + os.sep):
        sys.stderr.write("refusing to write over the repository or its samples\n")
        return 2
    if args.single_mb:
        if os.path.isdir(args.out):
            sys.stderr.write(f"{args.out} is a directory; --single-mb writes one file\n")
            return 2
        info = single_file(args.out, args.single_mb)
        print(f"{args.out}: {info['copies']} copies, ~{info['documents']} documents, {info['bytes'] / 1e6:.1f} MB")
        return 0
    info = generate(args.out, args.files, args.docs, args.tenants)
    print(
        f"{args.out}: {info['tenants']} tenants, {info['files']} files, ~{info['documents']} documents, "
        f"{info['bytes'] / 1e6:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
