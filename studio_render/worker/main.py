"""Entry point of the worker process.

``probe PATH [RENDERER]``: print the composition's info as JSON (or ``{"error": ...}``,
exit 2); with the scene graph backend the process chose for it (QML).
``chunk SPEC_JSON``: render one chunk into ffmpeg, reporting progress lines on stdout.
``serve [KIND]``: render each chunk spec read as a line on stdin, loading the scene once;
a line ``{"probe": PATH, "renderer": RENDERER}`` is answered like the ``probe`` command,
and ``{"preview": SPEC}`` (a chunk spec without encoder) with frame ``start``'s raw pixels
(:func:`answer_preview`): the window's warm preview worker. ``{"load": SPEC}`` loads the
scene of chunks like SPEC ahead of them, unanswered (a cluster worker's job start).
KIND ``lottie``: do not boot Qt ahead of the first request (a Lottie worker never needs it).

Loading untrusted files happens here, never in the app: a Lottie file that crashes
ThorVG takes down this process only, and one that makes it loop forever is stopped by a
time limit per frame (:mod:`studio_render.worker.watchdog`).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from studio_render.core.chunkspec import (
    DONE,
    FAILED,
    PIXELS,
    PROGRESS,
    ChunkSpec,
    cut_line,
    parse_cut_line,
    warning_line,
)
from studio_render.core.composition import CompositionInfo, check_renderer, kind_for_path
from studio_render.core.errors import EXIT_BAD_INPUT, BadInput, StudioRenderError, one_line
from studio_render.core.ffmpeg import parse_progress_line
from studio_render.core.procs import LOAD_LOG_ENV, own_tmpdir, remove_own_tmpdir
from studio_render.worker.frame_range import FrameRange
from studio_render.worker.heap import reuse_freed_memory
from studio_render.worker.pages import small_pages_only

if TYPE_CHECKING:
    from studio_render.worker.lottie_frames import LottieSource
    from studio_render.worker.source import FrameSource
    from studio_render.worker.watchdog import Watchdog

EXIT_PARENT_GONE = 3  # the worker's own: its parent went away
#: Script problems a chunk tells at most (the engine shows a few a render).
_WARNING_LINES = 20
# Before Qt is loaded: seeded hashing, so glyph atlases fill alike in every worker and
# frames do not depend on which process drew them (see compositions/qml_platform.py).
os.environ["QT_HASH_SEED"] = "0"
# Before PySide6 is loaded: QML engines refuse the network unless a render allows it
# (compositions/qml.py), so Qt's loader threads call a Python factory, and PySide6's lazy
# type loading is not safe from those threads (SIGSEGV in Shiboken::Module::get, about one
# render in ten): load every type up front (Lottie workers never import Qt).
os.environ.setdefault("PYSIDE6_OPTION_LAZY", "0")


def _qt_app() -> object:
    """A QGuiApplication on a platform where QML scenes can render with OpenGL headless
    (see :mod:`studio_render.compositions.qml_platform`); each scene picks its backend."""
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    if app is None:
        from studio_render.compositions.qml_platform import choose_platform

        os.environ.update(choose_platform())
        os.environ.pop("QT_QUICK_BACKEND", None)
        os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
        app = QGuiApplication(["studio-render-worker"])
    return app


def probe(
    path: Path, renderer: str = "auto", keep: Callable[[FrameSource], None] | None = None
) -> CompositionInfo:
    """Read a composition's facts; for Lottie, also draw a few frames to catch crashes here.
    A QML scene also settles this process's scene graph backend (:func:`chosen_backend`).
    ``keep``: given the Lottie animation loaded, which it then owns (a chunk of the same
    file may draw with it, without loading it again)."""
    if not path.is_file():
        raise BadInput(f"{path}: file not found")
    if kind_for_path(path) == "qml":
        _qt_app()
        from studio_render.compositions.qml import probe_qml

        return probe_qml(path, renderer)
    check_renderer("lottie", renderer, path.name)
    lottie = _lottie_source(path, (64, 64), True, "#000000")
    try:
        info = lottie.info()
        for frame in sorted({0, info.frame_count // 2, info.frame_count - 1}):
            lottie.frame(frame)
    except BaseException:
        lottie.close()
        raise
    if keep is None:
        lottie.close()
    else:
        keep(lottie)
    return info


def _lottie_source(
    path: Path, size: tuple[int, int], alpha: bool, background: str,
    time_scale: float = 1.0, unpack_dir: Path | None = None,
) -> LottieSource:  # fmt: skip
    """Frames of a Lottie animation, drawn by ThorVG."""
    from studio_render.worker.lottie_frames import LottieSource

    return LottieSource(path, size, alpha, background, time_scale, unpack_dir, _watchdog())


_WATCHDOG: Watchdog | None = None


def _watchdog() -> Watchdog:
    """The process's frame time limit: past it, the worker says why and exits (code 2)."""
    global _WATCHDOG
    if _WATCHDOG is None:
        from studio_render.worker.watchdog import Watchdog

        def expire(problem: str) -> None:
            _say(json.dumps({"error": problem}))  # the answer to a probe, if one is asked
            print(f"studio-render worker: {problem}", file=sys.stderr, flush=True)
            _exit_now(EXIT_BAD_INPUT)

        _WATCHDOG = Watchdog(expire)
    return _WATCHDOG


