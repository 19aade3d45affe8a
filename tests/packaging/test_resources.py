"""``studio_render.resources``: the resources folder from a source tree and in the frozen app."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from studio_render import resources

ROOT = Path(__file__).resolve().parents[2]


def test_source_tree_resources() -> None:
    assert resources.resources_dir() == ROOT / "resources"
    assert resources.demo_dir() == ROOT / "resources" / "demo"
    assert resources.icons_dir() == ROOT / "resources" / "icons"


def test_frozen_app_resources(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resources_dir() == tmp_path / "resources"
    assert resources.demo_dir() == tmp_path / "resources" / "demo"


def test_frozen_app_uses_its_own_ffmpeg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from studio_render.core import ffmpeg

    exe = tmp_path / "ffmpeg" / "ffmpeg"
    exe.parent.mkdir()
    exe.write_bytes(b"")
    exe.chmod(0o755)
    monkeypatch.delenv("STUDIO_RENDER_FFMPEG", raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert ffmpeg.find_ffmpeg() == str(exe)
    monkeypatch.setattr(sys, "frozen", False)
    assert ffmpeg.bundled_ffmpeg() is None
