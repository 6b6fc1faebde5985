"""Splits, preprocessing fitted on the training split only, and training-time augmentation."""

import io

import numpy as np
import pytest

from engine.errors import DatasetError
from graphlab.datasets import (
    Augmentation,
    Dataset,
    Preprocessing,
    fit_preprocessing,
    load_dataset,
    preprocess_splits,
    random_crop,
    random_flip,
    random_translate,
    split_dataset,
)


def image_set(n=50, shape=(3, 4, 5), seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 255, size=(n, *shape)).astype(np.float32)
    return Dataset(X, np.arange(n) % 3, ("a", "b", "c"), "test", True)


def test_split_parts_are_disjoint_cover_the_data_and_match_their_indices():
    ds = image_set(n=50)
    splits = split_dataset(ds, val=0.2, test=0.1, seed=1)
    parts = [splits.train_indices, splits.val_indices, splits.test_indices]
    assert [len(p) for p in parts] == [35, 10, 5]
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(50))
    for part, idx in zip((splits.train, splits.val, splits.test), parts, strict=True):
        np.testing.assert_array_equal(part.X, ds.X[idx])
        np.testing.assert_array_equal(part.y, ds.y[idx])
        assert part.class_names == ds.class_names and part.is_image


def test_split_is_reproducible_by_seed():
    ds = image_set()
    a, b, c = (split_dataset(ds, seed=s).train_indices for s in (3, 3, 4))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_split_without_validation_or_test_keeps_everything_for_training():
    splits = split_dataset(image_set(n=7), val=0.0, test=0.0)
    assert len(splits.train) == 7 and len(splits.val) == 0 and len(splits.test) == 0


@pytest.mark.parametrize(
    ("val", "test", "message"),
    [(1.0, 0.0, r"val fraction must be in \[0, 1\)"), (0.1, -0.1, "test fraction"),
     (0.5, 0.5, "leave no training samples out of 50")],
)  # fmt: skip
def test_bad_split_fractions_are_refused(val, test, message):
    with pytest.raises(DatasetError, match=message):
        split_dataset(image_set(), val=val, test=test)


def shifted_splits():
    """A set whose later samples are brighter, so the full-set mean differs from the train mean."""
    ds = image_set(n=40)
    ds = Dataset(ds.X + np.arange(40, dtype=np.float32)[:, None, None, None] * 10, ds.y,
                 ds.class_names, ds.name, True)  # fmt: skip
    return ds, split_dataset(ds, val=0.25, test=0.25, seed=0)


def test_mean_image_comes_from_the_training_split_only():
    ds, splits = shifted_splits()
    done, stats = preprocess_splits(splits, center="mean")
    assert stats.mean.shape == (3, 4, 5)
    np.testing.assert_allclose(stats.mean, splits.train.X.mean(axis=0), rtol=1e-5)
    assert not np.allclose(stats.mean, ds.X.mean(axis=0), rtol=1e-3)
    np.testing.assert_allclose(done.train.X.mean(axis=0), 0, atol=1e-3)
    np.testing.assert_allclose(done.val.X, splits.val.X - stats.mean, rtol=1e-5)
    assert done.test.X.dtype == np.float32
    np.testing.assert_array_equal(done.train_indices, splits.train_indices)


def test_per_channel_mean_and_std_scaling():
    _, splits = shifted_splits()
    train = splits.train.X
    stats = fit_preprocessing(train, center="channel", scale="std")
    assert stats.mean.shape == stats.scale.shape == (3, 1, 1)
    np.testing.assert_allclose(stats.mean[:, 0, 0], train.mean(axis=(0, 2, 3)), rtol=1e-5)
    out = stats.apply(train)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), 1, rtol=1e-4)


def test_std_of_a_constant_feature_counts_as_one_and_constant_scale_divides():
    digits = load_dataset({"name": "digits"})
    stats = fit_preprocessing(digits.X, center="mean", scale="std")
    assert stats.scale[0, 0, 0] == 1.0  # the top-left pixel is 0 in every digit
    assert np.all(np.isfinite(stats.apply(digits.X)))
    stats = fit_preprocessing(digits.X, center="none", scale=16)
    np.testing.assert_allclose(stats.apply(digits.X), digits.X / 16)


def test_statistics_round_trip_through_an_npz_without_pickle():
    _, splits = shifted_splits()
    stats = fit_preprocessing(splits.train.X, center="mean", scale=255.0)
    buffer = io.BytesIO()
    np.savez(buffer, **stats.to_arrays())
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as arrays:
        again = Preprocessing.from_arrays(arrays)
    assert again.center == "mean"
    np.testing.assert_array_equal(again.apply(splits.test.X), stats.apply(splits.test.X))
    with pytest.raises(DatasetError, match="missing 'scale'"):
        Preprocessing.from_arrays({"center": np.array("mean"), "mean": stats.mean})


