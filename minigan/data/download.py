"""Put trusted bytes on disk: an atomic, checksummed download and a memory of verified files.

``download_file`` streams a URL into a temporary file beside the destination, checks its MD5,
fsyncs it and only then ``os.replace``s it under the final name. ``os.replace`` is atomic on
POSIX and Windows, so the final name either does not exist or holds a complete, verified
file: a crash, a network error, Ctrl-C or a wrong checksum all leave nothing behind (the
temporary file is removed on any exception, KeyboardInterrupt included).

Checking a 26 MB file costs a tenth of a second per load. ``VerifiedFiles`` remembers that a
file passed, keyed by its path and a stamp of (size, mtime, ctime, inode): any write changes
ctime (which, unlike mtime, user code cannot set back), so a changed file is checked again.
As in git's "racily clean" rule, a file touched within the last ``RACY_SECONDS`` is not
remembered, because timestamps tick coarsely and a write in the same tick would go unseen.
"""
import hashlib
import http.client
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

from .idx import DatasetError

CHUNK_BYTES = 1 << 20
RACY_SECONDS = 2.0


def md5_hex(blob):
    """Hex MD5 of a bytes object."""
    return hashlib.md5(blob).hexdigest()


def _progress_line(name, done, total):
    if total:
        return f"\rdownloading {name}: {done / 1e6:.1f} / {total / 1e6:.1f} MB ({100 * done // total}%)"
    return f"\rdownloading {name}: {done / 1e6:.1f} MB"


def download_file(url, dest, md5=None, progress=True, opener=None, timeout=60):
    """Download ``url`` to ``dest`` atomically; check the MD5 of the bytes if ``md5`` is given.

    ``progress`` is a stream that gets one self-overwriting line, True for stderr, or None /
    False for silence. ``opener`` is called as ``opener(url, timeout=timeout)`` and must return
    a context manager with ``read(n)``; it defaults to urllib's ``urlopen`` (looked up at call
    time) and lets tests serve bytes from memory. Every failure raises DatasetError.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    opener = opener or urlopen
    progress = sys.stderr if progress is True else (progress or None)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        digest, done = hashlib.md5(), 0
        with os.fdopen(fd, "wb") as out:
            try:
                with opener(url, timeout=timeout) as response:
                    total = int(getattr(response, "headers", {}).get("Content-Length") or 0)
                    while chunk := response.read(CHUNK_BYTES):
                        out.write(chunk)
                        digest.update(chunk)
                        done += len(chunk)
                        if progress is not None:
                            progress.write(_progress_line(dest.name, done, total))
                            progress.flush()
            except (OSError, http.client.HTTPException) as err:  # URLError, timeouts, resets, IncompleteRead
                raise DatasetError(f"could not download {url}: {err}. Nothing was saved.") from err
            finally:
                if progress is not None and done:
                    progress.write("\n")
            if total and done != total:
                raise DatasetError(
                    f"download of {url} stopped early: got {done} of {total} bytes. Nothing was saved."
                )
            if md5 is not None and digest.hexdigest() != md5:
                raise DatasetError(
                    f"downloaded {url} ({done} bytes) but its MD5 is {digest.hexdigest()}, expected {md5}; "
                    f"the connection or the mirror served a different file. Nothing was saved."
                )
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(dest.parent)
    return dest


def _fsync_dir(directory):
    """Make the rename itself durable; not every OS lets a directory be opened, so best effort."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def file_stamp(path):
    """What changes whenever the file's content can have changed: size, mtime, ctime, inode."""
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


class VerifiedFiles:
    """Remember which files passed a checksum, in this process and in a JSON record on disk.

    ``record`` is the JSON file (None: remember in memory only). ``checksum`` names what the
    file was checked against, so changing the expected checksum forces a new check. A record
    that cannot be read or written is ignored: it only saves time, it never decides trust alone.
    """

    def __init__(self, record=None):
        self.record = Path(record) if record is not None else None
        self.memory = {}

    def _entries(self):
        if self.record is None:
            return {}
        try:
            entries = json.loads(self.record.read_text())
        except (OSError, ValueError):
            return {}
        return entries if isinstance(entries, dict) else {}

    def is_verified(self, path, checksum, stamp=None):
        """True if ``path`` passed ``checksum`` before and has not changed since."""
        key = str(Path(path).resolve())
        entry = {"stamp": stamp or file_stamp(path), "checksum": checksum}
        if self.memory.get(key) == entry:
            return True
        if self._entries().get(key) == entry:
            self.memory[key] = entry
            return True
        return False

    def mark_verified(self, path, checksum, stamp):
        """Remember that ``path``, as it was at ``stamp`` (taken before it was read), passed."""
        size, mtime_ns, ctime_ns, _ = stamp
        if time.time_ns() - max(mtime_ns, ctime_ns) < RACY_SECONDS * 1e9:
            return
        key = str(Path(path).resolve())
        entry = {"stamp": list(stamp), "checksum": checksum}
        self.memory[key] = entry
        if self.record is None:
            return
        entries = self._entries()
        entries[key] = entry
        try:
            self.record.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.record.parent, prefix=f".{self.record.name}.", suffix=".part")
            try:
                with os.fdopen(fd, "w") as out:
                    json.dump(entries, out, indent=1)
                os.replace(tmp, self.record)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            pass  # a read-only cache only costs a re-check next time
