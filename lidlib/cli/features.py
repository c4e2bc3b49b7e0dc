"""``lidlib features extract``: frozen-backbone features of the CIFAR-10 test images
(:mod:`lidlib.experiments.features`; needs the ``features`` extra)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from lidlib.cli.parser import ArgumentParser, UsageError, command
from lidlib.experiments import features


def _parser() -> ArgumentParser:
    parser = ArgumentParser(prog="lidlib features", description="Frozen-backbone feature extraction (needs torch).")
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="extract features of the CIFAR-10 test images")
    ex.add_argument("--backbone", default="efficientnet-lite0")
    ex.add_argument("--out", default=None, help="output .npy (float16); default data/cifar10h/<backbone>_features.npy")
    ex.add_argument("--limit", type=int, default=None, help="only the first N images")
    ex.add_argument("--batch-size", type=int, default=50)
    ex.add_argument("--threads", type=int, default=2)
    ex.add_argument("--weights", default=None, help="weights file overriding the backbone's default")
    return parser


@command("lidlib features")
def cli_features(argv: list[str]) -> int:
    """``lidlib features extract [--backbone B] [--out FILE] [--limit N] ...``."""
    args = _parser().parse_args(argv)
    try:
        features.get_backbone(args.backbone)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.limit is not None and not 1 <= args.limit <= 10000:
        raise UsageError(f"--limit must be in 1..10000, got {args.limit}")
    from lidlib import data

    out = Path(args.out or Path("data/cifar10h") / (args.backbone.replace("-", "_") + "_features.npy"))
    try:
        features.require_torch()
        images, _, prov = data.load_cifar10_test()
        if args.limit is not None:
            images = images[: args.limit]
        t0 = time.perf_counter()

        def progress(done: int, total: int) -> None:
            rate = (time.perf_counter() - t0) / done
            print(f"{done}/{total} images, {rate:.3f} s/image", file=sys.stderr, flush=True)

        feats = features.extract_features(
            images,
            args.backbone,
            batch_size=args.batch_size,
            threads=args.threads,
            weights_path=args.weights,
            progress=progress,
        )
    except (features.FeaturesUnavailableError, data.DataUnavailableError, data.DataIntegrityError) as exc:
        print(f"lidlib features: error: {exc}", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    np.save(out, feats.astype(np.float16), allow_pickle=False)
    import pooch

    record = {
        "file": str(out),
        "sha256": pooch.file_hash(str(out)),
        "shape": list(feats.shape),
        "dtype": "float16",
        "backbone": args.backbone,
        "packages": features.environment(args.backbone),
        "threads": args.threads,
        "batch_size": args.batch_size,
        "seconds": time.perf_counter() - t0,
        "image_source": {k: str(prov[k]) for k in ("name", "origin", "path", "file_sha256")},
        "jpeg_roundtrip": prov["jpeg_roundtrip"],
        "preprocessing": "uint8/255, bilinear upsampling 32->224 (align_corners=False), "
        "ImageNet mean/std normalisation",
        "date": time.strftime("%Y-%m-%d"),
    }
    print(json.dumps(record, indent=1))
    return 0
