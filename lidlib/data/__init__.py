"""Data layer: a registry of checksummed files, a local mirror, a download cache.

Modelled on the pooch usage of SciPy and scikit-image. ``lidlib/data/registry.txt``
lists every file as ``name sha256:hash`` (pooch format); ``_SOURCES`` below adds the
canonical URL, licence and description. Files are resolved in this order, and every
copy is checked against the registry sha256 before it is used:

1. the copy committed to the repository, ``data/<name>`` (every small input the book
   reads is committed, with a ``PROVENANCE.md`` beside it, so a clean clone builds the
   book with no network and no mirror);
2. ``$LIDLIB_DATA_DIR/<name>`` if the variable is set and the file exists (read in
   place, never copied);
3. the cache ``$LIDLIB_CACHE_DIR`` (default ``pooch.os_cache("lidlib")``), filled by
   pooch from the canonical URL when absent. Only the full CIFAR-10 test batch (30 MB,
   read by ``lidlib features extract`` alone) is not committed.

Two sources are not plain copies: ``cifar10-test/test_batch.bin`` is extracted
from the canonical ``cifar-10-binary.tar.gz`` (checked by its published md5; the
mirror copy is a JPEG round-trip whose sha256 only applies to the mirror), and the
Fashion-MNIST files are rebuilt from the official ``.gz`` (md5-checked) as their
first 1000 items with a corrected IDX header, then checked against the sha256.
Nothing here unpickles data; loaders must read ``.npy`` with ``allow_pickle=False``.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pooch

ENV_MIRROR = "LIDLIB_DATA_DIR"
ENV_CACHE = "LIDLIB_CACHE_DIR"
REGISTRY_FILE = Path(__file__).with_name("registry.txt")
#: Where committed copies of registered files live (``<repository>/data``); a wheel
#: install has none and falls back to the mirror and the download cache.
REPO_DATA = Path(__file__).resolve().parents[2] / "data"
#: pooch downloader used for all downloads (``None``: pooch's default HTTP one).
DOWNLOADER: Callable[..., Any] | None = None

_GH_10H = "https://raw.githubusercontent.com/jcpeterson/cifar-10h/master/data/"
_GH_ICSL = (
    "https://raw.githubusercontent.com/austine4/Inference-Compute-Scaling-Laws/"
    "ae89b2f0fea3286bd6a6f2cbea7cb9cd8d93b522/"
)
_FMNIST = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
_GUESS = (
    " URL is a best guess: repository root as seen in a code-index snapshot "
    "(commit ae89b2f, file sizes match the mirror), never downloaded from here."
)
_CURVE = "Digitized MATH coverage (pass@k) curve of {} from Brown et al. 2024, columns x=k, y=coverage, rows unsorted."
_SOURCES: dict[str, dict[str, Any]] = {
    "cifar10h/cifar10h-counts.npy": dict(
        source="file",
        url=_GH_10H + "cifar10h-counts.npy",
        licence="CC BY-SA 4.0",
        description="CIFAR-10H human label counts, 10000 x 10, CIFAR-10 test order.",
    ),
    "cifar10h/cifar10h-probs.npy": dict(
        source="file",
        url=_GH_10H + "cifar10h-probs.npy",
        licence="CC BY-SA 4.0",
        description="CIFAR-10H human label probabilities, 10000 x 10, CIFAR-10 test order.",
    ),
    "cifar10-test/test_batch.bin": dict(
        source="archive",
        url="https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
        download_hash="md5:c32a1d4ab5d03f1284b67883e8d87530",
        member="cifar-10-batches-bin/test_batch.bin",
        licence="CIFAR-10 terms (Krizhevsky 2009)",
        description="CIFAR-10 test images, binary records. Mirror copy is a JPEG round-trip "
        "(~5.6/255 per pixel); downloads extract the exact file from the archive.",
    ),
    "fashion-mnist/train-images-first1000-idx3-ubyte": dict(
        source="gz-prefix",
        url=_FMNIST + "train-images-idx3-ubyte.gz",
        prefix=1000,
        download_hash="md5:8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        licence="MIT",
        description="First 1000 Fashion-MNIST training images (IDX), cut from the official gz.",
    ),
    "fashion-mnist/train-labels-first1000-idx1-ubyte": dict(
        source="gz-prefix",
        url=_FMNIST + "train-labels-idx1-ubyte.gz",
        prefix=1000,
        download_hash="md5:25c81989df183df01b3e8a0aad5dffbe",
        licence="MIT",
        description="First 1000 Fashion-MNIST training labels (IDX), cut from the official gz.",
    ),
    "llm-passk/gemma2B.csv": dict(
        source="file",
        url=_GH_ICSL + "gemma2B.csv",
        url_status="guess",
        licence="figures of a public paper",
        description=_CURVE.format("Gemma-2B") + _GUESS,
    ),
    "llm-passk/llama8BpassN.csv": dict(
        source="file",
        url=_GH_ICSL + "llama8BpassN.csv",
        url_status="guess",
        licence="figures of a public paper",
        description=_CURVE.format("Llama-3-8B") + _GUESS,
    ),
    "llm-passk/pythia28B.csv": dict(
        source="file",
        url=_GH_ICSL + "pythia28B.csv",
        url_status="guess",
        licence="figures of a public paper",
        description=_CURVE.format("Pythia-2.8B") + _GUESS,
    ),
    "cifar10-test/test_subset.bin": dict(
        source="derived",
        url=None,
        url_status="none",
        licence="CIFAR-10 terms (Krizhevsky 2009)",
        description="The 209 CIFAR-10 test images the book shows or re-extracts, binary records cut from "
        "the mirror's JPEG round-trip test_batch.bin by data/cifar10-test/make_subset.py.",
    ),
    "cifar10-test/test_subset_index.csv": dict(
        source="derived",
        url=None,
        url_status="none",
        licence="CIFAR-10 terms (Krizhevsky 2009)",
        description="Test-set positions (column test_index) of the records in test_subset.bin.",
    ),
    "cifar10h/efficientnet_lite0_features.npy": dict(
        source="derived",
        url=None,
        url_status="none",
        licence="derived from CIFAR-10 (CIFAR-10 terms)",
        description="Pooled ImageNet EfficientNet-Lite0 features (float16, 10000 x 1280) of the CIFAR-10 test "
        "images, extracted once by `lidlib features extract`; see data/cifar10h/PROVENANCE.md.",
    ),
    "llm-passk/pythia_math_counts.csv": dict(
        source="mirror-only",
        url=None,
        url_status="none",
        licence="MIT (underlying samples)",
        description="Per-problem counts (model, benchmark, problem_idx, n, c) of 7 Pythia models on 128 "
        "MATH problems, tabulated from Brown et al. 2024 samples; no canonical single-file "
        "URL exists (provenance: README of the offline mirror).",
    ),
}


class DataUnavailableError(RuntimeError):
    """A data file is neither in the mirror nor in the cache and cannot be downloaded.

    Parameters
    ----------
    message : str
        Names the file and the command or setting that would provide it.
    """


class DataIntegrityError(RuntimeError):
    """A data file does not match its registered checksum (corrupt or truncated).

    Parameters
    ----------
    message : str
        Names the file, the expected and the actual hash.
    """


@dataclass(frozen=True)
class Entry:
    """One registered data file; ``sha256`` is the hash of the mirror copy.

    Attributes
    ----------
    name : str
        Path relative to the repository's ``data/`` folder (and to a mirror).
    sha256 : str
        Hash of the committed or mirror copy.
    source : str
        How a missing copy is obtained: ``"file"``, ``"archive"``, ``"gz-prefix"``,
        ``"mirror-only"`` or ``"derived"`` (made here and committed).
    url, licence, description : str
        Where it comes from, under which terms, and what it is.
    url_status : str
        ``"canonical"``, ``"guess"`` or ``"none"``.
    download_hash, member, prefix
        The hash of what ``url`` serves (if not ``sha256``), the archive member, and the
        number of IDX items kept.
    """

    name: str
    sha256: str
    source: str  # "file", "archive", "gz-prefix", "mirror-only" or "derived" (made here, committed)
    url: str | None
    licence: str
    description: str
    url_status: str = "canonical"  # "canonical", "guess" or "none"
    download_hash: str | None = None  # hash of what ``url`` serves, if not the sha256
    member: str | None = None  # archive member ("archive")
    prefix: int | None = None  # number of IDX items kept ("gz-prefix")


def load_registry(path: Path = REGISTRY_FILE, sources: dict[str, dict[str, Any]] = _SOURCES) -> dict[str, Entry]:
    """Join the pooch registry file with the source table into ``{name: Entry}``.

    Parameters
    ----------
    path : Path
        A registry in pooch's format (``name sha256:<hash>`` per line, ``#`` comments).
    sources : dict
        Source, URL, licence and description per name.

    Returns
    -------
    dict of str to Entry

    Raises
    ------
    RuntimeError
        If the two tables list different files.
    """
    hashes = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, digest = line.split()
            hashes[name] = digest.removeprefix("sha256:")
    if set(hashes) != set(sources):
        raise RuntimeError(
            f"{path} and lidlib.data._SOURCES list different files: {sorted(set(hashes) ^ set(sources))}"
        )
    return {n: Entry(name=n, sha256=h, **sources[n]) for n, h in hashes.items()}


REGISTRY: dict[str, Entry] = load_registry()


def registry_entry(name: str) -> Entry:
    """The registry entry of ``name``.

    Parameters
    ----------
    name : str
        A registered file, e.g. ``"cifar10h/cifar10h-counts.npy"``.

    Returns
    -------
    Entry

    Raises
    ------
    ValueError
        If ``name`` is not registered; the message lists the known names.

    Examples
    --------
    >>> from lidlib import data
    >>> data.registry_entry("cifar10h/cifar10h-counts.npy").source
    'file'
    """
    if name not in REGISTRY:
        raise ValueError(f"unknown data file {name!r}; known names: {', '.join(REGISTRY)}")
    return REGISTRY[name]


def mirror_dir() -> Path | None:
    """The mirror directory named by ``$LIDLIB_DATA_DIR``.

    Returns
    -------
    Path or None
        None when the variable is unset or empty.
    """
    value = os.environ.get(ENV_MIRROR)
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """The download cache: ``$LIDLIB_CACHE_DIR``, else ``pooch.os_cache("lidlib")``.

    Returns
    -------
    Path
        The folder (not created here).
    """
    value = os.environ.get(ENV_CACHE)
    return Path(value).expanduser() if value else Path(pooch.os_cache("lidlib"))


def idx_prefix(data: bytes, n: int) -> bytes:
    r"""The first ``n`` items of an unsigned-byte IDX file, with the header count corrected.

    Parameters
    ----------
    data : bytes
        An IDX file (magic ``00 00 08 <ndim>``, big-endian dimensions, then the items).
    n : int
        Number of items to keep.

    Returns
    -------
    bytes

    Raises
    ------
    ValueError
        If ``data`` is not an unsigned-byte IDX file or holds fewer than ``n`` items.

    Examples
    --------
    >>> import struct
    >>> idx = b"\x00\x00\x08\x01" + struct.pack(">I", 4) + bytes([7, 8, 9, 10])
    >>> idx_prefix(idx, 2)[-2:], struct.unpack(">I", idx_prefix(idx, 2)[4:8])[0]
    (b'\x07\x08', 2)
    """
    if len(data) < 4 or data[:3] != b"\x00\x00\x08":
        raise ValueError("not an unsigned-byte IDX file")
    ndim = data[3]
    head = 4 + 4 * ndim
    dims = struct.unpack(f">{ndim}I", data[4:head])
    size = n * math.prod(dims[1:])
    if dims[0] < n or len(data) < head + size:
        raise ValueError(f"IDX file holds fewer than {n} items")
    return data[:4] + struct.pack(">I", n) + data[8:head] + data[head : head + size]


def _prefix_processor(dst: Path, n: int) -> Callable[[str, str, Any], str]:
    def process(fname: str, action: str, _pooch: Any) -> str:
        if action != "fetch" or not dst.is_file():
            with gzip.open(fname, "rb") as fh:
                dst.write_bytes(idx_prefix(fh.read(), n))
        return str(dst)

    return process


def _candidates(entry: Entry) -> list[tuple[str, Path, Path, str]]:
    """Local places for ``entry``: (origin, file, file whose hash is checked, expected hash)."""
    committed = REPO_DATA / entry.name
    out = [("repository", committed, committed, "sha256:" + entry.sha256)]
    if (mirror := mirror_dir()) is not None:
        out.append(("mirror", mirror / entry.name, mirror / entry.name, "sha256:" + entry.sha256))
    cached = cache_dir() / entry.name
    if entry.source == "archive":
        # every archive entry of _SOURCES names its URL, member and download hash
        assert entry.url is not None and entry.member is not None and entry.download_hash is not None
        archive = cached.parent / entry.url.rsplit("/", 1)[-1]
        member = cached.parent / archive.name.split(".tar")[0] / entry.member
        out.append(("cache", member, archive, entry.download_hash))
    else:
        out.append(("cache", cached, cached, "sha256:" + entry.sha256))
    return out


def _inspect(entry: Entry, origin: str, path: Path, checked: Path, expected: str) -> dict:
    """Status record of one local candidate (hashes the file, or the archive it came from)."""
    alg = expected.split(":")[0]
    rec: dict[str, Any] = dict(
        name=entry.name,
        origin=origin,
        path=None,
        status="missing",
        expected=expected,
        actual=None,
        checked=f"{alg} of " + (f"the {origin} copy" if checked == path else f"canonical archive {checked.name}"),
    )
    if path.is_file() and checked.is_file():
        actual = f"{alg}:{pooch.file_hash(str(checked), alg)}"
        rec.update(path=path, actual=actual, status="ok" if actual == expected else "corrupt")
    return rec


def _integrity_error(rec: dict) -> DataIntegrityError:
    return DataIntegrityError(
        f"data file {rec['name']!r} at {rec['path']} is corrupt or truncated: expected "
        f"{rec['expected']}, got {rec['actual']} ({rec['checked']}). Re-fetch it: restore it in the "
        f"mirror, or delete it and run `lidlib data fetch {rec['name']}`."
    )


def _unavailable_error(entry: Entry, reason: str) -> DataUnavailableError:
    how = "then check it with" if entry.url is None else "or, with internet access, run"
    return DataUnavailableError(
        f"data file {entry.name!r} is not available: {reason}. It is not committed under {REPO_DATA}; "
        f"set {ENV_MIRROR} to a local mirror directory holding it (now: "
        f"{os.environ.get(ENV_MIRROR) or 'unset'}), {how} `lidlib data fetch {entry.name}`."
    )


def _download(entry: Entry) -> None:
    """Fill the cache for ``entry`` with pooch (no network if already cached and valid)."""
    target = cache_dir() / entry.name
    assert entry.url is not None  # _resolve never downloads an entry without a URL
    fname, processor = entry.url.rsplit("/", 1)[-1], None
    if entry.source == "archive":
        processor = pooch.Untar(members=[entry.member], extract_dir=fname.split(".tar")[0])
    elif entry.source == "gz-prefix":
        assert entry.prefix is not None  # every gz-prefix entry of _SOURCES says how many items it keeps
        processor = _prefix_processor(target, entry.prefix)
    else:
        fname = target.name
    known = entry.download_hash or "sha256:" + entry.sha256
    try:
        pooch.retrieve(
            entry.url, known_hash=known, fname=fname, path=target.parent, processor=processor, downloader=DOWNLOADER
        )
    except ValueError as exc:  # pooch: hash mismatch of the download
        raise DataIntegrityError(
            f"download of {entry.name!r} from {entry.url} failed its {known} "
            f"check ({exc}); retry `lidlib data fetch {entry.name}` later."
        ) from exc
    except OSError as exc:  # includes requests' connection errors
        raise _unavailable_error(entry, f"download from {entry.url} failed ({exc})") from exc


#: Every data file verified in this process, name (or committed path) -> ``sha256:<hash>``;
#: the claims ledger copies it into each chapter's results JSON (its provenance).
FILES_READ: dict[str, str] = {}


def files_read() -> dict[str, str]:
    """The data files this process has verified so far, with their sha256.

    Returns
    -------
    dict of str to str
        A sorted copy; the ledger stores it in each chapter's results (provenance).
    """
    return dict(sorted(FILES_READ.items()))


def _resolve(entry: Entry) -> dict:
    """Locate (repository, else mirror, else cache/download) and verify ``entry``."""
    *local, cache = _candidates(entry)  # repository copy, then the mirror if set
    present = next((c for c in local if c[1].is_file()), None)
    if present is not None:
        rec = _inspect(entry, *present)
    elif entry.url is None:
        raise _unavailable_error(entry, "no canonical single-file URL exists to download it from")
    else:
        _download(entry)
        rec = _inspect(entry, *cache)
    if rec["status"] != "ok":
        raise _integrity_error(rec)
    FILES_READ[entry.name] = "sha256:" + entry.sha256
    return rec


def fetch(name: str) -> Path:
    """Return the verified local path of registered file ``name``.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``"cifar10h/cifar10h-counts.npy"``.

    Returns
    -------
    pathlib.Path
        The committed copy under ``data/``, a file inside ``$LIDLIB_DATA_DIR`` (read
        in place) or a file inside the cache.

    Raises
    ------
    ValueError
        Unknown name.
    DataUnavailableError
        Not committed, not in the mirror, not cached and not downloadable (offline, or
        no canonical URL).
    DataIntegrityError
        The file (or the archive it came from) does not match its checksum.
    """
    return _resolve(registry_entry(name))["path"]


def provenance(name: str) -> dict:
    """Registry record of ``name`` plus its resolved path, origin, check and file sha256.

    Parameters
    ----------
    name : str
        A registered file.

    Returns
    -------
    dict
        The fields of :func:`registry_entries` and ``path``, ``origin`` (repository,
        mirror or cache), ``checked`` and ``file_sha256``.
    """
    rec = _resolve(registry_entry(name))
    sha = rec["actual"]
    if not sha.startswith("sha256:"):  # checked via the archive: hash the file itself
        sha = "sha256:" + pooch.file_hash(str(rec["path"]))
    return {
        **registry_entries([name])[0],
        "path": str(rec["path"]),
        "origin": rec["origin"],
        "checked": f"{rec['checked']} = {rec['actual']}",
        "file_sha256": sha,
    }


def registry_entries(names: list[str] | None = None) -> list[dict]:
    """The registry as plain dicts (name, sha256, source, url, url_status, licence, ...).

    Parameters
    ----------
    names : list of str, optional
        Registered files; default all.

    Returns
    -------
    list of dict

    Examples
    --------
    >>> from lidlib import data
    >>> sorted(data.registry_entries(["cifar10h/cifar10h-counts.npy"])[0])[:3]
    ['description', 'download_hash', 'licence']
    """
    return [asdict(registry_entry(n)) for n in (REGISTRY if names is None else names)]


def verify(names: list[str] | None = None) -> list[dict]:
    """Check local copies without downloading.

    Returns
    -------
    list of dict
        Per file: ``name``, ``path`` (None if absent), ``status`` ("ok", "missing",
        "corrupt"), ``expected`` and ``actual`` hashes, ``origin`` and ``checked``
        (which hash of which file was compared). The first present copy wins, in the
        order of :func:`fetch` (repository, mirror, cache).
    """
    out = []
    for entry in map(registry_entry, REGISTRY if names is None else names):
        recs = [_inspect(entry, *c) for c in _candidates(entry)]
        out.append(next((r for r in recs if r["path"] is not None), recs[0]))
    return out


def data_dir_status() -> dict:
    """Where the mirror, the cache and the registry are, and whether they exist.

    Returns
    -------
    dict
        ``mirror_env``, ``mirror``, ``mirror_exists``, ``cache_env``, ``cache``,
        ``cache_exists`` and ``registry``.
    """
    mirror, cache = mirror_dir(), cache_dir()
    return {
        "mirror_env": ENV_MIRROR,
        "mirror": str(mirror) if mirror else None,
        "mirror_exists": bool(mirror and mirror.is_dir()),
        "cache_env": ENV_CACHE,
        "cache": str(cache),
        "cache_exists": cache.is_dir(),
        "registry": str(REGISTRY_FILE),
    }


# --------------------------------------------------------------------------- loaders
#: Frozen-backbone features committed to the repository: backbone -> (path relative to the
#: repository root, sha256). Both come from the registry entry of the file, the one place
#: its hash is written; its provenance is in ``data/cifar10h/PROVENANCE.md``.
_FEATURE_FILES = {"efficientnet-lite0": "cifar10h/efficientnet_lite0_features.npy"}
COMMITTED_FEATURES: dict[str, tuple[str, str]] = {
    backbone: (f"data/{name}", REGISTRY[name].sha256) for backbone, name in _FEATURE_FILES.items()
}
_REPO_ROOT = Path(__file__).resolve().parents[2]


def _check_committed(path: Path, expected: str, what: str, remedy: str) -> str:
    """sha256 of a file committed to the repository; ``DataIntegrityError`` naming it if it differs."""
    actual = pooch.file_hash(str(path))
    if actual != expected:
        raise DataIntegrityError(
            f"{what} {path} is corrupt or was changed: expected sha256:{expected}, got sha256:{actual}. {remedy}"
        )
    try:
        key = Path(path).resolve().relative_to(_REPO_ROOT).as_posix()
    except ValueError:
        key = str(path)
    FILES_READ[key] = "sha256:" + actual
    return actual


def _read_npy(path: Path) -> Any:
    import numpy as np

    return np.load(path, allow_pickle=False)


def load_cifar10h() -> tuple[Any, dict]:
    """CIFAR-10H human label counts, in CIFAR-10 test order.

    Returns
    -------
    counts : ndarray of shape (10000, 10), int64
        Number of annotators who chose class ``c`` for test image ``i``
        (Peterson et al. 2019; about 50 annotators per image).
    provenance : dict
        Registry record (URL, licence, resolved path, checksum that was verified).

    Raises
    ------
    DataUnavailableError, DataIntegrityError
        As :func:`fetch`.
    """
    import numpy as np

    name = "cifar10h/cifar10h-counts.npy"
    prov = provenance(name)
    counts = _read_npy(Path(prov["path"]))
    if counts.shape != (10000, 10) or (counts < 0).any():
        raise DataIntegrityError(f"{name}: expected non-negative counts of shape (10000, 10), got shape {counts.shape}")
    return np.rint(counts).astype(np.int64), prov


def load_cifar10_test() -> tuple[Any, Any, dict]:
    """The 10000 CIFAR-10 test images and labels, parsed from the binary records.

    Each record of ``test_batch.bin`` is 1 label byte followed by the 1024 red, 1024
    green and 1024 blue bytes of a row-major 32x32 image (CIFAR-10 binary layout).
    Nothing is unpickled. The offline mirror's copy is a JPEG round-trip of the
    original (about 5.6/255 per pixel); ``provenance["origin"]`` says which copy was read.

    Returns
    -------
    images : ndarray of shape (10000, 32, 32, 3), uint8 (RGB, HWC)
    labels : ndarray of shape (10000,), int64 in 0..9
    provenance : dict
    """
    import numpy as np

    name = "cifar10-test/test_batch.bin"
    prov = provenance(name)
    raw = np.fromfile(prov["path"], dtype=np.uint8)
    if raw.size != 10000 * 3073:
        raise DataIntegrityError(f"{name}: expected 10000 records of 3073 bytes, got {raw.size} bytes")
    rec = raw.reshape(10000, 3073)
    images = rec[:, 1:].reshape(10000, 3, 32, 32).transpose(0, 2, 3, 1).copy()
    prov = {**prov, "jpeg_roundtrip": prov["origin"] == "mirror"}
    return images, rec[:, 0].astype(np.int64), prov


def load_cifar10_test_subset() -> tuple[Any, Any, Any, dict]:
    """The CIFAR-10 test images the book uses, from the committed subset.

    ``data/cifar10-test/test_subset.bin`` holds 209 test images in the CIFAR-10 binary
    record layout (as :func:`load_cifar10_test`) and ``test_subset_index.csv`` their
    positions in the test set; ``data/cifar10-test/make_subset.py`` says which images
    and rebuilds both from the full batch. They were cut from the mirror's JPEG
    round-trip copy, the same pixels the committed features were extracted from.

    Returns
    -------
    images : ndarray of shape (n, 32, 32, 3), uint8 (RGB, HWC)
    labels : ndarray of shape (n,), int64 in 0..9
    index : ndarray of shape (n,), int64
        Position of each image in the 10000-image test set (increasing).
    provenance : dict
        :func:`provenance` of the record file, plus ``jpeg_roundtrip`` (True).
    """
    import numpy as np

    name = "cifar10-test/test_subset.bin"
    prov = provenance(name)
    raw = np.fromfile(prov["path"], dtype=np.uint8)
    idx_path = fetch("cifar10-test/test_subset_index.csv")
    index = np.loadtxt(idx_path, dtype=np.int64, skiprows=1, ndmin=1)
    if raw.size != index.size * 3073 or (np.diff(index) <= 0).any() or index.min() < 0 or index.max() > 9999:
        raise DataIntegrityError(
            f"{name}: {raw.size} bytes do not hold the {index.size} increasing test "
            f"indices of {idx_path} as 3073-byte records"
        )
    rec = raw.reshape(index.size, 3073)
    images = rec[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()
    return images, rec[:, 0].astype(np.int64), index, {**prov, "jpeg_roundtrip": True}


def load_cifar10h_features(backbone: str = "efficientnet-lite0", root: Path | None = None) -> tuple[Any, dict]:
    """The committed frozen-backbone features of the 10000 CIFAR-10 test images.

    Parameters
    ----------
    backbone : str
        Key of :data:`COMMITTED_FEATURES`.
    root : path, optional
        Repository root (default: the checkout this module lives in).

    Returns
    -------
    features : ndarray of shape (10000, d), float32
        Stored as float16; returned as float32 (CIFAR-10 test order).
    provenance : dict
        ``path``, ``sha256``, ``backbone`` and the ``PROVENANCE.md`` beside the file.

    Raises
    ------
    ValueError
        Unknown backbone.
    DataUnavailableError
        The file is missing (extract it with ``lidlib features extract``).
    DataIntegrityError
        The file's sha256 differs from the registered one (the message names the file).
    """
    import numpy as np

    if backbone not in COMMITTED_FEATURES:
        raise ValueError(f"backbone must be one of {sorted(COMMITTED_FEATURES)}, got {backbone!r}")
    rel, expected = COMMITTED_FEATURES[backbone]
    path = Path(root or _REPO_ROOT) / rel
    if not path.is_file():
        raise DataUnavailableError(
            f"feature file {path} is missing; re-create it with `lidlib features extract "
            f"--backbone {backbone}` (needs the 'features' extra: pip install -e '.[features]')"
        )
    actual = _check_committed(
        path,
        expected,
        "feature file",
        "Restore it from git, or re-extract it and update its hash in "
        "lidlib/data/registry.txt and data/cifar10h/PROVENANCE.md.",
    )
    feats = _read_npy(path)
    if feats.ndim != 2 or feats.shape[0] != 10000:
        raise DataIntegrityError(f"feature file {path}: expected shape (10000, d), got {feats.shape}")
    return feats.astype(np.float32), {
        "path": str(path),
        "sha256": actual,
        "backbone": backbone,
        "provenance_file": str(path.parent / "PROVENANCE.md"),
    }


def load_pass_counts(name: str = "llm-passk/pythia_math_counts.csv") -> dict[str, dict[str, Any]]:
    """Per-problem counts of a registered counts file, grouped by model (file order).

    Parameters
    ----------
    name : str
        Registry name of a CSV with columns ``model, benchmark, problem_idx, n, c``.

    Returns
    -------
    dict
        ``model -> {"n", "c", "problem_idx"}`` (float arrays), models in order of
        first appearance; ``"_path"`` and ``"_sha256"`` are not included (use
        :func:`provenance`).

    Notes
    -----
    The file comes from :func:`fetch` (the committed copy in ``data/`` first, checked
    against the registry sha256; its provenance is in the ``PROVENANCE.md`` beside it).
    """
    import csv

    import numpy as np

    path = fetch(name)
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    need = {"model", "problem_idx", "n", "c"}
    if not rows or not need <= set(rows[0]):
        raise DataIntegrityError(f"{path}: expected columns {sorted(need)}")
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        d = out.setdefault(r["model"], {"n": [], "c": [], "problem_idx": []})
        for key in ("n", "c", "problem_idx"):
            d[key].append(float(r[key]))
    return {m: {k: np.array(v) for k, v in d.items()} for m, d in out.items()}
