"""JSON files for people to read: indented, ending in a newline. Any layer may write them."""
import json
from pathlib import Path


def write_json(path, data, allow_nan=False):
    """Write ``data`` as indented JSON. NaN and inf are not JSON: pass None instead, or
    ``allow_nan=True`` to write them as Python's json module does (NaN, Infinity)."""
    Path(path).write_text(json.dumps(data, indent=2, allow_nan=allow_nan) + "\n")
