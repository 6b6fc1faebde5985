"""Loading the user's files: MNIST IDX, CIFAR-10 (binary and python), .npz and image folders,
each written by hand in tmp_path, and the messages for damaged or hostile files."""

import gzip
import os
import pickle
import struct

import numpy as np
import pytest

from engine.errors import DatasetError
from graphlab.datasets import load_dataset

rng = np.random.default_rng(0)


def write_idx(path, array, gz=False):
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def mnist_files(tmp_path, n=5, gz=False, labels=None):
    images = rng.integers(0, 256, size=(n, 4, 3), dtype=np.uint8)
    labels = np.arange(n) % 10 if labels is None else labels
    suffix = ".gz" if gz else ""
    write_idx(tmp_path / f"images{suffix}", images, gz)
    write_idx(tmp_path / f"labels{suffix}", np.asarray(labels), gz)
    return images, labels, suffix


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_idx_files_load_raw_or_gzipped(tmp_path, gz):
    images, labels, suffix = mnist_files(tmp_path, gz=gz)
    spec = {"format": "mnist", "images": f"images{suffix}", "labels": f"labels{suffix}"}
    ds = load_dataset(spec, base_dir=tmp_path)
    assert ds.X.shape == (5, 1, 4, 3) and ds.X.dtype == np.float32 and ds.is_image
    np.testing.assert_array_equal(ds.X[:, 0], images)
    np.testing.assert_array_equal(ds.y, labels)
    assert ds.y.dtype == np.int64 and ds.num_classes == 10


def load_mnist_spec(tmp_path, images="images", labels="labels"):
    return load_dataset({"format": "mnist", "images": images, "labels": labels}, tmp_path)


def test_truncated_idx_file_says_how_much_is_missing(tmp_path):
    mnist_files(tmp_path)
    path = tmp_path / "images"
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(
        DatasetError, match=r"images: truncated: .*\(5, 4, 3\).*60 bytes.* 53 bytes"
    ):
        load_mnist_spec(tmp_path)


def test_truncated_idx_header_is_reported(tmp_path):
    mnist_files(tmp_path)
    (tmp_path / "labels").write_bytes(struct.pack(">HBB", 0, 8, 1) + b"\x00\x00")
    with pytest.raises(DatasetError, match="labels: truncated in the header"):
        load_mnist_spec(tmp_path)


def test_label_count_mismatch_names_both_counts(tmp_path):
    mnist_files(tmp_path, n=5)
    write_idx(tmp_path / "labels", np.array([1, 2, 3]))
    with pytest.raises(DatasetError, match="3 labels, but .*images holds 5 images"):
        load_mnist_spec(tmp_path)


def test_swapped_idx_files_fail_on_the_magic_number(tmp_path):
    mnist_files(tmp_path)
    with pytest.raises(
        DatasetError, match="labels: not an IDX images file: its magic number is not 0x00000803"
    ):
        load_mnist_spec(tmp_path, images="labels", labels="images")


def test_damaged_gzip_and_missing_files_are_reported(tmp_path):
    mnist_files(tmp_path, gz=True)
    path = tmp_path / "images.gz"
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(DatasetError, match="images.gz: damaged gzip file"):
        load_mnist_spec(tmp_path, "images.gz", "labels.gz")
    with pytest.raises(DatasetError, match="nope: no such file"):
        load_mnist_spec(tmp_path, "nope", "labels.gz")


# --- CIFAR-10 ----------------------------------------------------------------------------------


def cifar_records(n, labels=None):
    labels = rng.integers(0, 10, size=n) if labels is None else np.asarray(labels)
    pixels = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    return pixels, labels


def write_cifar_binary(path, pixels, labels):
    path.write_bytes(np.column_stack([labels.astype(np.uint8), pixels]).tobytes())


def test_cifar_binary_batch_keeps_the_channel_layout(tmp_path):
    pixels, labels = cifar_records(3)
    write_cifar_binary(tmp_path / "data_batch_1.bin", pixels, labels)
    ds = load_dataset({"format": "cifar10", "path": str(tmp_path / "data_batch_1.bin")})
    assert ds.X.shape == (3, 3, 32, 32) and ds.X.dtype == np.float32
    np.testing.assert_array_equal(ds.X[1, 0].ravel(), pixels[1, :1024])  # red plane first
    np.testing.assert_array_equal(ds.X[1, 2, 0, :5], pixels[1, 2048:2053])  # blue, first row
    np.testing.assert_array_equal(ds.y, labels)
    assert ds.class_names[0] == "airplane" and ds.num_classes == 10


