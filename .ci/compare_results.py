"""Compare the numbers of two sets of chapter results, bit for bit.

    python .ci/compare_results.py BEFORE_DIR AFTER_DIR

Each directory holds ``<chapter>.json`` as written by a build (``results/``). Every
claim's measured/expected/tolerance/status and every recorded value must be identical;
only provenance (commit, time, versions), robustness marks and timings may differ.
Used to show that a refactoring leaves the book's numbers unchanged. Exit status 1 and
a list of the differences otherwise.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# provenance and robustness marks are not results; simulation_cost_ns_per_instance is a
# wall-clock measurement (tauberian), different on every run
IGNORED = {"provenance", "robustness", "anchor", "simulation_cost_ns_per_instance"}


def walk(a, b, where, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k in IGNORED:
                continue
            if k not in a or k not in b:
                out.append(f"{where}.{k}: only in {'after' if k in b else 'before'}")
            else:
                walk(a[k], b[k], f"{where}.{k}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{where}: length {len(a)} -> {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            walk(x, y, f"{where}[{i}]", out)
    elif a != b and not (a != a and b != b):  # NaN == NaN here
        out.append(f"{where}: {a!r} -> {b!r}")


def main(before: str, after: str) -> int:
    out: list[str] = []
    names = sorted(p.name for p in Path(before).glob("*.json") if not p.name.startswith("_"))
    for name in names:
        b = Path(after) / name
        if not b.exists():
            out.append(f"{name}: missing after")
            continue
        A, B = json.loads((Path(before) / name).read_text()), json.loads(b.read_text())
        A["claims"] = {c["id"]: c for c in A.get("claims", [])}
        B["claims"] = {c["id"]: c for c in B.get("claims", [])}
        walk(A, B, name[:-5], out)
    print("\n".join(out) if out else f"identical numbers in {len(names)} chapters")
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
