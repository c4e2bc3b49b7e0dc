"""The ``lidlib`` command: a thin layer that parses arguments and calls the modules."""

from __future__ import annotations

import argparse
import sys

from lidlib.profiles import DEFAULT_SEED, PROFILES


def _parser() -> argparse.ArgumentParser:
    from lidlib import __version__

    p = argparse.ArgumentParser(prog="lidlib", description="Companion to 'Learning Shrinks the Hard Tail'.")
    p.add_argument("--version", action="version", version=f"lidlib {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("book", help="execute every chapter, write results, render the site")
    b.add_argument("--profile", choices=PROFILES, default="paper")
    b.add_argument("--seed", type=int, default=DEFAULT_SEED)
    b.add_argument("--no-execute", action="store_true", help="only regenerate the claims page and the site")
    b.add_argument("-j", "--jobs", type=int, default=None,
                   help="chapters executed at once (default: the number of cores)")
    b.add_argument("--force", action="store_true",
                   help="re-execute every chapter (default: only those whose sources, data, profile, seed or "
                        "environment changed since their last run)")

    r = sub.add_parser("run", help="execute one chapter and write its results JSON")
    r.add_argument("chapter", help="chapter name, e.g. lid_model (notebooks/lid_model.md also works)")
    r.add_argument("--profile", choices=PROFILES, default="quick")
    r.add_argument("--seed", type=int, default=DEFAULT_SEED)

    d = sub.add_parser("data", help="the data registry: list, fetch, verify", add_help=False)
    d.add_argument("rest", nargs=argparse.REMAINDER)

    f = sub.add_parser("fit", help="fit pass@k laws to a coverage curve or per-problem counts", add_help=False)
    f.add_argument("rest", nargs=argparse.REMAINDER)

    fe = sub.add_parser("features", help="frozen-backbone feature extraction (needs the features extra)",
                        add_help=False)
    fe.add_argument("rest", nargs=argparse.REMAINDER)

    be = sub.add_parser("bench", help="the performance suite")
    be.add_argument("--json", action="store_true", help="print the results as JSON")
    be.add_argument("--small", action="store_true", help="tiny sizes (a smoke test, not a measurement)")
    be.add_argument("--save", action="store_true",
                    help="also write book/timings/bench.json, shown on the reproducibility page")
    be.add_argument("--builds", choices=PROFILES, default=None, metavar="PROFILE",
                    help="instead: time whole book builds (from scratch, unchanged, one chapter changed) at "
                         "PROFILE and write book/timings/builds.json (wipes _build/ and the executed outputs)")
    return p


# subcommands with their own argument parsers (they also handle --help themselves)
_DELEGATED = {"data": ("lidlib.data", "cli_data"), "fit": ("lidlib.fit_cli", "cli_fit"),
              "features": ("lidlib.features", "cli_features")}


def _bench(as_json: bool, small: bool, save: bool = False) -> int:
    import json

    from lidlib import bench, claims

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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in _DELEGATED:
        import importlib

        module, func = _DELEGATED[argv[0]]
        return getattr(importlib.import_module(module), func)(argv[1:])
    args = _parser().parse_args(argv)
    try:
        if args.command == "book":
            from lidlib.book import build_book

            build_book(args.profile, args.seed, execute=not args.no_execute, jobs=args.jobs, force=args.force)
        elif args.command == "run":
            from lidlib.book import find_root, run_chapter, write_claims

            root = find_root()
            chapter = chapter_name(args.chapter)
            if not (root / "notebooks" / f"{chapter}.md").is_file():
                known = sorted(p.stem for p in (root / "notebooks").glob("*.md"))
                print(f"lidlib run: error: no chapter {args.chapter!r}; chapters: {', '.join(known)}", file=sys.stderr)
                return 2
            run = run_chapter(chapter, args.profile, args.seed)
            write_claims(root)
            print(f"{chapter}: {run.seconds:.1f} s -> {run.results}")
        elif args.command == "bench":
            if args.builds:
                from lidlib.book import measure_builds

                measure_builds(profile=args.builds)
                return 0
            return _bench(args.json, args.small, args.save)
    except (ValueError, RuntimeError) as exc:  # ChapterError is a RuntimeError
        print(f"lidlib {args.command}: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