def test_cifar_folder_reads_train_batches_in_order_or_the_test_batch(tmp_path):
    parts = [cifar_records(2) for _ in range(3)]
    for i, (pixels, labels) in enumerate(parts[:2]):
        write_cifar_binary(tmp_path / f"data_batch_{i + 1}.bin", pixels, labels)
    write_cifar_binary(tmp_path / "test_batch.bin", *parts[2])
    (tmp_path / "batches.meta.txt").write_text("airplane\n")
    train = load_dataset({"format": "cifar10", "path": str(tmp_path)})
    np.testing.assert_array_equal(train.y, np.concatenate([parts[0][1], parts[1][1]]))
    test = load_dataset({"format": "cifar10", "path": str(tmp_path), "split": "test"})
    np.testing.assert_array_equal(test.X.reshape(2, -1), parts[2][0])


def test_cifar_binary_of_the_wrong_size_or_label_is_refused(tmp_path):
    pixels, labels = cifar_records(2)
    path = tmp_path / "batch.bin"
    path.write_bytes(np.column_stack([labels.astype(np.uint8), pixels]).tobytes()[:-1])
    with pytest.raises(DatasetError, match="batch.bin: .* not a multiple of the 3073-byte record"):
        load_dataset({"format": "cifar10", "path": str(path)})
    write_cifar_binary(path, pixels, np.array([3, 12]))
    with pytest.raises(DatasetError, match="label 12 is not a CIFAR-10 class"):
        load_dataset({"format": "cifar10", "path": str(path)})


@pytest.mark.parametrize("protocol", [2, 4, 5])
@pytest.mark.parametrize("byte_keys", [True, False])
def test_cifar_python_batch_loads_through_the_restricted_unpickler(tmp_path, protocol, byte_keys):
    pixels, labels = cifar_records(4)
    key = (lambda k: k.encode()) if byte_keys else (lambda k: k)
    batch = {
        key("batch_label"): key("training batch 1 of 5"),
        key("labels"): [int(v) for v in labels[:2]] + [np.int64(v) for v in labels[2:]],
        key("data"): pixels,
        key("filenames"): [key(f"img{i}.png") for i in range(4)],
    }
    path = tmp_path / "data_batch_1"
    with path.open("wb") as f:
        pickle.dump(batch, f, protocol=protocol)
    ds = load_dataset({"format": "cifar10", "path": str(tmp_path)})
    np.testing.assert_array_equal(ds.X.reshape(4, -1), pixels)
    np.testing.assert_array_equal(ds.y, labels)


class Pwn:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


class EvalPwn:
    def __reduce__(self):
        return (eval, ("__import__('os').getcwd()",))


@pytest.mark.parametrize("protocol", [2, 5])
def test_a_pickle_that_would_run_code_is_refused_and_never_executed(tmp_path, protocol):
    target = tmp_path / "pwned"
    path = tmp_path / "data_batch_1"
    with path.open("wb") as f:
        pickle.dump({b"data": Pwn(target), b"labels": [0]}, f, protocol=protocol)
    with pytest.raises(DatasetError, match=r"data_batch_1: refused to load: .*system") as err:
        load_dataset({"format": "cifar10", "path": str(path)})
    assert "CIFAR-10 batch never needs" in str(err.value)
    assert not target.exists()
    with path.open("wb") as f:
        pickle.dump([EvalPwn()], f, protocol=protocol)
    with pytest.raises(
        DatasetError, match=r"refused to load: the pickle asks for (builtins|__builtin__)\.eval"
    ):
        load_dataset({"format": "cifar10", "path": str(path)})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({b"data": np.zeros((2, 3072), np.uint8)}, "no 'labels' entry"),
        ({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, r"must be uint8 of shape"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}, "1 labels for 2 images"),
        ({b"data": np.zeros((1, 3072), np.uint8), b"labels": ["cat"]}, "labels must be integers"),
        ([1, 2], "expected a pickled dict, found list"),
    ],
)
def test_cifar_python_batch_with_wrong_content_says_what(tmp_path, content, message):
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps(content, protocol=2))
    with pytest.raises(DatasetError, match=message):
        load_dataset({"format": "cifar10", "path": str(path)})


