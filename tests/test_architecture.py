"""Import rules: the core (planning, progress, job model, errors) never imports Qt."""

from __future__ import annotations

import subprocess
import sys

QT_FREE = [
    "studio_render.core.errors",
    "studio_render.core.plan",
    "studio_render.core.progress",
    "studio_render.core.presets",
    "studio_render.core.colour",
    "studio_render.core.job",
    "studio_render.core.chunk_run",
    "studio_render.core.chunkspec",
    "studio_render.core.procs",
    "studio_render.core.ffmpeg",
    "studio_render.core.output",
    "studio_render.core.worker_pool",
    "studio_render.core.interrupts",
    "studio_render.core.preflight",
    "studio_render.core.frame_watch",
    "studio_render.core.resume",
    "studio_render.core.composition",
    "studio_render.compositions.lottie",
    "studio_render.compositions.probe",
]


def test_core_modules_do_not_import_qt() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in QT_FREE)
        + (
            "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
            "print(qt)\nassert not qt, qt\n"
        )
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_core_module_is_listed() -> None:
    from pathlib import Path

    import studio_render.core

    core = Path(studio_render.core.__file__).parent
    modules = {f"studio_render.core.{p.stem}" for p in core.glob("*.py") if p.stem != "__init__"}
    assert modules <= set(QT_FREE)
