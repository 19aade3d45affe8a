"""The aggregator QObject: first value 0, throttled to screen rate, last value kept, 1.0 once."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from studio_render.core.progress import ProgressModel
from studio_render.qt.aggregator import BAR_MAXIMUM, UPDATES_PER_SECOND, ProgressAggregator


def test_throttles_but_never_loses_the_last_value(qtbot: QtBot) -> None:
    agg = ProgressAggregator()
    values: list[float] = []
    bars: list[int] = []
    agg.progressChanged.connect(values.append)
    agg.barValueChanged.connect(bars.append)
    agg.begin(ProgressModel({0: 1000}, join_cost=0))
    assert values == [0.0]
    for n in range(1, 1001):  # a burst far faster than a screen refreshes
        agg.onChunkProgress(0, n, n - 1)
    assert len(values) <= 3
    qtbot.waitUntil(lambda: values[-1] >= 0.999 * 0.999, timeout=2000)
    assert len(values) < 10, "a burst of 1000 updates must be coalesced"
    assert values == sorted(values)
    agg.finish()
    assert values[-1] == 1.0 and values.count(1.0) == 1
    assert bars[-1] == BAR_MAXIMUM
    agg.finish()
    agg.onChunkDone(0)
    assert values.count(1.0) == 1, "nothing is emitted after 1.0"


def test_rate_is_about_screen_rate(qtbot: QtBot) -> None:
    agg = ProgressAggregator()
    values: list[float] = []
    agg.progressChanged.connect(values.append)
    agg.begin(ProgressModel({0: 100_000}, join_cost=0))
    n = 0

    def tick() -> None:
        nonlocal n
        n += 50
        agg.onChunkProgress(0, n, n)

    from PySide6.QtCore import QElapsedTimer, QTimer

    timer = QTimer()
    timer.timeout.connect(tick)
    clock = QElapsedTimer()
    clock.start()
    timer.start(1)
    qtbot.waitUntil(lambda: len(values) >= 12, timeout=10000)  # a busy machine is slower
    timer.stop()
    rate = (len(values) - 1) / (clock.elapsed() / 1000)
    assert rate <= UPDATES_PER_SECOND * 1.3


def test_stop_silences_updates(qtbot: QtBot) -> None:
    agg = ProgressAggregator()
    values: list[float] = []
    agg.progressChanged.connect(values.append)
    agg.begin(ProgressModel({0: 10}, join_cost=0))
    agg.stop()
    agg.onChunkProgress(0, 5, 5)
    agg.finish()
    assert values == [0.0]
