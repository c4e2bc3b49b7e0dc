"""The ``lidlib`` command: a thin layer that parses arguments and calls the modules.

Every command line of the package is parsed here, in :mod:`lidlib.cli` (``lidlib.data``
and ``lidlib.experiments`` hold no argument parsing): the commands of the book in this
module, ``lidlib fit`` in :mod:`lidlib.cli.fit`, ``lidlib data`` in :mod:`lidlib.cli.data`
and ``lidlib features`` in :mod:`lidlib.cli.features`, all with the one parser of
:mod:`lidlib.cli.parser` (a bad command line is one line on stderr and exit status 2).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from lidlib.book.profiles import DEFAULT_SEED, PROFILES
from lidlib.cli.parser import ArgumentParser, UsageError, report


def _parser() -> ArgumentParser:
    from lidlib import __version__

    p = ArgumentParser(prog="lidlib", description="Companion to 'Learning Shrinks the Hard Tail'.")
    p.add_argument("--version", action="version", version=f"lidlib {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("book", help="execute every chapter, write results, render the site")
    b.add_argument("--profile", choices=PROFILES, default="paper")
    b.add_argument("--seed", type=int, default=DEFAULT_SEED)
    b.add_argument("--no-execute", action="store_true", help="only regenerate the claims page and the site")
    b.add_argument(
        "-j", "--jobs", type=int, default=None, help="chapters executed at once (default: the number of cores)"
    )
    b.add_argument(
        "--force",
        action="store_true",
        help="re-execute every chapter (default: only those whose sources, data, profile, seed or "
        "environment changed since their last run)",
    )

    r = sub.add_parser("run", help="execute one chapter and write its results JSON")
    r.add_argument("chapter", help="chapter name, e.g. lid_model (notebooks/lid_model.md also works)")
    r.add_argument("--profile", choices=PROFILES, default="quick")
    r.add_argument("--seed", type=int, default=DEFAULT_SEED)
    r.add_argument(
        "-p",
        "--override",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="change one setting of lidlib/book/profiles.toml for this run; VALUE is a TOML or JSON literal "
        '(1000, 0.5, [1, 2], "text"); repeatable. The run is written to results/overrides/, apart from the book\'s',
    )

    bl = sub.add_parser("baseline", help="compare results/ with the committed verdict baseline, or update it")
    bl.add_argument(
        "--update",
        action="store_true",
        help="rewrite book/verdicts_quick_seed0.json from results/ (after `lidlib book --profile quick`)",
    )

    sw = sub.add_parser("sweep", help="run chapters x seeds on Dask and write book/robustness.json")
    sw.add_argument("--seeds", default="0-9", help="e.g. 0-9 or 1,3,5 (default 0-9)")
    sw.add_argument("--profile", choices=PROFILES, default="quick")
    sw.add_argument("--chapters", default="", help="comma-separated chapter names (default: all)")
    sw.add_argument(
        "--scheduler",
        default=None,
        help="address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster)",
    )
    sw.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (default 2)")

    d = sub.add_parser("data", help="the data registry: list, fetch, verify", add_help=False)
    d.add_argument("rest", nargs=argparse.REMAINDER)

    f = sub.add_parser("fit", help="fit pass@k laws to a coverage curve or per-problem counts", add_help=False)
    f.add_argument("rest", nargs=argparse.REMAINDER)

    fe = sub.add_parser(
        "features", help="frozen-backbone feature extraction (needs the features extra)", add_help=False
    )
    fe.add_argument("rest", nargs=argparse.REMAINDER)

    be = sub.add_parser("bench", help="the performance suite")
    be.add_argument("--json", action="store_true", help="print the results as JSON")
    be.add_argument("--small", action="store_true", help="tiny sizes (a smoke test, not a measurement)")
    be.add_argument(
        "--save", action="store_true", help="also write book/timings/bench.json, shown on the reproducibility page"
    )
    be.add_argument(
        "--builds",
        choices=PROFILES,
        default=None,
        metavar="PROFILE",
        help="instead: time whole book builds (from scratch, unchanged, one chapter changed) at "
        "PROFILE and write book/timings/builds.json (wipes _build/ and the executed outputs)",
    )
    return p


# subcommands with their own argument parsers (they also handle --help themselves)
_DELEGATED = {
    "data": ("lidlib.cli.data", "cli_data"),
    "fit": ("lidlib.cli.fit", "cli_fit"),
    "features": ("lidlib.cli.features", "cli_features"),
}


def _bench(as_json: bool, small: bool, save: bool = False) -> int:
    import json

    from lidlib.book import bench, claims

    root = claims.project_root()
    res = bench.run_all(root, small=small)
    if save:
        if small or root is None:
            raise ValueError("--save needs a full run (no --small) inside the project checkout")
        out = root / "book" / "timings" / "bench.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(res, indent=1) + "\n")
    if as_json:
        print(json.dumps(res, indent=1))
    else:
        for key, val in res.items():
            print(f"{key:48s} {val:.4g}" if isinstance(val, float) else f"{key:48s} {val}")
    return 0


def chapter_name(arg: str) -> str:
    """The chapter stem of what tab-completion gives: ``notebooks/lid_model.md`` -> ``lid_model``."""
    from pathlib import PurePath

    name = PurePath(arg).name
    for suffix in (".md", ".ipynb"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name


def _print_changes(changes, what: str) -> None:
    for key, old, new in changes:
        print(f"  {key}: {old or 'absent'} -> {new or 'absent'}")


def parse_value(text: str) -> Any:
    """A command-line value as a TOML or JSON literal: ``1000``, ``1e-3``, ``[1, 2]``,
    ``"text"``, ``{d = 32}`` or ``{"d": 32}``; text that is neither stays text."""
    import json
    import tomllib

    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        pass
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``["n_tau=1000", "betas=[3.0, 5.0]"]`` -> ``{"n_tau": 1000, "betas": [3.0, 5.0]}`` (a later key wins)."""
    out = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ValueError(f"-p takes KEY=VALUE (a setting of lidlib/book/profiles.toml), got {item!r}")
        out[key] = parse_value(text.strip())
    return out


