import hashlib
import http.client
import io
import json
import os
import time
from urllib.error import URLError

import pytest

from minigan.data import download
from minigan.data.download import VerifiedFiles, download_file, file_stamp
from minigan.data.idx import DatasetError

PAYLOAD = bytes(range(256)) * 20_000  # 5.1 MB: several chunks
PAYLOAD_MD5 = hashlib.md5(PAYLOAD).hexdigest()


class FakeResponse(io.BytesIO):
    """What urlopen returns, served from memory; ``fail_after`` raises mid-stream."""

    def __init__(self, data, length=None, fail_after=None, error=None):
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data) if length is None else length)}
        self.fail_after, self.error = fail_after, error

    def read(self, n=-1):
        if self.fail_after is not None and self.tell() >= self.fail_after:
            raise self.error
        return super().read(n)


def opener_for(**kwargs):
    calls = []

    def opener(url, timeout):
        calls.append(url)
        return FakeResponse(PAYLOAD, **kwargs)
    opener.calls = calls
    return opener


def test_download_writes_the_bytes_and_a_progress_line(tmp_path):
    progress = io.StringIO()
    opener = opener_for()
    dest = download_file("http://x/f.gz", tmp_path / "sub" / "f.gz", md5=PAYLOAD_MD5, progress=progress, opener=opener)
    assert dest == tmp_path / "sub" / "f.gz"
    assert dest.read_bytes() == PAYLOAD
    assert opener.calls == ["http://x/f.gz"]
    assert os.listdir(dest.parent) == ["f.gz"]  # no temporary file left
    text = progress.getvalue()
    assert text.startswith("\rdownloading f.gz:") and text.endswith("(100%)\n")
    assert text.count("\n") == 1  # one line, rewritten in place


def test_progress_goes_to_stderr_by_default_and_can_be_silenced(tmp_path, capsys):
    download_file("http://x/a", tmp_path / "a", opener=opener_for())
    assert "downloading a:" in capsys.readouterr().err
    download_file("http://x/b", tmp_path / "b", opener=opener_for(), progress=None)
    assert capsys.readouterr() == ("", "")


def test_default_opener_is_urlopen_looked_up_at_call_time(tmp_path, monkeypatch):
    opener = opener_for()
    monkeypatch.setattr(download, "urlopen", opener)
    download_file("http://x/u", tmp_path / "u", progress=None)
    assert opener.calls == ["http://x/u"]


@pytest.mark.parametrize("kwargs, words", [
    ({}, ["MD5 is " + PAYLOAD_MD5, "expected 0123"]),
    ({"fail_after": 2 << 20, "error": ConnectionResetError("reset by peer")}, ["could not download", "reset by peer"]),
    ({"fail_after": 2 << 20, "error": http.client.IncompleteRead(b"")}, ["could not download", "IncompleteRead"]),
    ({"length": len(PAYLOAD) + 10}, ["stopped early", f"got {len(PAYLOAD)} of {len(PAYLOAD) + 10} bytes"]),
])
def test_failed_download_leaves_no_file_and_keeps_an_old_one(tmp_path, kwargs, words):
    old = tmp_path / "f.gz"
    old.write_bytes(b"previous good file")
    with pytest.raises(DatasetError) as info:
        download_file("http://x/f.gz", old, md5="0123" + "0" * 28, progress=None, opener=opener_for(**kwargs))
    for word in words + ["http://x/f.gz", "Nothing was saved"]:
        assert word in str(info.value)
    assert os.listdir(tmp_path) == ["f.gz"]
    assert old.read_bytes() == b"previous good file"


def test_keyboard_interrupt_mid_stream_removes_the_temporary_file(tmp_path):
    opener = opener_for(fail_after=3 << 20, error=KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        download_file("http://x/f.gz", tmp_path / "f.gz", progress=None, opener=opener)
    assert os.listdir(tmp_path) == []


def test_unreachable_server_is_a_dataset_error(tmp_path):
    def opener(url, timeout):
        raise URLError("Name or service not known")
    with pytest.raises(DatasetError, match="could not download http://nowhere/f: .*Name or service not known"):
        download_file("http://nowhere/f", tmp_path / "f", opener=opener, progress=None)
    assert os.listdir(tmp_path) == []


def make_file(path, data=b"data"):
    """A file for VerifiedFiles; tests that want it remembered at once set RACY_SECONDS to 0."""
    path.write_bytes(data)
    return path


def test_verified_files_remember_across_instances_through_the_record(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "RACY_SECONDS", 0.0)
    path, record = make_file(tmp_path / "f"), tmp_path / "cache" / "verified.json"
    first = VerifiedFiles(record)
    assert not first.is_verified(path, "sum")
    first.mark_verified(path, "sum", file_stamp(path))
    assert first.is_verified(path, "sum")
    assert not first.is_verified(path, "another sum")
    again = VerifiedFiles(record)  # a new process: empty memory, same record
    assert again.is_verified(path, "sum")
    assert str(path.resolve()) in json.loads(record.read_text())


def test_a_changed_file_is_not_verified(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "RACY_SECONDS", 0.0)
    path = make_file(tmp_path / "f", b"aaaa")
    verified = VerifiedFiles(tmp_path / "v.json")
    verified.mark_verified(path, "sum", file_stamp(path))
    path.write_bytes(b"aaaab")  # a different size
    assert not verified.is_verified(path, "sum")
    assert not VerifiedFiles(tmp_path / "v.json").is_verified(path, "sum")


def test_same_size_rewrite_with_mtime_put_back_is_still_noticed(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "RACY_SECONDS", 0.0)
    path = make_file(tmp_path / "f", b"aaaa")
    stamp = file_stamp(path)
    verified = VerifiedFiles(None)
    verified.mark_verified(path, "sum", stamp)
    time.sleep(0.05)  # let the coarse file-system clock tick
    path.write_bytes(b"bbbb")
    os.utime(path, ns=(stamp[1], stamp[1]))  # as `cp -p` or `touch -r` would
    if os.stat(path).st_ctime_ns == stamp[2]:
        pytest.skip("this file system's ctime did not tick within 50 ms")
    assert file_stamp(path)[:2] == stamp[:2]
    assert not verified.is_verified(path, "sum")


def test_a_file_changed_just_now_is_not_remembered(tmp_path):
    path = tmp_path / "fresh"
    path.write_bytes(b"x")
    verified = VerifiedFiles(tmp_path / "v.json")
    verified.mark_verified(path, "sum", file_stamp(path))
    assert not verified.is_verified(path, "sum")
    assert not (tmp_path / "v.json").exists()


def test_unreadable_or_unwritable_record_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "RACY_SECONDS", 0.0)
    path = make_file(tmp_path / "f")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert not VerifiedFiles(broken).is_verified(path, "sum")
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    unwritable = VerifiedFiles(blocker / "verified.json")  # its folder cannot be made
    unwritable.mark_verified(path, "sum", file_stamp(path))
    assert unwritable.is_verified(path, "sum")  # still remembered in memory
