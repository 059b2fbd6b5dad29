"""Run another implementation through the fixtures and report, per case and tensor, how far it is.

A tensor passes when every element satisfies |actual - expected| <= atol + rtol |expected|
(numpy.isclose's rule). A case runs in stages (protocol.py): forward, then backward; each
stage is compared as soon as it is done, and a wrong shape, a missing tensor or something
that is not an array stops the case there, so a wrong forward is reported as such and not
as a crash in backward. A case passes when all its tensors do; an implementation that raises
NotImplementedError skips the case; any other exception fails it, located at the line of the
implementation that raised (where.py). hints.py adds the likely cause where a cheap test
finds one; ``dump`` writes the arrays of every failing case to a directory.
"""
import fnmatch
import importlib
import json
import os
import sys
from pathlib import Path

import numpy as np

from . import hints
from .archive import read_npz, sha256_of, write_npz
from .cases import Case
from .export import FORMAT, MANIFEST
from .protocol import run_case
from .report import CaseResult, Report, TensorResult
from .tolerances import preset
from .where import describe

TINY = np.finfo(np.float64).tiny
OPTIONAL_IN_OWN_STEP = ("fake", "d_loss", "g_loss", "grad_d/", "grad_g/")
NO_EXTRAS = ("grad/", "grad_d/", "grad_g/")      # other names an implementation adds are ignored


def compare(name, actual, expected, rtol, atol):
    """One tensor against its fixture."""
    shape = tuple(expected.shape)
    if actual is None:
        return TensorResult(name, shape, ok=False, blocking=True, note="missing: the implementation returned None")
    if not isinstance(actual, np.ndarray):
        return TensorResult(name, shape, ok=False, blocking=True, note=f"not an array: {type(actual).__name__}")
    if actual.shape != expected.shape:
        return TensorResult(name, shape, ok=False, blocking=True, note=f"shape {actual.shape}, expected {shape}")
    if actual.size == 0:
        return TensorResult(name, shape)
    if not np.isfinite(actual).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(actual))[0])
        return TensorResult(name, shape, float("inf"), float("inf"), float("inf"), False,
                            f"non-finite value at {where}: got {actual[where]}, expected {expected[where]:.12g}")
    err = np.abs(actual - expected)
    allowed = atol + rtol * np.abs(expected)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(err == 0, 0.0, err / allowed)
    worst = np.unravel_index(np.argmax(ratio), err.shape)
    max_abs = float(err.max())
    result = TensorResult(name, shape, max_abs, max_abs / max(float(np.abs(expected).max()), TINY),
                          float(ratio[worst]), bool((err <= allowed).all()))
    if not result.ok:
        at = tuple(int(i) for i in worst)
        result.note = (f"|error| {err[worst]:.2e} > allowed {allowed[worst]:.2e} ({result.ratio:.1e} x) at {at}: "
                       f"got {actual[worst]:.12g}, expected {expected[worst]:.12g}")
    return result


def _compare_stage(stage, expected, rtol, atol):
    results = [compare(name, stage[name], expected[name], rtol, atol) for name in sorted(stage) if name in expected]
    for name in sorted(set(stage) - set(expected)):
        if name.startswith(NO_EXTRAS):
            results.append(TensorResult(name, (), ok=False, note="unexpected: the fixture has no such tensor"))
    return results


def check_case(case, arrays, factory, rtol, atol, dtype="float64", dump=None):
    inputs = {k: v for k, v in arrays.items() if not k.startswith("expected/")}
    expected = {k[len("expected/"):]: v for k, v in arrays.items() if k.startswith("expected/")}
    tensors, outputs, message, finished = [], {}, "", False
    stages = None
    try:
        stages = run_case(case, factory, inputs, np.dtype(dtype))
        for stage in stages:
            outputs.update(stage)
            tensors += _compare_stage(stage, expected, rtol, atol)
            if any(t.blocking for t in tensors):
                message = "stopped here: the later stages were not run"
                break
        else:
            finished = True
    except NotImplementedError as err:
        if not outputs:
            return CaseResult(case.name, case.kind, "skipped", message=f"not implemented: {err}".rstrip(": "))
        message = f"not implemented part-way: {err}"
    except Exception as err:  # noqa: BLE001  (any failure of the implementation is a finding to report)
        message = f"error: {describe(err)}"
    finally:
        if hasattr(stages, "close"):
            stages.close()
    if finished:
        for name in sorted(set(expected) - set(outputs)):
            if not (case.group == "gan_step" and name.startswith(OPTIONAL_IN_OWN_STEP)):
                tensors.append(TensorResult(name, tuple(expected[name].shape), ok=False,
                                            note="missing: the implementation did not return it"))
    failed = bool(message) or not all(t.ok for t in tensors)
    result = CaseResult(case.name, case.kind, "failed" if failed else "passed", tensors, message)
    if failed:
        result.pins = case.pins
        hints.explain(case, inputs, expected, outputs, result, rtol, atol)
        if dump is not None:
            dump_case(Path(dump), case, inputs, expected, outputs, result)
    return result


def dump_case(directory, case, inputs, expected, outputs, result):
    """<directory>/<case file>: the case's inputs, and expected/ and actual/ of each failing tensor."""
    directory.mkdir(parents=True, exist_ok=True)
    arrays = dict(inputs)
    for t in result.failing:
        if t.name in expected:
            arrays[f"expected/{t.name}"] = expected[t.name]
        if isinstance(outputs.get(t.name), np.ndarray):
            arrays[f"actual/{t.name}"] = outputs[t.name]
    write_npz(directory / case.file, arrays)


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
        raise ValueError(f"{path}: format {manifest.get('format')!r}, this checker reads {FORMAT!r}; export the "
                         f"fixtures again with this minigan")
    return manifest


def selected(manifest, cases=None):
    """The manifest's case entries whose names match any of the glob pattern(s) ``cases``."""
    patterns = [cases] if isinstance(cases, str) else cases
    return [e for e in manifest["cases"] if not patterns or any(fnmatch.fnmatchcase(e["name"], p) for p in patterns)]


def check_entry(directory, entry, factory, rtol, atol, dtype="float64", dump=None):
    """Check one manifest entry; a fixture file that is missing or altered fails the case."""
    case = Case(entry["name"], entry["group"], entry["kind"], entry["config"], special=entry.get("special", ""),
                pins=entry.get("pins", ""))
    path = Path(directory) / entry["file"]
    if not path.is_file() or sha256_of(path) != entry["sha256"]:
        problem = "is missing" if not path.is_file() else "does not match the manifest's SHA-256"
        return CaseResult(case.name, case.kind, "failed", message=f"fixture {path} {problem}")
    return check_case(case, read_npz(path), factory, rtol, atol, dtype, dump)


def check(directory, factory, rtol=None, atol=None, cases=None, dtype="float64", dump=None):
    """Run ``factory``'s objects over the fixtures in ``directory``; returns a Report.

    factory: ``factory(kind, config)`` (see minigan.reference.protocol), or "module:attribute".
    cases:   optional glob pattern(s) on case names, e.g. "Conv2d/*" or ["loss/*", "Dense/*"].
    dtype:   "float64" or "float32": the inputs are handed over in that dtype, and rtol and atol
             default to its preset (tolerances.py).
    dump:    a directory to write each failing case's inputs, expected and actual arrays into.
    """
    if isinstance(factory, str):
        factory = load_factory(factory)
    default_rtol, default_atol = preset(dtype)
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    results = [check_entry(directory, entry, factory, rtol, atol, dtype, dump)
               for entry in selected(load_manifest(directory), cases)]
    return Report(results, rtol, atol, str(dtype))
