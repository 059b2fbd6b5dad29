import zipfile

import numpy as np
from hypothesis import given, strategies as st

from minigan.reference.archive import ZIP_EPOCH, read_npz, write_npz

shapes = st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple)
names = st.text("abcdefgh/_.0123", min_size=1, max_size=12)


@given(st.dictionaries(names, st.tuples(shapes, st.integers(0, 2**32 - 1)), min_size=1, max_size=5))
def test_round_trip_and_same_bytes_every_time(tmp_path_factory, spec):
    directory = tmp_path_factory.mktemp("npz")
    arrays = {name: np.random.default_rng(seed).standard_normal(shape) for name, (shape, seed) in spec.items()}
    write_npz(directory / "a.npz", arrays)
    write_npz(directory / "b.npz", dict(reversed(list(arrays.items()))))    # insertion order must not matter
    assert (directory / "a.npz").read_bytes() == (directory / "b.npz").read_bytes()
    back = read_npz(directory / "a.npz")
    assert sorted(back) == sorted(arrays)
    for name, a in arrays.items():
        assert back[name].shape == a.shape and back[name].dtype == a.dtype
        np.testing.assert_array_equal(back[name], a)


def test_entries_are_sorted_stamped_with_the_zip_epoch_and_stored(tmp_path):
    write_npz(tmp_path / "a.npz", {"b": np.zeros(2), "a": np.ones(()), "c/d": np.arange(3.0)})
    with zipfile.ZipFile(tmp_path / "a.npz") as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["a.npy", "b.npy", "c/d.npy"]
    assert all(i.date_time == ZIP_EPOCH and i.compress_type == zipfile.ZIP_STORED for i in infos)
    assert read_npz(tmp_path / "a.npz")["a"].shape == ()          # 0-d arrays stay 0-d
    assert not (tmp_path / "a.npz.tmp").exists()


def test_a_non_contiguous_array_is_written_in_c_order(tmp_path):
    a = np.arange(12.0).reshape(3, 4).T
    write_npz(tmp_path / "t.npz", {"a": a})
    np.testing.assert_array_equal(read_npz(tmp_path / "t.npz")["a"], a)
