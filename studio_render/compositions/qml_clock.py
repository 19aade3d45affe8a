"""A QAnimationDriver whose clock moves only when told: exactly one frame per step.

Qt Quick animations (``NumberAnimation``, ``Behavior``, ``SequentialAnimation``) read
their time from the installed animation driver. PySide6 does not bind
``QAnimationDriver``, so this builds one with ctypes from QtCore's exported, public
symbols: a real ``QAnimationDriver`` whose virtual ``elapsed()`` is replaced (in a copy of
its virtual table) by a function returning this clock's milliseconds. ``step()`` then
calls ``QAnimationDriver::advance()``, which advances every running animation to that
time. Qt's own timers never move it, so a frame's animation state depends only on how
many steps came before it.
"""

from __future__ import annotations

import ctypes
import sys
from pathlib import Path

import PySide6
from PySide6.QtCore import QVariantAnimation

_CORE = Path(PySide6.__file__).parent / "Qt" / "lib" / "libQt6Core.so.6"
_OBJECT_SIZE = 64  # QAnimationDriver is a QObject: a vtable and a d-pointer (16 bytes)
_VTABLE_SLOTS = 16  # QAnimationDriver's virtual functions: QObject's 12, then its own 4
_CTOR = "_ZN16QAnimationDriverC1EP7QObject"
_ELAPSED = "_ZNK16QAnimationDriver7elapsedEv"
_ELAPSED_FN = ctypes.CFUNCTYPE(ctypes.c_longlong, ctypes.c_void_p)


class ClockError(RuntimeError):
    """This Qt build's animation driver could not be replaced."""


class FrameClock:
    """Install with :meth:`install` before the scene loads; :meth:`step` per frame."""

    def __init__(self, fps: float = 30.0) -> None:
        self.fps = fps
        self.steps = 0  # since the last restart
        self.base_ms = 0
        try:
            core = ctypes.CDLL(str(_CORE), mode=ctypes.RTLD_GLOBAL)
        except OSError as exc:
            raise ClockError(f"QtCore not found for the animation clock: {exc}") from None
        self._object = ctypes.create_string_buffer(_OBJECT_SIZE)
        this = ctypes.addressof(self._object)
        try:
            construct = getattr(core, _CTOR)
            elapsed_address = ctypes.cast(getattr(core, _ELAPSED), ctypes.c_void_p).value
            self._advance = core._ZN16QAnimationDriver7advanceEv
            self._install = core._ZN16QAnimationDriver7installEv
        except AttributeError as exc:
            raise ClockError(f"QtCore lacks QAnimationDriver: {exc}") from None
        construct.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        construct(this, None)
        self._advance.argtypes = self._install.argtypes = [ctypes.c_void_p]
        # Copy the vtable (with the two words before it) and point one slot at us.
        vptr = ctypes.c_void_p.from_address(this).value
        assert vptr is not None
        table = (ctypes.c_void_p * (_VTABLE_SLOTS + 2))()
        ctypes.memmove(table, vptr - 16, ctypes.sizeof(table))
        slots = [i for i in range(2, _VTABLE_SLOTS + 2) if table[i] == elapsed_address]
        if not slots:
            raise ClockError("QAnimationDriver::elapsed not found in its virtual table")
        self._elapsed_fn = _ELAPSED_FN(lambda _this: self.elapsed_ms())
        table[slots[0]] = ctypes.cast(self._elapsed_fn, ctypes.c_void_p).value
        self._table = table
        ctypes.c_void_p.from_address(this).value = ctypes.addressof(table) + 16

    def elapsed_ms(self) -> int:
        return self.base_ms + round(self.steps * 1000 / self.fps)

    def restart(self) -> None:
        """Count steps from zero again (a scene reloaded), time still moving forwards."""
        self.base_ms = self.elapsed_ms() + 1000
        self.steps = 0

    def install(self) -> None:
        """Make this the application's animation driver (before animations start)."""
        self._install(ctypes.addressof(self._object))

    def step(self) -> None:
        """Move the clock one frame on and advance every running animation to it."""
        self.steps += 1
        self._advance(ctypes.addressof(self._object))


class WallClock:
    """Where QAnimationDriver cannot be replaced: animations follow Qt's own timer."""

    fps = 30.0

    def restart(self) -> None:
        pass

    def step(self) -> None:
        pass


_clock: list[FrameClock | WallClock] = []
_keeper: list[QVariantAnimation] = []


def _keep_running() -> None:
    """Start an endless animation, so Qt's animation timer never stops the driver: while
    stopped, Qt counts time by the wall clock, and animations started after would begin
    at a moment that depends on how long frames took."""
    keeper = QVariantAnimation()
    keeper.setStartValue(0.0)
    keeper.setEndValue(1.0)
    keeper.setDuration(1000)
    keeper.setLoopCount(-1)
    keeper.start()
    _keeper.append(keeper)


def frame_clock() -> FrameClock | WallClock:
    """This process's clock, installed on first use (before any scene loads)."""
    if not _clock:
        try:
            frames = FrameClock()
            frames.install()
            _clock.append(frames)
            _keep_running()
        except ClockError as exc:
            print(f"studio-render: animations follow the wall clock: {exc}", file=sys.stderr)
            _clock.append(WallClock())
    return _clock[0]
