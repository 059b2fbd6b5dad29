"""Write the golden fixtures: one .npz per case and a manifest.json, byte-identical on every run.

Each case's inputs come from inputs.py, its expected outputs from running minigan's objects
(adapters.py) through the same driver ``check`` uses (protocol.py); both are stored in float64,
the outputs under "expected/". The fixtures record minigan's readable layers (the ones
docs/backprop.md explains), not minigan.accel's twins. The manifest lists every case with its
kind, config, the convention it pins, file, SHA-256 and array shapes, plus the minigan version,
the seed and the tolerance presets.
"""
import json
import os
from pathlib import Path

import numpy as np

from .. import __version__
from . import adapters
from .archive import sha256_of, write_npz
from .cases import all_cases
from .inputs import inputs
from .protocol import run_all
from .tolerances import PRESETS

FORMAT = "minigan-reference/2"
DEFAULT_SEED = 0
MANIFEST = "manifest.json"


def as_float64(value, name):
    if value is None:
        raise ValueError(f"minigan's adapter returned None for {name}")
    return np.array(value, dtype=np.float64, order="C")


def export_case(case, seed):
    """name -> float64 array: the case's inputs and its "expected/..." outputs."""
    arrays = inputs(case, seed, adapters.layer_shapes)
    outputs = run_all(case, adapters.factory, arrays)
    arrays = {k: as_float64(v, k) for k, v in arrays.items()}
    arrays.update({f"expected/{k}": as_float64(v, k) for k, v in outputs.items()})
    return arrays


def export(directory, seed=DEFAULT_SEED):
    """Write every case and the manifest into ``directory`` (created if missing); returns the manifest."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    entries = []
    for case in all_cases():
        arrays = export_case(case, seed)
        path = directory / case.file
        write_npz(path, arrays)
        entries.append({
            "name": case.name, "group": case.group, "kind": case.kind, "config": case.config,
            "pins": case.pins, "special": case.special, "file": case.file, "sha256": sha256_of(path),
            "inputs": {k: list(v.shape) for k, v in arrays.items() if not k.startswith("expected/")},
            "expected": {k[len("expected/"):]: list(v.shape) for k, v in arrays.items() if k.startswith("expected/")},
        })
    manifest = {
        "format": FORMAT, "minigan_version": __version__, "seed": seed, "dtype": "float64",
        "tolerances": {**{dtype: {"rtol": rtol, "atol": atol} for dtype, (rtol, atol) in PRESETS.items()},
                       "rule": "|actual - expected| <= atol + rtol * |expected|, element-wise"},
        "cases": entries,
    }
    text = json.dumps(manifest, sort_keys=True, indent=1) + "\n"
    tmp = directory / (MANIFEST + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, directory / MANIFEST)
    return manifest
