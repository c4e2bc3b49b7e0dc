"""``lidlib data {list,fetch,verify} [NAME ...]``: the registry of data files (:mod:`lidlib.data`)."""

from __future__ import annotations

import sys
from pathlib import Path

from lidlib import data
from lidlib.cli.parser import ArgumentParser, UsageError, command


def _parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="lidlib data",
        description=(
            "Manage the registered data files. Each file is looked up in the repository's data/ "
            f"folder, then in ${data.ENV_MIRROR} (a local mirror), then in the download cache ${data.ENV_CACHE}; "
            "every copy is checked against its sha256 in lidlib/data/registry.txt."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{list,fetch,verify}")
    helps = {
        "list": "list every registered file: where a verified copy is, its size, source and licence",
        "fetch": "locate or download (with internet access) each file and print its path",
        "verify": "check local copies against their hashes without downloading (exit 1 if any is "
        "corrupt, or missing with no download to get it from)",
    }
    for cmd, text in helps.items():
        sub.add_parser(cmd, help=text, description=text).add_argument(
            "names", nargs="*", metavar="NAME", help="registry names (default: all), e.g. cifar10h/cifar10h-counts.npy"
        )
    return parser


@command("lidlib data")
def cli_data(argv: list[str]) -> int:
    """Run ``lidlib data {list,fetch,verify} [NAME ...]``; return the exit status."""
    args = _parser().parse_args(argv)
    names = args.names or list(data.REGISTRY)
    try:
        entries = [data.registry_entry(n) for n in names]
    except ValueError as exc:  # an unknown name
        raise UsageError(str(exc)) from None
    if args.command == "list":
        print(f"{'NAME':48} {'WHERE':10} {'SIZE':>9}  {'DOWNLOAD':18} LICENCE")
        for entry, rec in zip(entries, data.verify(names)):
            size = Path(rec["path"]).stat().st_size if rec["path"] else "-"
            where = rec["origin"] if rec["path"] else "absent"
            dl = {"canonical": "canonical URL", "guess": "URL (guessed)", "none": "none"}[entry.url_status]
            print(f"{entry.name:48} {where:10} {size:>9}  {dl:18} {entry.licence}")
        return 0
    if args.command == "verify":
        recs = data.verify(names)
        for r in recs:
            if r["status"] == "missing":
                how = (
                    ("not committed: download it with `lidlib data fetch " + r["name"] + "` or set " + data.ENV_MIRROR)
                    if data.REGISTRY[r["name"]].url
                    else "missing: restore it from git"
                )
                print(f"{'absent':8} {r['name']:48} {how}")
            else:
                print(f"{r['status']:8} {r['name']:48} {r['origin']:10} {r['path']}  ({r['checked']})")
        bad = [
            r
            for r in recs
            if r["status"] == "corrupt" or (r["status"] == "missing" and not data.REGISTRY[r["name"]].url)
        ]
        return 1 if bad else 0
    status = 0
    for entry in entries:
        try:
            print(f"{entry.name}\t{data.fetch(entry.name)}")
        except (data.DataUnavailableError, data.DataIntegrityError) as exc:
            print(f"lidlib data: error: {exc}", file=sys.stderr)
            status = 2
    return status