def _chosen_backend() -> str | None:
    """The QML scene graph backend this process has settled on, if any yet."""
    if "studio_render.compositions.qml_target" not in sys.modules:
        return None
    from studio_render.compositions.qml_target import chosen_backend

    return chosen_backend()


def probe_answer(
    path: Path, renderer: str = "auto", keep: Callable[[FrameSource], None] | None = None
) -> dict[str, object]:
    """``{"info": ..., "backend": ...}``, or ``{"error": ...}`` for bad input, or
    ``{"failed": ...}``. ``keep``: as for :func:`probe`."""
    try:
        info = probe(path, renderer, keep)
        return {"info": info.to_json(), "backend": _chosen_backend()}
    except StudioRenderError as exc:
        return {"error": str(exc)}
    except Exception as exc:  # a bug or an odd file: one line, and the worker lives on
        return {"failed": one_line(exc)}


def _open_source(spec: ChunkSpec) -> FrameSource:
    size = (spec.width, spec.height)
    if spec.kind == "qml":
        _qt_app()
        from studio_render.worker.frames import QmlFrames, QmlSource

        info = CompositionInfo(
            spec.composition, "qml", spec.native_width, spec.native_height, 30.0, 1
        )
        return QmlFrames(QmlSource(info, size, spec.alpha, spec.background, spec.renderer,
                                   spec.allow_network))  # fmt: skip
    return _lottie_source(Path(spec.composition), size, spec.alpha, spec.background,
                          spec.time_scale, spec.work_folder)  # fmt: skip


def _watch_stdin(on_line: Callable[[str], None] = lambda line: None) -> None:
    """Pass stdin's lines to ``on_line`` in a thread. The supervisor holds our stdin open:
    end of file means it is gone, or has no more work for us, and we exit."""

    def watch() -> None:
        pending = b""
        try:
            while data := os.read(0, 65536):  # unbuffered: no lock held at shutdown
                *lines, pending = (pending + data).split(b"\n")
                for line in lines:
                    on_line(line.decode())
        except OSError:
            pass
        _exit_now(EXIT_PARENT_GONE)

    threading.Thread(target=watch, daemon=True, name="stdin-watch").start()


def _exit_now(code: int) -> NoReturn:
    """End this process at once, its own TMPDIR removed: nothing else would remove it
    should the supervisor be gone."""
    remove_own_tmpdir()
    os._exit(code)


def _stopped(signum: int, frame: object) -> None:
    """SIGINT or SIGTERM: the supervisor is stopping this worker (or a user, Ctrl-C). It
    exits at once; a KeyboardInterrupt instead could land inside an import, and one inside
    PySide6's aborts the process ("Fatal Python error"), leaving its TMPDIR behind."""
    _exit_now(128 + signum)


