"""Rotation, scaling and shearing (scikit-image's warps), labels kept, training batches only,
and ``graphlab train --augment``."""

import numpy as np
import pytest
from skimage.transform import AffineTransform, resize, rotate, warp

from graphlab.cli import main
from graphlab.datasets.augment import (
    WARP,
    Augmentation,
    random_warp,
)
from graphlab.examples import open_graph
from graphlab.fileformat import load_document
from graphlab.training import prepare_training

EVERY_OPTION = {
    "flip": True,
    "crop_padding": 2,
    "translate": 0.1,
    "rotate": 15.0,
    "scale": 0.15,
    "shear": 10.0,
}


def smooth_images(n=24, c=3, size=17, seed=0):
    """Distinct zero-centred images without fine detail (random 4x4 grids, upsampled), as
    preprocessed data are: (n, c, size, size)."""
    coarse = np.random.default_rng(seed).random((n, c, 4, 4)) - 0.5
    return resize(coarse, (n, c, size, size), order=3).astype(np.float32)


@pytest.mark.parametrize("option", list(EVERY_OPTION))
def test_every_transform_keeps_each_image_in_its_place(option):
    """Image i of the batch stays image i (so its label, the batch's y[i], is still its own):
    each augmented image is nearest to its own original among all of the batch's."""
    X = smooth_images()
    out = Augmentation.from_spec({option: EVERY_OPTION[option]}).apply(
        X, np.random.default_rng(3), train=True
    )
    assert out.shape == X.shape and out.dtype == X.dtype
    assert not np.array_equal(out, X)
    flat_out, flat_x = out.reshape(len(X), -1), X.reshape(len(X), -1)
    distances = ((flat_out[:, None] - flat_x[None]) ** 2).sum(-1)  # (augmented, original)
    if option == "flip":  # a mirrored image is nearest to the mirror of its original
        distances = ((flat_out[:, None] - X[..., ::-1].reshape(len(X), -1)[None]) ** 2).sum(-1)
        distances = np.minimum(distances, ((flat_out[:, None] - flat_x[None]) ** 2).sum(-1))
    np.testing.assert_array_equal(distances.argmin(axis=1), np.arange(len(X)))


def test_a_rotated_image_equals_scikit_images_rotation():
    X = smooth_images(n=6, c=3)
    out = random_warp(X, np.random.default_rng(7), rotate=30.0)
    angles = np.random.default_rng(7).uniform(-30.0, 30.0, size=len(X))
    assert np.abs(angles).max() > 10  # really rotated, by different angles
    for image, angle, rotated in zip(X, angles, out, strict=True):
        expected = rotate(image.transpose(1, 2, 0), angle, order=1, mode="constant", cval=0.0,
                          preserve_range=True).transpose(2, 0, 1)  # fmt: skip
        np.testing.assert_allclose(rotated, expected.astype(np.float32), rtol=0, atol=1e-6)
    assert WARP == {"order": 1, "mode": "constant", "cval": 0.0, "preserve_range": True}


def test_one_warp_rotates_then_stretches_then_shears_about_the_centre():
    X = smooth_images(n=4, c=1)
    out = random_warp(X, np.random.default_rng(5), rotate=20.0, scale=0.2, shear=10.0)
    rng = np.random.default_rng(5)  # the same draws, in the documented order
    angles = np.deg2rad(rng.uniform(-20.0, 20.0, 4))
    factors = rng.uniform(0.8, 1.2, (4, 2))
    shears = rng.uniform(-10.0, 10.0, 4)
    centre = (17 - 1) / 2

    def shift(t):
        return np.array([[1.0, 0.0, t], [0.0, 1.0, t], [0.0, 0.0, 1.0]])

    for i in range(4):
        c, s = np.cos(-angles[i]), np.sin(-angles[i])  # rows grow downwards: counter-clockwise
        turn = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
        stretch = np.diag([*factors[i], 1.0])
        slant = AffineTransform(shear=np.deg2rad(shears[i])).params
        forward = shift(centre) @ slant @ stretch @ turn @ shift(-centre)
        expected = warp(X[i, 0], np.linalg.inv(forward), **WARP)  # the output -> input map
        np.testing.assert_allclose(out[i, 0], expected, rtol=0, atol=1e-5)


