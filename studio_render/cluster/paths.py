"""Rewriting a chunk spec between the client's paths and a worker's.

The client's spec names its own files: the composition, the chunk file and, inside the
encoder command, its ffmpeg and the chunk file again. What travels names none of them:
the composition by its path inside the pack, the chunk file by its name, the encoder by
its arguments only. The worker puts its own folders and its own ffmpeg back in. What a
worker says about the composition (a probe's answer, its error) names its folder there;
:func:`to_client` names the client's instead.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, replace
from pathlib import Path, PurePath, PurePosixPath
from typing import Any

from studio_render.core.chunkspec import ChunkSpec
from studio_render.core.ffmpeg import thread_args


def to_remote(spec: ChunkSpec, main: str) -> str:
    """The spec as JSON for a worker; ``main`` is the composition's name inside the pack."""
    if not spec.encoder or spec.encoder[-1] != spec.output:
        raise ValueError("the encoder command must end with the chunk's output path")
    data: dict[str, Any] = asdict(spec)
    data.update(composition=main, output=PurePath(spec.output).name, encoder=spec.encoder[1:-1])
    return json.dumps(data)


def to_worker(
    remote: str, composition_dir: Path, output_dir: Path, ffmpeg: str, threads: int | None = None
) -> ChunkSpec:
    """The spec for this worker: its unpacked composition, its output folder, its ffmpeg,
    and ``threads`` for the encoder (None: ffmpeg's choice)."""
    data: dict[str, Any] = json.loads(remote)
    main = PurePosixPath(data["composition"])
    name = str(data["output"])
    if main.is_absolute() or ".." in main.parts:
        raise ValueError(f"composition path {main} leaves the pack")
    if not name or PurePosixPath(name).name != name or name in (".", ".."):
        raise ValueError(f"chunk file name {name!r} is not a plain file name")
    output = output_dir / name
    spec = ChunkSpec(**{**data, "encoder": []})
    return replace(
        spec,
        composition=str(composition_dir.joinpath(*main.parts)),
        output=str(output),
        encoder=[ffmpeg, *data["encoder"], *thread_args(threads), str(output)],
    )


def is_plain_name(name: str) -> bool:
    """Whether a file name that came back from a worker is safe to write in a folder."""
    return bool(name) and PurePosixPath(name).name == name and PurePath(name).name == name \
        and not name.startswith(".")  # fmt: skip


def to_client(text: str, worker_folder: Path, client_folder: str) -> str:
    """``text`` from a worker (a path, a message) with ``worker_folder`` (as written or
    resolved) named ``client_folder``: in one pass, so nothing put in is replaced again;
    the longer form first, so a form inside the other is not cut out of it; and only
    where the folder's own name ends, not inside a longer name."""
    forms = sorted({str(worker_folder), str(worker_folder.resolve())}, key=len, reverse=True)
    pattern = "(?:" + "|".join(map(re.escape, forms)) + r")(?![\w.-])"
    return re.sub(pattern, lambda _: client_folder, text)