def _run(chapter: str, profile: str, seed: int, overrides: list[str] | None = None) -> int:
    """Execute one chapter, then print its claims summary and any verdict that left the baseline."""
    import json

    from lidlib.book import claims, profiles
    from lidlib.book.build import ChapterError, baseline_changes, find_root, run_chapter, write_claims

    root = find_root()
    chapter = chapter_name(chapter)
    if not (root / "notebooks" / f"{chapter}.md").is_file():
        known = sorted(p.stem for p in (root / "notebooks").glob("*.md"))
        print(f"lidlib run: error: no chapter {chapter!r}; chapters: {', '.join(known)}", file=sys.stderr)
        return 2
    try:
        changed = parse_overrides(overrides or [])
        if changed:
            changed = profiles.check_overrides(chapter, profile, changed)
    except ValueError as exc:
        return report("lidlib run", exc)
    run = run_chapter(chapter, profile, seed, overrides=changed)
    label = f"{chapter} (profile {profile}, seed {seed})"
    if changed:
        label = label[:-1] + ", " + ", ".join(f"{k}={json.dumps(v)}" for k, v in changed.items()) + ")"
    else:
        try:
            write_claims(root)
        except ValueError as exc:  # other chapters' results from an older lidlib
            print(f"lidlib run: claims page not regenerated: {exc}", file=sys.stderr)
    print(f"{chapter}: {run.seconds:.1f} s -> {run.results}")
    res = json.loads(run.results.read_text())
    print(claims.summary_line(res["claims"], label))
    if changed:
        print(
            "a run with overrides: written apart from the book's results (results/<chapter>.json is "
            "unchanged) and not compared with the verdict baseline"
        )
        return 0
    try:
        changes = baseline_changes(root, [chapter])
    except ChapterError as exc:
        print(f"no baseline comparison: {exc}")
        return 0
    if changes:
        note = "" if (profile, seed) == ("quick", 0) else " (the baseline is quick profile, seed 0)"
        print(f"{len(changes)} verdict(s) differ from book/verdicts_quick_seed0.json{note}:")
        _print_changes(changes, "")
    else:
        print("all verdicts as in the committed baseline (book/verdicts_quick_seed0.json)")
    return 0


def _baseline(update: bool) -> int:
    """``lidlib baseline``: exit 1 if any verdict in results/ differs from the committed baseline."""
    from lidlib.book.build import baseline_changes, find_root, toc_chapters, update_baseline

    root = find_root()
    if update:
        print(f"wrote {update_baseline(root)}; commit it together with the change that moved the verdicts")
        return 0
    changes = baseline_changes(root, toc_chapters(root))
    if changes:
        print(f"{len(changes)} verdict(s) differ from the committed baseline book/verdicts_quick_seed0.json:")
        _print_changes(changes, "")
        print("If the change is intended, run `lidlib baseline --update` and commit the file with it.")
        return 1
    print("verdicts match the committed baseline (book/verdicts_quick_seed0.json: profile quick, seed 0)")
    return 0


#: Exit status after the reader of stdout went away: 128 + SIGPIPE, as for ``yes | head``.
EXIT_BROKEN_PIPE = 141


def main(argv: list[str] | None = None) -> int:
    """Run ``lidlib ARGV`` and return its exit status.

    A closed pipe on stdout (``lidlib fit FILE | head -3``) ends the command quietly
    with status :data:`EXIT_BROKEN_PIPE`: the standard idiom of the Python docs (signal
    handling, "Note on SIGPIPE"), stdout pointed at devnull so that the interpreter's
    final flush does not report the error a second time.
    """
    try:
        status = _main(argv)
        sys.stdout.flush()  # a reader that went away shows here, not at interpreter exit
        return status
    except BrokenPipeError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # stdout without a file descriptor (e.g. captured in tests)
            pass
        return EXIT_BROKEN_PIPE


def _main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in _DELEGATED:
        import importlib

        module, func = _DELEGATED[argv[0]]
        return getattr(importlib.import_module(module), func)(argv[1:])
    try:
        args = _parser().parse_args(argv)
    except UsageError as exc:
        return report(exc.prog or "lidlib", exc)
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    try:
        if args.command == "book":
            from lidlib.book.build import build_book

            build_book(args.profile, args.seed, execute=not args.no_execute, jobs=args.jobs, force=args.force)
        elif args.command == "run":
            return _run(args.chapter, args.profile, args.seed, args.overrides)
        elif args.command == "baseline":
            return _baseline(args.update)
        elif args.command == "sweep":
            from lidlib.book.sweep import parse_seeds, sweep

            chapters = [c.strip() for c in args.chapters.split(",") if c.strip()] or None
            sweep(parse_seeds(args.seeds), args.profile, chapters, scheduler=args.scheduler, n_workers=args.workers)
        elif args.command == "bench":
            if args.builds:
                from lidlib.book.build import measure_builds

                measure_builds(profile=args.builds)
                return 0
            return _bench(args.json, args.small, args.save)
    except (ValueError, RuntimeError) as exc:  # ChapterError is a RuntimeError
        print(f"lidlib {args.command}: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
