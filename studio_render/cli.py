"""The ``studio-render`` command line: render, info, gui, scheduler, worker."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import studio_render
from studio_render.core import interrupts
from studio_render.core.composition import RENDERERS, check_fps
from studio_render.core.errors import (
    EXIT_BAD_INPUT,
    EXIT_CANCELLED,
    EXIT_OK,
    BadInput,
    StudioRenderError,
)
from studio_render.core.frame_watch import FRAME_TIMEOUT_S
from studio_render.core.presets import PRESETS, SPEEDS


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message: str) -> NoReturn:
        print(f"studio-render: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _versions() -> str:
    import PySide6
    import thorvg_python

    from studio_render.core.ffmpeg import ffmpeg_version, find_ffmpeg

    try:
        ffmpeg = f"{ffmpeg_version(find_ffmpeg())} ({find_ffmpeg()})"
    except (OSError, StudioRenderError) as exc:
        ffmpeg = f"not usable ({exc})"
    from studio_render.compositions.lottie import thorvg_version

    return (
        f"studio-render {studio_render.__version__}\n"  # read here: importlib.metadata is slow
        f"Python {sys.version.split()[0]}, PySide6 {PySide6.__version__}, "
        f"thorvg-python {thorvg_python.__version__} (ThorVG {thorvg_version()})\n{ffmpeg}"
    )


class _VersionAction(argparse.Action):
    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        print(_versions())
        raise SystemExit(0)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="studio-render", description=__doc__)
    parser.add_argument("--version", nargs=0, action=_VersionAction, help="show versions")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    render = sub.add_parser("render", help="render a composition to a video file")
    render.add_argument("composition", type=Path)
    render.add_argument("-o", "--output", type=Path, required=True)
    render.add_argument(
        "-j",
        "--concurrency",
        type=int,
        default=None,
        help="worker processes (default: number of cores)",
    )
    render.add_argument("--frames", help="START:END, END exclusive (default: all)")
    render.add_argument("--preset", default="h264", help=", ".join(PRESETS))
    render.add_argument("--crf", type=int, help="quality; lower is better")
    render.add_argument("--speed", help="encoder speed: " + ", ".join(SPEEDS))
    render.add_argument("--chunk-frames", type=int, help="frames per chunk")
    render.add_argument("--size", help="output size WxH (Wx or xH keep the aspect)")
    render.add_argument("--alpha", action="store_true", help="keep transparency (vp9)")
    render.add_argument(
        "--background",
        default="#ffffff",
        help="colour behind transparent parts in formats without alpha",
    )
    render.add_argument("--retries", type=int, default=2, help="retries of a failed chunk")
    _add_fps_option(render)
    _add_renderer_option(render)
    render.add_argument(
        "--frame-timeout",
        type=float,
        default=FRAME_TIMEOUT_S,
        metavar="SECONDS",
        help=f"longest one frame may take before it counts as hung (default {FRAME_TIMEOUT_S:g})",
    )
    render.add_argument(
        "--fresh",
        action="store_true",
        help="render every frame, not reusing what a killed render of the same job finished",
    )
    render.add_argument(
        "--allow-network",
        action="store_true",
        help="let a QML scene load http(s) URLs (images, components, XMLHttpRequest, fonts);"
        " by default it reads local files only",
    )
    render.add_argument("--progress", choices=("bar", "json", "none"), default="bar")
    render.add_argument(
        "--cluster", metavar="ADDRESS", help="render on a Dask cluster (tcp:// or tls://HOST:PORT)"
    )
    _add_tls_options(render)

    clean = sub.add_parser("clean", help="list and remove work folders killed renders left")
    clean.add_argument("folders", type=Path, nargs="*", help="where outputs go (default: .)")
    clean.add_argument("--dry-run", action="store_true", help="list them only")

    info = sub.add_parser("info", help="describe a composition")
    info.add_argument("composition", type=Path)
    info.add_argument("--json", action="store_true")
    _add_fps_option(info)
    _add_renderer_option(info)

    gui = sub.add_parser("gui", help="open the desktop window")
    gui.add_argument("composition", type=Path, nargs="?")

    scheduler = sub.add_parser("scheduler", help="run a cluster scheduler (dask scheduler)")
    scheduler.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on, dashboard included (default 127.0.0.1)",
    )
    scheduler.add_argument("--port", type=int, default=8786)
    scheduler.add_argument("--dashboard-port", type=int, default=8787)
    _add_tls_options(scheduler)

    worker = sub.add_parser("worker", help="run a cluster worker (dask worker)")
    worker.add_argument("address", help="the scheduler, tcp:// or tls://HOST:PORT")
    worker.add_argument(
        "--host",
        help="address to listen on (default: this machine's address on the route to the scheduler)",
    )
    worker.add_argument("--nthreads", type=int, help="chunks rendered at once (default: cores)")
    worker.add_argument("--name", help="a unique name for this worker")
    worker.add_argument("--no-nanny", action="store_true", help="no nanny process")
    _add_tls_options(worker)
    return parser  # fmt: skip


def _fps(text: str) -> float:
    try:
        fps = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a frame rate") from None
    try:
        check_fps(fps)
    except BadInput as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return fps


def _add_fps_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fps", type=_fps, help="output frame rate (Lottie; default: the animation's own)"
    )


def _add_renderer_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--renderer",
        choices=RENDERERS,
        default="auto",
        help="QML: software scene graph, GPU (OpenGL; Mesa's llvmpipe without a GPU), or "
        "auto: the GPU only for scenes with effects, shaders or particles (default). "
        "Lottie: thorvg (auto, the default)",
    )


def _add_tls_options(parser: argparse.ArgumentParser) -> None:
    tls = parser.add_argument_group("TLS (for tls:// addresses; PEM files)")
    tls.add_argument("--tls-ca-file", help="certificate authority that signed every machine")
    tls.add_argument("--tls-cert", help="this machine's certificate")
    tls.add_argument("--tls-key", help="this machine's private key")


def cmd_info(args: argparse.Namespace) -> int:
    from studio_render.compositions.probe import probe_composition
    from studio_render.core.composition import network_note

    info = probe_composition(args.composition, renderer=args.renderer)
    renderer, why = info.renderer(args.renderer)
    fps = args.fps
    if fps is not None and info.kind != "lottie":
        raise BadInput("--fps: only Lottie animations render at another frame rate")
    if info.audio:
        from studio_render.core.ffmpeg import find_ffmpeg
        from studio_render.core.preflight import check_audio

        check_audio(find_ffmpeg(), info.audio)
    interrupts.check()
    if args.json:
        output = {"fps": fps, "frame_count": info.frame_count_at(fps)} if fps else None
        print(json.dumps({**info.to_json(), "renderer": renderer, "renderer_reason": why,
                          **({"output": output} if output else {})}))  # fmt: skip
    else:
        rate = f"{info.fps:g}" + (f" (rendered at {fps:g}: {info.frame_count_at(fps)} "
                                  "frames)" if fps else "")  # fmt: skip
        print(f"{Path(info.path).name}\n  kind:      {info.kind}\n"
              f"  size:      {info.width}x{info.height}\n  fps:       {rate}\n"
              f"  frames:    {info.frame_count}\n  duration:  {info.duration_s:.3f} s\n"
              f"  audio:     {info.audio or 'none'}\n  renderer:  {renderer} ({why})")  # fmt: skip
        for line in network_note(info.remote).splitlines():
            print(f"  network:   {line}")
        for warning in info.warnings:
            print(f"  warning:   {warning}")
    return EXIT_OK


def cmd_clean(args: argparse.Namespace) -> int:
    """List the work folders in the given folders and remove those not in use."""
    import shutil

    from studio_render.core.resume import work_folders

    found = 0
    for folder in args.folders or [Path(".")]:
        if not folder.is_dir():
            raise BadInput(f"{folder} is not a folder")
        for work in work_folders(folder):
            found += 1
            what = "in use, kept" if work.in_use else "kept" if args.dry_run else "removed"
            print(f"{work.path}  {work.size / 1e6:.1f} MB, {work.age_s / 3600:.1f} h old, "
                  f"for {work.output or 'an unknown output'}: {what}")  # fmt: skip
            if not work.in_use and not args.dry_run:
                shutil.rmtree(work.path, ignore_errors=True)
    if not found:
        print("No work folders.")
    return EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    from studio_render.cli_render import run_render

    return run_render(args)


def cmd_cluster(args: argparse.Namespace) -> int:
    """``scheduler`` and ``worker``: Dask's commands, run in this process."""
    from studio_render.cluster import needs_cluster_extra

    with needs_cluster_extra("the cluster commands"):
        from studio_render.cluster import commands
        from studio_render.cluster.client import TlsFiles
    tls = TlsFiles(args.tls_ca_file, args.tls_cert, args.tls_key)
    interrupts.uninstall()  # Dask stops on SIGINT and SIGTERM itself
    if args.command == "scheduler":
        return commands.run_scheduler(
            commands.scheduler_args(args.host, args.port, tls, args.dashboard_port)
        )
    return commands.run_worker(
        commands.worker_args(args.address, args.host, args.nthreads, args.name, tls,
                             nanny=not args.no_nanny)
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:  # the frozen app starting one of its worker processes
        from studio_render.worker.main import main as worker_main

        return worker_main(argv[1:])
    args = build_parser().parse_args(argv or ["gui"])  # no arguments: the window
    try:
        if args.command == "info":
            return cmd_info(args)
        if args.command == "render":
            return cmd_render(args)
        if args.command == "clean":
            return cmd_clean(args)
        if args.command in ("scheduler", "worker"):
            return cmd_cluster(args)
        if args.command == "gui":
            return gui_main([str(args.composition)] if args.composition else [])
    except KeyboardInterrupt:  # main() called in a process without our signal handlers
        return EXIT_CANCELLED
    except interrupts.Interrupted as exc:
        print(f"studio-render: stopped by {exc}", file=sys.stderr)
        return exc.exit_code
    except BadInput as exc:
        if getattr(args, "progress", None) == "json":
            print(json.dumps({"event": "error", "message": str(exc)}), flush=True)
        print(f"studio-render: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    build_parser().print_help()
    return EXIT_BAD_INPUT


def gui_main(argv: list[str] | None = None) -> int:
    from studio_render.gui.app import run_app

    interrupts.check()  # a signal while Qt was loading: no window
    interrupts.uninstall()  # the window closes on SIGINT and SIGTERM itself
    return run_app(sys.argv[1:] if argv is None else argv)


__all__ = ["gui_main", "main"]
