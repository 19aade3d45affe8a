"""Running the real command line in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def studio_render(*args: str | Path, timeout: float = 240, env: dict[str, str] | None = None
                  ) -> subprocess.CompletedProcess[str]:  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "studio_render", *map(str, args)],
        capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, env=env,
    )  # fmt: skip


def json_events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def leftovers(folder: Path) -> list[str]:
    """Temporary files or folders a render left next to its output."""
    return sorted(p.name for p in folder.iterdir() if "studio-render" in p.name)
