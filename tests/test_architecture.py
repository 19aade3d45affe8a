"""Import rules, as import-linter contracts in pyproject.toml: Qt only where it is drawn
with (qt/, gui/, worker/, the QML renderers), a core that imports no other subpackage, a
window that uses the cluster's public API only."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the package under ``root``, with the project's contracts."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(root / "pyproject.toml")],
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_import_contracts_hold() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 3 kept, 0 broken." in done.stdout


def test_a_forbidden_import_breaks_a_contract(tmp_path: Path) -> None:
    """A copy of the package where the core plans with Qt and reaches into the window, and
    the command line renders with the window's engine."""
    shutil.copytree(ROOT / "studio_render", tmp_path / "studio_render",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    plan = tmp_path / "studio_render" / "core" / "plan.py"
    text = plan.read_text()
    line = text.count("\n") + 2  # of the first import added
    plan.write_text(text + "\nfrom PySide6.QtCore import QObject\n"
                    "from studio_render.gui import formatting\n")  # fmt: skip
    cli = tmp_path / "studio_render" / "cli_render.py"
    text = cli.read_text()
    cli_line = text.count("\n") + 2
    cli.write_text(text + "\nfrom studio_render.qt.engine import RenderEngine\n")
    done = lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Contracts: 1 kept, 2 broken." in done.stdout
    assert "studio_render.core is not allowed to import PySide6" in done.stdout
    assert f"studio_render.core.plan -> PySide6 (l.{line})" in done.stdout
    assert f"studio_render.core.plan -> studio_render.gui.formatting (l.{line + 1})" in done.stdout
    assert "studio_render.cli_render is not allowed to import PySide6" in done.stdout
    assert f"studio_render.cli_render -> studio_render.qt.engine (l.{cli_line})" in done.stdout