def test_scale_and_shear_warp_about_the_centre():
    X = np.zeros((8, 1, 9, 9), np.float32)
    X[:, 0, 4, 4] = 1.0  # the centre pixel
    X[:, 0, 4, 0] = 2.0  # the middle row's left end
    for out in (
        random_warp(X, np.random.default_rng(1), scale=0.3),
        random_warp(X, np.random.default_rng(1), shear=20.0),
        random_warp(X, np.random.default_rng(1), rotate=90.0, scale=0.3, shear=20.0),
    ):
        np.testing.assert_allclose(out[:, 0, 4, 4], 1.0, atol=1e-6)  # the centre stays
        assert not np.allclose(out, X)
    sheared = random_warp(X, np.random.default_rng(1), shear=20.0)
    np.testing.assert_allclose(sheared[:, 0, 4], X[:, 0, 4], atol=1e-6)  # the middle row stays


def test_warps_are_deterministic_with_a_seed():
    X = smooth_images()
    aug = Augmentation.from_spec(EVERY_OPTION)
    a = aug.apply(X, np.random.default_rng(11), train=True)
    np.testing.assert_array_equal(a, aug.apply(X, np.random.default_rng(11), train=True))
    assert not np.array_equal(a, aug.apply(X, np.random.default_rng(12), train=True))
    np.testing.assert_array_equal(X, smooth_images())  # the input was never changed


def test_the_trainer_augments_training_batches_only_and_keeps_their_labels():
    doc = open_graph("cnn-digits")
    doc.dataset["augment"] = {"rotate": 20.0, "scale": 0.1, "shear": 10.0, "translate": 0.1}
    run = prepare_training(doc, {"epochs": 2, "batch_size": 128})
    trainer = run.trainer
    rows = {np.asarray(x).tobytes(): i for i, x in enumerate(trainer.X)}
    splits = run.data.splits
    held_out = {x.tobytes() for split in (splits.val, splits.test) for x in split.X}
    seen: list[np.ndarray] = []
    augment, train_step = trainer.augment, trainer.train_step

    def spy_augment(X, rng):
        seen.append(np.array([rows[x.tobytes()] for x in X]))  # raises on a non-training row
        assert not {x.tobytes() for x in X} & held_out
        out = augment(X, rng)
        assert not np.array_equal(out, X)
        return out

    def spy_step(X, y):
        np.testing.assert_array_equal(y, trainer.y[seen[-1]])  # the batch's own labels
        return train_step(X, y)

    trainer.augment, trainer.train_step = spy_augment, spy_step
    history = trainer.run()
    assert sorted(np.concatenate(seen)) == sorted(list(range(len(trainer.X))) * 2)
    assert [e.val_accuracy is not None for e in history.epochs] == [True, True]  # evaluated


def test_train_augment_sets_the_runs_augmentation_and_is_saved(tmp_path, capsys):
    target = tmp_path / "aug.graphlab"
    argv = ["train", "cnn-digits", "--epochs", "1", "--save", str(target), "--augment"]
    assert main([*argv, "flip,crop=2,translate=0.1,rotate=10,scale=0.1,shear=5"]) == 0
    assert load_document(target).dataset["augment"] == {
        "flip": True,
        "crop_padding": 2,
        "translate": 0.1,
        "rotate": 10.0,
        "scale": 0.1,
        "shear": 5.0,
    }
    assert main([*argv, "none"]) == 0
    assert not load_document(target).dataset.get("augment")  # none: no augmentation


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("zoom=2", "augmentation has no key 'zoom'; allowed keys: flip, crop, translate"),
        ("rotate", "'rotate' is not OPTION=NUMBER"),
        ("rotate=ten", "'rotate=ten' is not OPTION=NUMBER"),
        ("rotate=400", "'rotate': expected a number in [0, 180], got 400.0"),
        ("crop=1.5", "'crop': expected a non-negative integer, got 1.5"),
        ("scale=-0.1", "'scale': expected a number in [0, 0.5], got -0.1"),
    ],
)
def test_bad_augment_strings_are_one_line_with_status_2(text, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "cnn-digits", f"--augment={text}"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "argument --augment" in err and message in err
