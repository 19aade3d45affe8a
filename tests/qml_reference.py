"""References for QML fidelity tests: frames as Qt draws them on screen, in a real window.

``python -m tests.qml_reference SCENE OUT_DIR FRAME...`` shows SCENE in a ``QQuickView``
on the X display in ``$DISPLAY`` (a private Xvfb: see :func:`xvfb`), drawn by Qt's own
render loop with OpenGL (Mesa's llvmpipe), and saves the listed frames as
``OUT_DIR/frame_NNNNNN.png`` after waiting for every asset to load. The animation clock
is the renderer's (one frame per step, installed before Qt's own), so animated scenes
are comparable frame for frame. :func:`compare` measures how close two pictures are.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np


@contextmanager
def xvfb() -> Iterator[str]:
    """A private X server for the duration of the block: its display name (":N")."""
    binary = shutil.which("Xvfb")
    if binary is None:
        raise RuntimeError("Xvfb is not installed (apt install xvfb)")
    read, write = os.pipe()
    server = subprocess.Popen(
        [binary, "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        _grey_text(f":{number}")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def _grey_text(display: str) -> None:
    """Set ``Xft.rgba: none`` on the display: a video has no subpixel layout, so text is
    antialiased in grey (as renders are), not in the colours of an LCD's subpixels."""
    x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    x11.XDefaultRootWindow.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XChangeProperty.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong,
                                    ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                                    ctypes.c_char_p, ctypes.c_int]  # fmt: skip
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    connection = x11.XOpenDisplay(display.encode())
    assert connection, f"cannot open {display}"
    value = b"Xft.rgba:\tnone\nXft.antialias:\t1\n"
    root = x11.XDefaultRootWindow(connection)
    atom = x11.XInternAtom(connection, b"RESOURCE_MANAGER", 0)
    string = x11.XInternAtom(connection, b"STRING", 0)
    x11.XChangeProperty(connection, root, atom, string, 8, 0, value, len(value))  # Replace
    x11.XCloseDisplay(connection)


def grab_reference(scene: Path, out_dir: Path, frames: list[int], display: str) -> None:
    """Run this module in a process of its own on ``display`` (the platform is per process)."""
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "QSG_RENDER_LOOP": "basic",
           "QT_QUICK_BACKEND": "rhi", "QSG_RHI_BACKEND": "opengl"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "tests.qml_reference", str(scene), str(out_dir), *map(str, frames)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def compare(a_path: Path, b_path: Path) -> tuple[float, float]:
    """SSIM (luma, 7x7 windows) and the share of pixels off by more than 48 in a channel."""
    a, b = _pixels(a_path), _pixels(b_path)
    assert a.shape == b.shape, (a.shape, b.shape)
    off = float((np.abs(a - b).max(axis=2) > 48).mean())
    return _ssim(_luma(a), _luma(b)), off


def _pixels(path: Path) -> np.ndarray:
    from PySide6.QtGui import QImage

    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGBA8888)
    data = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return (
        data[:, : image.width() * 4]
        .reshape(image.height(), image.width(), 4)[..., :3]
        .astype(np.float64)
    )


def _luma(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(rgb @ np.array([0.299, 0.587, 0.114]))


def _box(x: np.ndarray, n: int = 7) -> np.ndarray:
    c = np.cumsum(np.cumsum(np.pad(x, ((1, 0), (1, 0))), axis=0), axis=1)
    return np.asarray((c[n:, n:] - c[:-n, n:] - c[n:, :-n] + c[:-n, :-n]) / (n * n))


def _ssim(x: np.ndarray, y: np.ndarray) -> float:
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = _box(x), _box(y)
    vx, vy, cxy = _box(x * x) - mx * mx, _box(y * y) - my * my, _box(x * y) - mx * my
    ssim = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(ssim.mean())


def _main(scene: Path, out_dir: Path, frames: list[int]) -> None:
    from PySide6.QtCore import QEventLoop, QTimer, QUrl
    from PySide6.QtGui import QFont, QGuiApplication
    from PySide6.QtQuick import QQuickView

    from studio_render.compositions.qml_clock import frame_clock
    from studio_render.compositions.qml_random import seed_global_random
    from studio_render.compositions.qml_scan import all_objects, load_states

    QGuiApplication.setDesktopSettingsAware(False)
    app = QGuiApplication([sys.argv[0]])
    font = app.font()  # a video has no subpixel layout: grey antialiasing, as in renders
    font.setStyleStrategy(QFont.StyleStrategy.NoSubpixelAntialias)
    app.setFont(font)
    clock = frame_clock()  # installed first: Qt's render loop keeps it
    view = QQuickView()
    seed_global_random()  # the random numbers the renderer's scenes draw
    view.setSource(QUrl.fromLocalFile(str(scene)))
    view.show()
    root = view.rootObject()
    assert root is not None, view.errors()

    def run_events(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    deadline = time.monotonic() + 20
    while not view.isExposed() and time.monotonic() < deadline:
        run_events(10)
    out_dir.mkdir(parents=True, exist_ok=True)
    for frame in range(max(frames) + 1):
        root.setProperty("frame", frame)
        while load_states(all_objects(root))[0]:
            assert time.monotonic() < deadline + 60, "reference scene never finished loading"
            run_events(5)
        run_events(20)
        if frame in frames:
            image = view.grabWindow()
            assert image.save(str(out_dir / f"frame_{frame:06d}.png"))
        clock.step()
    del app


if __name__ == "__main__":
    _main(Path(sys.argv[1]), Path(sys.argv[2]), [int(f) for f in sys.argv[3:]])