def test_truncated_cifar_python_batch_is_reported(tmp_path):
    pixels, labels = cifar_records(2)
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": pixels, b"labels": list(labels)}, protocol=2)[:-50])
    with pytest.raises(DatasetError, match="data_batch_1: not a readable CIFAR-10 python batch"):
        load_dataset({"format": "cifar10", "path": str(path)})


def test_cifar_folder_without_batches_is_reported(tmp_path):
    with pytest.raises(DatasetError, match=r"no CIFAR-10 test batches \(test_batch\* files\)"):
        load_dataset({"format": "cifar10", "path": str(tmp_path), "split": "test"})


# --- .npz --------------------------------------------------------------------------------------


def test_npz_with_vectors_and_class_names(tmp_path):
    X = rng.standard_normal((6, 3))
    y = np.array([0, 1, 2, 0, 1, 2], dtype=np.int32)
    np.savez(tmp_path / "d.npz", X=X, y=y, class_names=np.array(["a", "b", "c"]))
    ds = load_dataset({"format": "npz", "path": "d.npz"}, base_dir=tmp_path)
    assert ds.X.dtype == np.float32 and ds.y.dtype == np.int64 and not ds.is_image
    np.testing.assert_allclose(ds.X, X, rtol=1e-6)
    np.testing.assert_array_equal(ds.y, y)
    assert ds.class_names == ("a", "b", "c")


