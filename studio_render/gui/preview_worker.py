"""The preview's warm worker: one ``worker serve`` process per composition and renderer,
asked for frames over its pipe, answering with raw pixels.

The scene is loaded once; each frame is drawn as a chunk of the render would draw it
(same renderer, settling and animation clock: see ``answer_preview`` in
:mod:`studio_render.worker.main`). At most one frame is in flight; while it is drawn only
the newest request waits, so scrubbing and playback drop frames instead of queueing them.
Nothing here blocks: the process is a :class:`QProcess` read as its output arrives.
"""

from __future__ import annotations

import collections
import contextlib
import json
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QProcess, QTimer, Signal
from PySide6.QtGui import QImage

from studio_render.core.chunkspec import FAILED, PIXELS, ChunkSpec
from studio_render.core.procs import worker_command

#: How a worker's own messages on stderr begin (worker/main.py).
_OWN_PREFIX = "studio-render worker: "


@dataclass(frozen=True)
class PreviewLook:
    """What a preview worker process is bound to: another look needs another process."""

    path: str
    kind: str  # "qml" or "lottie"
    native: tuple[int, int]
    allow_network: bool = False


@dataclass(frozen=True)
class FrameRequest:
    frame: int
    width: int
    height: int


class PreviewWorker(QObject):
    """Draws preview frames in a warm worker process, newest request first."""

    ready = Signal(int, QImage)  # frame, image (straight alpha, ARGB32)
    failed = Signal(str)  # message in plain words
    idle = Signal()  # no frame in flight and no process stopping

    #: Seconds a frame may take once the scene is loaded, and the first one (loading).
    frame_limit_s = 5.0
    load_limit_s = 30.0

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.look: PreviewLook | None = None
        self.started = 0  # processes started so far (tests and benchmarks count them)
        self._proc: QProcess | None = None
        self._stopping: set[QProcess] = set()
        self._dir: Path | None = None  # Lottie archives are unpacked here
        self._in_flight: FrameRequest | None = None
        self._pending: FrameRequest | None = None
        self._last: FrameRequest | None = None  # the newest request drawn
        self._loaded: tuple[int, int] | None = None  # the size the process has drawn at
        self._buffer = bytearray()
        self._awaited: tuple[int, int] | None = None  # frame, bytes of the pixels coming
        self._said: str | None = None  # the worker's own last words ({"error": ...})
        self._stderr: collections.deque[str] = collections.deque(maxlen=5)
        self._limit = QTimer(self)
        self._limit.setSingleShot(True)
        self._limit.timeout.connect(self._on_stuck)

    @property
    def busy(self) -> bool:
        """A frame is in flight or a process is stopping."""
        return self._in_flight is not None or bool(self._stopping)

    @property
    def pid(self) -> int | None:
        """The worker process's id, while one runs."""
        return self._proc.processId() or None if self._proc is not None else None

    def set_look(self, look: PreviewLook | None) -> None:
        """Draw from now on for ``look`` (None: nothing); another look replaces the worker."""
        if look != self.look:
            self.clear()
            self._stop_process()
            self.look = look

    def request(self, frame: int, width: int, height: int) -> None:
        """Draw ``frame`` at ``width`` x ``height`` once the frame in flight is done."""
        req = FrameRequest(frame, width, height)
        if req in (self._in_flight, self._pending) or (self._in_flight is None
                                                       and req == self._last):  # fmt: skip
            self._pending = None if req == self._in_flight else self._pending
            return
        if self._in_flight is not None:
            self._pending = req
        else:
            self._send(req)

    def clear(self) -> None:
        """Forget what was asked (the frame in flight is still drawn, and dropped)."""
        self._pending = None
        self._last = None
        if self._in_flight is not None:
            self._in_flight = FrameRequest(-1, 0, 0)  # its answer matches no request

    def shutdown(self) -> None:
        """Stop the worker and remove its files now (the window may be gone before ``idle``)."""
        self.set_look(None)
        self._in_flight = None
        self._limit.stop()
        for proc in list(self._stopping):
            proc.waitForFinished(2000)  # killed: it goes at once
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        self._finish_if_idle()

    # -- the process --------------------------------------------------------------------

    def _start_process(self, look: PreviewLook) -> QProcess:
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="studio-render-preview-"))
        argv = worker_command("serve", look.kind)
        proc = QProcess(self)
        proc.readyReadStandardOutput.connect(lambda p=proc: self._on_output(p))
        proc.readyReadStandardError.connect(lambda p=proc: self._on_stderr(p))
        proc.finished.connect(lambda code, status, p=proc: self._on_finished(p, code, status))
        proc.errorOccurred.connect(lambda error, p=proc: self._on_error(p, error))
        proc.start(argv[0], argv[1:])
        self.started += 1
        self._loaded = None
        self._buffer.clear()
        self._awaited = None
        self._said = None
        self._stderr.clear()
        return proc

    def _stop_process(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            self._in_flight = None
            self._limit.stop()
            self._stopping.add(proc)
            proc.kill()  # nothing of a preview worker is worth waiting for

    def _send(self, req: FrameRequest) -> None:
        look = self.look
        if look is None:
            return
        if self._proc is None:
            self._proc = self._start_process(look)
        assert self._dir is not None
        spec = ChunkSpec(
            composition=look.path, kind=look.kind, start=req.frame, end=req.frame + 1,
            width=req.width, height=req.height, native_width=look.native[0],
            native_height=look.native[1], alpha=True, background="#000000", encoder=[],
            output=str(self._dir / "preview"), allow_network=look.allow_network,
        )  # fmt: skip
        self._proc.write(json.dumps({"preview": asdict(spec)}).encode() + b"\n")
        self._in_flight = req
        self._limit.start(round(self._limit_for(req) * 1000))

    def _limit_for(self, req: FrameRequest) -> float:
        """A frame's time limit: longer when the scene is loaded first (at a new size)."""
        loads = self._loaded != (req.width, req.height)
        return self.load_limit_s if loads else self.frame_limit_s

    def _on_output(self, proc: QProcess) -> None:
        if proc is not self._proc:
            return
        self._buffer += bytes(proc.readAllStandardOutput().data())
        while True:
            if self._awaited is None:
                end = self._buffer.find(b"\n")
                if end < 0:
                    return
                line = self._buffer[:end].decode(errors="replace")
                del self._buffer[: end + 1]
                self._on_line(line)
            else:
                frame, size = self._awaited
                if len(self._buffer) < size:
                    return
                pixels = bytes(self._buffer[:size])
                del self._buffer[:size]
                self._awaited = None
                self._on_pixels(frame, pixels)

    def _on_line(self, line: str) -> None:
        head, _, rest = line.partition(" ")
        if head == PIXELS:
            frame, size = rest.split()
            self._awaited = int(frame), int(size)
        elif head == FAILED:
            req = self._done()
            if req is not None and req.frame >= 0:
                self.failed.emit(rest)
        elif line.startswith("{"):  # the worker's last words before it exits
            with contextlib.suppress(ValueError, AttributeError):
                self._said = str(json.loads(line).get("error") or "") or None

    def _on_pixels(self, frame: int, pixels: bytes) -> None:
        req = self._done()
        if req is None or req.frame != frame:
            return  # cleared meanwhile: another composition, size or look
        self._last = req
        image = QImage(pixels, req.width, req.height, req.width * 4, QImage.Format.Format_ARGB32)
        self.ready.emit(frame, image.copy())  # the copy owns its pixels

    def _done(self) -> FrameRequest | None:
        """The frame in flight is answered: send the newest request waiting, if any."""
        req, self._in_flight = self._in_flight, None
        self._limit.stop()
        if req is not None:
            self._loaded = (req.width, req.height)
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._send(pending)
        else:
            self._finish_if_idle()
        return req

    def _on_stderr(self, proc: QProcess) -> None:
        text = bytes(proc.readAllStandardError().data()).decode(errors="replace")
        self._stderr.extend(line for line in text.splitlines() if line.strip())

    def _on_stuck(self) -> None:
        req = self._in_flight
        if req is None or self._proc is None:
            return
        limit = self._limit_for(req)
        self._stop_process()
        self._last = None
        self.failed.emit(
            f"Frame {req.frame} took more than {limit:g} s, so the preview stopped drawing "
            "it (the next frame asked for starts a fresh worker)."
        )

    def _on_error(self, proc: QProcess, error: QProcess.ProcessError) -> None:
        if error is QProcess.ProcessError.FailedToStart:
            self._on_finished(proc, -1, QProcess.ExitStatus.CrashExit)

    def _on_finished(self, proc: QProcess, code: int, status: QProcess.ExitStatus) -> None:
        if not shiboken6.isValid(self) or not shiboken6.isValid(proc):
            return  # destroyed with its owner (the window closing)
        if proc in self._stopping:
            self._stopping.discard(proc)
            proc.deleteLater()
            self._finish_if_idle()
            return
        if proc is not self._proc:
            return
        self._on_output(proc)  # anything it said before it went
        self._on_stderr(proc)
        self._proc = None
        self._in_flight = self._pending = self._last = None
        self._limit.stop()
        proc.deleteLater()
        own = [line for line in self._stderr if line.startswith(_OWN_PREFIX)]
        why = self._said or (own[-1].removeprefix(_OWN_PREFIX) if own else None)
        if why is None:
            crashed = status is QProcess.ExitStatus.CrashExit
            why = "it crashed or was killed" if crashed else f"exit code {code}"
        self.failed.emit(
            f"The preview worker stopped ({why}); the next frame asked for starts a fresh one."
        )
        self._finish_if_idle()

    def _finish_if_idle(self) -> None:
        if self.busy:
            return
        if self.look is None and self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        self.idle.emit()
