"""A bounded, multi-resolution summary of a series: min, mean and max per bucket.

A run's series (loss and learning rate per step, accuracies per epoch, update ratios) grow
without bound; the full-resolution record goes to the run's metrics file, and memory keeps a
:class:`Summary`: at most ``capacity`` buckets of ``width`` consecutive points each. While the
buckets are not full, each holds one point (the curve is exact); when a point would need a
bucket beyond the last, neighbouring buckets merge in pairs and the width doubles, so the
memory of a series is fixed whatever the run's length (TensorBoard and W&B keep a bounded
sample per chart the same way while the data stays on disk). Bucket ``i`` holds points
``i*width .. (i+1)*width - 1`` of the series, in the order they were added.
"""

from __future__ import annotations

import numpy as np

#: buckets per series: a few thousand points is what a plot draws anyway
BUCKETS = 2048


class Summary:
    """min/mean/max and first/last x of each bucket of ``width`` points (arrays of ``size``)."""

    def __init__(self, capacity: int = BUCKETS) -> None:
        if capacity < 2 or capacity % 2:
            raise ValueError("a summary needs an even capacity of at least 2 buckets")
        self.capacity, self.width, self.points = capacity, 1, 0
        self.x_first = np.zeros(capacity)
        self.x_last = np.zeros(capacity)
        self.low = np.full(capacity, np.inf)
        self.high = np.full(capacity, -np.inf)
        self.total = np.zeros(capacity)
        self.count = np.zeros(capacity, dtype=np.int64)

    @property
    def size(self) -> int:
        """Buckets in use (the last may be partly filled)."""
        return -(-self.points // self.width)

    def add(self, xs, values) -> None:
        """Append points: xs (N,) (step or epoch), values (N,); NaN values count as points
        but not in min/mean/max."""
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        xs = np.asarray(xs, dtype=np.float64).reshape(-1)
        if not len(values):
            return
        while (self.points + len(values) - 1) // self.width >= self.capacity:
            self.merge()
        bucket = (self.points + np.arange(len(values))) // self.width
        starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
        ends = np.r_[starts[1:], len(values)] - 1
        ids = bucket[starts]
        known = ~np.isnan(values)
        fresh = self.count[ids] == 0
        self.x_first[ids] = np.where(fresh, xs[starts], self.x_first[ids])
        self.x_last[ids] = xs[ends]
        low = np.minimum.reduceat(np.where(known, values, np.inf), starts)
        high = np.maximum.reduceat(np.where(known, values, -np.inf), starts)
        self.low[ids] = np.minimum(self.low[ids], low)
        self.high[ids] = np.maximum(self.high[ids], high)
        self.total[ids] += np.add.reduceat(np.where(known, values, 0.0), starts)
        self.count[ids] += np.add.reduceat(known.astype(np.int64), starts)
        self.points += len(values)

    def merge(self) -> None:
        """Pairs of buckets into one: half the buckets, twice the width."""
        half = self.capacity // 2
        second = self.count[1::2] > 0
        for name, combine in (("low", np.minimum), ("high", np.maximum), ("total", np.add),
                              ("count", np.add)):  # fmt: skip
            array = getattr(self, name)
            merged = combine(array[0::2], array[1::2])
            array[:half] = merged
            array[half:] = _EMPTY[name]
        second_x = np.where(second, self.x_last[1::2], self.x_last[0::2])
        self.x_first[:half] = self.x_first[0::2].copy()
        self.x_last[:half] = second_x
        self.x_first[half:] = self.x_last[half:] = 0.0
        self.width *= 2

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(x, low, mean, high) of the buckets in use, x the middle of each bucket's x range
        (buckets without a known value left out)."""
        n = self.size
        count = self.count[:n]
        keep = count > 0
        x = (self.x_first[:n] + self.x_last[:n]) / 2
        mean = self.total[:n][keep] / count[keep]
        return x[keep], self.low[:n][keep], mean, self.high[:n][keep]

    def to_json(self) -> dict:
        """The buckets in use as plain lists (graph.json)."""
        n = self.size
        return {
            "width": self.width,
            "points": self.points,
            "x_first": self.x_first[:n].tolist(),
            "x_last": self.x_last[:n].tolist(),
            "low": [_finite(v) for v in self.low[:n]],
            "high": [_finite(v) for v in self.high[:n]],
            "total": self.total[:n].tolist(),
            "count": self.count[:n].tolist(),
        }

    @classmethod
    def from_json(cls, data: dict, capacity: int = BUCKETS) -> Summary:
        summary = cls(capacity)
        width, points = int(data.get("width", 1)), int(data.get("points", 0))
        n = -(-points // width) if width > 0 else 0
        columns = {k: data.get(k, []) for k in _EMPTY}
        columns.update(x_first=data.get("x_first", []), x_last=data.get("x_last", []))
        if width < 1 or n > capacity or any(len(v) != n for v in columns.values()):
            return summary  # damaged or from another capacity: an empty summary
        summary.width, summary.points = width, points
        for name, values in columns.items():
            array = getattr(summary, name)
            array[:n] = [_EMPTY[name] if v is None else v for v in values]
        return summary


#: what an empty bucket holds
_EMPTY = {"low": np.inf, "high": -np.inf, "total": 0.0, "count": 0}


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