def test_npz_with_grayscale_images_gains_a_channel_axis(tmp_path):
    np.savez_compressed(tmp_path / "d.npz", X=np.ones((4, 5, 5), np.uint8), y=np.arange(4.0))
    ds = load_dataset({"format": "npz", "path": str(tmp_path / "d.npz")})
    assert ds.X.shape == (4, 1, 5, 5) and ds.is_image and ds.num_classes == 4


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"X": np.zeros((2, 2))}, r"missing array y \(the file holds X\)"),
        ({"X": np.zeros((2, 2)), "y": np.array([0.5, 1])}, "labels must be whole numbers"),
        ({"X": np.zeros((2, 2)), "y": np.array([0, -1])}, "labels must be >= 0"),
        ({"X": np.zeros((2, 2)), "y": np.array([0, 1, 1])}, r"one label per sample, shape \(2,\)"),
        ({"X": np.full((2, 2), np.nan), "y": np.array([0, 1])}, "NaN or infinite"),
        ({"X": np.zeros((2, 2, 2, 2, 2)), "y": np.array([0, 1])}, r"\(N, D\) vectors or"),
        ({"X": np.array([{}, {}], dtype=object), "y": np.array([0, 1])}, "Python objects"),
    ],
)
def test_bad_npz_content_is_named(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(DatasetError, match=f"bad.npz: .*{message}"):
        load_dataset({"format": "npz", "path": str(path)})


def test_a_file_that_is_not_npz_is_named(tmp_path):
    path = tmp_path / "x.npz"
    path.write_bytes(b"PK\x03\x04 this is no zip")
    with pytest.raises(DatasetError, match="x.npz: .*damaged"):
        load_dataset({"format": "npz", "path": str(path)})
    path.write_text("X,y\n1,2\n")
    with pytest.raises(DatasetError, match="x.npz: not an .npz file"):
        load_dataset({"format": "npz", "path": str(path)})


# --- image folder ------------------------------------------------------------------------------


def image_folder(tmp_path, sizes=None, modes=("RGB", "L")):
    Image = pytest.importorskip("PIL.Image", reason="Pillow is not installed")
    root = tmp_path / "pics"
    pixels = {}
    for c, name in enumerate(["cat", "dog"]):
        (root / name).mkdir(parents=True)
        for i in range(2):
            h, w = sizes[(c, i)] if sizes and (c, i) in sizes else (6, 5)
            mode = modes[i % len(modes)]
            shape = (h, w, 3) if mode == "RGB" else (h, w)
            arr = rng.integers(0, 256, size=shape, dtype=np.uint8)
            Image.fromarray(arr, mode=mode).save(root / name / f"{i}.png")
            pixels[(c, i)] = arr
    (root / "cat" / "notes.txt").write_text("not an image")
    (root / ".hidden").mkdir()
    return root, pixels


def test_image_folder_loads_one_class_per_subfolder(tmp_path):
    root, pixels = image_folder(tmp_path)
    ds = load_dataset({"format": "folder", "path": str(root)})
    assert ds.X.shape == (4, 3, 6, 5) and ds.X.dtype == np.float32 and ds.is_image
    assert ds.class_names == ("cat", "dog")
    np.testing.assert_array_equal(ds.y, [0, 0, 1, 1])
    np.testing.assert_array_equal(ds.X[2].transpose(1, 2, 0), pixels[(1, 0)])  # RGB
    gray = pixels[(0, 1)]
    np.testing.assert_array_equal(ds.X[1], np.stack([gray] * 3))  # gray among RGB: 3 copies


def test_all_grayscale_folder_gives_one_channel(tmp_path):
    root, pixels = image_folder(tmp_path, modes=("L",))
    ds = load_dataset({"format": "folder", "path": str(root)})
    assert ds.X.shape == (4, 1, 6, 5)
    np.testing.assert_array_equal(ds.X[3, 0], pixels[(1, 1)])


def test_image_of_another_size_is_named_unless_a_size_is_given(tmp_path):
    root, _ = image_folder(tmp_path, sizes={(1, 1): (7, 7)})
    with pytest.raises(DatasetError, match=r"dog/1.png: 7x7 pixels, but the other images are 6x5"):
        load_dataset({"format": "folder", "path": str(root)})
    ds = load_dataset({"format": "folder", "path": str(root), "size": [4, 3]})
    assert ds.X.shape == (4, 3, 4, 3)


def test_broken_or_missing_images_are_named(tmp_path):
    root, _ = image_folder(tmp_path)
    (root / "dog" / "2.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(DatasetError, match="dog/2.png: cannot read the image"):
        load_dataset({"format": "folder", "path": str(root)})
    (root / "dog" / "2.png").unlink()
    (root / "bird").mkdir()
    with pytest.raises(DatasetError, match="bird: the class folder holds no images"):
        load_dataset({"format": "folder", "path": str(root)})
    with pytest.raises(DatasetError, match="cat: no class subfolders"):
        load_dataset({"format": "folder", "path": str(root / "cat")})
    with pytest.raises(DatasetError, match="size must be"):
        load_dataset({"format": "folder", "path": str(root), "size": [0, 3]})


# --- damaged files of every format -------------------------------------------------------------


def valid_file(tmp_path, kind):
    """(spec, path of the file to damage) for a valid dataset of ``kind``."""
    if kind in ("mnist", "mnist.gz"):
        _, _, suffix = mnist_files(tmp_path, gz=kind.endswith(".gz"))
        spec = {"format": "mnist", "images": f"images{suffix}", "labels": f"labels{suffix}"}
        return spec, tmp_path / f"images{suffix}"
    path = tmp_path / "data_batch_1"
    if kind == "cifar-binary":
        write_cifar_binary(path, *cifar_records(2))
    elif kind.startswith("cifar-pickle"):
        pixels, labels = cifar_records(2)
        path.write_bytes(pickle.dumps({b"data": pixels, b"labels": list(labels)}, int(kind[-1])))
    elif kind == "npz":
        path = tmp_path / "d.npz"
        np.savez_compressed(path, X=rng.standard_normal((3, 2)), y=np.arange(3))
        return {"format": "npz", "path": "d.npz"}, path
    elif kind == "png":
        root, _ = image_folder(tmp_path)
        return {"format": "folder", "path": "pics"}, root / "dog" / "1.png"
    return {"format": "cifar10", "path": "data_batch_1"}, path


@pytest.mark.parametrize(
    "kind", ["mnist", "mnist.gz", "cifar-binary", "cifar-pickle2", "cifar-pickle5", "npz", "png"]
)
def test_damaged_files_give_a_dataset_error_or_load(tmp_path, kind):
    spec, path = valid_file(tmp_path, kind)
    good = path.read_bytes()
    fuzz = np.random.default_rng(7)
    cuts = [good[:k] for k in np.linspace(0, len(good) - 1, 25).astype(int)]
    flips = []
    for _ in range(100):
        damaged = np.frombuffer(good, np.uint8).copy()
        damaged[fuzz.integers(len(good), size=3)] = fuzz.integers(256, size=3)
        flips.append(damaged.tobytes())
    refused = 0
    for data in cuts + flips:
        path.write_bytes(data)
        try:
            load_dataset(spec, base_dir=tmp_path)
        except DatasetError as e:
            refused += 1
            assert path.name in str(e) or "labels" in str(e)
    assert refused >= len(cuts) - 1  # every cut but the whole file is refused at least
