import gzip

import numpy as np
import pytest

from minigan.data.idx import DatasetError, gunzip, idx_bytes, parse_idx, read_idx, write_idx


@pytest.mark.parametrize("dtype, shape", [
    (np.uint8, (5, 28, 28)), (np.int8, (7,)), (np.int16, (3, 4)), (np.int32, (2, 3, 4, 5)),
    (np.float32, (6,)), (np.float64, (2, 2)), (np.uint8, (0, 28, 28)),
])
@pytest.mark.parametrize("suffix", [".gz", ""])
def test_write_then_read_round_trips(tmp_path, dtype, shape, suffix):
    rng = np.random.default_rng(0)
    array = (rng.standard_normal(shape) * 100).astype(dtype)
    path = write_idx(tmp_path / f"a.idx{suffix}", array)
    assert path.read_bytes().startswith(b"\x1f\x8b") == (suffix == ".gz")
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    assert back.shape == shape
    np.testing.assert_array_equal(back, array)
    back[...] = 0  # the result is writable, not a view of read-only bytes


def test_header_is_the_documented_big_endian_layout():
    raw = idx_bytes(np.zeros((60000, 28, 28), np.uint8)[:2])
    assert raw[:4] == bytes.fromhex("00000803")
    assert raw[4:16] == (2).to_bytes(4, "big") + (28).to_bytes(4, "big") + (28).to_bytes(4, "big")
    assert len(raw) == 16 + 2 * 28 * 28
    assert idx_bytes(np.array([1, 2], np.uint8)) == bytes.fromhex("00000801 00000002 0102")


def test_parse_handwritten_bytes():
    assert parse_idx(bytes.fromhex("00000801 00000003 050607")).tolist() == [5, 6, 7]
    # int16, big-endian: 0x0102 = 258, 0xfffe = -2
    assert parse_idx(bytes.fromhex("00000b01 00000002 0102 fffe")).tolist() == [258, -2]
    assert parse_idx(bytes.fromhex("00000802 00000002 00000001 0a0b")).tolist() == [[10], [11]]


def test_gzip_output_is_reproducible(tmp_path):
    array = np.arange(100, dtype=np.uint8)
    assert write_idx(tmp_path / "a.gz", array).read_bytes() == write_idx(tmp_path / "b.gz", array).read_bytes()
    assert write_idx(tmp_path / "c.gz", array, mtime=5).read_bytes() != (tmp_path / "a.gz").read_bytes()


@pytest.mark.parametrize("raw, words", [
    (b"", ["not an IDX file", "empty"]),
    (bytes.fromhex("01000801 00000001 05"), ["not an IDX file", "01000801"]),
    (bytes.fromhex("00000701 00000001 05"), ["not an IDX file", "00000701"]),
    (bytes.fromhex("00000803 00000001"), ["header cut short", "16 bytes"]),
    (bytes.fromhex("00000801 00000003 0506"), ["(3,)", "needs 11 bytes", "holds 10 bytes"]),
    (bytes.fromhex("00000801 00000003 05060708"), ["needs 11 bytes", "holds 12 bytes"]),
])
def test_malformed_bytes_raise_an_error_naming_the_source(raw, words):
    with pytest.raises(DatasetError) as info:
        parse_idx(raw, "labels.idx")
    message = str(info.value)
    assert message.startswith("labels.idx:")
    for word in words:
        assert word in message


def test_expected_dimension_count_and_type_are_enforced():
    images = idx_bytes(np.zeros((2, 3, 3), np.uint8))
    with pytest.raises(DatasetError, match=r"f: expected 1 dimension\(s\), found 3 \(magic number 0x00000803\)"):
        parse_idx(images, "f", ndim=1)
    with pytest.raises(DatasetError, match="expected items of type uint8, found int32"):
        parse_idx(idx_bytes(np.zeros(3, np.int32)), "f", dtype=np.uint8)
    assert parse_idx(images, "f", ndim=3, dtype=np.uint8).shape == (2, 3, 3)


def test_truncated_gzip_names_the_file(tmp_path):
    path = write_idx(tmp_path / "t.gz", np.arange(5000, dtype=np.int32))
    path.write_bytes(path.read_bytes()[:-50])
    with pytest.raises(DatasetError, match=r"t\.gz: cannot decompress gzip data") as info:
        read_idx(path)
    assert isinstance(info.value.__cause__, EOFError)


def test_gunzip_passes_plain_bytes_through_and_rejects_garbage():
    assert gunzip(b"\x00\x00\x08\x01", "x") == b"\x00\x00\x08\x01"
    assert gunzip(gzip.compress(b"abc"), "x") == b"abc"
    with pytest.raises(DatasetError, match="^y: cannot decompress"):
        gunzip(b"\x1f\x8b" + b"\x08\x00" + b"garbage" * 10, "y")


def test_missing_file_and_unsupported_dtype(tmp_path):
    with pytest.raises(DatasetError, match="nope.gz: cannot read"):
        read_idx(tmp_path / "nope.gz")
    with pytest.raises(TypeError, match="bool"):
        idx_bytes(np.zeros(3, bool))
