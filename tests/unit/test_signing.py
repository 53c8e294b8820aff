"""Signed model files: a tampered, unsigned or foreign model is refused before anything is unpickled."""

import json
import pickle
import zipfile

import pytest

from automl.model.bundle_io import _extract_verified
from automl.model.signing import SIGNATURE_FILE, BundleSignatureError, digest_files, sign_dir, sign_manifest, verify_dir
from automl.store import atomic


class Boom:
    """Unpickling this writes a marker file: the proof that a refused model was never unpickled."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def make_zip(path, files: dict[str, bytes], key: bytes | None, extra: dict[str, bytes] | None = None):
    with zipfile.ZipFile(path, "w") as zf:
        if key is not None:
            import hashlib

            manifest = {n: hashlib.sha256(d).hexdigest() for n, d in files.items()}
            zf.writestr(SIGNATURE_FILE, json.dumps(sign_manifest(key, manifest)))
        for name, data in {**files, **(extra or {})}.items():
            zf.writestr(name, data)


@pytest.fixture
def payload(tmp_path):
    marker = tmp_path / "UNPICKLED"
    return marker, {"predictor/predictor.pkl": pickle.dumps(Boom(str(marker))), "config.json": b"{}"}


def test_a_correctly_signed_zip_extracts(tmp_path, payload):
    _, files = payload
    make_zip(tmp_path / "ok.zip", files, b"k1")
    _extract_verified(tmp_path / "ok.zip", b"k1", tmp_path / "out")
    assert (tmp_path / "out" / "predictor" / "predictor.pkl").read_bytes() == files["predictor/predictor.pkl"]
    verify_dir(tmp_path / "out", b"k1", "extracted")


@pytest.mark.parametrize("case", ["unsigned", "foreign", "tampered", "extra_file", "not_a_zip"])
def test_bad_bundles_are_refused_without_unpickling(tmp_path, payload, case):
    marker, files = payload
    path = tmp_path / "bad.zip"
    if case == "unsigned":
        make_zip(path, files, None)
    elif case == "foreign":
        make_zip(path, files, b"someone else's key")
    elif case == "tampered":
        make_zip(path, files, b"k1")
        with zipfile.ZipFile(path) as zf:
            entries = {n: zf.read(n) for n in zf.namelist()}
        entries["predictor/predictor.pkl"] = pickle.dumps(Boom(str(marker))) + b"x"
        with zipfile.ZipFile(path, "w") as zf:
            for n, d in entries.items():
                zf.writestr(n, d)
    elif case == "extra_file":
        make_zip(path, files, b"k1", extra={"predictor/evil.pkl": b"x"})
    else:
        path.write_bytes(b"not a zip at all")
    with pytest.raises(BundleSignatureError) as err:
        _extract_verified(path, b"k1", tmp_path / "out")
    assert not marker.exists(), "the model was unpickled"
    if case == "foreign":
        assert "share the signing key" in str(err.value)


def test_a_path_outside_the_folder_is_refused_even_when_signed(tmp_path):
    make_zip(tmp_path / "slip.zip", {"../escape.txt": b"x"}, b"k1")
    with pytest.raises(BundleSignatureError, match="outside"):
        _extract_verified(tmp_path / "slip.zip", b"k1", tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


def test_a_changed_file_in_a_signed_folder_is_refused(tmp_path):
    folder = tmp_path / "run"
    (folder / "predictor").mkdir(parents=True)
    (folder / "predictor" / "m.pkl").write_bytes(b"model")
    atomic.write_json(folder / "schema.json", {"a": 1})
    sign_dir(folder, ["predictor", "schema.json"], b"k1")
    verify_dir(folder, b"k1", "run")
    assert set(digest_files(folder, ["predictor"])) == {"predictor/m.pkl"}
    (folder / "predictor" / "m.pkl").write_bytes(b"evil")
    with pytest.raises(BundleSignatureError, match="changed"):
        verify_dir(folder, b"k1", "run")
    (folder / SIGNATURE_FILE).unlink()
    with pytest.raises(BundleSignatureError, match="not signed"):
        verify_dir(folder, b"k1", "run")


def test_every_file_that_decides_what_is_loaded_is_signed_and_none_may_be_added(tmp_path):
    from automl.model.run_files import SIGNED, RunFiles

    files = RunFiles(tmp_path)
    files.predictor.mkdir()
    (files.predictor / "predictor.pkl").write_bytes(b"model")
    for path in (files.schema, files.metrics, files.recipe, files.model):
        atomic.write_json(path, {"predictor": "predictor"})
    sign_dir(tmp_path, files.signed(), b"k")
    verify_dir(tmp_path, b"k", "run", covered=SIGNED)
    signed = set(atomic.read_json(tmp_path / SIGNATURE_FILE)["files"])
    assert {"model.json", "schema.json", "predictor/predictor.pkl"} <= signed

    atomic.write_json(files.model, {"predictor": "../elsewhere"})  # model.json alone edited
    with pytest.raises(BundleSignatureError, match="model.json"):
        verify_dir(tmp_path, b"k", "run", covered=SIGNED)
    atomic.write_json(files.model, {"predictor": "predictor"})
    sign_dir(tmp_path, files.signed(), b"k")
    atomic.write_json(files.threshold, {"threshold": 0.99})  # a decision threshold slipped in unsigned
    with pytest.raises(BundleSignatureError, match="threshold.json was not signed"):
        verify_dir(tmp_path, b"k", "run", covered=SIGNED)
    files.threshold.unlink()
    (files.predictor / "extra.pkl").write_bytes(b"x")  # a model file added after signing
    with pytest.raises(BundleSignatureError, match="extra.pkl was not signed"):
        verify_dir(tmp_path, b"k", "run", covered=SIGNED)


@pytest.mark.parametrize("raw", [b"\n" + bytes(range(200, 230)) + b" ", b"\x0b\x0c" + bytes(range(128, 160))])
def test_a_copied_workspace_key_file_is_used_byte_for_byte(tmp_path, raw):
    # A workspace key is 32 random bytes; stripping them as text changed about one key in twenty (CI flake).
    from automl.model.signing import signing_key

    key_file = tmp_path / "key"
    key_file.write_bytes(raw)
    assert signing_key(b"other", key_file) == raw


def test_a_typed_key_file_loses_its_line_end(tmp_path):
    from automl.model.signing import signing_key

    key_file = tmp_path / "key"
    key_file.write_text("  team-shared-secret\n")
    assert signing_key(b"other", key_file) == b"team-shared-secret"
