"""Measuring the event loop's responsiveness: a 5 ms heartbeat that records the gaps."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer


class Heartbeat:
    """A repeating QTimer every ``interval_ms``; ``gaps`` are the seconds between its ticks.

    A gap much longer than the interval means the event loop was blocked that long.
    """

    def __init__(self, interval_ms: int = 5) -> None:
        self.interval_ms = interval_ms
        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.timeout.connect(self._beat)

    def _beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start(self.interval_ms)

    def stop(self) -> None:
        self._timer.stop()
