import subprocess
import sys
from pathlib import Path

import pytest

from minigan.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
BROKEN = '''
from minigan.reference.adapters import LayerAdapter, factory as minigan_factory

class Broken(LayerAdapter):
    def backward(self, dy):
        dx, grads = super().backward(dy)
        return dx, {k: 2 * v for k, v in grads.items()}

def factory(kind, config):
    return Broken(kind, config) if kind == "Dense" else minigan_factory(kind, config)
'''


def run(capsys, *argv):
    try:
        status = main(list(argv))
    except SystemExit as exit:
        status = exit.code
    out = capsys.readouterr()
    return status, out.out, out.err


def test_export_then_check_prints_one_line_per_case_and_the_summary(tmp_path, capsys):
    status, out, _ = run(capsys, "reference", "export", str(tmp_path / "fx"))
    assert status == 0 and "wrote 63 cases" in out
    status, out, _ = run(capsys, "reference", "check", str(tmp_path / "fx"), "--impl", "minigan.reference.adapters:factory")
    lines = out.splitlines()
    assert status == 0 and lines[-1] == "63 passed, 0 failed, 0 skipped"
    assert sum(line.startswith("PASS ") for line in lines) == 63


def test_a_failing_implementation_exits_1_naming_case_and_tensor(fixtures, tmp_path, capsys, monkeypatch):
    (tmp_path / "my_adapters.py").write_text(BROKEN)
    monkeypatch.chdir(tmp_path)                   # the check puts the current directory on sys.path
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    status, out, _ = run(capsys, "reference", "check", str(fixtures), "--impl", "my_adapters:factory",
                         "--cases", "Dense/*", "ReLU/*")
    assert status == 1
    assert "FAIL Dense/no-bias" in out and "FAIL grad/weight" in out
    assert out.splitlines()[-1] == "2 passed, 3 failed, 0 skipped"
    sys.modules.pop("my_adapters", None)


@pytest.mark.parametrize("argv", [
    [],                                                            # no command
    ["reference"],                                                 # no subcommand
    ["reference", "check", "DIR"],                                 # no --impl
    ["reference", "check", "DIR", "--impl", "no_colon"],
    ["reference", "check", "DIR", "--impl", "no_such_module_xyz:factory"],
    ["reference", "check", "DIR", "--impl", "minigan.reference.adapters:nope"],
    ["reference", "check", "DIR", "--impl", "minigan.reference.adapters:factory", "--rtol", "-1"],
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
