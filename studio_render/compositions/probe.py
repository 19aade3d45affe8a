"""Reading a composition's facts in a worker process, so a bad file cannot crash the app."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path
from typing import Any, cast

from studio_render.compositions.info import CompositionInfo, kind_for_path
from studio_render.core.errors import BadInput
from studio_render.core.procs import worker_command

PROBE_TIMEOUT_S = 30.0


def probe_composition(path: Path, timeout: float = PROBE_TIMEOUT_S) -> CompositionInfo:
    """The composition's info; :class:`BadInput` for anything that cannot be rendered."""
    path = Path(path)
    if not path.exists():
        raise BadInput(f"{path}: file not found")
    if not path.is_file():
        raise BadInput(f"{path}: not a file")
    try:
        with path.open("rb") as f:
            f.read(1)
    except OSError as exc:
        raise BadInput(f"{path}: cannot read file ({exc.strerror})") from None
    kind_for_path(path)
    try:
        done = subprocess.run(
            worker_command("probe", str(path.resolve())),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise BadInput(f"{path.name}: loading took longer than {timeout:g} s") from None
    answer = _last_json(done.stdout)
    if "error" in answer:
        raise BadInput(str(answer["error"]))
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        raise BadInput(f"{path.name}: the file crashed the renderer while loading ({name})")
    if done.returncode != 0 or "info" not in answer:
        last = done.stderr.strip().splitlines()[-1:] or ["no message"]
        raise BadInput(f"{path.name}: cannot load the composition ({last[0]})")
    info = CompositionInfo.from_json(cast(dict[str, Any], answer["info"]))
    info.check_sane()
    return info


def _last_json(stdout: str) -> dict[str, object]:
    for line in reversed(stdout.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}
