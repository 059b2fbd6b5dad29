"""Run another implementation through the fixtures and report, per case and tensor, how far it is.

A tensor passes when every element satisfies  |actual - expected| <= atol + rtol * |expected|
(numpy.isclose's rule). The report gives per tensor the largest absolute error, the largest
error relative to the tensor's scale, max|actual - expected| / max|expected|, and the worst
element. A case passes when all its tensors do; an adapter that raises NotImplementedError
skips the case; any other exception, a missing or unexpected tensor, a wrong shape or a
non-finite value fails it.
"""
import fnmatch
import importlib
import json
import os
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .archive import read_npz, sha256_of
from .cases import Case
from .export import DEFAULT_ATOL, DEFAULT_RTOL, FORMAT, MANIFEST
from .protocol import run_case

TINY = np.finfo(np.float64).tiny


@dataclass
class TensorResult:
    name: str
    shape: tuple
    max_abs_error: float = 0.0
    max_rel_error: float = 0.0
    ok: bool = True
    note: str = ""

    def __str__(self):
        flag = "ok  " if self.ok else "FAIL"
        numbers = f"max abs {self.max_abs_error:.1e}  max rel {self.max_rel_error:.1e}"
        return f"{flag} {self.name:<24} {str(self.shape):<14} {numbers}  {self.note}".rstrip()


@dataclass
class CaseResult:
    name: str
    kind: str
    status: str                      # passed | failed | skipped
    tensors: list = field(default_factory=list)
    message: str = ""

    @property
    def max_abs_error(self):
        return max((t.max_abs_error for t in self.tensors), default=0.0)

    @property
    def max_rel_error(self):
        return max((t.max_rel_error for t in self.tensors), default=0.0)

    def __str__(self):
        head = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}[self.status]
        line = f"{head} {self.name:<52}"
        if self.status == "skipped":
            return f"{line} {self.message}"
        line += f" max abs {self.max_abs_error:.1e}  max rel {self.max_rel_error:.1e}"
        if self.status == "passed":
            return line
        lines = [line] + ([f"       {self.message}"] if self.message else [])
        return "\n".join(lines + [f"       {t}" for t in self.tensors if not t.ok])


@dataclass
class Report:
    cases: list
    rtol: float
    atol: float

    def count(self, status):
        return sum(c.status == status for c in self.cases)

    @property
    def passed(self):
        return self.count("passed")

    @property
    def failed(self):
        return self.count("failed")

    @property
    def skipped(self):
        return self.count("skipped")

    @property
    def ok(self):
        return self.failed == 0

    def __bool__(self):
        return self.ok

    def case(self, name):
        return next(c for c in self.cases if c.name == name)

    def summary(self):
        return f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped"

    def __str__(self):
        return "\n".join([str(c) for c in self.cases]
                         + [f"tolerances: rtol {self.rtol:g}, atol {self.atol:g}", self.summary()])


def compare(name, actual, expected, rtol, atol):
    """One tensor against its fixture."""
    shape = tuple(expected.shape)
    if actual is None:
        return TensorResult(name, shape, ok=False, note="missing: the adapter returned None")
    try:
        actual = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError) as err:
        return TensorResult(name, shape, ok=False, note=f"not an array: {err}")
    if actual.shape != expected.shape:
        return TensorResult(name, shape, ok=False, note=f"shape {actual.shape}, expected {shape}")
    if actual.size == 0:
        return TensorResult(name, shape)
    if not np.isfinite(actual).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(actual))[0])
        return TensorResult(name, shape, float("inf"), float("inf"), False, f"non-finite value at {where}")
    err = np.abs(actual - expected)
    allowed = atol + rtol * np.abs(expected)
    max_abs = float(err.max())
    result = TensorResult(name, shape, max_abs, max_abs / max(float(np.abs(expected).max()), TINY),
                          bool((err <= allowed).all()))
    if not result.ok:
        worst = np.unravel_index(np.argmax(err - allowed), err.shape)
        result.note = (f"worst at {tuple(int(i) for i in worst)}: got {actual[worst]:.12g}, "
                       f"expected {expected[worst]:.12g}")
    return result


def check_case(case, arrays, factory, rtol, atol):
    inputs = {k: v for k, v in arrays.items() if not k.startswith("expected/")}
    expected = {k[len("expected/"):]: v for k, v in arrays.items() if k.startswith("expected/")}
    wants_buffers = any(k.startswith("buffer/") for k in expected)
    try:
        outputs = run_case(case, factory, inputs, wants_buffers)
    except NotImplementedError as err:
        return CaseResult(case.name, case.kind, "skipped", message=f"not implemented: {err}".rstrip(": "))
    except Exception as err:  # noqa: BLE001  (any failure of the adapter is a finding to report)
        where = traceback.extract_tb(err.__traceback__)[-1]
        message = f"error: {type(err).__name__}: {err} ({Path(where.filename).name}:{where.lineno})"
        return CaseResult(case.name, case.kind, "failed", message=message)
    tensors = [compare(name, outputs.get(name), expected[name], rtol, atol) for name in sorted(expected)]
    extra = sorted(set(outputs) - set(expected))
    tensors += [TensorResult(name, (), ok=False, note="unexpected: the fixture has no such tensor") for name in extra]
    status = "passed" if all(t.ok for t in tensors) else "failed"
    return CaseResult(case.name, case.kind, status, tensors)


def load_factory(spec):
    """Import "package.module:attribute" and return the attribute. The current directory goes on
    sys.path first, so ``demos.adapters.pytorch_layers:factory`` works from a checkout's root."""
    module_name, sep, attribute = spec.partition(":")
    if not (module_name and sep and attribute):
        raise ValueError(f"a factory is named like package.module:factory, got {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ValueError(f"module {module_name!r} has no attribute {attribute!r}") from None


def load_manifest(directory):
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: write the fixtures with `python -m minigan reference export DIR`")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{path}: format {manifest.get('format')!r}, this checker reads {FORMAT!r}")
    return manifest


def check(directory, factory, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL, cases=None):
    """Run ``factory``'s adapters over the fixtures in ``directory``; returns a Report.

    factory: ``factory(kind, config) -> adapter`` (see minigan.reference), or "module:attribute".
    cases:   optional glob pattern(s) on case names, e.g. "Conv2d/*" or ["loss/*", "Dense/*"].
    """
    if isinstance(factory, str):
        factory = load_factory(factory)
    patterns = [cases] if isinstance(cases, str) else cases
    directory = Path(directory)
    results = []
    for entry in load_manifest(directory)["cases"]:
        if patterns and not any(fnmatch.fnmatchcase(entry["name"], p) for p in patterns):
            continue
        case = Case(entry["name"], entry["group"], entry["kind"], entry["config"])
        path = directory / entry["file"]
        if not path.is_file() or sha256_of(path) != entry["sha256"]:
            problem = "is missing" if not path.is_file() else "does not match the manifest's SHA-256"
            results.append(CaseResult(case.name, case.kind, "failed", message=f"fixture {path} {problem}"))
            continue
        results.append(check_case(case, read_npz(path), factory, rtol, atol))
    return Report(results, rtol, atol)
