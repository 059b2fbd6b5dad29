import gzip
import io
import os
import time
from pathlib import Path

import numpy as np
import pytest

from minigan.data import download
from minigan.data import fashion_mnist as fm
from minigan.data.fashion_mnist import (
    CLASSES, HOW_TO_FIX, MIRROR, DatasetError, cache_dir, load_fashion_mnist, search_dirs, to_tanh_range,
)
from minigan.data.download import md5_hex as md5
from minigan.data.idx import write_idx

IMAGES, LABELS = fm.SPLITS["train"]


def real_data_dir():
    """The official files: $MINIGAN_DATA, or ../shared/data/fashion-mnist beside the repository."""
    env = os.environ.get("MINIGAN_DATA")
    candidates = [Path(env), Path(env) / "fashion-mnist"] if env else []
    candidates.append(Path(__file__).resolve().parents[2].parent / "shared" / "data" / "fashion-mnist")
    return next((c for c in candidates if all((c / name).is_file() for name in fm.GZ_MD5)), None)


REAL = real_data_dir()  # looked up before the fixture below hides $MINIGAN_DATA
DEFAULT_SYSTEM_DIR = fm.SYSTEM_DIR  # likewise before the fixture moves it


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No test sees the user's cache, $MINIGAN_DATA, /usr/share, the network or earlier memos."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("MINIGAN_DATA", raising=False)
    monkeypatch.setattr(fm, "SYSTEM_DIR", tmp_path / "system")
    monkeypatch.setattr(fm, "_VERIFIED", {})

    def no_network(url, timeout):
        pytest.fail(f"a test tried the network: {url}")
    monkeypatch.setattr(download, "urlopen", no_network)


def write_split(folder, split="train", n=12, marker=None, images=None, labels=None):
    """Tiny IDX .gz files; pixel 0 and 255 both occur, labels cycle 0..9 or all equal ``marker``."""
    rng = np.random.default_rng(n if marker is None else marker)
    default_images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    default_images[0, 0, :2] = 0, 255
    default_labels = (np.arange(n) % 10 if marker is None else np.full(n, marker)).astype(np.uint8)
    images = default_images if images is None else images
    labels = default_labels if labels is None else labels
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in zip(fm.SPLITS[split], (images, labels)):
        if isinstance(content, bytes):  # not IDX at all
            (folder / name).write_bytes(gzip.compress(content))
        else:
            write_idx(folder / name, content)
    return images, labels


def trust(monkeypatch, folder):
    """Make the files in ``folder`` the official ones: patch both MD5 tables to them."""
    for name in fm.GZ_MD5:
        if (folder / name).is_file():
            blob = (folder / name).read_bytes()
            monkeypatch.setitem(fm.GZ_MD5, name, md5(blob))
            monkeypatch.setitem(fm.RAW_MD5, name, md5(gzip.decompress(blob)))


def count_hashing(monkeypatch):
    calls = []
    monkeypatch.setattr(fm, "md5_hex", lambda blob: calls.append(len(blob)) or md5(blob))
    return calls


def test_load_returns_the_written_images_labels_and_class_names(tmp_path, monkeypatch):
    train_images, train_labels = write_split(tmp_path / "d", "train", n=12)
    test_images, test_labels = write_split(tmp_path / "d", "test", n=7)
    trust(monkeypatch, tmp_path / "d")
    train = load_fashion_mnist("train", root=tmp_path / "d", download=False)
    test = load_fashion_mnist("test", root=tmp_path / "d", download=False)
    np.testing.assert_array_equal(train.images, train_images)
    np.testing.assert_array_equal(train.labels, train_labels)
    np.testing.assert_array_equal(test.images, test_images)
    assert (train.images.dtype, train.labels.dtype) == (np.uint8, np.int64)
    assert (len(train), len(test), train.split, test.split) == (12, 7, "train", "test")
    assert train.files == (tmp_path / "d" / IMAGES, tmp_path / "d" / LABELS)
    assert train.classes == CLASSES == ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
    with pytest.raises(ValueError, match="split must be one of"):
        load_fashion_mnist("validation", root=tmp_path / "d")


def test_as_float_maps_pixels_to_the_tanh_range(tmp_path, monkeypatch):
    images, _ = write_split(tmp_path, n=5)
    trust(monkeypatch, tmp_path)
    x = load_fashion_mnist(root=tmp_path).as_float()
    assert x.shape == (5, 1, 28, 28) and x.dtype == np.float32
    assert (x.min(), x.max()) == (-1.0, 1.0)  # exactly, at pixels 0 and 255
    np.testing.assert_allclose(x[:, 0], images / 127.5 - 1, atol=1e-6)
    np.testing.assert_array_equal(to_tanh_range(images[:, None]), x)


def test_search_order_and_default_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGAN_DATA", str(tmp_path / "env"))
    assert search_dirs(tmp_path / "r") == [
        ("root=", tmp_path / "r"), ("root=", tmp_path / "r" / "fashion-mnist"),
        ("$MINIGAN_DATA", tmp_path / "env"), ("$MINIGAN_DATA", tmp_path / "env" / "fashion-mnist"),
        ("user cache", tmp_path / "xdg" / "minigan" / "fashion-mnist"), ("system", tmp_path / "system"),
    ]
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "minigan" / "fashion-mnist"
    assert DEFAULT_SYSTEM_DIR == Path("/usr/share/datasets/fashion-mnist")


