"""The lidlib command as a whole: one-line usage errors, quiet exit on a closed pipe."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lidlib.cli import EXIT_BROKEN_PIPE, main

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "argv,prefix",
    [
        ([], "lidlib: error: the following arguments are required: command"),
        (["frobnicate"], "lidlib: error: argument command: invalid choice: 'frobnicate'"),
        (["run", "lid_model", "--profile", "huge"], "lidlib run: error: argument --profile: invalid choice: 'huge'"),
        (["book", "--seed", "x"], "lidlib book: error: argument --seed: invalid int value: 'x'"),
        (["data", "frobnicate"], "lidlib data: error: argument {list,fetch,verify}: invalid choice"),
        (["fit"], "lidlib fit: error: the following arguments are required: file"),
        (["features", "extract", "--limit", "x"], "lidlib features: error: argument --limit: invalid int value: 'x'"),
    ],
)
def test_every_usage_error_is_one_line_with_status_2(argv, prefix, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(prefix) and err.count("\n") == 1, err


def test_help_and_version_exit_0(capsys):
    assert main(["--version"]) == 0 and "lidlib" in capsys.readouterr().out
    for argv in (["--help"], ["run", "--help"], ["data", "--help"], ["fit", "--help"], ["features", "--help"]):
        assert main(argv) == 0
        assert "usage: lidlib" in capsys.readouterr().out


def _env():
    """This checkout's lidlib first, whatever is installed."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def _with_closed_stdout(args, buffered):
    """Run ``python -m lidlib.cli ARGS`` whose stdout pipe has no reader from the start, so the
    first write (or the final flush) meets a broken pipe whatever the timing."""
    env = _env()
    env.pop("PYTHONUNBUFFERED", None)
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "lidlib.cli", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    proc.stdout.close()
    err = proc.stderr.read().decode()
    return proc.wait(timeout=120), err


@pytest.mark.slowish
@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize(
    "args", [["data", "list"], ["fit", "data/llm-passk/pythia28B.csv", "--predict", "1000"]], ids=["data", "fit"]
)
def test_a_closed_pipe_ends_quietly(args, buffered):
    status, err = _with_closed_stdout(args, buffered)
    assert status == EXIT_BROKEN_PIPE == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err and "Exception ignored" not in err, err


@pytest.mark.slowish
def test_head_reads_the_first_lines():
    """`lidlib fit FILE | head -3`: three lines, nothing on stderr but the command's own warnings."""
    proc = subprocess.run(
        f"'{sys.executable}' -m lidlib.cli fit data/llm-passk/pythia28B.csv | head -3",
        shell=True,
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 3
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr
