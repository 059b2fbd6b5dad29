"""Fashion-MNIST: 70,000 grey 28x28 images of clothes in ten classes (Zalando Research, MIT licence).

    data = load_fashion_mnist("train")    # data.images (60000, 28, 28) uint8, data.labels (60000,) int64
    x = data.as_float()                   # (60000, 1, 28, 28) float32 in [-1, 1], the range of tanh

Each of the four official files is looked for in turn, and the first place that has it wins:

    1. root=                the argument: the folder itself or root/fashion-mnist
    2. $MINIGAN_DATA        likewise
    3. the user cache       $XDG_CACHE_HOME/minigan/fashion-mnist, else ~/.cache/minigan/fashion-mnist
    4. SYSTEM_DIR           /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)
    5. a download from MIRROR into the user cache, unless download=False

A file found is checked by MD5 and never skipped over: a corrupt file is an error that says
which file and how to fix it, not a silent fall-through to the next place. A file passes if
the MD5 of the .gz matches the official table, or the MD5 of its uncompressed IDX content
does: Debian strips the name and timestamp from the gzip headers, which changes the .gz MD5
but not a byte of the data. A file that passed is remembered (see ``download.VerifiedFiles``)
so the next load skips the hashing, until the file changes.
"""
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..backend import get_array_module
from .download import VerifiedFiles, download_file, file_stamp, md5_hex
from .idx import DatasetError, gunzip, parse_idx

MIRROR = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")

CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
SPLITS = {  # split -> (images file, labels file)
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
# The official table (zalandoresearch/fashion-mnist README) and the MD5s of the uncompressed
# IDX content, with sizes in bytes, as listed in ../shared/data/fashion-mnist/SOURCE.md.
GZ_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
RAW_MD5 = {
    "train-images-idx3-ubyte.gz": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte.gz": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte.gz": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte.gz": "15d484375f8d13e6eb1aabb0c3f46965",
}
SIZES = {  # name -> (gz bytes, uncompressed bytes)
    "train-images-idx3-ubyte.gz": (26421880, 47040016),
    "train-labels-idx1-ubyte.gz": (29515, 60008),
    "t10k-images-idx3-ubyte.gz": (4422102, 7840016),
    "t10k-labels-idx1-ubyte.gz": (5148, 10008),
}
HOW_TO_FIX = (
    "How to fix: pass root=DIR or set MINIGAN_DATA=DIR to a folder holding the four official .gz files, "
    "or on Debian/Ubuntu run `sudo apt-get install dataset-fashion-mnist`, "
    "or let minigan download them (download=True) into the user cache."
)


def cache_dir():
    """$XDG_CACHE_HOME/minigan/fashion-mnist, or ~/.cache/minigan/fashion-mnist."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "minigan" / "fashion-mnist"


def search_dirs(root=None):
    """The (where, folder) pairs searched, in order; see the module docstring."""
    dirs = []
    for where, base in (("root=", root), ("$MINIGAN_DATA", os.environ.get("MINIGAN_DATA"))):
        if base:
            dirs += [(where, Path(base)), (where, Path(base) / "fashion-mnist")]
    return dirs + [("user cache", cache_dir()), ("system", SYSTEM_DIR)]


def find_file(name, root=None):
    """The first existing ``folder/name`` over ``search_dirs(root)``, or None."""
    for _, folder in search_dirs(root):
        if (folder / name).is_file():
            return folder / name
    return None


_VERIFIED = {}  # record path -> VerifiedFiles, so the in-process memory outlives one load


def _verified_files():
    record = cache_dir() / "verified.json"
    return _VERIFIED.setdefault(record, VerifiedFiles(record))


def read_verified(path, name):
    """Return the uncompressed IDX bytes of ``path`` after checking it against ``name``'s MD5s."""
    expected_gz, expected_raw = GZ_MD5[name], RAW_MD5[name]
    checksum, verified = f"{expected_gz} or {expected_raw}", _verified_files()
    before = file_stamp(path)
    try:
        blob = Path(path).read_bytes()
    except OSError as err:
        raise DatasetError(f"{path}: cannot read: {err}") from err
    unchanged = file_stamp(path) == before
    if unchanged and verified.is_verified(path, checksum, before):
        return gunzip(blob, path)
    found_gz = md5_hex(blob)
    if found_gz == expected_gz:
        raw = gunzip(blob, path)
    else:
        try:
            raw = gunzip(blob, path)
            found_raw = md5_hex(raw)
            found = f"uncompressed MD5 {found_raw} ({len(raw)} bytes)"
        except DatasetError as err:
            found_raw, found = None, f"cannot be uncompressed ({err.__cause__})"
        if found_raw != expected_raw:
            gz_bytes, raw_bytes = SIZES.get(name, ("?", "?"))
            raise DatasetError(
                f"{path} is corrupt: its checksum matches neither official MD5.\n"
                f"  expected: gz MD5 {expected_gz} ({gz_bytes} bytes) "
                f"or uncompressed MD5 {expected_raw} ({raw_bytes} bytes)\n"
                f"  found:    gz MD5 {found_gz} ({len(blob)} bytes); {found}\n"
                f"Delete {path} (the next load then looks further, downloading if need be) "
                "or replace it with a good copy."
            )
    if unchanged:
        verified.mark_verified(path, checksum, before)
    return raw


def locate(name, root=None, download=True, progress=True):
    """Path of file ``name``: found by ``find_file``, else downloaded into ``cache_dir()``."""
    path = find_file(name, root)
    if path is not None:
        return path
    if not download:
        looked = "\n".join(f"  {where:14} {folder}" for where, folder in search_dirs(root))
        raise DatasetError(f"Fashion-MNIST file {name} not found, and download=False. Looked in:\n{looked}")
    return download_file(MIRROR + name, cache_dir() / name, md5=GZ_MD5[name], progress=progress)


@dataclass
class FashionMNIST:
    """One split: ``images`` (N, 28, 28) uint8 in 0..255, ``labels`` (N,) int64 in 0..9."""

    images: np.ndarray
    labels: np.ndarray
    split: str
    files: tuple = ()
    classes: tuple = field(default=CLASSES)

    def __len__(self):
        return len(self.labels)

    def as_float(self):
        """Images as float32 (N, 1, 28, 28) in [-1, 1]; see ``to_tanh_range``."""
        return to_tanh_range(self.images)


def to_tanh_range(images):
    """uint8 pixels (N, H, W) or (N, 1, H, W) -> float32 (N, 1, H, W) in [-1, 1].

    A tanh generator outputs [-1, 1], so real images must live there too, or D tells them
    apart by range alone. x / 127.5 - 1 maps 0 -> -1 and 255 -> 1 exactly in float32.
    """
    xp = get_array_module(images)
    x = images.astype(xp.float32)
    x /= 127.5
    x -= 1.0
    return x.reshape(len(x), 1, *x.shape[-2:])


def load_fashion_mnist(split="train", root=None, download=True, progress=True):
    """Load the "train" (60,000) or "test" (10,000) split; raises DatasetError saying what to fix."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {sorted(SPLITS)}, got {split!r}")
    try:
        return _load(split, root, download, progress)
    except DatasetError as err:
        # one error with the fix appended; the low-level cause (an EOFError, a URLError) stays chained
        raise DatasetError(f"{err}\n{HOW_TO_FIX}") from err.__cause__


def _load(split, root, download, progress):
    image_name, label_name = SPLITS[split]
    image_path = locate(image_name, root, download, progress)
    label_path = locate(label_name, root, download, progress)
    images = parse_idx(read_verified(image_path, image_name), image_path, ndim=3, dtype=np.uint8)
    labels = parse_idx(read_verified(label_path, label_name), label_path, ndim=1, dtype=np.uint8)
    if images.shape[1:] != (28, 28):
        raise DatasetError(f"{image_path}: expected images of 28x28 pixels, found shape {images.shape}")
    if len(images) != len(labels):
        raise DatasetError(
            f"{image_path} holds {len(images)} images but {label_path} holds {len(labels)} labels; "
            "the two files must come from the same split"
        )
    if len(labels) and labels.max() >= len(CLASSES):
        raise DatasetError(f"{label_path}: labels must lie in 0..{len(CLASSES) - 1}, found {labels.max()}")
    return FashionMNIST(images, labels.astype(np.int64), split, (image_path, label_path))
