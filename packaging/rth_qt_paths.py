"""Run-time hook of the Linux app, in place of PyInstaller's for PySide6.

PyInstaller's hook imports ``PySide6.QtCore`` as every process of the app starts, so the
command line and each Lottie worker loaded Qt (0.15-0.2 CPU s) that they never use, and
the command line could not fork its workers (``core/forked.py``). This one only says
where the bundled Qt keeps its plugins and QML modules; Qt finds the rest from where its
libraries are (the wheels' Qt is relocatable), once something imports it.
"""

import os
import sys

_QT = os.path.join(sys._MEIPASS, "PySide6", "Qt")  # type: ignore[attr-defined]
os.environ["QT_PLUGIN_PATH"] = os.path.join(_QT, "plugins")
os.environ["QML2_IMPORT_PATH"] = os.path.join(_QT, "qml")
