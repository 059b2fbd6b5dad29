import subprocess
import sys
from pathlib import Path

import pytest

from minigan.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
BROKEN = '''
from minigan import nn
from minigan.reference.adapters import factory as minigan_factory

class Broken(nn.Dense):
    def backward(self, dy):
        dx = super().backward(dy)
        for g in self.grads.values():
            g *= 2
        return dx

def factory(kind, config):
    if kind == "Dense":
        return Broken(**config["args"], dtype="float64")
    return minigan_factory(kind, config)
'''
N_CASES = 90


def run(capsys, *argv):
    try:
        status = main(list(argv))
    except SystemExit as exit:
        status = exit.code
    out = capsys.readouterr()
    return status, out.out, out.err


def test_export_then_check_prints_one_line_per_case_and_the_summary(tmp_path, capsys):
    status, out, _ = run(capsys, "reference", "export", str(tmp_path / "fx"))
    assert status == 0 and f"wrote {N_CASES} cases" in out
    for dtype in ("float64", "float32"):
        status, out, _ = run(capsys, "reference", "check", str(tmp_path / "fx"), "--impl",
                             "minigan.reference.adapters:factory", "--dtype", dtype)
        lines = out.splitlines()
        assert status == 0 and lines[-1] == f"{N_CASES} passed, 0 failed, 0 skipped"
        assert sum(line.startswith("PASS ") for line in lines) == N_CASES
        assert lines[-2].startswith(f"tolerances ({dtype})")


def test_a_failing_implementation_exits_1_naming_case_and_tensor(fixtures, tmp_path, capsys, monkeypatch):
    (tmp_path / "my_adapters.py").write_text(BROKEN)
    monkeypatch.chdir(tmp_path)                   # the check puts the current directory on sys.path
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    status, out, _ = run(capsys, "reference", "check", str(fixtures), "--impl", "my_adapters:factory",
                         "--cases", "Dense/*", "ReLU/*", "--dump", str(tmp_path / "dump"))
    assert status == 1
    assert "FAIL Dense/no-bias" in out and "FAIL grad/weight" in out and "hint: actual = 2 x expected" in out
    assert out.splitlines()[-2] == "3 passed, 3 failed, 0 skipped"
    assert out.splitlines()[-1] == f"wrote the arrays of 3 failing case(s) to {tmp_path / 'dump'}"
    assert len(list((tmp_path / "dump").glob("Dense-*.npz"))) == 3
    sys.modules.pop("my_adapters", None)


@pytest.mark.parametrize("argv", [
    [],                                                            # no command
    ["reference"],                                                 # no subcommand
    ["reference", "check", "DIR"],                                 # no --impl
    ["reference", "check", "DIR", "--impl", "no_colon"],
    ["reference", "check", "DIR", "--impl", "no_such_module_xyz:factory"],
    ["reference", "check", "DIR", "--impl", "minigan.reference.adapters:nope"],
    ["reference", "check", "DIR", "--impl", "minigan.reference.adapters:factory", "--rtol", "-1"],
    ["reference", "check", "DIR", "--impl", "minigan.reference.adapters:factory", "--dtype", "float16"],
    ["reference", "check", "DIR", "--impl", "minigan.reference.adapters:factory"],     # DIR has no manifest
    ["reference", "export", "DIR", "--seed", "x"],
    ["trace", "--out", "DIR", "--steps", "0"],
    ["trace", "--out", "DIR", "--model", "vae"],
    ["sample"],
])
def test_bad_arguments_exit_2(argv, capsys, tmp_path):
    argv = [str(tmp_path / "none") if a == "DIR" else a for a in argv]
    status, _, err = run(capsys, *argv)
    assert status == 2 and "usage:" in err


def test_no_case_matching_is_an_error(fixtures, capsys):
    status, _, err = run(capsys, "reference", "check", str(fixtures), "--impl", "minigan.reference.adapters:factory",
                         "--cases", "Nothing*")
    assert status == 2 and "no case matches" in err


@pytest.mark.parametrize("argv", [[], ["reference"], ["reference", "export"], ["reference", "check"], ["trace"]])
def test_help_everywhere(argv, capsys):
    status, out, _ = run(capsys, *argv, "--help")
    assert status == 0 and out.startswith("usage: python -m minigan")


def test_python_dash_m_minigan_runs_from_the_repository_root():
    result = subprocess.run([sys.executable, "-m", "minigan", "reference", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "{export,check}" in result.stdout
