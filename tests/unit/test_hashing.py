"""lib/hashing.py: the one SHA-256 of a file the audit tables and manifests name."""

import hashlib

from orchestration.lib.hashing import sha256_and_size, sha256_of


def test_sha256_of_a_file_larger_than_one_block(tmp_path):
    data = bytes(range(256)) * 5000  # 1.28 MB: more than one 1 MiB block
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert sha256_of(path) == hashlib.sha256(data).hexdigest()
    assert sha256_and_size(path) == (hashlib.sha256(data).hexdigest(), len(data))


def test_an_empty_file(tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(b"")
    assert sha256_and_size(path) == (hashlib.sha256(b"").hexdigest(), 0)
