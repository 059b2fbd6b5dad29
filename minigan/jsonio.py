"""JSON files for people to read: indented, ending in a newline, written atomically. Any
layer may write them."""
import json
import os
import tempfile
from pathlib import Path


def write_json(path, data, allow_nan=False):
    """Write ``data`` as indented JSON. NaN and inf are not JSON: pass None instead, or
    ``allow_nan=True`` to write them as Python's json module does (NaN, Infinity).

    Atomic: the text goes to a temporary file beside ``path`` that is then renamed over it,
    so a reader (or a run resumed after a kill) sees the old file or the new one, never half."""
    path = Path(path)
    text = json.dumps(data, indent=2, allow_nan=allow_nan) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
