"""Readers for the files people who evaluate LLMs have: every one reduces to ``(n, c)``.

``lidlib fit`` accepts

========== ==============================================================================
format     what the file holds
========== ==============================================================================
curve      a coverage curve, columns ``k, coverage`` (or ``x, y``), CSV
counts     per-problem counts, columns ``n, c`` (optionally ``model``, ``problem``), CSV
samples    one row per (problem, sample) with a correctness field, CSV / JSONL / Parquet;
           problem field ``problem``/``problem_id``/``task_id``/``doc_id``/..., correctness
           ``correct``/``passed``/``is_correct``/``pass``/``success``/... (or
           ``--problem-col`` / ``--correct-col``)
matrix     a 0/1 matrix, one row per problem and one column per sample (CSV, optional
           first column of problem names; or a ``.npy`` array)
evalplus   EvalPlus ``eval_results.json``: ``{"eval": {task_id: [{"base_status": "pass",
           "plus_status": "fail", ...}, ...]}}`` (correct = base and plus tests pass;
           ``--correct-col base_status`` scores the base tests only)
humaneval  human-eval ``*_results.jsonl``: one line per sample with ``task_id`` and
           ``passed`` (``result`` is ``"passed"`` or the failure reason)
lm_eval    lm-evaluation-harness ``samples_<task>_<date>.jsonl`` (``--log_samples``):
           one line per document with ``doc_id``, ``resps`` (the repeats), ``filtered_resps``
           and the metric value(s) named in ``metrics``
========== ==============================================================================

Every adapter is a pure function from parsed records to :class:`Counts` (problem names,
``n``, ``c``); :func:`read_input` does the file handling: format detection (extension,
then content), a byte-order mark is accepted, binary files are refused, and every
error is a one-line ``ValueError`` naming the file, line and value.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "FORMATS",
    "PROBLEM_FIELDS",
    "CORRECT_FIELDS",
    "Counts",
    "Curve",
    "parse_correct",
    "counts_from_samples",
    "counts_from_matrix",
    "counts_from_evalplus",
    "counts_from_humaneval",
    "counts_from_lm_eval",
    "sniff_format",
    "read_input",
]

FORMATS = ("auto", "curve", "counts", "samples", "matrix", "evalplus", "humaneval", "lm_eval")
PROBLEM_FIELDS = ("problem", "problem_id", "task_id", "question_id", "doc_id", "instance_id", "prompt_id", "id")
CORRECT_FIELDS = (
    "correct",
    "is_correct",
    "passed",
    "pass",
    "success",
    "solved",
    "score",
    "label",
    "acc",
    "exact_match",
)
_TRUE = {"1", "1.0", "true", "t", "yes", "y", "pass", "passed", "correct", "success", "ok"}
_FALSE = {
    "0",
    "0.0",
    "false",
    "f",
    "no",
    "n",
    "fail",
    "failed",
    "incorrect",
    "failure",
    "wrong",
    "timed out",
    "timeout",
    "error",
}
_MAJORITY_WORDS = ("maj", "majority", "vote", "voting", "self-consistency", "self_consistency")


@dataclass
class Counts:
    """Per-problem counts read from a file.

    Attributes
    ----------
    n, c : ndarray
        Samples and correct samples per problem.
    problems : ndarray of str
        Problem names (row numbers when the file has none).
    group : ndarray of str or None
        Model of each problem (counts files with a ``model`` column and several models).
    fmt : str
        The format that was read.
    warnings : list of str

    Examples
    --------
    >>> from lidlib.data.formats import counts_from_samples
    >>> d = counts_from_samples(["p1", "p1", "p2"], [1, 0, 1])
    >>> d.kind, d.n, d.c
    ('counts', array([2., 1.]), array([1., 1.]))
    """

    n: np.ndarray
    c: np.ndarray
    problems: np.ndarray
    fmt: str
    group: np.ndarray | None = None
    warnings: list[str] = field(default_factory=list)
    kind: str = "counts"


@dataclass
class Curve:
    """A coverage curve ``(k, coverage)`` read from a file (sorted by ``k``).

    Attributes
    ----------
    k, coverage : ndarray
        Numbers of attempts and the coverage (pass@k) at each.
    fmt : str
        The format that was read.
    warnings : list of str
        Doubts about the input (e.g. coverage that falls with ``k``).

    Examples
    --------
    >>> from lidlib.data.formats import Curve
    >>> Curve(k=np.array([1.0, 10.0]), coverage=np.array([0.3, 0.6])).kind
    'curve'
    """

    k: np.ndarray
    coverage: np.ndarray
    fmt: str = "curve"
    warnings: list[str] = field(default_factory=list)
    kind: str = "curve"


# ------------------------------------------------------------------ pure adapters
def parse_correct(values: Iterable[Any], where: Callable[[int], str] = lambda i: f"record {i + 1}") -> np.ndarray:
    """Map correctness values (bool, 0/1, ``"pass"``/``"fail"``, ...) to a 0/1 int array.

    Parameters
    ----------
    values : iterable
        One value per sample. Accepted: booleans; the numbers 0 and 1; strings such as
        ``true/false``, ``pass/fail``, ``passed/failed``, ``correct/incorrect`` (any case).
        human-eval's failure reasons (``"failed: ..."``, ``"timed out"``) count as 0.
    where : callable
        ``where(i)`` names record ``i`` in error messages (e.g. ``"line 7"``).

    Returns
    -------
    ndarray of int8

    Raises
    ------
    ValueError
        For any other value (e.g. a fractional score), naming the record and value.

    Examples
    --------
    >>> from lidlib.data.formats import parse_correct
    >>> parse_correct([True, 0, "PASS", "failed: AssertionError", "incorrect"])
    array([1, 0, 1, 0, 0], dtype=int8)
    >>> parse_correct([0.5])
    Traceback (most recent call last):
        ...
    ValueError: record 1: correctness must be 0 or 1, got 0.5 (a fractional score is not a pass/fail)
    """
    out = []
    for i, v in enumerate(values):
        if isinstance(v, bool):
            out.append(int(v))
            continue
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if v in (0, 1):
                out.append(int(v))
                continue
            raise ValueError(
                f"{where(i)}: correctness must be 0 or 1, got {v!r} (a fractional score is not a pass/fail)"
            )
        s = str(v).strip().lower()
        if s not in _TRUE and s not in _FALSE and _num(s):
            raise ValueError(
                f"{where(i)}: correctness must be 0 or 1, got {v!r} (a fractional score is not a pass/fail)"
            )
        if s in _TRUE:
            out.append(1)
        elif s in _FALSE or s.startswith("failed"):
            out.append(0)
        else:
            raise ValueError(f"{where(i)}: correctness must be 0/1, true/false or pass/fail, got {v!r}")
    return np.asarray(out, dtype=np.int8)


def counts_from_samples(problems: Iterable[Any], correct: Iterable[Any] | np.ndarray, fmt: str = "samples") -> Counts:
    """Reduce a long per-sample table to per-problem counts.

    Parameters
    ----------
    problems : iterable
        Problem name of each sample (any hashable; compared as strings).
    correct : iterable or ndarray
        Correctness of each sample (see :func:`parse_correct`), same length.
    fmt : str
        Recorded in the result.

    Returns
    -------
    Counts
        Problems in order of first appearance; ``n`` = samples per problem,
        ``c`` = correct samples.

    Raises
    ------
    ValueError
        If the lengths differ, there are no samples, or a correctness value is not 0/1.

    Examples
    --------
    >>> from lidlib.data.formats import counts_from_samples
    >>> d = counts_from_samples(["b", "a", "b", "b"], ["pass", "fail", "fail", "pass"])
    >>> d.problems, d.n, d.c  # in order of first appearance
    (array(['b', 'a'], dtype='<U1'), array([3., 1.]), array([2., 0.]))
    """
    p = np.asarray([str(x) for x in problems]) if not isinstance(problems, np.ndarray) else problems.astype(str)
    y = correct if isinstance(correct, np.ndarray) and correct.dtype.kind in "iub" else parse_correct(correct)
    if p.size != y.size:
        raise ValueError(f"problems and correct must have the same length, got {p.size} and {y.size}")
    if p.size == 0:
        raise ValueError("no samples")
    names, first, inv = np.unique(p, return_index=True, return_inverse=True)
    n = np.bincount(inv).astype(float)
    c = np.bincount(inv, weights=y.astype(float))
    order = np.argsort(first, kind="stable")
    return Counts(n=n[order], c=c[order], problems=names[order], fmt=fmt)


def counts_from_matrix(M: np.ndarray, problems: Iterable[Any] | None = None) -> Counts:
    """Per-problem counts from a 0/1 matrix (rows = problems, columns = samples).

    Parameters
    ----------
    M : array_like, shape (problems, samples)
        0/1 entries; NaN marks a missing sample (not counted).
    problems : iterable, optional
        Row names.

    Returns
    -------
    Counts

    Examples
    --------
    >>> from lidlib.data.formats import counts_from_matrix
    >>> d = counts_from_matrix(np.array([[1, 0, 1], [0, 0, np.nan]]))
    >>> d.n, d.c  # the NaN sample is not counted
    (array([3., 2.]), array([2., 0.]))
    """
    A = np.asarray(M, dtype=float)
    if A.ndim != 2 or A.size == 0:
        raise ValueError(f"the matrix must be 2-D and non-empty, got shape {A.shape}")
    ok = ~np.isnan(A)
    bad = ok & (A != 0) & (A != 1)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(f"row {i + 1}, column {j + 1}: matrix entries must be 0 or 1, got {A[i, j]:g}")
    n = ok.sum(axis=1).astype(float)
    c = np.where(ok, A, 0.0).sum(axis=1)
    names = np.arange(1, A.shape[0] + 1).astype(str) if problems is None else np.asarray([str(x) for x in problems])
    return Counts(n=n, c=c, problems=names, fmt="matrix")


def counts_from_evalplus(obj: Any, level: str = "plus") -> Counts:
    """Per-problem counts from an EvalPlus ``eval_results.json`` object.

    Parameters
    ----------
    obj : dict
        The parsed JSON: ``obj["eval"][task_id]`` is a list with one record per sample,
        holding ``base_status`` and (with the plus tests) ``plus_status``, each
        ``"pass"`` or ``"fail"``.
    level : {"plus", "base"}
        ``"plus"``: a sample is correct when the base tests and, if recorded, the plus
        tests pass; ``"base"``: the base tests only.

    Returns
    -------
    Counts

    Raises
    ------
    ValueError
        If ``obj`` has no ``eval`` object, a sample has no ``base_status``, or ``level``
        is unknown.

    Examples
    --------
    >>> from lidlib.data.formats import counts_from_evalplus
    >>> obj = {"eval": {"HumanEval/0": [{"base_status": "pass", "plus_status": "fail"},
    ...                                 {"base_status": "pass", "plus_status": "pass"}]}}
    >>> counts_from_evalplus(obj).c, counts_from_evalplus(obj, level="base").c
    (array([1.]), array([2.]))
    """
    if not isinstance(obj, dict) or not isinstance(obj.get("eval"), dict):
        raise ValueError("not an EvalPlus eval_results.json: no top-level 'eval' object")
    if level not in ("plus", "base"):
        raise ValueError(f"level must be 'plus' or 'base', got {level!r}")
    probs, ys = [], []
    for tid, recs in obj["eval"].items():
        if isinstance(recs, dict):  # older files: one record per task
            recs = [recs]
        if not isinstance(recs, list):
            raise ValueError(f"task {tid!r}: expected a list of sample records, got {type(recs).__name__}")
        for j, r in enumerate(recs):
            if not isinstance(r, dict) or "base_status" not in r:
                raise ValueError(f"task {tid!r}, sample {j + 1}: no 'base_status'")
            ok = str(r["base_status"]).lower() == "pass"
            if level == "plus" and r.get("plus_status") is not None:
                ok = ok and str(r["plus_status"]).lower() == "pass"
            probs.append(str(tid))
            ys.append(int(ok))
    if not probs:
        raise ValueError("EvalPlus file has no samples")
    return counts_from_samples(probs, np.asarray(ys, dtype=np.int8), fmt="evalplus")


def counts_from_humaneval(records: list[dict], line_numbers: list[int] | None = None) -> Counts:
    """Per-problem counts from human-eval results records (``*_results.jsonl``).

    Parameters
    ----------
    records : list of dict
        One per sample, with ``task_id`` and ``passed`` (bool); if ``passed`` is
        missing, ``result == "passed"`` decides.
    line_numbers : list of int, optional
        Source lines, for error messages.

    Returns
    -------
    Counts

    Raises
    ------
    ValueError
        If a record has no ``task_id`` or no usable correctness field.

    Examples
    --------
    >>> from lidlib.data.formats import counts_from_humaneval
    >>> recs = [{"task_id": "t0", "completion": "...", "passed": True},
    ...         {"task_id": "t0", "completion": "...", "passed": False, "result": "failed: x"}]
    >>> d = counts_from_humaneval(recs)
    >>> d.n, d.c
    (array([2.]), array([1.]))
    """
    ln = line_numbers or list(range(1, len(records) + 1))
    probs, ys = [], []
    for r, i in zip(records, ln):
        if "task_id" not in r:
            raise ValueError(f"line {i}: no 'task_id'")
        if "passed" in r:
            v = r["passed"]
        elif "result" in r:
            v = r["result"]
        else:
            raise ValueError(f"line {i}: neither 'passed' nor 'result'")
        probs.append(str(r["task_id"]))
        ys.append(v)
    return counts_from_samples(probs, parse_correct(ys, lambda j: f"line {ln[j]}"), fmt="humaneval")


def counts_from_lm_eval(
    records: list[dict], metric: str | None = None, line_numbers: list[int] | None = None
) -> Counts:
    """Per-problem counts from lm-evaluation-harness per-sample logs.

    Each record is one document (``doc_id``) with its responses ``resps`` (for a task
    with ``repeats: R``, the inner list holds the R generations), the filtered
    responses and the metric value(s). If the metric is a list of R 0/1 values, every
    repeat was scored and the document counts ``n = R``. If it is a single value while
    there were R > 1 repeats, only one response was scored (the harness's default
    ``take_first`` filter scores the first repeat; a majority-vote filter scores the
    vote): the document then counts ``n = 1`` and a warning says so. Lines with the
    same ``doc_id`` (several runs) are pooled.

    Parameters
    ----------
    records : list of dict
    metric : str, optional
        Metric field (default: the first name in the record's ``metrics`` list, else
        the first of ``exact_match``, ``acc``, ``pass@1``, ``correct``).
    line_numbers : list of int, optional

    Returns
    -------
    Counts

    Raises
    ------
    ValueError
        If a record has no ``doc_id`` or no metric value.

    Examples
    --------
    >>> from lidlib.data.formats import counts_from_lm_eval
    >>> recs = [{"doc_id": 0, "resps": [["a", "b", "c"]], "exact_match": [1, 0, 1]},
    ...         {"doc_id": 1, "resps": [["a", "b", "c"]], "exact_match": [0, 0, 0]}]
    >>> d = counts_from_lm_eval(recs)
    >>> d.n, d.c, d.warnings
    (array([3., 3.]), array([2., 0.]), [])
    """
    ln = line_numbers or list(range(1, len(records) + 1))
    probs, ys, src, warn_first, filters = [], [], [], 0, set()
    for r, i in zip(records, ln):
        if "doc_id" not in r:
            raise ValueError(f"line {i}: no 'doc_id'")
        name = metric
        if name is None:
            cand = list(r.get("metrics") or []) + ["exact_match", "acc", "pass@1", "correct"]
            name = next((m for m in cand if m in r), None)
            if name is None:
                raise ValueError(
                    f"line {i}: no metric value found (fields: {', '.join(sorted(r))}); name it with --correct-col"
                )
        if name not in r:
            raise ValueError(f"line {i}: no field {name!r}")
        v = r[name]
        resps = r.get("resps") or []
        R = len(resps[0]) if resps and isinstance(resps[0], list) else max(1, len(resps))
        vals = v if isinstance(v, list) else [v]
        if not isinstance(v, list) and R > 1:
            warn_first += 1
            filters.add(str(r.get("filter", "?")))
        for x in vals:
            probs.append(str(r["doc_id"]))
            ys.append(x)
            src.append(i)
    out = counts_from_samples(
        probs, parse_correct(ys, lambda j: f"line {src[j]}, field {metric or 'metric'!r}"), fmt="lm_eval"
    )
    if warn_first:
        out.warnings.append(
            f"{warn_first} document(s) had several repeats in 'resps' but one scored value (filter {', '.join(sorted(filters))}): "
            "only the first repeat (or a vote) was scored, so each counts as n = 1; score every repeat to get pass@k counts"
        )
    return out


# ------------------------------------------------------------------ file handling
def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise ValueError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    head = raw[:8192]
    if head.startswith(b"\x89PNG") or head.startswith(b"\x7fELF") or head.startswith(b"PK\x03\x04") or b"\x00" in head:
        what = {b"\x89PN": "a PNG image", b"\x7fEL": "an executable", b"PK\x03": "a zip archive"}.get(
            head[:3], "binary data"
        )
        raise ValueError(f"{path}: not a text file ({what}; first bytes {head[:4]!r}); expected CSV, JSON or JSONL")
    try:
        return raw.decode("utf-8-sig")  # an Excel byte-order mark is dropped
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValueError(
            f"{path}, line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        ) from None


def sniff_format(path: Path, text: str | None = None) -> str:
    """Guess the format of ``path`` from its extension and first record.

    Returns one of :data:`FORMATS` except ``"auto"``; raises ``ValueError`` if unknown.

    Parameters
    ----------
    path : Path
        The file (its extension decides Parquet and ``.npy``).
    text : str, optional
        Its content, if already read.

    Returns
    -------
    str
        One of :data:`FORMATS` except ``"auto"``.

    Raises
    ------
    ValueError
        For a JSON object that is not an EvalPlus result.

    Examples
    --------
    >>> from pathlib import Path
    >>> from lidlib.data.formats import sniff_format
    >>> sniff_format(Path("x.jsonl"), '{"task_id": "t", "completion": "", "passed": true}')
    'humaneval'
    >>> sniff_format(Path("x.csv"), "k,coverage\\n1,0.3\\n")
    'table'
    """
    suf = path.suffix.lower()
    if suf == ".parquet":
        return "parquet"
    if suf == ".npy":
        return "matrix"
    if text is None:
        text = _read_text(path)
    s = text.lstrip()
    if s.startswith("{") and suf != ".jsonl":
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            obj = None
        if isinstance(obj, dict):
            if isinstance(obj.get("eval"), dict):
                return "evalplus"
            raise ValueError(
                f"{path}: a JSON object without an EvalPlus 'eval' field; for per-sample records use JSONL"
            )
    if s.startswith("{"):  # JSONL
        first = json.loads(s.splitlines()[0])
        if "doc_id" in first and ("resps" in first or "filtered_resps" in first):
            return "lm_eval"
        if "task_id" in first and ("passed" in first or "result" in first) and "completion" in first:
            return "humaneval"
        return "samples"
    if s.startswith("["):
        return "samples"
    return "table"  # CSV: decided by the header in _read_csv


def _csv_rows(text: str, path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    lines = text.splitlines()
    keep = [(i + 1, ln) for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")]
    if not keep:
        raise ValueError(f"{path} is empty")
    first = keep[0][1]
    delim: str | None = ","
    if "," not in first:
        delim = "\t" if "\t" in first else (";" if ";" in first else None)
    reader: Iterable[list[str]]
    if delim is None:
        reader = (ln.split() for _, ln in keep)
    else:
        reader = csv.reader((ln for _, ln in keep), delimiter=delim)
    rows = list(reader)
    return rows[0], rows[1:], [i for i, _ in keep[1:]]


def _fast_numeric(text: str) -> tuple[list[str], np.ndarray] | None:
    """Header and float matrix of a plain comma-separated numeric file, or None.

    The fast path for large curves and count files: no per-row Python objects. Any
    irregularity (quotes, comments, blank lines, text, ragged rows) returns None and the
    careful reader takes over, with its line-numbered messages.
    """
    head, sep, body = text.partition("\n")
    if not sep or '"' in text or "#" in text or "," not in head:
        return None
    header = head.split(",")
    body = body.replace("\r", "")
    if "\n\n" in body.rstrip("\n") or not body.strip():
        return None
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            flat = np.fromstring(body.replace("\n", ","), sep=",")  # text mode: not deprecated
        except (ValueError, DeprecationWarning):
            return None
    nrow = body.rstrip("\n").count("\n") + 1
    if flat.size != nrow * len(header) or not np.isfinite(flat).all():
        return None
    return header, flat.reshape(nrow, len(header))


def _column(rows, j: int, name: str, lines, path: Path) -> np.ndarray:
    if isinstance(rows, np.ndarray):
        return rows[:, j]
    col = [r[j].strip() if j < len(r) else "" for r in rows]
    try:
        a = np.asarray(col, dtype=float)
    except ValueError:
        a = None
    if a is None or not np.isfinite(a).all():
        for s, ln in zip(col, lines):
            try:
                v = float(s)
            except ValueError:
                raise ValueError(f"{path}, line {ln}, column {name!r}: not a number: {s!r}") from None
            if not math.isfinite(v):
                raise ValueError(f"{path}, line {ln}, column {name!r}: not a finite number: {s!r}")
    # np.asarray fails only on an entry that float() rejects, and that raised above
    assert a is not None
    return a


def _find(header: list[str], names: tuple[str, ...], given: str | None, what: str, path: Path) -> int | None:
    if given is not None:
        g = given.strip().lower()
        if g not in header:
            raise ValueError(f"{path}: no column {given!r} for the {what} (columns: {', '.join(header)})")
        return header.index(g)
    for nm in names:
        if nm in header:
            return header.index(nm)
    return None


def _is_majority(path: Path, header: list[str]) -> bool:
    words = [path.stem.lower()] + header
    return any(w in h for h in words for w in _MAJORITY_WORDS)


def _curve(path: Path, header: list[str], rows, lines, cols: tuple[str, str]) -> Curve:
    jk, jc = header.index(cols[0]), header.index(cols[1])
    for r, ln in zip(rows if isinstance(rows, list) else [], lines):
        if len(r) < len(header):
            raise ValueError(f"{path}, line {ln}: expected {len(header)} fields, got {len(r)}")
    k = _column(rows, jk, cols[0], lines, path)
    cov = _column(rows, jc, cols[1], lines, path)
    if k.size == 0:
        raise ValueError(f"{path}: no data rows")
    bad = np.where(k < 0.99)[0]
    if bad.size:
        raise ValueError(f"{path}, line {lines[bad[0]]}: k must be >= 1, got {k[bad[0]]:g}")
    bad = np.where((cov < 0) | (cov > 1))[0]
    if bad.size:
        hint = " (percentages? divide by 100)" if cov.max() <= 100 and cov.max() > 1 else ""
        raise ValueError(f"{path}, line {lines[bad[0]]}: coverage must lie in [0, 1], got {cov[bad[0]]:g}{hint}")
    order = np.argsort(k, kind="stable")
    k, cov = np.maximum(k[order], 1.0), cov[order]
    out = Curve(k=k, coverage=cov)
    if (cov == 0).all():
        raise ValueError(f"{path}: coverage is 0 at every k (nothing was ever solved): nothing to fit")
    if (cov == 1).all():
        raise ValueError(f"{path}: coverage is 1 at every k (everything solved at k = 1): nothing to fit")
    if np.ptp(cov) < 1e-9:
        out.warnings.append(
            f"{path}: coverage is flat ({cov[0]:g} at every k): a coverage curve grows with k; the fit will be uninformative"
        )
    d = np.diff(cov)
    if (d < -1e-3).any():
        i = int(np.argmax(d < -1e-3))
        lo = lines[order[i + 1]]
        msg = "decreases with k" if cov[-1] < cov[0] else "is not monotone"
        out.warnings.append(
            f"{path}: coverage {msg} (line {lo}: k = {k[i + 1]:g}, coverage {cov[i + 1]:g} < {cov[i]:g} at k = {k[i]:g}); "
            "pass@k (coverage) can only grow with k: is this a majority-vote or per-k accuracy curve?"
        )
    if _is_majority(path, header):
        out.warnings.append(
            f"{path}: the name or columns suggest majority voting; the laws here describe coverage (pass@k, any of k correct), not majority-vote accuracy"
        )
    return out


def _read_table(path: Path, text: str, fmt: str, problem_col: str | None, correct_col: str | None, model: str | None):
    # rows and lines: a float matrix and an int array on the fast numeric path, lists of
    # CSV fields and of line numbers otherwise
    rows: Any
    lines: Any
    fast = _fast_numeric(text) if len(text) > 1_000_000 else None
    if fast is not None:
        header_raw, rows = fast
        lines = np.arange(2, rows.shape[0] + 2)
    else:
        header_raw, rows, lines = _csv_rows(text, path)
    header = [h.strip().strip('"').lower() for h in header_raw]
    if len(set(header)) < len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise ValueError(f"{path}, line 1: duplicate column {dup!r}")
    has_curve = next((cols for cols in (("k", "coverage"), ("x", "y")) if all(c in header for c in cols)), None)
    has_counts = all(c in header for c in ("n", "c"))
    if fast is not None and not (
        (has_curve or has_counts) and fmt in ("table", "curve", "counts") and "model" not in header
    ):
        header_raw, rows, lines = _csv_rows(text, path)  # the fast path only serves numeric curves and counts
    jp = _find(header, PROBLEM_FIELDS, problem_col, "problem", path)
    jy = _find(header, CORRECT_FIELDS, correct_col, "correctness", path)
    if fmt == "table":
        if has_curve and has_counts:
            raise ValueError(
                f"{path}: has both curve columns ({','.join(has_curve)}) and count columns (n,c); choose one with --format curve or --format counts"
            )
        if has_curve:
            fmt = "curve"
        elif has_counts:
            fmt = "counts"
        elif jp is not None and jy is not None:
            fmt = "samples"
        elif _looks_matrix(header, rows):
            fmt = "matrix"
        elif _is_majority(path, header):
            raise ValueError(
                f"{path}: columns {','.join(header)} look like a majority-vote curve, not coverage (pass@k); "
                f"the laws here need coverage; if it is coverage, name the columns k,coverage"
            )
        else:
            raise ValueError(
                f"{path}: missing columns: cannot tell the format from the columns {','.join(header) or 'none'}: need 'k,coverage' (or 'x,y'), 'n,c', "
                f"a problem and a correctness column (e.g. problem,correct; or --problem-col/--correct-col), or a 0/1 matrix; "
                f"comma-, tab- or semicolon-separated"
            )
    if model is not None and fmt != "counts" and "model" in header:
        jm = header.index("model")
        names = sorted({r[jm].strip() for r in rows if len(r) > jm})
        if model not in names:
            raise ValueError(f"{path}: no rows with model {model!r}; models: {', '.join(names)}")
        sel = [i for i, r in enumerate(rows) if len(r) > jm and r[jm].strip() == model]
        rows, lines = [rows[i] for i in sel], [lines[i] for i in sel]
    elif model is not None and fmt != "counts":
        raise ValueError(f"{path}: --model given but the file has no 'model' column")
    if fmt == "curve":
        if not has_curve:
            raise ValueError(f"{path}: --format curve needs columns 'k,coverage' (or 'x,y'); found {','.join(header)}")
        return _curve(path, header, rows, lines, has_curve)
    if fmt == "counts":
        if not has_counts:
            raise ValueError(f"{path}: --format counts needs columns 'n,c'; found {','.join(header)}")
        return _counts_table(path, header, rows, lines, model)
    if fmt == "samples":
        if jp is None or jy is None:
            raise ValueError(
                f"{path}: a per-sample table needs a problem column ({'/'.join(PROBLEM_FIELDS[:3])}, or --problem-col) "
                f"and a correctness column ({'/'.join(CORRECT_FIELDS[:3])}, or --correct-col); found {','.join(header)}"
            )
        for r, ln in zip(rows, lines):
            if len(r) <= max(jp, jy):
                raise ValueError(f"{path}, line {ln}: expected {len(header)} fields, got {len(r)}")
        ys = parse_correct([r[jy].strip() for r in rows], lambda i: f"{path}, line {lines[i]}, column {header[jy]!r}")
        return counts_from_samples([r[jp].strip() for r in rows], ys)
    if fmt == "matrix":
        return _matrix_rows(path, [header_raw] + rows, [1] + lines)
    raise ValueError(f"{path}: --format {fmt} does not apply to a CSV table")


def _looks_matrix(header: list[str], rows: list[list[str]]) -> bool:
    probe = rows[:5] if rows else []
    if all(_num(h) for h in header):  # no header row: the first line is data too
        probe = [header] + probe
    if not probe or len(probe[0]) < 2:
        return False
    named = not all(_num(r[0]) for r in probe if r)
    flat = [v.strip() for r in probe for v in (r[1:] if named else r) if v.strip()]
    # mostly 0/1 (a stray other entry is then reported by the matrix reader with its line)
    return (
        bool(flat)
        and all(_num(v) for v in flat)
        and bool(np.mean([v in ("0", "1", "0.0", "1.0") for v in flat]) >= 0.8)
    )


def _num(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _matrix_rows(path: Path, rows: list[list[str]], lines: list[int]) -> Counts:
    named = not _num(rows[0][0]) or not all(_num(r[0]) for r in rows[:50])
    body = rows
    if not all(_num(v) for v in rows[0][1 if named else 0 :]):  # a header row of sample names
        body, lines = rows[1:], lines[1:]
    width = len(body[0])
    for r, ln in zip(body, lines):
        if len(r) != width:
            raise ValueError(f"{path}, line {ln}: expected {width} fields, got {len(r)}")
    names = [r[0].strip() for r in body] if named else None
    vals = [r[1:] if named else r for r in body]
    try:
        M = np.asarray([[float(v) if v.strip() else np.nan for v in r] for r in vals])
    except ValueError:
        for r, ln in zip(vals, lines):
            for v in r:
                if v.strip() and not _num(v):
                    raise ValueError(f"{path}, line {ln}: matrix entries must be 0 or 1, got {v!r}") from None
        raise
    try:
        return counts_from_matrix(M, names)
    except ValueError as exc:
        msg = str(exc)
        if msg.startswith("row "):
            i = int(msg.split()[1].rstrip(","))
            msg = f"line {lines[i - 1]}" + msg[msg.index(",") :]
        raise ValueError(f"{path}, {msg}") from None


def _counts_table(path: Path, header, rows, lines, model) -> Counts:
    for r, ln in zip(rows if isinstance(rows, list) else [], lines):
        if len(r) < len(header):
            raise ValueError(f"{path}, line {ln}: expected {len(header)} fields, got {len(r)}")
    group = None
    if model is not None or "model" in header:
        if "model" not in header:
            raise ValueError(f"{path}: --model given but the file has no 'model' column")
        jm = header.index("model")
        gcol = np.asarray([r[jm].strip() for r in rows])
        names = list(dict.fromkeys(gcol.tolist()))
        if model is not None:
            if model not in names:
                raise ValueError(f"{path}: no rows with model {model!r}; models: {', '.join(sorted(names))}")
            sel = np.where(gcol == model)[0]
            rows, lines = [rows[i] for i in sel], [lines[i] for i in sel]
        elif len(names) > 1:
            group = gcol
    n = _column(rows, header.index("n"), "n", lines, path)
    c = _column(rows, header.index("c"), "c", lines, path)
    if n.size == 0:
        raise ValueError(f"{path}: no data rows")
    bad = np.where((n < 1) | (n != np.round(n)))[0]
    if bad.size:
        raise ValueError(f"{path}, line {lines[bad[0]]}: column 'n' must hold integers >= 1, got {n[bad[0]]:g}")
    bad = np.where((c < 0) | (c != np.round(c)) | (c > n))[0]
    if bad.size:
        i = bad[0]
        raise ValueError(
            f"{path}, line {lines[i]}: column 'c' must hold integers with 0 <= c <= n, got c = {c[i]:g} (n = {n[i]:g})"
        )
    jp = _find(header, ("problem", "problem_idx", "problem_id", "task_id", "id"), None, "problem", path)
    if jp is None:
        probs = np.arange(1, n.size + 1).astype(str)
    elif isinstance(rows, np.ndarray):
        col = rows[:, jp]
        probs = (col.astype(np.int64) if (col == np.round(col)).all() else col).astype(str)
    else:
        probs = np.asarray([r[jp].strip() for r in rows])
    return Counts(n=n, c=c, problems=probs, fmt="counts", group=group)


def _jsonl(text: str, path: Path) -> tuple[list[dict], list[int]]:
    recs, lns = [], []
    for i, ln in enumerate(text.splitlines(), start=1):
        if not ln.strip():
            continue
        try:
            r = json.loads(ln)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}, line {i}: not valid JSON ({exc.msg})") from None
        if not isinstance(r, dict):
            raise ValueError(f"{path}, line {i}: expected a JSON object per line, got {type(r).__name__}")
        recs.append(r)
        lns.append(i)
    if not recs:
        raise ValueError(f"{path} is empty")
    return recs, lns


def _samples_records(path: Path, recs: list[dict], lns: list[int], problem_col, correct_col) -> Counts:
    keys = {k.lower(): k for k in recs[0]}
    jp = _find(list(keys), PROBLEM_FIELDS, problem_col, "problem", path)
    jy = _find(list(keys), CORRECT_FIELDS, correct_col, "correctness", path)
    if jp is None or jy is None:
        raise ValueError(
            f"{path}: per-sample records need a problem field ({'/'.join(PROBLEM_FIELDS[:3])}, or --problem-col) "
            f"and a correctness field ({'/'.join(CORRECT_FIELDS[:3])}, or --correct-col); found {', '.join(recs[0])}"
        )
    kp, ky = list(keys.values())[jp], list(keys.values())[jy]
    probs, ys = [], []
    for r, i in zip(recs, lns):
        if kp not in r or ky not in r:
            raise ValueError(f"{path}, line {i}: missing field {kp if kp not in r else ky!r}")
        probs.append(r[kp])
        ys.append(r[ky])
    return counts_from_samples(probs, parse_correct(ys, lambda j: f"{path}, line {lns[j]}, field {ky!r}"))


def _read_parquet(path: Path, problem_col, correct_col, fmt: str):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ValueError(
            f"{path}: reading Parquet needs pyarrow: pip install 'lidlib[parquet]' (or pip install pyarrow)"
        ) from None
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises its own error types
        raise ValueError(f"{path}: cannot read Parquet: {str(exc).splitlines()[0]}") from None
    cols = {c.lower(): c for c in table.column_names}
    header = list(cols)
    if fmt in ("auto", "counts") and "n" in cols and "c" in cols:
        n = table.column(cols["n"]).to_numpy().astype(float)
        c = table.column(cols["c"]).to_numpy().astype(float)
        rows = [[str(a), str(b)] for a, b in zip(n, c)]
        return _counts_table(path, ["n", "c"], rows, list(range(1, n.size + 1)), None)
    jp = _find(header, PROBLEM_FIELDS, problem_col, "problem", path)
    jy = _find(header, CORRECT_FIELDS, correct_col, "correctness", path)
    if jp is None or jy is None:
        raise ValueError(
            f"{path}: need a problem and a correctness column (or --problem-col/--correct-col); found {', '.join(table.column_names)}"
        )
    p = table.column(cols[header[jp]]).to_pylist()
    y = table.column(cols[header[jy]]).to_pylist()
    return counts_from_samples(p, parse_correct(y, lambda j: f"{path}, row {j + 1}, column {header[jy]!r}"))


def read_input(
    path: str | Path,
    fmt: str = "auto",
    *,
    problem_col: str | None = None,
    correct_col: str | None = None,
    model: str | None = None,
) -> Counts | Curve:
    """Read any supported file into a :class:`Curve` or :class:`Counts`.

    Parameters
    ----------
    path : str or Path
    fmt : str
        One of :data:`FORMATS`; ``"auto"`` detects from the extension and content.
    problem_col, correct_col : str, optional
        Field names for per-sample tables (and ``correct_col`` as the metric of
        lm-evaluation-harness logs, or ``base_status`` for EvalPlus base tests only).
    model : str, optional
        Keep only rows whose ``model`` column equals this.

    Returns
    -------
    Counts or Curve

    Raises
    ------
    ValueError
        One line naming the file (and line and value where there is one).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from lidlib.data.formats import read_input
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     f = Path(tmp) / "counts.csv"
    ...     _ = f.write_text("problem,n,c\\np1,10,3\\np2,10,0\\n")
    ...     d = read_input(f)
    >>> d.kind, d.n, d.c
    ('counts', array([10., 10.]), array([3., 0.]))
    """
    path = Path(path)
    if fmt not in FORMATS:
        raise ValueError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if path.suffix.lower() == ".parquet":
        return _read_parquet(path, problem_col, correct_col, fmt)
    if path.suffix.lower() == ".npy" and fmt in ("auto", "matrix"):
        try:
            M = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: cannot read as a NumPy array: {exc}") from None
        try:
            return counts_from_matrix(M)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
    text = _read_text(path)
    if not text.strip():
        raise ValueError(f"{path} is empty")
    kind = sniff_format(path, text) if fmt == "auto" else fmt
    try:
        if kind == "evalplus":
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {exc.lineno}: not valid JSON ({exc.msg})") from None
            lvl = "base" if (correct_col or "").lower() in ("base", "base_status") else "plus"
            return counts_from_evalplus(obj, lvl)
        if kind in ("humaneval", "lm_eval") or (kind == "samples" and text.lstrip().startswith("{")):
            recs, lns = _jsonl(text, path)
            if kind == "humaneval":
                return counts_from_humaneval(recs, lns)
            if kind == "lm_eval":
                return counts_from_lm_eval(recs, correct_col, lns)
            return _samples_records(path, recs, lns, problem_col, correct_col)
        if kind == "samples" and text.lstrip().startswith("["):
            recs = json.loads(text)
            return _samples_records(path, recs, list(range(1, len(recs) + 1)), problem_col, correct_col)
    except ValueError as exc:
        msg = str(exc)
        raise ValueError(
            msg if msg.startswith(str(path)) else f"{path}, {msg}" if msg.startswith("line") else f"{path}: {msg}"
        ) from None
    return _read_table(path, text, "table" if kind in ("auto", "table") else kind, problem_col, correct_col, model)
