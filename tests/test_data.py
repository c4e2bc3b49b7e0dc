"""Tests of lidlib.data: registry, mirror, cache, verification and the data CLI.

No test touches the network: an autouse fixture installs a downloader that raises
ConnectionError, and the download path is exercised with an in-memory fake one.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import struct
import tarfile
from pathlib import Path

import pooch
import pytest
from conftest import require_mirror_dir

from lidlib import data
from lidlib.cli.data import cli_data

FAKE_URL = "https://example.invalid/"


def _offline(url, output_file, pooch_obj):
    raise ConnectionError(f"no network in tests ({url})")


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Private cache, no mirror, no network."""
    monkeypatch.setenv(data.ENV_CACHE, str(tmp_path / "cache"))
    monkeypatch.delenv(data.ENV_MIRROR, raising=False)
    monkeypatch.setattr(data, "DOWNLOADER", _offline)


def _sha(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def _idx(items: list[bytes]) -> bytes:
    return b"\x00\x00\x08\x02" + struct.pack(">II", len(items), len(items[0])) + b"".join(items)


def _targz(member: str, blob: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo(member)
        info.size = len(blob)
        tar.addfile(info, io.BytesIO(blob))
    return buf.getvalue()


CSV = b"x, y\n1, 0.5\n10, 0.9\n"
ONLY = b"model,n,c\npythia,10,3\n"
INNER = bytes(range(256)) * 4  # canonical archive member
INNER_MIRROR = INNER[::-1]  # the mirror holds a lossy variant with its own sha256
ITEMS = [bytes([i]) * 3 for i in range(5)]
PREFIX = b"\x00\x00\x08\x02" + struct.pack(">II", 2, 3) + ITEMS[0] + ITEMS[1]
ARCHIVE = _targz("pkg/inner.bin", INNER)
REMOTE = {
    FAKE_URL + "small.csv": CSV,
    FAKE_URL + "pkg.tar.gz": ARCHIVE,
    FAKE_URL + "items-idx2-ubyte.gz": gzip.compress(_idx(ITEMS)),
}


def _fake_downloader(url, output_file, pooch_obj):
    Path(output_file).write_bytes(REMOTE[url])


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A four-entry registry (one per source kind) and a temp mirror holding all files."""
    mirror = tmp_path / "mirror"
    entries = [
        data.Entry("a/small.csv", _sha(CSV), "file", FAKE_URL + "small.csv", "MIT", "csv"),
        data.Entry("b/only.csv", _sha(ONLY), "mirror-only", None, "MIT", "derived", url_status="none"),
        data.Entry(
            "c/inner.bin",
            _sha(INNER_MIRROR),
            "archive",
            FAKE_URL + "pkg.tar.gz",
            "MIT",
            "tar",
            download_hash="md5:" + hashlib.md5(ARCHIVE).hexdigest(),
            member="pkg/inner.bin",
        ),
        data.Entry(
            "d/items-first2-idx2-ubyte",
            _sha(PREFIX),
            "gz-prefix",
            FAKE_URL + "items-idx2-ubyte.gz",
            "MIT",
            "idx",
            download_hash="md5:" + hashlib.md5(REMOTE[FAKE_URL + "items-idx2-ubyte.gz"]).hexdigest(),
            prefix=2,
        ),
    ]
    for entry, blob in zip(entries, [CSV, ONLY, INNER_MIRROR, PREFIX]):
        (mirror / entry.name).parent.mkdir(parents=True, exist_ok=True)
        (mirror / entry.name).write_bytes(blob)
    monkeypatch.setattr(data, "REGISTRY", {e.name: e for e in entries})
    monkeypatch.setattr(data, "REPO_DATA", tmp_path / "repo" / "data")  # nothing committed
    return mirror


@pytest.fixture
def real_mirror(monkeypatch):
    mirror = require_mirror_dir()
    monkeypatch.setenv(data.ENV_MIRROR, str(mirror))
    return mirror


# registry ---------------------------------------------------------------------


def test_registry_file_is_pooch_format_and_matches_table():
    reg = pooch.create(path=".", base_url="")
    reg.load_registry(data.REGISTRY_FILE)
    assert set(reg.registry) == set(data._SOURCES) == set(data.REGISTRY)
    assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in reg.registry.values())


@pytest.mark.needs_data
def test_registry_hashes_equal_mirror_readme(real_mirror):
    block = (real_mirror / "README.md").read_text().split("## Checksums (sha256)")[1]
    listed = dict(reversed(m) for m in re.findall(r"^([0-9a-f]{64})\s+(\S+)$", block, re.M))
    assert listed == {e.name: e.sha256 for e in data.REGISTRY.values() if e.source != "derived"}
    assert {e.source for e in data.REGISTRY.values() if e.name not in listed} == {"derived"}


def test_registry_entries_describe_sources():
    entries = {e["name"]: e for e in data.registry_entries()}
    assert len(entries) == 12
    for e in entries.values():
        assert {"name", "sha256", "url", "licence", "description", "source"} <= set(e)
        assert e["licence"] and e["description"]
    assert entries["cifar10-test/test_batch.bin"]["download_hash"] == "md5:c32a1d4ab5d03f1284b67883e8d87530"
    assert entries["llm-passk/pythia_math_counts.csv"]["url"] is None
    guessed = {n for n, e in entries.items() if e["url_status"] == "guess"}
    assert guessed == {"llm-passk/gemma2B.csv", "llm-passk/llama8BpassN.csv", "llm-passk/pythia28B.csv"}


def test_unknown_name_raises_value_error_listing_known_names(fake):
    for call in (lambda: data.fetch("nope.csv"), lambda: data.verify(["nope.csv"])):
        with pytest.raises(ValueError, match=r"nope\.csv.*a/small\.csv"):
            call()


# mirror -------------------------------------------------------------------------


def test_fetch_reads_mirror_in_place_without_copying(fake, monkeypatch, tmp_path):
    monkeypatch.setenv(data.ENV_MIRROR, str(fake))
    for name in data.REGISTRY:
        assert data.fetch(name) == fake / name
    assert not (tmp_path / "cache").exists()
    prov = data.provenance("c/inner.bin")
    assert prov["origin"] == "mirror" and prov["file_sha256"] == "sha256:" + _sha(INNER_MIRROR)
    assert prov["checked"].startswith("sha256 of the mirror copy")


def test_corrupt_mirror_file_names_file_and_both_hashes(fake, monkeypatch):
    monkeypatch.setenv(data.ENV_MIRROR, str(fake))
    (fake / "a/small.csv").write_bytes(CSV[:-5])  # truncated
    with pytest.raises(data.DataIntegrityError) as info:
        data.fetch("a/small.csv")
    msg = str(info.value)
    assert "a/small.csv" in msg and _sha(CSV) in msg and _sha(CSV[:-5]) in msg
    assert "lidlib data fetch a/small.csv" in msg


def test_missing_file_offline_raises_data_unavailable(fake, monkeypatch):
    for mirror in (None, fake):  # no mirror, then a mirror lacking the file
        if mirror is not None:
            monkeypatch.setenv(data.ENV_MIRROR, str(mirror))
            (mirror / "a/small.csv").unlink()
        with pytest.raises(data.DataUnavailableError) as info:
            data.fetch("a/small.csv")
        msg = str(info.value)
        assert "a/small.csv" in msg and "LIDLIB_DATA_DIR" in msg
        assert "lidlib data fetch a/small.csv" in msg and "\n" not in msg


def test_file_without_url_says_so(fake):
    with pytest.raises(data.DataUnavailableError, match=r"b/only\.csv.*no canonical.*not committed.*LIDLIB_DATA_DIR"):
        data.fetch("b/only.csv")


def test_committed_copy_comes_first_and_is_checked(fake, monkeypatch):
    monkeypatch.setenv(data.ENV_MIRROR, str(fake))
    committed = data.REPO_DATA / "a/small.csv"
    committed.parent.mkdir(parents=True)
    committed.write_bytes(CSV)
    assert data.fetch("a/small.csv") == committed
    assert data.provenance("a/small.csv")["origin"] == "repository"
    assert data.verify(["a/small.csv"])[0]["origin"] == "repository"
    committed.write_bytes(CSV + b"2, 1\n")  # edited: refused, even though the mirror is fine
    with pytest.raises(data.DataIntegrityError, match=r"a/small\.csv"):
        data.fetch("a/small.csv")


def test_verify_reports_ok_corrupt_missing(fake, monkeypatch):
    monkeypatch.setenv(data.ENV_MIRROR, str(fake))
    (fake / "a/small.csv").write_bytes(b"garbage")
    (fake / "b/only.csv").unlink()
    recs = {r["name"]: r for r in data.verify()}
    assert recs["a/small.csv"]["status"] == "corrupt"
    assert recs["a/small.csv"]["actual"] == "sha256:" + _sha(b"garbage")
    assert recs["a/small.csv"]["expected"] == "sha256:" + _sha(CSV)
    assert recs["b/only.csv"]["status"] == "missing" and recs["b/only.csv"]["path"] is None
    assert recs["c/inner.bin"]["status"] == "ok"


# download path (fake downloader) -------------------------------------------------


def test_download_fills_cache_then_works_offline(fake, monkeypatch, tmp_path):
    monkeypatch.setattr(data, "DOWNLOADER", _fake_downloader)
    path = data.fetch("a/small.csv")
    assert path == tmp_path / "cache" / "a/small.csv" and path.read_bytes() == CSV
    monkeypatch.setattr(data, "DOWNLOADER", _offline)
    assert data.fetch("a/small.csv") == path  # cache hit, no network needed
    assert data.verify(["a/small.csv"])[0]["status"] == "ok"


def test_download_with_wrong_hash_is_an_integrity_error(fake, monkeypatch):
    monkeypatch.setitem(REMOTE, FAKE_URL + "small.csv", b"tampered")
    monkeypatch.setattr(data, "DOWNLOADER", _fake_downloader)
    with pytest.raises(data.DataIntegrityError, match=r"a/small\.csv.*sha256"):
        data.fetch("a/small.csv")


def test_archive_member_is_extracted_and_checked_by_archive_md5(fake, monkeypatch):
    monkeypatch.setattr(data, "DOWNLOADER", _fake_downloader)
    prov = data.provenance("c/inner.bin")
    assert Path(prov["path"]).read_bytes() == INNER
    assert prov["origin"] == "cache" and prov["checked"].startswith("md5 of canonical archive pkg.tar.gz")
    assert prov["file_sha256"] == "sha256:" + _sha(INNER) != "sha256:" + prov["sha256"]
    rec = data.verify(["c/inner.bin"])[0]
    assert rec["status"] == "ok" and rec["expected"].startswith("md5:")


def test_gz_prefix_is_rebuilt_with_corrected_header(fake, monkeypatch):
    monkeypatch.setattr(data, "DOWNLOADER", _fake_downloader)
    path = data.fetch("d/items-first2-idx2-ubyte")
    assert path.read_bytes() == PREFIX
    assert struct.unpack(">I", path.read_bytes()[4:8]) == (2,)


def test_idx_prefix_rejects_bad_input():
    assert data.idx_prefix(_idx(ITEMS), 2) == PREFIX
    with pytest.raises(ValueError, match="IDX"):
        data.idx_prefix(b"PK\x03\x04junk", 1)
    with pytest.raises(ValueError, match="fewer than 9"):
        data.idx_prefix(_idx(ITEMS), 9)


def test_data_dir_status_reflects_environment(fake, monkeypatch, tmp_path):
    monkeypatch.setenv(data.ENV_MIRROR, str(fake))
    status = data.data_dir_status()
    assert status["mirror"] == str(fake) and status["mirror_exists"]
    assert status["cache"] == str(tmp_path / "cache") and not status["cache_exists"]


# real mirror --------------------------------------------------------------------


def test_everything_but_the_full_test_batch_is_committed():
    """A clean clone holds every registered input except the 30 MB CIFAR-10 test batch."""
    recs = {r["name"]: r for r in data.verify()}
    assert {n for n, r in recs.items() if r["status"] != "ok"} == {"cifar10-test/test_batch.bin"}, recs
    assert all(r["origin"] == "repository" for n, r in recs.items() if r["status"] == "ok")
    for name in recs:  # every committed folder says where its files come from
        if name != "cifar10-test/test_batch.bin":
            folder = data.REPO_DATA / name.split("/")[0]
            assert (folder / "PROVENANCE.md").is_file(), folder
            assert name.split("/")[1] in (folder / "PROVENANCE.md").read_text(), name


@pytest.mark.needs_data
def test_real_mirror_verifies_and_fetches_in_place(real_mirror, monkeypatch, tmp_path):
    monkeypatch.setattr(data, "REPO_DATA", tmp_path / "no-repo-copies")
    recs = data.verify()
    assert [r["status"] for r in recs if r["path"] is not None] == ["ok"] * 9, recs
    assert data.fetch("llm-passk/gemma2B.csv") == real_mirror / "llm-passk/gemma2B.csv"


@pytest.mark.needs_data
def test_cli_verify_with_mirror_returns_zero(real_mirror, capsys):
    assert cli_data(["verify"]) == 0
    out = capsys.readouterr().out
    assert out.count("ok ") == 12 and "repository" in out


# CLI ----------------------------------------------------------------------------


def test_cli_verify_corrupt_mirror_returns_nonzero(fake, monkeypatch, capsys):
    monkeypatch.setenv(data.ENV_MIRROR, str(fake))
    (fake / "c/inner.bin").write_bytes(b"x")
    assert cli_data(["verify"]) != 0
    out = capsys.readouterr().out
    assert re.search(r"^corrupt\s+c/inner\.bin", out, re.M) and len(out.splitlines()) == 4


def test_cli_verify_clean_clone_names_the_fetch_command(capsys):
    """Without a mirror only the uncommitted, downloadable test batch is absent: not an error, and the
    output says how to get it; a missing committed file is an error."""
    assert cli_data(["verify"]) == 0
    out = capsys.readouterr().out
    assert out.count("ok ") == 11 and "lidlib data fetch cifar10-test/test_batch.bin" in out


def test_cli_verify_fails_when_a_committed_file_is_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(data, "REPO_DATA", tmp_path / "empty")
    assert cli_data(["verify", "llm-passk/pythia_math_counts.csv"]) == 1
    assert "restore it from git" in capsys.readouterr().out


def test_cli_list_prints_all_names(capsys):
    assert cli_data(["list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in data.REGISTRY) and "URL (guessed)" in out and "repository" in out


def test_cli_fetch_prints_paths(fake, monkeypatch, capsys):
    monkeypatch.setenv(data.ENV_MIRROR, str(fake))
    assert cli_data(["fetch", "a/small.csv"]) == 0
    assert str(fake / "a/small.csv") in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["fetch", "nope.csv"], ["frobnicate"], ["fetch", "a/small.csv"]])
def test_cli_errors_are_one_line_and_exit_2(fake, capsys, argv):
    assert cli_data(argv) == 2  # unknown name, bad subcommand, offline download
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
