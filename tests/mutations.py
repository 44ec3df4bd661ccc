"""Random edits of YAML texts for the differential tests of the loader's fast path and of
placing (tests/test_fastyaml.py, tests/test_locate.py): YAML's indicators and odd characters
put anywhere, bytes deleted, flipped and repeated, the result decoded as a file is read."""

from __future__ import annotations

import os

from infergw_lint import loader

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def seeds(first: list[str], limit: int = 3000) -> list[str]:
    """``first``, then the first ``limit`` characters of each YAML file of sample_manifests/."""
    out = list(first)
    for dirpath, _dirs, files in os.walk(os.path.join(ROOT, "sample_manifests")):
        for f in sorted(files):
            if f.endswith((".yaml", ".yml")):
                with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
                    out.append(fh.read()[:limit])
    return out


def mutations(rng, texts: list[str], tokens: list[str], count: int, insert: float = 0.4, lowest: int = 0):
    """(number, text) of ``count`` mutated texts that decode (one to four edits of a text of
    ``texts`` each: a token inserted with probability ``insert``, else a few characters
    deleted, one replaced by a character from ``lowest`` to U+02FF, or a slice repeated)."""
    for n in range(count):
        text = rng.choice(texts)
        for _ in range(rng.randint(1, 4)):
            pos = rng.randint(0, len(text))
            op = rng.random()
            if op < insert:
                text = text[:pos] + rng.choice(tokens) + text[pos:]
            elif op < 0.7:
                text = text[:pos] + text[pos + rng.randint(1, 5):]
            elif op < 0.85:
                text = text[:pos] + chr(rng.randint(lowest, 0x2FF)) + text[pos + 1:]
            else:
                cut = rng.randint(0, len(text))
                text = text[:pos] + text[min(pos, cut):max(pos, cut)] + text[pos:]
        text = loader._decode(text.encode("utf-8", "surrogatepass"))[0]  # as a file is read
        if text is not None:
            yield n, text
