"""PySide6 6.12.0 on CPython 3.11 aborts ("Fatal Python error: none_dealloc") after about 5,000
calls of methods that return None: each call dropped one reference to None. The pin in
pyproject.toml avoids it; this test makes ~20,000 such calls in a subprocess to prove it.
"""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
from PySide6.QtGui import QColor, QGuiApplication, QImage, QLinearGradient, QPainter
app = QGuiApplication([])
image = QImage(64, 64, QImage.Format.Format_ARGB32_Premultiplied)
painter = QPainter(image)
gradient = QLinearGradient(0, 0, 64, 0)
for i in range(10_000):
    painter.fillRect(i % 64, 0, 1, 1, QColor(i % 256, 0, 0))
    gradient.setColorAt((i % 100) / 100, QColor(0, i % 256, 0))
painter.end()
print("ok", 20_000)
"""


def test_twenty_thousand_none_returning_calls_do_not_abort() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True, text=True, timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "none_dealloc" not in done.stderr
    assert done.stdout.strip() == "ok 20000"


def test_pinned_pyside_is_the_safe_one_on_python_311() -> None:
    import PySide6

    if sys.version_info[:2] == (3, 11):
        assert PySide6.__version__ != "6.12.0"
