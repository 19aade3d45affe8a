"""Lottie speed: milliseconds per frame by renderer, and whole renders against one process.

Per frame (1920x1080, the animation scaled in and centred): rlottie (rlottie-python,
single thread), ThorVG through thorvg-python with no extra threads and with one per core,
and ThorVG through thorvg-cython. Each renderer runs in a process of its own (ThorVG fixes
its thread count once per process); the median of ``--repeat`` passes over up to 60
frames (``--frames-per-pass``) is shown.

Loading (each per-frame file): the milliseconds its rewrite takes (``lottie_fixes``: what
every worker does before ThorVG loads the file, and again for each file it opens) and
then ThorVG's own load, the median of ``--repeat`` runs.

Whole renders (H.264 at ``--speed``, 1920x1080): ``studio-render render`` at -j 1 and -j 2
against the best single process a user could write: one renderer (whichever of ThorVG and
rlottie draws that file faster) drawing every frame and piping it into one ffmpeg with the
same encoder arguments. Wall and CPU seconds (all processes), the median of ``--repeat``
interleaved runs, and the 2-core limit (that process's CPU seconds / cores). For the
command line, "CLI CPU s" is its own process's CPU seconds (workers and encoders left
out). ``--baseline DIR`` adds -j 1 and -j 2 runs of another source tree (``git archive
main studio_render | tar -x -C DIR``), interleaved with this one's: an A/B comparison.

    python benchmarks/lottie_bench.py [--repeat 3] [--speed veryfast] [--files a.json ...]
        [--baseline DIR]
"""

from __future__ import annotations

import argparse
import compileall
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "lottie"
SIZE = (1920, 1080)
#: A render-bound file made here (see :func:`write_blurred_discs`): every corpus file is
#: encoder-bound at 1080p with ThorVG (2-7 ms a frame to draw, about 15 CPU ms to encode).
BLURRED_DISCS = "blurred discs (generated)"
PER_FRAME_FILES = ["A Shapes_All_01_1920x1080.json", "confetti.json", "like.json",
                   "loading.json", "tractor.json", "worm.json", "marker.json",
                   BLURRED_DISCS]  # fmt: skip
RENDER_FILES = ["A Shapes_All_01_1920x1080.json", "confetti.json", "worm.json",
                "tractor.json", BLURRED_DISCS]  # fmt: skip
RENDERERS = ["rlottie", "thorvg-python", "thorvg-python threads", "thorvg-cython"]

#: ``studio-render`` as ``python -m studio_render`` runs it, appending its own process's
#: CPU seconds (children left out) to the file named by its first argument as it exits.
_CLI_TIMING = """
import os, sys
del sys.path[0]  # the current folder: PYTHONPATH chooses the tree (--baseline)
from studio_render import launch

timing = sys.argv.pop(1)

def exit_now(code):
    times = os.times()
    with open(timing, "a") as out:
        out.write(f"{times.user + times.system}\\n")
    sys.stdout.flush()
    os._exit(code)

launch._exit_now = exit_now
sys.argv[0] = "studio-render"
sys.exit(launch.main())
"""