def test_preprocessing_errors_name_the_problem():
    spiral = load_dataset({"name": "spiral"})
    with pytest.raises(DatasetError, match=r"per-channel mean needs images .* got \(300, 2\)"):
        fit_preprocessing(spiral.X, center="channel")
    with pytest.raises(DatasetError, match="center must be one of none, mean, channel"):
        fit_preprocessing(spiral.X, center="median")
    with pytest.raises(DatasetError, match="scale must be None, 'std' or a positive number"):
        fit_preprocessing(spiral.X, scale=0)
    stats = fit_preprocessing(spiral.X)
    with pytest.raises(DatasetError, match=r"fitted on samples of shape \(2,\), got .*\(4, 3\)"):
        stats.apply(np.zeros((4, 3), np.float32))
    gray = image_set(n=4, shape=(1, 4, 4)).X
    with pytest.raises(DatasetError, match=r"shape \(1, 4, 4\), got data of shape \(2, 3, 4, 4\)"):
        fit_preprocessing(gray, center="mean").apply(np.zeros((2, 3, 4, 4), np.float32))
    with pytest.raises(DatasetError, match=r"shape \(1, 1, 1\), got data of shape \(2, 3, 4, 4\)"):
        fit_preprocessing(gray, center="channel").apply(np.zeros((2, 3, 4, 4), np.float32))
    other_size = fit_preprocessing(gray, center="channel").apply(np.ones((2, 1, 6, 6), np.float32))
    assert other_size.shape == (2, 1, 6, 6)  # per-channel statistics fit any image size


# --- augmentation ------------------------------------------------------------------------------


def ramp_images(n=16, c=2, h=5, w=6):
    """Images whose every pixel value is unique and non-zero, so shifts can be recognised."""
    return (np.arange(n * c * h * w, dtype=np.float32) + 1).reshape(n, c, h, w)


def test_flip_really_flips_left_right_per_sample():
    X = ramp_images()
    np.testing.assert_array_equal(random_flip(X, np.random.default_rng(0), p=1.0), X[..., ::-1])
    np.testing.assert_array_equal(random_flip(X, np.random.default_rng(0), p=0.0), X)
    out = random_flip(X, np.random.default_rng(0))
    flipped = np.array([np.array_equal(o, x[..., ::-1]) for o, x in zip(out, X, strict=True)])
    kept = np.array([np.array_equal(o, x) for o, x in zip(out, X, strict=True)])
    assert np.all(flipped ^ kept) and flipped.any() and kept.any()
    assert out.shape == X.shape and out.dtype == X.dtype


def find_offset(window, padded):
    """The (top, left) where ``window`` (C, h, w) sits in ``padded`` (C, H, W), or None."""
    h, w = window.shape[1:]
    for top in range(padded.shape[1] - h + 1):
        for left in range(padded.shape[2] - w + 1):
            if np.array_equal(padded[:, top : top + h, left : left + w], window):
                return top, left
    return None


def test_random_crop_takes_windows_of_the_zero_padded_image():
    X = ramp_images()
    out = random_crop(X, np.random.default_rng(1), padding=2)
    assert out.shape == X.shape and out.dtype == X.dtype
    padded = np.pad(X, ((0, 0), (0, 0), (2, 2), (2, 2)))
    offsets = {find_offset(o, p) for o, p in zip(out, padded, strict=True)}
    assert None not in offsets and len(offsets) > 3  # each a window, at different places
    small = random_crop(X, np.random.default_rng(1), padding=0, size=(3, 4))
    assert small.shape == (16, 2, 3, 4)
    assert all(find_offset(o, x) is not None for o, x in zip(small, X, strict=True))
    with pytest.raises(DatasetError, match="a 9x4 crop does not fit"):
        random_crop(X, np.random.default_rng(1), padding=1, size=(9, 4))


def test_random_translate_shifts_by_at_most_the_fraction_with_zero_fill():
    X = ramp_images(h=10, w=10)
    out = random_translate(X, np.random.default_rng(2), fraction=0.2)
    padded = np.pad(X, ((0, 0), (0, 0), (2, 2), (2, 2)))
    shifts = [find_offset(o, p) for o, p in zip(out, padded, strict=True)]
    assert None not in shifts and len(set(shifts)) > 3
    moved = [s != (2, 2) for s in shifts]
    assert all((o == 0).any() == m for o, m in zip(out, moved, strict=True))


def test_augmentation_is_reproducible_and_only_in_training():
    X = ramp_images()
    aug = Augmentation.from_spec({"flip": True, "crop_padding": 1, "translate": 0.2})
    a = aug.apply(X, np.random.default_rng(5), train=True)
    b = aug.apply(X, np.random.default_rng(5), train=True)
    np.testing.assert_array_equal(a, b)
    assert a.shape == X.shape and not np.array_equal(a, X)
    rng = np.random.default_rng(5)
    state = rng.bit_generator.state
    assert aug.apply(X, rng, train=False) is X
    assert rng.bit_generator.state == state  # evaluation draws nothing
    np.testing.assert_array_equal(X, ramp_images())  # the input was never changed


def test_augmentation_refuses_vectors_and_unknown_options():
    spiral = load_dataset({"name": "spiral"})
    with pytest.raises(DatasetError, match=r"needs image batches \(N, C, H, W\), got \(300, 2\)"):
        Augmentation(flip=True).apply(spiral.X, np.random.default_rng(0), train=True)
    with pytest.raises(DatasetError, match="augmentation has no key 'zoom'"):
        Augmentation.from_spec({"zoom": 10})
    with pytest.raises(DatasetError, match="translate"):
        Augmentation.from_spec({"translate": 0.9})