ORDER = ["r", "r/fashion-mnist", "e", "e/fashion-mnist", "cache", "system"]  # r: root=, e: $MINIGAN_DATA


@pytest.mark.parametrize("winner", ORDER)
def test_the_first_place_holding_the_files_wins(tmp_path, monkeypatch, winner):
    monkeypatch.setenv("MINIGAN_DATA", str(tmp_path / "e"))
    places = [tmp_path / place for place in ORDER[:4]] + [cache_dir(), fm.SYSTEM_DIR]
    first = ORDER.index(winner)
    for marker, place in enumerate(places[first:]):  # the winner's labels are all 0, the others' not
        write_split(place, marker=marker)
    trust(monkeypatch, places[first])  # the files of any other place would fail the MD5 check
    data = load_fashion_mnist(root=tmp_path / "r", download=False)
    assert set(data.labels.tolist()) == {0}
    assert data.files == (places[first] / IMAGES, places[first] / LABELS)


def test_a_corrupt_file_is_an_error_not_skipped_over(tmp_path, monkeypatch):
    write_split(fm.SYSTEM_DIR)
    trust(monkeypatch, fm.SYSTEM_DIR)
    write_split(tmp_path / "root", marker=3)  # same names, other content
    with pytest.raises(DatasetError, match=f"{tmp_path / 'root' / IMAGES} is corrupt"):
        load_fashion_mnist(root=tmp_path / "root")
    assert len(load_fashion_mnist()) == 12  # the system copy itself is fine


def test_missing_files_without_download_name_the_file_the_places_and_the_fixes(tmp_path):
    with pytest.raises(DatasetError) as info:
        load_fashion_mnist(root=tmp_path / "r", download=False)
    message = str(info.value)
    assert f"Fashion-MNIST file {IMAGES} not found, and download=False" in message
    for _, folder in search_dirs(tmp_path / "r"):
        assert str(folder) in message
    for fix in ["root=DIR", "MINIGAN_DATA=DIR", "apt-get install dataset-fashion-mnist", "download=True"]:
        assert message.count(fix) == 1


