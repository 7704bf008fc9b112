import hashlib
import io

import pytest

from server.blobs.store import LocalBlobStore, TooLarge


def test_bytes_are_stored_under_their_sha256_with_md5_and_size(tmp_path):
    store = LocalBlobStore(tmp_path)
    data = "ảnh minh chứng".encode() * 100_000
    stored = store.put_stream(io.BytesIO(data))
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert (stored.md5, stored.size) == (hashlib.md5(data).hexdigest(), len(data))
    with store.open(stored.sha256) as handle:
        assert handle.read() == data
    assert store.path_of(stored.sha256).relative_to(tmp_path).parts[:2] == (stored.sha256[:2], stored.sha256[2:4])


def test_same_bytes_twice_is_one_file_and_no_temporary_files_remain(tmp_path):
    store = LocalBlobStore(tmp_path)
    first, second = store.put_bytes(b"abc"), store.put_bytes(b"abc")
    assert first == second
    assert [path.name for path in tmp_path.rglob("*") if path.is_file()] == [first.sha256]


def test_a_stream_over_the_limit_stores_nothing(tmp_path):
    store = LocalBlobStore(tmp_path)
    with pytest.raises(TooLarge):
        store.put_stream(io.BytesIO(b"x" * 5000), limit=4096)
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_stale_half_written_files_are_removed_fresh_ones_kept(tmp_path):
    import os
    import time
    store = LocalBlobStore(tmp_path)
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    (incoming / "old").write_bytes(b"half")
    (incoming / "new").write_bytes(b"in flight")
    two_hours_ago = time.time() - 7200
    os.utime(incoming / "old", (two_hours_ago, two_hours_ago))
    assert store.remove_stale_incoming(older_than_seconds=3600) == 1
    assert sorted(path.name for path in incoming.iterdir()) == ["new"]
