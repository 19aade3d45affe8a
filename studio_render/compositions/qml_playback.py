"""``AnimatedImage`` and ``AnimatedSprite`` shown at the composition's time, not Qt's.

Qt plays them on its own clocks: an ``AnimatedImage`` is a ``QMovie`` stepped by a
``QTimer`` (``QMovie::nextFrameDelay``), an ``AnimatedSprite`` reads a ``QElapsedTimer``
in ``prepareNextFrame`` — neither follows the animation driver. Both show a frame of
their choosing while paused (``currentFrame``), so :class:`Playback` pauses every one
the scene plays and sets its frame from the time of the frame being drawn, ``frame /
fps`` seconds: an image from its file's frame delays (read with ``QImageReader``, as
``QMovie`` reads them), loop count and ``speed``; a sprite from ``frameRate`` (else
``frameDuration``; one a frame with ``frameSync``), ``loops`` and ``finishBehavior``.
A frame's picture then depends only on its number.

A ``SpriteSequence`` offers neither a frame nor a time to set: qml_sprites takes it over
and plays its sprites by Qt's rules at the frame's time. An ``AnimatedImage`` with a remote
source has no file to read delays from, nor a sequence remote sprite sheets: both are
left to Qt and warned about (see qml_scan).
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QObject
from PySide6.QtGui import QImageReader
from PySide6.QtQuick import QQuickItem

from studio_render.compositions.qml_scan import is_a, local_file, played_by_clock, qml_value
from studio_render.compositions.qml_sprites import SequencePlayer

#: Set on an item this module plays, so a later scan knows its ``paused`` is ours.
_PLAYED = "_studioRenderPlayed"
#: Set on a SpriteSequence this module plays: the number of its player.
_SEQUENCE_PLAYER = "_studioRenderSequence"
_IMAGE = "QQuickAnimatedImage"
_SEQUENCE = "QQuickSpriteSequence"
#: AnimatedSprite.finishBehavior: FinishAtInitialFrame (the default), FinishAtFinalFrame.
_FINISH_AT_FINAL = 1


@cache
def movie_timing(path: str) -> tuple[tuple[int, ...], int]:
    """The delay after each frame of an animated image file, as ``QMovie`` waits, and its
    loop count (-1: forever)."""
    reader = QImageReader(path)
    loops = reader.loopCount()
    delays = []
    while not reader.read().isNull():
        delays.append(max(0, reader.nextImageDelay()))
    return tuple(delays), loops


def image_frame(delays: tuple[int, ...], loops: int, time_ms: float, speed: float) -> int:
    """The frame an image shows ``time_ms`` after it started. Like ``QMovie``: it plays
    ``1 + loops`` times (forever if ``loops`` is -1), then holds its last frame."""
    cycle = sum(delays)
    if not delays or cycle <= 0:
        return 0
    played = time_ms * speed
    if loops >= 0 and played >= (1 + loops) * cycle:
        return len(delays) - 1
    at = played % cycle
    for index, delay in enumerate(delays):
        if at < delay:
            return index
        at -= delay
    return len(delays) - 1


def sprite_frame(sprite: QObject, frame: int, fps: float) -> int:
    """The frame an AnimatedSprite shows at composition frame ``frame``: one a drawn frame
    with ``frameSync`` (Qt: one a screen refresh), else by its frame rate or duration."""
    count = int(sprite.property("frameCount") or 0)
    rate = float(sprite.property("frameRate") or 0)
    per_frame = 1000 / rate if rate > 0 else float(sprite.property("frameDuration") or 0)
    synced = bool(sprite.property("frameSync"))
    if count <= 0 or (per_frame <= 0 and not synced):
        return 0
    shown = frame if synced else int(frame * 1000 / fps / per_frame + 1e-6)
    loops = int(sprite.property("loops"))
    if loops > 0 and shown >= loops * count:
        final = qml_value(sprite, "finishBehavior") == _FINISH_AT_FINAL
        return count - 1 if final else 0
    return shown % count


class Playback:
    """Drives the AnimatedImages, AnimatedSprites and SpriteSequences of one scene from the
    frame number."""

    def __init__(self, fps: float) -> None:
        self.fps = fps
        self.sequences: list[SequencePlayer] = []

    def show(self, objects: list[QObject], frame: int) -> None:
        """Set every played image and sprite among ``objects`` to its frame at ``frame``
        (frames in order: sequences remember the frames before)."""
        time_ms = frame * 1000 / self.fps
        for obj in objects:
            if is_a(obj, (_SEQUENCE,)):
                self._show_sequence(obj, frame)
                continue
            if not self._take(obj):
                continue
            if is_a(obj, (_IMAGE,)):
                path = local_file(obj)
                delays, loops = movie_timing(path) if path else ((), -1)
                speed = float(obj.property("speed") or 1.0)
                obj.setProperty("currentFrame", image_frame(delays, loops, time_ms, speed))
            else:
                obj.setProperty("currentFrame", sprite_frame(obj, frame, self.fps))

    def _show_sequence(self, sequence: QObject, frame: int) -> None:
        """Play a SpriteSequence (taken over at the first frame it is in, if running)."""
        number = sequence.property(_SEQUENCE_PLAYER)
        if number is None:
            if not played_by_clock(sequence) or not sequence.property("running"):
                return  # remote sheets are Qt's; a stopped sequence shows what Qt shows
            assert isinstance(sequence, QQuickItem)
            number = len(self.sequences)
            self.sequences.append(SequencePlayer(sequence, frame, self.fps, seed=number))
            sequence.setProperty(_SEQUENCE_PLAYER, number)
        self.sequences[int(number)].show(frame)

    @staticmethod
    def _take(obj: QObject) -> bool:
        """Whether this module plays ``obj``: one the scene plays, paused here for good."""
        if obj.property(_PLAYED):
            return True
        if not played_by_clock(obj):
            return False
        running = "playing" if is_a(obj, (_IMAGE,)) else "running"
        if not obj.property(running) or obj.property("paused"):
            return False  # the scene shows a still frame of its choosing
        obj.setProperty("paused", True)
        obj.setProperty(_PLAYED, True)
        return True