class Served(io.BytesIO):
    """A response from memory; given ``error``, it serves half the bytes and then raises it."""

    def __init__(self, blob, error=None):
        super().__init__(blob if error is None else blob[:len(blob) // 2])
        self.error = error

    def read(self, n=-1):
        chunk = super().read(n)
        if not chunk and self.error is not None:
            raise self.error
        return chunk


def serve(folder, fail=None):
    """An opener serving ``folder``'s files by URL, recording the URLs asked for."""
    def opener(url, timeout):
        opener.urls.append(url)
        return Served((folder / url.rsplit("/", 1)[1]).read_bytes(), fail)
    opener.urls = []
    return opener


def test_download_fills_the_cache_with_a_progress_line_then_is_not_repeated(tmp_path, monkeypatch, capsys):
    images, labels = write_split(tmp_path / "mirror", n=9)
    trust(monkeypatch, tmp_path / "mirror")
    opener = serve(tmp_path / "mirror")
    monkeypatch.setattr(download, "urlopen", opener)
    data = load_fashion_mnist()
    assert opener.urls == [MIRROR + IMAGES, MIRROR + LABELS]
    assert MIRROR == "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    assert sorted(os.listdir(cache_dir())) == sorted([IMAGES, LABELS])
    assert f"downloading {IMAGES}" in capsys.readouterr().err
    np.testing.assert_array_equal(data.images, images)
    np.testing.assert_array_equal(data.labels, labels)
    load_fashion_mnist()
    assert len(opener.urls) == 2


@pytest.mark.parametrize("fail, words", [
    (ConnectionResetError("connection reset"), ["could not download", "connection reset"]),
    (None, ["MD5 is", "expected 0000"]),
])
def test_failed_download_leaves_nothing_in_the_cache(tmp_path, monkeypatch, fail, words):
    write_split(tmp_path / "mirror")
    if fail is None:
        monkeypatch.setitem(fm.GZ_MD5, IMAGES, "0" * 32)
    monkeypatch.setattr(download, "urlopen", serve(tmp_path / "mirror", fail))
    with pytest.raises(DatasetError) as info:
        load_fashion_mnist(progress=None)
    for word in words + [MIRROR + IMAGES, HOW_TO_FIX]:
        assert word in str(info.value)
    assert os.listdir(cache_dir()) == []


def test_debian_gzip_headers_pass_by_the_uncompressed_md5_and_other_content_fails(tmp_path, monkeypatch):
    write_split(tmp_path)
    trust(monkeypatch, tmp_path)
    raw = gzip.decompress((tmp_path / IMAGES).read_bytes())
    upstream = gzip.compress(raw, mtime=1504176606)  # the same data under another gzip header
    monkeypatch.setitem(fm.GZ_MD5, IMAGES, md5(upstream))
    assert md5((tmp_path / IMAGES).read_bytes()) != fm.GZ_MD5[IMAGES]  # header differs
    assert len(load_fashion_mnist(root=tmp_path)) == 12

    other = raw[:-1] + bytes([raw[-1] ^ 1])  # one pixel differs
    (tmp_path / IMAGES).write_bytes(gzip.compress(other))
    with pytest.raises(DatasetError) as info:
        load_fashion_mnist(root=tmp_path)
    message = str(info.value)
    for word in [f"{tmp_path / IMAGES} is corrupt", md5(upstream), md5(raw), md5(gzip.compress(other)),
                 f"uncompressed MD5 {md5(other)} ({len(other)} bytes)", f"Delete {tmp_path / IMAGES}", HOW_TO_FIX]:
        assert word in message


def test_truncated_gzip_is_named_with_the_expected_checksums(tmp_path, monkeypatch):
    write_split(tmp_path)
    trust(monkeypatch, tmp_path)
    (tmp_path / LABELS).write_bytes((tmp_path / LABELS).read_bytes()[:-10])
    with pytest.raises(DatasetError) as info:
        load_fashion_mnist(root=tmp_path)
    message = str(info.value)
    for word in [f"{tmp_path / LABELS} is corrupt", "cannot be uncompressed", fm.GZ_MD5[LABELS], fm.RAW_MD5[LABELS]]:
        assert word in message
    assert message.count(HOW_TO_FIX) == 1


@pytest.mark.parametrize("images, labels, file, words", [
    (None, np.zeros((12, 2, 2), np.uint8), LABELS, "expected 1 dimension(s), found 3 (magic number 0x00000803)"),
    (np.zeros(12, np.uint8), None, IMAGES, "expected 3 dimension(s), found 1 (magic number 0x00000801)"),
    (np.zeros((12, 28, 28), np.int32), None, IMAGES, "expected items of type uint8, found int32"),
    (np.zeros((12, 32, 32), np.uint8), None, IMAGES, "expected images of 28x28 pixels, found shape (12, 32, 32)"),
    (None, np.zeros(11, np.uint8), IMAGES, "holds 12 images but"),
    (None, np.full(12, 10, np.uint8), LABELS, "labels must lie in 0..9, found 10"),
    (b"PK\x03\x04" + bytes(12 + 784), None, IMAGES, "not an IDX file: expected a magic number"),
])
def test_malformed_files_that_pass_the_checksum_are_named(tmp_path, monkeypatch, images, labels, file, words):
    write_split(tmp_path, images=images, labels=labels)
    trust(monkeypatch, tmp_path)
    with pytest.raises(DatasetError) as info:
        load_fashion_mnist(root=tmp_path)
    assert str(info.value).startswith(str(tmp_path / file))
    assert words in str(info.value) and HOW_TO_FIX in str(info.value)


def test_verified_files_skip_hashing_until_they_change(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "RACY_SECONDS", 0.0)
    write_split(tmp_path / "d")
    trust(monkeypatch, tmp_path / "d")
    hashed = count_hashing(monkeypatch)
    load_fashion_mnist(root=tmp_path / "d")
    assert len(hashed) == 2 and (cache_dir() / "verified.json").is_file()
    load_fashion_mnist(root=tmp_path / "d")
    monkeypatch.setattr(fm, "_VERIFIED", {})  # a new process reads the record on disk
    load_fashion_mnist(root=tmp_path / "d")
    assert len(hashed) == 2
    time.sleep(0.05)  # let the coarse file-system clock tick
    write_split(tmp_path / "d", marker=4)
    with pytest.raises(DatasetError, match="is corrupt"):
        load_fashion_mnist(root=tmp_path / "d")


def test_files_changed_moments_ago_are_hashed_every_time(tmp_path, monkeypatch):
    write_split(tmp_path)
    trust(monkeypatch, tmp_path)
    hashed = count_hashing(monkeypatch)
    load_fashion_mnist(root=tmp_path)
    load_fashion_mnist(root=tmp_path)
    assert len(hashed) == 4


@pytest.mark.skipif(REAL is None, reason="real Fashion-MNIST not found: set MINIGAN_DATA or provide "
                                         "../shared/data/fashion-mnist beside the repository")
def test_real_fashion_mnist(monkeypatch):
    hashed = count_hashing(monkeypatch)
    train = load_fashion_mnist("train", root=REAL, download=False)
    test = load_fashion_mnist("test", root=REAL, download=False)
    assert len(hashed) == 4  # every file really was checked against the official MD5s
    assert (train.images.shape, test.images.shape, train.images.dtype) == ((60000, 28, 28), (10000, 28, 28), np.uint8)
    assert np.bincount(train.labels, minlength=10).tolist() == [6000] * 10
    assert np.bincount(test.labels, minlength=10).tolist() == [1000] * 10
    assert train.labels[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert (train.images.min(), train.images.max()) == (0, 255)
    assert abs(train.images.mean() / 255 - 0.2860) < 1e-3  # the well-known mean intensity
    x = test.as_float()
    assert (x.shape, x.dtype, x.min(), x.max()) == ((10000, 1, 28, 28), np.float32, -1.0, 1.0)
