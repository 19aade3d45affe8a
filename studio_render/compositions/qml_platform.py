"""Which Qt platform a worker starts on, so QML scenes can render with OpenGL headless.

Qt-free: this runs before Qt is loaded. Two platforms serve, both without any window:

* ``eglfs`` on Mesa's *surfaceless* EGL platform, where it works: OpenGL on the GPU's
  render node, or on llvmpipe where there is none, with no display server at all
  (servers, CI, cluster workers). eglfs wants a framebuffer device and a screen size
  only to describe its screen; it is given ``/dev/null`` and a 1920x1080 screen at
  96 dpi, and no input devices. Nothing is ever drawn to a screen: scenes render through
  ``QQuickRenderControl`` into textures or images of their own.
* ``offscreen`` otherwise: the software scene graph renders everywhere; OpenGL works
  there only through GLX when an X display is reachable.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from pathlib import Path

#: Set to a Qt platform name to override the choice (tests, odd machines).
PLATFORM_ENV = "STUDIO_RENDER_QPA"

_EGLFS_HEADLESS = {
    "QT_QPA_PLATFORM": "eglfs",
    "EGL_PLATFORM": "surfaceless",
    "QT_QPA_EGLFS_INTEGRATION": "none",
    "QT_QPA_EGLFS_FB": os.devnull,
    "QT_QPA_EGLFS_HIDECURSOR": "1",
    "QT_QPA_EGLFS_DISABLE_INPUT": "1",
    "QT_QPA_EGLFS_NO_LIBINPUT": "1",
    "QT_QPA_EGLFS_WIDTH": "1920",
    "QT_QPA_EGLFS_HEIGHT": "1080",
    "QT_QPA_EGLFS_PHYSICAL_WIDTH": "508",  # 1920 px at 96 dpi, as on the offscreen platform
    "QT_QPA_EGLFS_PHYSICAL_HEIGHT": "286",
}
_EGL_PLATFORM_SURFACELESS_MESA = 0x31DD


def _eglfs_plugin_present() -> bool:
    import PySide6  # the package only: Qt itself is not loaded

    platforms = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms"
    return any(platforms.glob("*qeglfs*"))


def surfaceless_egl_works() -> bool:
    """Whether Mesa's surfaceless EGL display opens here (no display server needed)."""
    if not sys.platform.startswith("linux") or not _eglfs_plugin_present():
        return False
    name = ctypes.util.find_library("EGL") or "libEGL.so.1"
    try:
        egl = ctypes.CDLL(name)
        get_proc = egl.eglGetProcAddress
        get_proc.restype = ctypes.c_void_p
        get_proc.argtypes = [ctypes.c_char_p]
        address = get_proc(b"eglGetPlatformDisplayEXT")
        if not address:
            return False
        get_display = ctypes.CFUNCTYPE(
            ctypes.c_void_p, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p
        )(address)
        display = get_display(_EGL_PLATFORM_SURFACELESS_MESA, None, None)
        if not display:
            return False
        egl.eglInitialize.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        egl.eglTerminate.argtypes = [ctypes.c_void_p]
        if not egl.eglInitialize(display, None, None):
            return False
        egl.eglTerminate(display)
        return True
    except (OSError, AttributeError):
        return False


#: Qt's hash tables iterate in an order seeded at random per process; glyph atlases are
#: filled in that order, which moves text by a shade between processes. Seeded, frames
#: are the same whichever worker draws them. (The worker sets it before Qt loads.)
_REPEATABLE = {"QT_HASH_SEED": "0"}


def choose_platform() -> dict[str, str]:
    """The environment for a worker's Qt: eglfs headless where it works, repeatable."""
    forced = os.environ.get(PLATFORM_ENV)
    if forced == "eglfs" or (not forced and surfaceless_egl_works()):
        return {**_EGLFS_HEADLESS, **_REPEATABLE}
    return {"QT_QPA_PLATFORM": forced or "offscreen", **_REPEATABLE}