def write_blurred_discs(path: Path, frames: int = 180) -> Path:
    """Write a render-bound Lottie file: eight translucent discs, each with a Gaussian Blur
    of blurriness 40, circling a 1920x1080 frame (about 70 ms a frame to draw in one
    thread here, against about 15 CPU ms to encode)."""

    def static(value: object) -> dict[str, object]:
        return {"a": 0, "k": value}

    def effect_value(name: str, ty: int, value: object) -> dict[str, object]:
        return {"ty": ty, "nm": name, "v": static(value)}

    layers = []
    for i in range(8):
        keys = []
        for t in (0, frames // 2, frames):
            angle = 2 * math.pi * (i / 8 + t / frames)
            keys.append({"t": t, "s": [960 + 600 * math.cos(angle), 540 + 300 * math.sin(angle)],
                         "i": {"x": 0.5, "y": 0.5}, "o": {"x": 0.5, "y": 0.5}})  # fmt: skip
        disc = {"ty": "el", "p": static([0, 0]), "s": static([500, 500])}
        fill = {"ty": "fl", "c": static([i * 37 % 255 / 255, i * 91 % 255 / 255, 0.6, 1]),
                "o": static(80), "r": 1}  # fmt: skip
        blur = {"ty": 29, "nm": "Gaussian Blur", "en": 1, "ef": [
            effect_value("Blurriness", 0, 40), effect_value("Blur Dimensions", 7, 1),
            effect_value("Repeat Edge Pixels", 7, 0)]}  # fmt: skip
        transform = {"o": static(100), "p": {"a": 1, "k": keys}, "a": static([0, 0]),
                     "s": static([100, 100]), "r": static(0)}  # fmt: skip
        layers.append({"ty": 4, "ind": i + 1, "ip": 0, "op": frames, "st": 0, "sr": 1,
                       "ks": transform, "shapes": [disc, fill], "ef": [blur]})  # fmt: skip
    doc = {"v": "5.7.4", "fr": 30, "ip": 0, "op": frames, "w": 1920, "h": 1080, "layers": layers}
    path.write_text(json.dumps(doc))
    return path


def _file(name: str, folder: Path) -> Path:
    """A corpus file, or the generated render-bound one (written into ``folder``)."""
    if name == BLURRED_DISCS:
        return write_blurred_discs(folder / "blurred_discs.json")
    return CORPUS / name


def _fit(native: tuple[int, int]) -> tuple[int, int, int, int]:
    from studio_render.core.composition import fit_rect

    return fit_rect(native, SIZE)


def _draw_rlottie(path: Path) -> tuple[int, object]:
    from rlottie_python.rlottie_wrapper import LottieAnimation

    animation = LottieAnimation.from_file(str(path))
    _, _, w, h = _fit(animation.lottie_animation_get_size())
    count = animation.lottie_animation_get_totalframe()

    def draw(i: int) -> bytes:
        return animation.lottie_animation_render(frame_num=i, width=w, height=h)

    return count, draw


def _draw_thorvg_python(path: Path, threads: int) -> tuple[int, object]:
    from studio_render.compositions.lottie import LottieCanvas, LottieFile, engine

    engine(threads)
    file = LottieFile(path)
    canvas = LottieCanvas(file, SIZE, False, "#ffffff")
    return file.frame_count, canvas.render


def _draw_thorvg_cython(path: Path) -> tuple[int, object]:
    import thorvg_cython as tvc

    engine = tvc.Engine(threads=0)
    animation = tvc.LottieAnimation()
    picture = animation.get_picture()
    picture.load(str(path))
    _, nw, nh = picture.get_size()
    x, y, w, h = _fit((round(nw), round(nh)))
    picture.set_size(w, h)
    picture.translate(x, y)
    canvas = tvc.SwCanvas(*SIZE, cs=tvc.Colorspace.ARGB8888)
    fill = tvc.Shape()
    fill.append_rect(0, 0, *SIZE, 0, 0, True)
    fill.set_fill_color(255, 255, 255, 255)
    canvas.add(fill)
    canvas.add(picture)
    _, total = animation.get_total_frame()
    view = memoryview(canvas)

    def draw(i: int) -> memoryview:
        animation.set_frame(i)
        canvas.update()
        canvas.draw(False)
        canvas.sync()
        return view

    draw.engine = engine  # type: ignore[attr-defined]  # keep it alive
    return round(total), draw


def per_frame_ms(renderer: str, path: Path, repeat: int, frames_per_pass: int) -> float:
    """Run in a process of its own: the median milliseconds per frame of ``renderer``."""
    if renderer == "rlottie":
        count, draw = _draw_rlottie(path)
    elif renderer == "thorvg-cython":
        count, draw = _draw_thorvg_cython(path)
    else:
        threads = (os.cpu_count() or 1) if renderer.endswith("threads") else 0
        count, draw = _draw_thorvg_python(path, threads)
    frames = list(range(min(count, frames_per_pass)))
    draw(0)  # type: ignore[operator]  # warm up (first frame builds caches)
    passes = []
    for _ in range(repeat):
        start = time.perf_counter()
        for i in frames:
            draw(i)  # type: ignore[operator]
        passes.append((time.perf_counter() - start) / len(frames) * 1000)
    return statistics.median(passes)


def loads_table(files: list[str], repeat: int) -> None:
    """Milliseconds to rewrite each file and then to load it into ThorVG."""
    from studio_render.compositions import lottie_fixes
    from studio_render.compositions.lottie import LottieFile

    print(f"\nms to load (median of {repeat})")
    print("| file | KB | rewrite | ThorVG load |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in files:
            path = _file(name, Path(tmp))
            data = path.read_bytes()
            rewrite, load = [], []
            for _ in range(repeat):
                start = time.perf_counter()
                lottie_fixes.prepare(data)
                rewrite.append(time.perf_counter() - start)
                LottieFile(path).close()  # the rewrite remembered: ThorVG's load alone
                start = time.perf_counter()
                LottieFile(path).close()
                load.append(time.perf_counter() - start)
            print(f"| {name} | {len(data) // 1024} | {statistics.median(rewrite) * 1000:.1f} | "
                  f"{statistics.median(load) * 1000:.1f} |", flush=True)  # fmt: skip


def _rlottie_pipe(path: Path, encoder: list[str]) -> None:
    """The single-process baseline with rlottie: draw every frame, pipe it to ffmpeg."""
    count, draw = _draw_rlottie(path)
    ffmpeg = subprocess.Popen(encoder, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    assert ffmpeg.stdin is not None
    for i in range(count - 1):  # rlottie counts the out point as a frame
        ffmpeg.stdin.write(draw(i))  # type: ignore[operator]
    ffmpeg.stdin.close()
    sys.exit(ffmpeg.wait())


def frames_table(
    files: list[str], repeat: int, frames_per_pass: int
) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    print(f"\nms per frame at {SIZE[0]}x{SIZE[1]} (median of {repeat} passes over the first "
          f"{frames_per_pass} frames)")  # fmt: skip
    print(f"| file | {' | '.join(RENDERERS)} |\n|---|{'---|' * len(RENDERERS)}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in files:
            row, path = {}, _file(name, Path(tmp))
            for renderer in RENDERERS:
                done = subprocess.run(
                    [sys.executable, __file__, "_frames", renderer, str(path), str(repeat),
                     str(frames_per_pass)],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                row[renderer] = float(done.stdout.strip())
            results[name] = row
            print(f"| {name} | " + " | ".join(f"{row[r]:.2f}" for r in RENDERERS) + " |",
                  flush=True)  # fmt: skip
    return results


def renders_table(files: list[str], speeds: dict[str, dict[str, float]], repeat: int,
                  speed: str, baseline: Path | None = None) -> None:  # fmt: skip
    sys.path.insert(0, str(Path(__file__).parent))
    from render_bench import baseline_argv, measure, median_run

    from studio_render.compositions.probe import probe_composition
    from studio_render.core.job import RenderSettings, prepare_job

    cores = os.cpu_count() or 1
    print(f"\nwhole renders, H.264 {speed}, {SIZE[0]}x{SIZE[1]}, {cores} cores, median of "
          f"{repeat} interleaved runs (wall range)")  # fmt: skip
    print(f"load average at the start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print("| file | frames | run | wall s (range) | CPU s | CLI CPU s | wall / 2-core limit "
          "| wall / single |\n|---|---|---|---|---|---|---|---|")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for name in files:
            path = _file(name, Path(tmp))
            info = probe_composition(path)
            size = f"{SIZE[0]}x{SIZE[1]}"
            job = prepare_job(info, RenderSettings(
                output=Path(tmp) / "single.mp4", speed=speed, size=SIZE,
                chunk_frames=info.frame_count, concurrency=1,
            ))  # fmt: skip
            row = speeds.get(name, {})
            # rlottie draws no blurs: not the same picture
            rlottie_faster = (row and name != BLURRED_DISCS
                              and row["rlottie"] < row["thorvg-python"])  # fmt: skip
            if rlottie_faster:
                encoder = job.chunk_spec(job.chunks[0], _ffmpeg()).encoder
                single = [sys.executable, __file__, "_rlottie_pipe", str(path), json.dumps(
                    [*encoder[:-1], str(job.output)])]  # fmt: skip
            else:
                single = baseline_argv(job, with_audio=False)
            configs = {f"single process ({'rlottie' if rlottie_faster else 'ThorVG'})": single}
            trees = {"": None} if baseline is None else {"": None, f" ({baseline.name})": baseline}
            cli_cpu: dict[str, list[float]] = {}
            for j in (1, 2):
                for suffix, tree in trees.items():
                    label = f"-j {j}{suffix}"
                    cli_cpu[label] = []
                    env = [] if tree is None else ["env", f"PYTHONPATH={tree}"]
                    configs[label] = [
                        *env, sys.executable, "-c", _CLI_TIMING, str(Path(tmp) / label),
                        "render", str(path), "-o", str(Path(tmp) / f"j{j}.mp4"), "-j", str(j),
                        "--size", size, "--speed", speed, "--progress", "json",
                    ]  # fmt: skip
            runs: dict[str, list] = {label: [] for label in configs}  # type: ignore[type-arg]
            for _ in range(repeat):
                for label, argv in configs.items():
                    runs[label].append(measure(label, argv, info.frame_count))
            for label in cli_cpu:
                cli_cpu[label] = [float(v) for v in (Path(tmp) / label).read_text().split()]
                (Path(tmp) / label).unlink()
            job.remove_work_dir()
            single_run, _ = median_run(runs[next(iter(configs))])
            limit = single_run.cpu_s / cores  # the single process's work spread over the cores
            for label in configs:
                run, spread = median_run(runs[label])
                cpu = statistics.median(cli_cpu[label]) if label in cli_cpu else None
                own = "" if cpu is None else f"{cpu:.2f}"
                print(f"| {name} | {info.frame_count} | {label} | {run.wall_s:.2f} ({spread}) | "
                      f"{statistics.median(r.cpu_s for r in runs[label]):.2f} | {own} | "
                      f"{run.wall_s / limit:.2f} (limit {limit:.2f} s) | "
                      f"{run.wall_s / single_run.wall_s:.2f} |", flush=True)  # fmt: skip


def _ffmpeg() -> str:
    from studio_render.core.ffmpeg import find_ffmpeg

    return find_ffmpeg()


def main() -> None:
    if sys.argv[1:2] == ["_frames"]:
        print(per_frame_ms(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])))
        return
    if sys.argv[1:2] == ["_rlottie_pipe"]:
        _rlottie_pipe(Path(sys.argv[2]), json.loads(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--speed", default="veryfast")
    parser.add_argument("--files", nargs="*", help="corpus files for the whole renders")
    parser.add_argument("--skip-frames", action="store_true", help="whole renders only")
    parser.add_argument("--frames-per-pass", type=int, default=60, help="frames timed per pass")
    parser.add_argument("--baseline", type=Path, help="another source tree to compare with")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}")
    # Our modules' bytecode, as an install has it (pip compiles on install): without it
    # (PYTHONDONTWRITEBYTECODE, a fresh editable checkout) every process of ours compiles
    # them again, about 0.1 CPU s each, which the single process does not pay.
    for tree in (ROOT, args.baseline):
        if tree is not None:
            compileall.compile_dir(tree / "studio_render", quiet=1)
    if not args.skip_frames:
        loads_table(PER_FRAME_FILES, args.repeat)
    speeds = {} if args.skip_frames else frames_table(PER_FRAME_FILES, args.repeat,
                                                      args.frames_per_pass)  # fmt: skip
    renders_table(args.files or RENDER_FILES, speeds, args.repeat, args.speed, args.baseline)


if __name__ == "__main__":
    main()