def _widen_pipe(fd: int) -> None:
    """Ask for a 1 MiB pipe buffer (Linux): a 1080p frame then takes 8 writes, not 128."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl else None
    if set_size is not None:
        with contextlib.suppress(OSError):  # a lower system limit: slower, still correct
            fcntl.fcntl(fd, set_size, 1 << 20)


class _SourceCache:
    """The frame source of the last chunk, reused while chunks share composition and look:
    a worker loads the scene (or the Lottie file) once, not once per chunk. ThorVG draws
    a frame the same after any jump (checked on the whole corpus by the tests), so a
    chunk's first frame does not depend on what the worker drew before.
    The Lottie animation a probe loaded is kept too: the first chunk of that file, drawn
    next by this worker, takes it at its own size instead of loading the file again.
    """

    def __init__(self) -> None:
        self._key: tuple[object, ...] | None = None
        self._source: FrameSource | None = None
        self._probed: FrameSource | None = None

    def keep_probed(self, source: FrameSource) -> None:
        """Keep ``source``, which a probe loaded, for the next :meth:`get`."""
        self._close_probed()
        self._probed = source

    def get(self, spec: ChunkSpec) -> FrameSource:
        """The source for ``spec``: the last one if it fits, else a new one."""
        key = (spec.composition, spec.kind, spec.width, spec.height, spec.native_width,
               spec.native_height, spec.alpha, spec.background, spec.time_scale,
               spec.work_folder, spec.renderer, spec.allow_network)  # fmt: skip
        if self._source is None or key != self._key:
            self._close_source()
            probed = self._probed_for(spec)
            self._source, self._key = probed or _open_source(spec), key
            if log := os.environ.get(LOAD_LOG_ENV):  # for tests and benchmarks
                how = "probed" if probed else "opened"  # taken over from the probe, or not
                with open(log, "a", encoding="utf-8") as lines:
                    lines.write(f"{os.getpid()} {how} {spec.composition}\n")
        self._close_probed()
        return self._source

    def _probed_for(self, spec: ChunkSpec) -> FrameSource | None:
        """The probe's source, taken over for ``spec`` if it can draw it."""
        probed, self._probed = self._probed, None
        if probed is None:
            return None
        from studio_render.worker.lottie_frames import LottieSource

        if (isinstance(probed, LottieSource) and spec.kind == "lottie"
                and probed.retarget(
                    Path(spec.composition), (spec.width, spec.height), spec.alpha,
                    spec.background, spec.time_scale)):  # fmt: skip
            return probed
        probed.close()
        return None

    def _close_probed(self) -> None:
        if self._probed is not None:
            self._probed.close()
            self._probed = None

    def _close_source(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = self._key = None

    def close(self) -> None:
        self._close_probed()
        self._close_source()


_STDOUT = threading.Lock()


def _say(line: str) -> None:
    """Write one line to the supervisor; lines from different threads never mix."""
    with _STDOUT:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


class _Current:
    """The frames of the chunk being rendered, for cut requests from the stdin thread."""

    frames: FrameRange | None = None

    def cut(self, start: int, at: int) -> None:
        frames = self.frames
        if frames is not None and frames.start == start:  # else: that chunk is over
            _say(cut_line(start, frames.cut(at)))


def serve(kind: str = "qml") -> NoReturn:
    """Render chunk after chunk as their specs arrive on stdin, until stdin ends.
    ``kind``: what the render is expected to hold (``qml``, ``lottie``, or ``any``: either,
    as a cluster's booted spares); what it names is loaded ahead of time (Qt for QML)."""
    specs: queue.Queue[dict[str, Any]] = queue.Queue()
    current = _Current()

    def on_line(line: str) -> None:
        cut = parse_cut_line(line)
        if cut is not None:
            current.cut(*cut)
            return
        request = json.loads(line)
        if not request.keys() & {"probe", "preview", "load"}:  # a chunk's spec: cut
            # requests for it may come before this process is ready
            current.frames = FrameRange(request["start"], request["end"])
        specs.put(request)

    _watch_stdin(on_line)
    if kind != "lottie":
        _qt_app()  # boot Qt and the QML engine's modules while no spec has come yet
        import studio_render.compositions.qml
        import studio_render.worker.frames
    if kind != "qml":
        import studio_render.worker.lottie_frames  # noqa: F401

    sources = _SourceCache()
    while True:
        request = specs.get()
        if "probe" in request:
            answer = probe_answer(Path(request["probe"]), request.get("renderer", "auto"),
                                  sources.keep_probed)  # fmt: skip
            _say(json.dumps(answer))
            continue
        if "load" in request:  # a failure here is the chunk's to report, when it loads
            with contextlib.suppress(Exception):
                sources.get(ChunkSpec(**request["load"]))
            continue
        if "preview" in request:
            answer_preview(ChunkSpec(**request["preview"]), sources)
            continue
        spec = ChunkSpec(**request)
        frames = current.frames
        assert frames is not None and frames.start == spec.start  # one chunk at a time
        with _one_line_errors():
            render_chunk(spec, sources.get(spec), frames)
        current.frames = None  # before "done": a late cut request gets no answer
        _say(DONE)


def answer_preview(spec: ChunkSpec, sources: _SourceCache) -> None:
    """Draw frame ``spec.start`` as a chunk of ``spec`` would, and answer with a
    ``pixels FRAME NBYTES`` line followed by its raw bytes; or with one ``failed`` line,
    the worker living on."""
    try:
        pixels = sources.get(spec).frame(spec.start)
    except Exception as exc:
        sources.close()  # a scene that failed mid-way is not drawn from again
        _say(f"{FAILED} {one_line(exc)}")
        return
    with _STDOUT:
        sys.stdout.write(f"{PIXELS} {spec.start} {pixels.nbytes}\n")
        sys.stdout.flush()
        sys.stdout.buffer.write(pixels)
        sys.stdout.buffer.flush()


class EncoderFailed(StudioRenderError):
    """The chunk's ffmpeg exited with an error (its own lines are on stderr above)."""


@contextlib.contextmanager
def _one_line_errors() -> Iterator[None]:
    """A chunk that fails ends this worker with one "failed" line, never a traceback: the
    supervisor shows the line, and the encoder's lines on stderr as details."""
    try:
        yield
    except Exception as exc:
        message = one_line(exc)
        print(f"studio-render worker: {message}", file=sys.stderr, flush=True)
        _say(f"{FAILED} {message}")
        _exit_now(1)


@contextlib.contextmanager
def _scene_warnings(spec: ChunkSpec, source: FrameSource) -> Iterator[None]:
    """While a QML chunk renders: its scene's script problems (see
    :mod:`~studio_render.compositions.qml_messages`) and what fails to load as its frames
    are shown, each said as a warning line naming the frame the scene was at, at most
    ``_WARNING_LINES`` (a message that changes every frame: not each one). Nothing for
    Lottie (no Qt)."""
    if spec.kind != "qml":
        yield
        return
    from studio_render.compositions.qml_messages import script_problems
    from studio_render.worker.frames import QmlFrames

    assert isinstance(source, QmlFrames)
    scene = source.scene
    said = 0

    def say(frame: int, problem: str) -> None:
        nonlocal said
        if said < _WARNING_LINES:
            said += 1
            _say(warning_line(frame, problem))

    scene.on_warning = say
    try:
        with script_problems(Path(spec.composition).parent, lambda p: say(scene.at, p)):
            yield
    finally:
        scene.on_warning = lambda frame, problem: None


def render_chunk(spec: ChunkSpec, source: FrameSource, frames: FrameRange | None = None) -> None:
    """Draw the chunk's frames and pipe them into the encoder command of ``spec``; the
    caller says "done" after. ``frames``: the range to draw, which may be cut short
    meanwhile (default: the spec's)."""
    frames = frames or FrameRange(spec.start, spec.end)
    encoded = 0
    rendered = 0

    def report() -> None:
        _say(f"{PROGRESS} {rendered} {encoded}")

    encoder = subprocess.Popen(spec.encoder, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert encoder.stdin is not None and encoder.stdout is not None
    _widen_pipe(encoder.stdin.fileno())

    def read_encoder_progress() -> None:
        nonlocal encoded
        assert encoder.stdout is not None
        for raw in encoder.stdout:
            parsed = parse_progress_line(raw.decode(errors="replace"))
            if parsed and parsed[0] == "frame" and parsed[1].isdigit():
                encoded = min(int(parsed[1]), frames.count)
                report()

    reader = threading.Thread(target=read_encoder_progress, daemon=True)
    reader.start()
    try:
        with _scene_warnings(spec, source):
            while (frame := frames.claim()) is not None:
                encoder.stdin.write(source.frame(frame))  # the frame's own buffer, no copy
                rendered += 1
                report()
        encoder.stdin.close()
    except BrokenPipeError:
        pass  # the encoder died; its own error is on stderr and in its exit code
    except BaseException:  # interrupted (cancel) or failed: the half-written chunk is void
        encoder.kill()  # reap it here, so no orphan outlives this process
        encoder.wait()
        raise
    code = encoder.wait()
    reader.join()
    if code != 0:
        raise EncoderFailed(f"the encoder (ffmpeg) exited with code {code}")
    encoded = frames.count
    report()


def main(argv: list[str] | None = None) -> int:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stopped)
    with own_tmpdir():
        return _run(sys.argv[1:] if argv is None else argv)


def _run(args: list[str]) -> int:
    reuse_freed_memory()
    small_pages_only()  # for the encoders this worker starts
    try:
        if len(args) in (2, 3) and args[0] == "probe":
            answer = probe_answer(Path(args[1]), args[2] if len(args) == 3 else "auto")
            print(json.dumps(answer), flush=True)
            if "info" in answer:
                return 0
            problem = answer.get("error") or answer.get("failed")
            print(problem, file=sys.stderr)
            return EXIT_BAD_INPUT if "error" in answer else 1
        if len(args) == 2 and args[0] == "chunk":
            _watch_stdin()
            spec = ChunkSpec.from_json(args[1])
            with _one_line_errors():
                source = _open_source(spec)
                try:
                    render_chunk(spec, source)
                finally:
                    source.close()
            _say(DONE)
            return 0
        if args[:1] == ["serve"] and len(args) <= 2:
            serve(*args[1:])
    except StudioRenderError as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    print(
        "usage: worker probe PATH [RENDERER] | chunk SPEC_JSON | serve [KIND]",
        file=sys.stderr,
    )
    return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
