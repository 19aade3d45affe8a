"""Playback arithmetic: the frame due at a time, looping, the rate achieved."""

from __future__ import annotations

from studio_render.gui.playback import PlaybackClock, RateMeter


def test_the_frame_due_follows_the_clock_and_loops_between_the_marks() -> None:
    clock = PlaybackClock(30.0, 10, 19)
    clock.start(15, now_s=100.0)
    assert clock.due(100.0) == 15
    assert clock.due(100.0 + 1 / 30) == 16
    assert clock.due(100.0 + 4 / 30) == 19
    assert clock.due(100.0 + 5 / 30) == 10  # looped, on time
    assert clock.due(100.0 + 15 / 30) == 10
    clock.start(3, now_s=200.0)  # outside the loop: from its first frame
    assert clock.due(200.0) == 10


def test_the_rate_counts_frames_shown_over_the_last_second() -> None:
    meter = RateMeter()
    assert meter.rate() is None
    for i in range(61):  # 2 s at 30 fps
        meter.shown(i / 30)
    rate = meter.rate()
    assert rate is not None and abs(rate - 30) < 0.01
    meter.reset()
    assert meter.rate() is None
