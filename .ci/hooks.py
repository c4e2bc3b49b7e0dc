"""The generic checks of .pre-commit-config.yaml, here so that every hook is local.

pre-commit's usual hooks (check-yaml, check-toml, end-of-file-fixer,
trailing-whitespace) live in a repository that pre-commit would have to fetch; these
are the same checks in a few lines, run by the project's own venv, so ``pre-commit``
works offline. ``notebooks`` runs pyflakes (ruff's F rules) over the code of the
Jupytext chapters, read-only (``jupytext --check`` would rewrite the file).

Usage: ``python .ci/hooks.py {yaml,toml,eof,whitespace,notebooks} FILE ...``; the exit
status is 1 when a check failed or a file was fixed (pre-commit's convention).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path


def check_yaml(path: Path) -> bool:
    import yaml

    try:
        list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        print(f"{path}: not valid YAML: {exc}")
        return False
    return True


def check_toml(path: Path) -> bool:
    try:
        tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        print(f"{path}: not valid TOML: {exc}")
        return False
    return True


def fix_eof(path: Path) -> bool:
    """Exactly one newline at the end of a non-empty file."""
    data = path.read_bytes()
    fixed = data.rstrip(b"\r\n") + b"\n" if data.strip() else data
    if data.endswith(b"\r\n") and fixed != b"\n":
        fixed = data.rstrip(b"\r\n") + b"\r\n"
    if fixed != data:
        path.write_bytes(fixed)
        print(f"{path}: fixed the end of the file")
        return False
    return True


def fix_whitespace(path: Path) -> bool:
    """No spaces or tabs before a line end.

    Markdown keeps its two-space line break and a TeX control space (backslash, space).
    """
    data = path.read_bytes()
    md = path.suffix.lower() in (".md", ".markdown")
    out = []
    for line in data.splitlines(keepends=True):
        body = line.rstrip(b"\r\n")
        end = line[len(body) :]
        stripped = body.rstrip(b" \t")
        if md and body.endswith(b"  ") and stripped:
            stripped += b"  "
        elif md and stripped.endswith(b"\\") and body != stripped:
            stripped += b" "
        out.append(stripped + end)
    fixed = b"".join(out)
    if fixed != data:
        path.write_bytes(fixed)
        print(f"{path}: removed trailing whitespace")
        return False
    return True


def lint_notebook(path: Path) -> bool:
    """pyflakes over the chapter's code cells (as jupytext's py:percent text)."""
    bin_dir = Path(sys.executable).parent
    py = subprocess.run(
        [str(bin_dir / "jupytext"), "--quiet", "--to", "py:percent", "-o", "-", str(path)],
        capture_output=True,
        text=True,
    )
    if py.returncode != 0:
        print(f"{path}: jupytext cannot read it:\n{py.stderr}")
        return False
    res = subprocess.run(
        [str(bin_dir / "ruff"), "check", "--select", "F", "--output-format", "concise", "--stdin-filename"]
        + [f"{path}.py", "-"],
        input=py.stdout,
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        print(f"{path} (line numbers of `jupytext --to py:percent -o - {path}`):\n{res.stdout}", end="")
        return False
    return True


CHECKS = {
    "yaml": check_yaml,
    "toml": check_toml,
    "eof": fix_eof,
    "whitespace": fix_whitespace,
    "notebooks": lint_notebook,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in CHECKS:
        print(f"usage: hooks.py {{{','.join(CHECKS)}}} FILE ...", file=sys.stderr)
        return 2
    check = CHECKS[argv[0]]
    ok = [check(Path(f)) for f in argv[1:]]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
