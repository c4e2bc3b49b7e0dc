"""Rebuild ``test_subset.bin`` and ``test_subset_index.csv`` from the full CIFAR-10 test batch.

The book reads only a few hundred CIFAR-10 test images (Figures 3 and 4 of the CIFAR-10H
chapter and the feature re-extraction test), so the repository holds just those, in the
CIFAR-10 binary record layout (1 label byte, then 1024 R, 1024 G, 1024 B bytes), with
their positions in the test set. Which images (all deterministic):

* test images 0-3 and 9996-9999 (the feature re-extraction test);
* every image whose CIFAR-10H label variance is at or above its 99% quantile (the
  "most disputed" gallery of Figure 4 and the 95%-quantile example of Figure 3 is added
  separately below);
* the image of Figure 3 (bottom row): the non-unanimous image whose variance is
  closest to the 95% quantile;
* 100 unanimous images drawn with ``numpy.random.default_rng(20261204)``
  (the "unanimous" gallery of Figure 4).

Run (needs the full test batch: ``lidlib data fetch cifar10-test/test_batch.bin`` or
``LIDLIB_DATA_DIR`` pointing at a mirror)::

    python data/cifar10-test/make_subset.py
"""

from pathlib import Path

import numpy as np

from lidlib import data
from lidlib.experiments import cifar10h

HERE = Path(__file__).resolve().parent


def subset_indices(counts: np.ndarray) -> np.ndarray:
    _, v = cifar10h.label_moments(counts)
    unanimous = counts.max(1) == counts.sum(1)
    fig3 = int(np.argmin(np.abs(v - np.quantile(v, 0.95)) + 1e3 * unanimous))
    disputed = np.flatnonzero(v >= np.quantile(v, 0.99))
    easy = np.random.default_rng(20261204).choice(np.flatnonzero(unanimous), 100, replace=False)
    return np.unique(np.r_[0:4, 9996:10000, disputed, fig3, easy])


def main() -> None:
    counts, _ = data.load_cifar10h()
    images, labels, prov = data.load_cifar10_test()
    idx = subset_indices(counts)
    records = np.concatenate(
        [labels[idx, None].astype(np.uint8), images[idx].transpose(0, 3, 1, 2).reshape(idx.size, -1)], axis=1
    )
    (HERE / "test_subset.bin").write_bytes(records.astype(np.uint8).tobytes())
    (HERE / "test_subset_index.csv").write_text("test_index\n" + "".join(f"{i}\n" for i in idx))
    print(f"{idx.size} images from {prov['path']} ({prov['file_sha256']})")


if __name__ == "__main__":
    main()
