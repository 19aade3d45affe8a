"""``studio-render render``: the engine's Qt-free core on plain threads, with a terminal display.

A render imports no Qt: QML compositions are drawn by worker processes, which import it
themselves.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import signal
import sys
import time
from typing import TYPE_CHECKING, Any, Protocol

from studio_render.core import interrupts
from studio_render.core.errors import EXIT_FAILED, EXIT_OK, BadInput, StudioRenderError

if TYPE_CHECKING:  # the rest is imported once the first worker is booting (run_render)
    from studio_render.cluster.client import ClusterSession, OpeningSession
    from studio_render.core.engine import ChunkState
    from studio_render.core.job import RenderJob, RenderSettings
    from studio_render.core.progress import ProgressSnapshot
    from studio_render.core.worker_pool import WorkerPool


def settings_from_args(args: argparse.Namespace, frame_count: int) -> RenderSettings:
    from studio_render.core.composition import parse_size
    from studio_render.core.job import RenderSettings, default_concurrency, parse_frames

    return RenderSettings(
        output=args.output,
        preset=args.preset,
        concurrency=args.concurrency if args.concurrency is not None else default_concurrency(),
        frames=parse_frames(args.frames, frame_count) if args.frames else None,
        chunk_frames=args.chunk_frames,
        size=parse_size(args.size) if args.size else None,
        crf=args.crf,
        speed=args.speed,
        alpha=args.alpha,
        background=args.background,
        retries=args.retries,
        fps=args.fps,
        renderer=args.renderer,
        frame_timeout=args.frame_timeout,
        fresh=args.fresh,
        allow_network=args.allow_network,
    )


def _format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "ETA --:--"
    s = int(seconds + 0.5)
    return (
        f"ETA {s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
        if s >= 3600
        else (f"ETA {s // 60:d}:{s % 60:02d}")
    )


class _Display(Protocol):
    def update(self, snap: ProgressSnapshot) -> None: ...
    def waiting(self, index: int, frame: int, seconds: float) -> None: ...
    def warning(self, message: str) -> None: ...
    def done(self, output: str) -> None: ...
    def error(self, message: str, details: str) -> None: ...
    def cancelled(self, signum: int) -> None: ...


def _say_failed(message: str, details: str) -> None:
    """One line saying why, then the details (the worker's or ffmpeg's last lines)."""
    print(f"studio-render: render failed: {message}", file=sys.stderr)
    if details:
        print("  " + details.replace("\n", "\n  "), file=sys.stderr)


def _say_warning(message: str) -> None:
    print(f"studio-render: warning: {message}", file=sys.stderr, flush=True)


def _say_cancelled(signum: int) -> None:
    """The one line on stderr of a render stopped by a signal (Ctrl-C: SIGINT)."""
    print(f"Render cancelled ({interrupts.signal_name(signum)}).", file=sys.stderr, flush=True)


class _JsonDisplay:
    closed = False  # whoever read stdout has gone (``| head``): the render goes on

    def _print(self, obj: dict[str, Any]) -> None:
        if self.closed:
            return
        try:
            print(json.dumps(obj), flush=True)
        except OSError:  # BrokenPipeError, mostly
            self.closed = True

    def update(self, snap: ProgressSnapshot) -> None:
        self._print({
            "event": "progress", "progress": round(snap.progress, 6), "stage": str(snap.stage),
            "frames_done": snap.frames_done, "frames_total": snap.frames_total,
            "eta_s": None if snap.eta_s is None else round(snap.eta_s, 2),
        })  # fmt: skip

    def waiting(self, index: int, frame: int, seconds: float) -> None:
        self._print({"event": "waiting", "frame": frame, "seconds": round(seconds, 1)})

    def warning(self, message: str) -> None:
        self._print({"event": "warning", "message": message})

    def done(self, output: str) -> None:
        self._print({"event": "done", "output": output})

    def error(self, message: str, details: str) -> None:
        self._print({"event": "error", "message": message})

    def cancelled(self, signum: int) -> None:
        self._print({"event": "cancelled"})
        _say_cancelled(signum)


class _BarDisplay:
    """A tqdm bar in tenths of a percent, with stage, frames per second and our ETA."""

    def __init__(self) -> None:
        from tqdm import tqdm

        from studio_render.core.progress_feed import BAR_MAXIMUM

        self.bar = tqdm(
            total=BAR_MAXIMUM, file=sys.stderr, dynamic_ncols=True, leave=True,
            bar_format="{percentage:5.1f}%|{bar}| {desc}",
        )  # fmt: skip
        self.maximum = BAR_MAXIMUM
        self.snap: ProgressSnapshot | None = None
        self.note = ""  # a frame that is taking long, while it does
        self.note_until = 0.0

    def update(self, snap: ProgressSnapshot) -> None:
        self.snap = snap
        fps = f"{snap.fps:.0f} fps" if snap.fps else "-- fps"
        note = f", {self.note}" if time.monotonic() < self.note_until else ""
        self.bar.set_description_str(
            f"{str(snap.stage).capitalize()}: {snap.frames_done}/{snap.frames_total} frames, "
            f"{fps}, {_format_eta(snap.eta_s)}{note}",
            refresh=False,
        )
        self.bar.update(round(snap.progress * self.maximum) - self.bar.n)

    def waiting(self, index: int, frame: int, seconds: float) -> None:
        self.note = f"frame {frame} has taken {seconds:.0f} s"
        self.note_until = time.monotonic() + 1.0  # renewed twice a second while it waits
        if self.snap is not None:
            self.update(self.snap)
            self.bar.refresh()

    def warning(self, message: str) -> None:
        self.bar.write(f"studio-render: warning: {message}", file=sys.stderr)

    def done(self, output: str) -> None:
        self.bar.close()
        print(f"Wrote {output}", file=sys.stderr)

    def error(self, message: str, details: str) -> None:
        self.bar.close()
        _say_failed(message, details)

    def cancelled(self, signum: int) -> None:
        self.bar.close()
        _say_cancelled(signum)


class _QuietDisplay(_BarDisplay):
    def __init__(self) -> None:
        pass

    def update(self, snap: ProgressSnapshot) -> None:
        pass

    def waiting(self, index: int, frame: int, seconds: float) -> None:
        pass

    def warning(self, message: str) -> None:
        _say_warning(message)

    def done(self, output: str) -> None:
        pass

    def error(self, message: str, details: str) -> None:
        _say_failed(message, details)

    def cancelled(self, signum: int) -> None:
        _say_cancelled(signum)


def run_render(args: argparse.Namespace) -> int:
    """Probe, check, render; returns the exit code. Raises BadInput before any work.

    A signal before the engine runs kills the worker processes at once and ends here
    (see ``core/interrupts.py``); once the engine runs, it cancels the engine.
    """
    from studio_render.core.procs import kill_all_groups

    session = workers = job = opening = probe = None

    def stop() -> None:  # on a signal: the local workers, or the probe on the cluster
        kill_all_groups()
        if opening is not None:
            opening.stop()

    try:
        with interrupts.acting(stop):
            from studio_render.compositions.probe import ask_probe, check_readable
            from studio_render.core.worker_pool import boot_workers

            interrupts.check()  # a signal came while this was being imported
            if args.cluster and args.allow_network:
                raise BadInput("--allow-network: cluster workers never use the network")
            if args.cluster:  # it connects, checks, receives and probes the composition
                check_readable(args.composition, args.renderer)
                settings_from_args(args, 0)  # a --frames or --size that does not parse:
                opening = _open_cluster_session(args)  # said before the cluster is tried
                interrupts.check()  # a signal came while the cluster client was imported
            else:  # one probes the composition while the others boot
                workers = boot_workers(args.composition, args.concurrency)
                interrupts.check()  # a signal killed the first ones while others were started
                probe = ask_probe(args.composition, workers=workers, renderer=args.renderer)
            # While the first worker boots on another core: what the plan needs, the
            # progress bar, and ffmpeg found (prepare_job reports a problem)
            from studio_render.core.ffmpeg import find_ffmpeg
            from studio_render.core.job import prepare_job

            if args.progress == "bar":
                importlib.import_module("tqdm")
            with contextlib.suppress(BadInput):
                find_ffmpeg()
            if opening is not None:
                session, info = opening.opened()
            else:
                assert probe is not None
                info = probe.answer()
            for warning in info.warnings:
                _say_warning(warning)
            settings = settings_from_args(args, info.frame_count_at(args.fps))
            interrupts.check()
            if session is not None:
                job = session.prepare_job(info, settings, concurrency=args.concurrency)
            else:
                job = prepare_job(info, settings)
            if workers is not None:
                _head_start(job, workers)
            importlib.import_module("studio_render.core.engine")  # as the chunks start
        return _render(args, session, job, workers)
    except interrupts.Interrupted as exc:
        return _report_cancelled(args, exc.signum)
    except StudioRenderError:
        signum = interrupts.received()
        if signum is None:
            raise
        return _report_cancelled(args, signum)  # a worker the signal stopped failed the probe
    finally:
        if probe is not None:
            probe.close()  # a worker still asked, when something failed before its answer
        if workers is not None:
            workers.close()  # after the render the engine has let them go already
        if opening is not None:
            opening.close()  # closes the session
        if job is not None:
            job.remove_work_dir()  # the engine removes it; not if it never started


def _head_start(job: RenderJob, workers: WorkerPool) -> None:
    """Start a worker for each chunk that can run at once, and give the first chunks to
    them now, as the engine will (it takes them over): they draw while Qt loads."""
    from studio_render.core.cpus import usable_cores
    from studio_render.core.ffmpeg import find_ffmpeg

    wanted = min(job.settings.concurrency, usable_cores(), len(job.chunks))
    workers.prestart(max(0, wanted - workers.started))
    try:
        ffmpeg = find_ffmpeg()
    except BadInput:
        return  # the engine says so when it starts
    threads = job.local_encoder_threads(job.settings.concurrency)
    for chunk in job.chunks[:wanted]:
        spec = job.chunk_spec(chunk, ffmpeg, threads, whole_output=job.single_chunk)
        workers.head_start(spec.to_json())


def _report_cancelled(args: argparse.Namespace, signum: int) -> int:
    """Before the engine ran: the same one line (or JSON event) as a cancelled render."""
    if args.progress == "json":
        _JsonDisplay().cancelled(signum)
    else:
        _say_cancelled(signum)
    return interrupts.exit_code(signum)


def _open_cluster_session(args: argparse.Namespace) -> OpeningSession:
    from studio_render.cluster import needs_cluster_extra

    with needs_cluster_extra("--cluster"):
        from studio_render.cluster.client import OpeningSession, TlsFiles
    tls = TlsFiles(args.tls_ca_file, args.tls_cert, args.tls_key)
    return OpeningSession(args.cluster, tls, args.composition, args.renderer, [args.output])


def _render(
    args: argparse.Namespace,
    session: ClusterSession | None,
    job: RenderJob,
    workers: WorkerPool | None,
) -> int:
    """Render locally, or on the cluster of ``session`` (same engine, other chunk attempts):
    the engine's core, its reports run by this (the main) thread, its chunks on threads."""
    from studio_render.core.procs import kill_all_groups

    with interrupts.acting(kill_all_groups):
        from studio_render.core.engine import RenderCore
        from studio_render.core.progress_feed import ProgressFeed
        from studio_render.core.thread_host import ThreadHost

        displays: dict[str, type[_Display]] = {
            "json": _JsonDisplay, "bar": _BarDisplay, "none": _QuietDisplay
        }  # fmt: skip
        display = displays[args.progress]()
        events = _Events(display)
        host = ThreadHost()
        feed = ProgressFeed(display.update)
        attempt = session.chunk_attempt if session else None
        engine = RenderCore(host, events, feed, chunk_attempt=attempt)
        if job.reused:
            reused = sum(segment.frame_count for segment in job.reused)
            if args.progress == "json":
                print(json.dumps({"event": "resumed", "frames_reused": reused}), flush=True)
            elif args.progress == "bar":
                note = f"Resuming: {reused} of {job.frame_count} frames were rendered by an "
                print(note + "interrupted render (--fresh: render them again)", file=sys.stderr)
        interrupts.check()

    def flush() -> float | None:
        """Between reports: the progress update held back, once it is due."""
        feed.flush_due()
        return feed.due_in()

    with interrupts.acting(engine.cancel):
        engine.start(job, workers)
        if interrupts.received() is not None:  # came after the check, before the start
            engine.cancel()
        host.run_until(lambda: events.over, idle=flush)
    return events.code


class _Events:
    """The engine's events, told to the display; the exit code once it has ended."""

    def __init__(self, display: _Display) -> None:
        self.display = display
        self.code = EXIT_FAILED
        self.over = False

    def chunk_state_changed(self, index: int, state: ChunkState, fraction: float) -> None:
        pass

    def chunk_started(self, index: int, pid: int, attempt: int) -> None:
        pass

    def frame_waiting(self, index: int, frame: int, seconds: float) -> None:
        self.display.waiting(index, frame, seconds)

    def warning(self, message: str) -> None:
        self.display.warning(message)

    def finished(self, output: str) -> None:
        self.display.done(output)
        self.code = EXIT_OK

    def failed(self, message: str, details: str) -> None:
        self.display.error(message, details)
        self.code = EXIT_FAILED

    def cancelled(self) -> None:
        signum = interrupts.received() or signal.SIGINT
        self.display.cancelled(signum)
        self.code = interrupts.exit_code(signum)

    def ended(self) -> None:
        self.over = True
