"""The render queue: ordered render requests and their history, saved as JSON. Qt-free.

A request that was running when the app went away (quit or crash) is loaded back as
``interrupted``, never as ``running``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from studio_render.core.job import RenderSettings

log = logging.getLogger(__name__)

FILE_NAME = "queue.json"
FORMAT_VERSION = 1
#: Finished requests kept as history; the oldest finished ones go first.
MAX_HISTORY = 200
INTERRUPTED_MESSAGE = "Interrupted: the app was closed during the render"


class Status(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"

    @property
    def finished(self) -> bool:
        return self not in (Status.PENDING, Status.RUNNING)


def settings_to_json(settings: RenderSettings) -> dict[str, Any]:
    return {
        "output": str(settings.output),
        "preset": settings.preset,
        "concurrency": settings.concurrency,
        "frames": list(settings.frames) if settings.frames else None,
        "chunk_frames": settings.chunk_frames,
        "size": list(settings.size) if settings.size else None,
        "crf": settings.crf,
        "speed": settings.speed,
        "alpha": settings.alpha,
        "background": settings.background,
        "retries": settings.retries,
        "fps": settings.fps,
        "renderer": settings.renderer,
        "allow_network": settings.allow_network,
    }


def settings_from_json(data: dict[str, Any]) -> RenderSettings:
    frames = data.get("frames")
    size = data.get("size")
    return RenderSettings(
        output=Path(data["output"]),
        preset=str(data.get("preset", "h264")),
        concurrency=int(data["concurrency"]),
        frames=(int(frames[0]), int(frames[1])) if frames else None,
        chunk_frames=data.get("chunk_frames"),
        size=(size[0], size[1]) if size else None,
        crf=data.get("crf"),
        speed=data.get("speed"),
        alpha=bool(data.get("alpha", False)),
        background=str(data.get("background", "#ffffff")),
        retries=int(data.get("retries", 2)),
        fps=float(data["fps"]) if data.get("fps") else None,
        renderer=str(data.get("renderer", "auto")),
        allow_network=bool(data.get("allow_network", False)),
    )


@dataclass
class QueueItem:
    """One render request and what became of it."""

    composition: str
    settings: RenderSettings
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    status: Status = Status.PENDING
    progress: float = 0.0
    message: str = ""  # what happened, in one line
    details: str = ""  # the worker's last lines, for a failure
    added_at: float = field(default_factory=time.time)
    started_at: float | None = None
    ended_at: float | None = None
    output_size: int | None = None

    @property
    def output(self) -> Path:
        return Path(self.settings.output)

    @property
    def elapsed_s(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.ended_at or time.time()) - self.started_at

    def reset(self) -> None:
        """Make the request pending again, forgetting its last run."""
        self.status = Status.PENDING
        self.progress = 0.0
        self.message = self.details = ""
        self.started_at = self.ended_at = None
        self.output_size = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "composition": self.composition,
            "settings": settings_to_json(self.settings),
            "status": str(self.status),
            "progress": self.progress,
            "message": self.message,
            "details": self.details,
            "added_at": self.added_at,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "output_size": self.output_size,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QueueItem:
        item = cls(
            composition=str(data["composition"]),
            settings=settings_from_json(data["settings"]),
            id=str(data["id"]),
            status=Status(data.get("status", "pending")),
            progress=float(data.get("progress", 0.0)),
            message=str(data.get("message", "")),
            details=str(data.get("details", "")),
            added_at=float(data.get("added_at", 0.0)),
            started_at=data.get("started_at"),
            ended_at=data.get("ended_at"),
            output_size=data.get("output_size"),
        )
        if item.status is Status.RUNNING:
            item.status = Status.INTERRUPTED
            item.message = INTERRUPTED_MESSAGE
        return item


class RenderQueue:
    """Ordered queue items, saved to ``path`` (if given) whenever :meth:`save` is called."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._items: list[QueueItem] = []

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[QueueItem]:
        return iter(self._items)

    def __getitem__(self, row: int) -> QueueItem:
        return self._items[row]

    def row_of(self, item_id: str) -> int:
        for row, item in enumerate(self._items):
            if item.id == item_id:
                return row
        raise KeyError(item_id)

    def get(self, item_id: str) -> QueueItem:
        return self._items[self.row_of(item_id)]

    def add(self, item: QueueItem) -> int:
        """Append ``item``; returns its row."""
        self._items.append(item)
        return len(self._items) - 1

    def remove(self, item_id: str) -> int:
        """Remove the item; returns the row it had."""
        row = self.row_of(item_id)
        del self._items[row]
        return row

    def next_pending(self) -> QueueItem | None:
        return next((i for i in self._items if i.status is Status.PENDING), None)

    def surplus_history(self) -> list[QueueItem]:
        """The oldest finished items beyond :data:`MAX_HISTORY`, to be dropped."""
        finished = [i for i in self._items if i.status.finished]
        return finished[: max(0, len(finished) - MAX_HISTORY)]

    # -- persistence --------------------------------------------------------------------

    def load(self) -> None:
        """Read the saved queue; a missing file is an empty queue, a corrupt one is kept aside."""
        self._items = []
        if self.path is None or not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self._items = [QueueItem.from_json(d) for d in data["items"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("cannot read the render queue %s (%s); starting empty", self.path, exc)
            self._items = []
            with contextlib.suppress(OSError):
                os.replace(self.path, self.path.with_suffix(".json.corrupt"))

    def save(self) -> None:
        """Write the queue atomically (a crash mid-write leaves the previous file)."""
        if self.path is None:
            return
        data = {"version": FORMAT_VERSION, "items": [i.to_json() for i in self._items]}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(".json.partial")
            partial.write_text(json.dumps(data, indent=1), encoding="utf-8")
            os.replace(partial, self.path)
        except OSError as exc:
            log.warning("cannot save the render queue to %s (%s)", self.path, exc)
