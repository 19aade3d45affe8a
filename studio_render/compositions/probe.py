"""Reading a composition's facts in a worker process, so a bad file cannot crash the app."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, cast

from studio_render.core.composition import CompositionInfo, check_renderer, kind_for_path
from studio_render.core.errors import BadInput, StudioRenderError
from studio_render.core.procs import SupervisedProcess, last_json_line, worker_command
from studio_render.core.worker_pool import WorkerPool

PROBE_TIMEOUT_S = 30.0


class ProbeStopped(StudioRenderError):
    """Whoever asked for a probe stopped it (``stop`` was set: a signal, the client gone)."""


def probe_composition(
    path: Path,
    timeout: float = PROBE_TIMEOUT_S,
    workers: WorkerPool | None = None,
    renderer: str = "auto",
) -> CompositionInfo:
    """The composition's info; :class:`BadInput` for anything that cannot be rendered,
    a QML scene that ``renderer`` cannot draw included.

    ``workers``: probe in one of these (it then stays for the render, if its QML scene
    graph backend is the one the render needs), not in a process of its own. A worker
    that could not load the file is stopped.
    """
    return ask_probe(path, timeout, workers, renderer).answer()


def ask_probe(
    path: Path,
    timeout: float = PROBE_TIMEOUT_S,
    workers: WorkerPool | None = None,
    renderer: str = "auto",
) -> PendingProbe:
    """:func:`probe_composition` in two steps: the file checked and, with ``workers``,
    the question sent now; ``answer()`` waits for it. The command line asks as soon as
    its first worker is started and loads the rest of itself while the worker answers."""
    path = Path(path)
    check_readable(path, renderer)
    return PendingProbe(path, timeout, workers, renderer)


def check_readable(path: Path, renderer: str = "auto") -> None:
    """What :func:`ask_probe` checks before any worker is asked: :class:`BadInput` for a
    file that is missing or unreadable, or of a kind ``renderer`` cannot draw."""
    if not path.exists():
        raise BadInput(f"{path}: file not found")
    if not path.is_file():
        raise BadInput(f"{path}: not a file")
    try:
        with path.open("rb") as f:
            f.read(1)
    except OSError as exc:
        raise BadInput(f"{path}: cannot read file ({exc.strerror})") from None
    check_renderer(kind_for_path(path), renderer, path.name)


class PendingProbe:
    """A probe asked of a worker of ``workers`` (or, without, run alone by ``answer``)."""

    def __init__(
        self, path: Path, timeout: float, workers: WorkerPool | None, renderer: str
    ) -> None:
        self.path, self.timeout, self.renderer, self.workers = path, timeout, renderer, workers
        self.deadline = time.monotonic() + timeout
        self.worker = workers.take() if workers is not None else None
        request = {"probe": str(path.resolve()), "renderer": renderer}
        self.sent = self.worker is not None and self.worker.send_line(json.dumps(request))

    def answer(self, stop: threading.Event | None = None) -> CompositionInfo:
        """The info, or :class:`BadInput`; a worker that could not load the file is stopped.
        ``stop``: set to stop the worker at once (:class:`ProbeStopped`)."""
        if self.workers is None or self.worker is None:
            return _probe_alone(self.path, self.timeout, self.renderer)[0]
        worker, self.worker = self.worker, None
        try:
            info, backend = _probe_in(worker, self.path, self.sent, self.deadline, self.timeout,
                                      stop or threading.Event())  # fmt: skip
        except BaseException:
            worker.stop()
            raise
        if backend in (None, info.renderer(self.renderer)[0]):
            self.workers.put_back(worker)
        else:  # the scene showed what its source did not: this process has the other backend
            worker.stop()
        return info

    def close(self) -> None:
        """Stop the worker if no answer was taken (the render stopped before it)."""
        if self.worker is not None:
            self.worker.stop()
            self.worker = None


def _probe_alone(path: Path, timeout: float, renderer: str) -> tuple[CompositionInfo, object]:
    try:
        done = subprocess.run(
            worker_command("probe", str(path.resolve()), renderer),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise BadInput(f"{path.name}: loading took longer than {timeout:g} s") from None
    return _info_from(path, last_json_line(done.stdout), done.returncode, done.stderr)


def _probe_in(
    worker: SupervisedProcess,
    path: Path,
    sent: bool,
    deadline: float,
    timeout: float,
    stop: threading.Event,
) -> tuple[CompositionInfo, object]:
    """The answer of a serving worker that was asked (``sent``): one JSON line, or its
    death."""
    if sent:
        while not (worker.output_ended and worker.poll() is not None):
            if stop.is_set():
                raise ProbeStopped
            if time.monotonic() > deadline:
                raise BadInput(f"{path.name}: loading took longer than {timeout:g} s")
            line = worker.next_line(0.05)
            if line is not None:
                return _info_from(path, last_json_line(line), 0, worker.tail)
    return _info_from(path, {}, worker.wait(), worker.tail)


def _info_from(
    path: Path, answer: dict[str, object], code: int, stderr: str
) -> tuple[CompositionInfo, object]:
    """The info in a worker's answer and the QML backend it chose, or the reason it has
    none as :class:`BadInput`."""
    if "error" in answer:
        raise BadInput(str(answer["error"]))
    if "failed" in answer:
        raise BadInput(f"{path.name}: cannot load the composition ({answer['failed']})")
    if code < 0:
        name = signal.Signals(-code).name
        raise BadInput(f"{path.name}: the file crashed the renderer while loading ({name})")
    if code != 0 or "info" not in answer:
        last = stderr.strip().splitlines()[-1:] or ["no message"]
        raise BadInput(f"{path.name}: cannot load the composition ({last[0]})")
    info = CompositionInfo.from_json(cast(dict[str, Any], answer["info"]))
    info.check_sane()
    return info, answer.get("backend")
