"""The render job: settings as the user gave them, checked and resolved into a plan."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from studio_render.core.chunkspec import ChunkSpec
from studio_render.core.composition import (
    CompositionInfo,
    check_fps,
    check_renderer,
    check_size,
    fit_size,
    network_refused,
)
from studio_render.core.cpus import chunk_encoder_threads, usable_cores
from studio_render.core.errors import BadInput
from studio_render.core.ffmpeg import encode_chunk_command, find_ffmpeg
from studio_render.core.frame_watch import FRAME_TIMEOUT_S
from studio_render.core.plan import Chunk, plan_render
from studio_render.core.preflight import check_audio, check_encoder_size, check_output_name
from studio_render.core.presets import SPEEDS, Join, Preset, get_preset
from studio_render.core.resume import (
    Segment,
    finished_segments,
    job_digest,
    open_work_dir,
    remove_other_work_dirs,
    remove_work_dir,
    work_dir_for,
)

MAX_CONCURRENCY = 64
DEFAULT_RETRIES = 2


def default_concurrency() -> int:
    return max(1, min(usable_cores(), MAX_CONCURRENCY))


@dataclass(frozen=True)
class RenderSettings:
    """What the user asked for. Frame ranges are half-open: ``(start, end)``."""

    output: Path
    preset: str = "h264"
    concurrency: int = field(default_factory=default_concurrency)
    frames: tuple[int, int] | None = None
    chunk_frames: int | None = None
    size: tuple[int | None, int | None] | None = None
    crf: int | None = None
    speed: str | None = None
    alpha: bool = False
    background: str = "#ffffff"
    retries: int = DEFAULT_RETRIES
    fps: float | None = None  # output frame rate (Lottie only); None: the composition's
    renderer: str = "auto"  # QML: "auto", "software" or "gpu"; Lottie: "auto" or "thorvg"
    frame_timeout: float = FRAME_TIMEOUT_S  # seconds one frame may take at most
    fresh: bool = False  # ignore the finished chunks of a killed render of the same job
    allow_network: bool = False  # QML: may load http(s) URLs; else local files only


def parse_frames(text: str, frame_count: int | None = None) -> tuple[int, int]:
    """``START:END`` (END exclusive; either may be left out) into a half-open range."""
    match = re.fullmatch(r"\s*(\d*)\s*:\s*(\d*)\s*", text)
    if not match:
        raise BadInput(f"frame range {text!r} is not START:END (e.g. 0:300, 30:, :90)")
    start = int(match[1]) if match[1] else 0
    if match[2]:
        end = int(match[2])
    elif frame_count is not None:
        end = frame_count
    else:
        raise BadInput(f"frame range {text!r} needs an END")
    return start, end


@dataclass(frozen=True)
class CheckedJob:
    """Settings checked against the composition and resolved; nothing is on disk yet."""

    info: CompositionInfo
    settings: RenderSettings
    preset: Preset
    output: Path  # absolute
    start: int
    end: int
    width: int
    height: int
    alpha: bool
    ffmpeg: str
    audio: str | None  # the composition's audio, if the output format carries audio

    @property
    def renderer(self) -> str:
        """The renderer that draws the frames ("auto" resolved): what the hashes of the
        job and its chunks hold, so asking for the default by name shares them."""
        return self.info.renderer(self.settings.renderer)[0]


@dataclass(frozen=True)
class RenderJob(CheckedJob):
    """A checked job with its work folder: its chunks, where each goes, and where the
    output is assembled."""

    chunks: tuple[Chunk, ...]  # to render; with ``reused``, they cover start-end
    work_dir: Path  # next to the output, named from the job, removed when the job ends
    reused: tuple[Segment, ...] = ()  # chunks a killed render of this job finished

    @property
    def fps(self) -> float:
        """The output frame rate; frame ranges count output frames."""
        return self.settings.fps or self.info.fps

    @property
    def frame_count(self) -> int:
        return self.end - self.start

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps

    @property
    def audio_offset_s(self) -> float:
        """Where in the audio the rendered range starts."""
        return self.start / self.fps

    @property
    def partial_output(self) -> Path:
        """Where the output is assembled before it is renamed into place."""
        return self.work_dir / ("frames" if self.preset.join is Join.NONE else self.output.name)

    @property
    def audio_track(self) -> Path:
        """The encoded audio, ready to be copied in when the chunks are joined."""
        return self.work_dir / "audio.mka"  # Matroska holds AAC, Opus, PCM and FLAC

    @property
    def single_chunk(self) -> bool:
        """One chunk is the whole output (one chunk planned, none reused, no audio): its
        encoder can write the output file itself, with no join pass after it."""
        return (
            self.preset.join is Join.COPY
            and len(self.chunks) == 1
            and not self.reused
            and self.audio is None
        )

    def chunk_file(self, chunk: Chunk) -> Path:
        """A chunk's file, named by a hash of what it contains (like manim's partial files)."""
        if self.preset.join is Join.NONE:
            return self.partial_output / "frame_%06d.png"
        key = "|".join(
            map(str, (self.info, self.fps, self.preset.name, self.width, self.height, self.alpha,
                      self.settings.crf, self.settings.speed, self.settings.background,
                      self.renderer, self.settings.allow_network,
                      chunk.start, chunk.end))
        )  # fmt: skip
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        return self.work_dir / f"chunk{chunk.index:04d}-{digest}{self.preset.chunk_extension}"

    def local_encoder_threads(self, concurrency: int) -> int | None:
        """Each chunk encoder's threads when ``concurrency`` chunks render at once on this
        computer (see :func:`~studio_render.core.cpus.chunk_encoder_threads`)."""
        return chunk_encoder_threads(min(concurrency, len(self.chunks)))

    def chunk_spec(
        self,
        chunk: Chunk,
        ffmpeg: str,
        encoder_threads: int | None = None,
        whole_output: bool = False,
    ) -> ChunkSpec:
        """What a worker needs to render ``chunk``; ``encoder_threads`` caps ffmpeg's threads.
        ``whole_output``: the chunk is the output (see :attr:`single_chunk`), written to
        :attr:`partial_output` with the preset's final arguments."""
        out = self.partial_output if whole_output else self.chunk_file(chunk)
        encoder = encode_chunk_command(
            ffmpeg,
            width=self.width,
            height=self.height,
            fps=self.fps,
            video_args=self.preset.video_args(self.settings.crf, self.settings.speed),
            pix_fmt=self.preset.pix_fmt(self.alpha),
            colour=self.preset.colour,
            even_size=self.preset.even_size,
            output=out,
            start_number=chunk.start,
            threads=encoder_threads,
            final_args=self.preset.final_args if whole_output else (),
        )
        return ChunkSpec(
            composition=self.info.path,
            kind=self.info.kind,
            start=chunk.start,
            end=chunk.end,
            width=self.width,
            height=self.height,
            native_width=self.info.width,
            native_height=self.info.height,
            alpha=self.alpha,
            background=self.settings.background,
            encoder=encoder,
            output=str(out),
            time_scale=self.info.fps / self.fps,
            renderer=self.settings.renderer,
            frame_timeout=self.settings.frame_timeout,
            allow_network=self.settings.allow_network,
        )

    def remove_work_dir(self) -> None:
        remove_work_dir(self.work_dir)


def _check_place(output: Path) -> None:
    """The output's folder exists and its name fits the filesystem."""
    if not output.parent.is_dir():
        raise BadInput(f"output folder {output.parent} does not exist")
    check_output_name(output)


def _check_output(settings: RenderSettings, preset: Preset) -> Path:
    output = Path(settings.output).expanduser().absolute()
    _check_place(output)
    if output.is_symlink():  # the file it names is the output: the link stays
        output = Path(os.path.realpath(output))
        if output.is_symlink():
            raise BadInput(f"output {settings.output} is a loop of symbolic links")
        _check_place(output)
    if preset.join is Join.NONE:
        if output.suffix:
            raise BadInput(
                f"preset png writes a folder of images: give a folder, not {output.name}"
            )
        if output.exists() and not output.is_dir():
            raise BadInput(f"{output} exists and is not a folder")
    else:
        if output.is_dir():
            raise BadInput(f"output {output} is a folder: give a {preset.extension} file name")
        if output.suffix.lower() != preset.extension:
            raise BadInput(
                f"output {output.name} does not match preset {preset.name}: "
                f"use a {preset.extension} file name"
            )
    return output


def check_job(info: CompositionInfo, settings: RenderSettings) -> CheckedJob:
    """Check every setting against the composition (:class:`BadInput` for the first one
    that cannot be used). Writes nothing: the window validates its form with this."""
    info.check_sane()
    preset = get_preset(settings.preset)
    if not 1 <= settings.concurrency <= MAX_CONCURRENCY:
        raise BadInput(f"concurrency {settings.concurrency} is outside 1-{MAX_CONCURRENCY}")
    if settings.retries < 0:
        raise BadInput("retries cannot be negative")
    if not settings.frame_timeout > 0:
        raise BadInput(f"frame timeout {settings.frame_timeout:g} s must be more than 0")
    if info.remote and not settings.allow_network:
        raise BadInput(f"{Path(info.path).name}: {network_refused(info.remote[0])}")
    if settings.fps is not None:
        if info.kind != "lottie":
            raise BadInput("--fps: only Lottie animations render at another frame rate "
                           "(a QML composition sets its own fps)")  # fmt: skip
        check_fps(settings.fps)
    check_renderer(info.kind, settings.renderer, Path(info.path).name)
    frame_count = info.frame_count_at(settings.fps)
    start, end = settings.frames or (0, frame_count)
    if start >= end:
        raise BadInput(f"frame range {start}:{end} is empty (END is exclusive: {start}:{start + 1} "
                       f"renders frame {start})")  # fmt: skip
    if not 0 <= start < end <= frame_count:
        raise BadInput(f"frame range {start}:{end} is outside the composition's 0:{frame_count}")
    if settings.chunk_frames is not None and settings.chunk_frames < 1:
        raise BadInput("chunk length must be at least 1 frame")
    if settings.crf is not None:
        if preset.crf is None:
            raise BadInput(f"preset {preset.name} has no quality (CRF) setting")
        if not preset.crf[1] <= settings.crf <= preset.crf[2]:
            raise BadInput(f"CRF {settings.crf} is outside {preset.crf[1]}-{preset.crf[2]}")
    if settings.speed is not None:
        if preset.default_speed is None:
            raise BadInput(f"preset {preset.name} has no speed setting")
        if settings.speed not in SPEEDS:
            raise BadInput(f"unknown speed {settings.speed!r} (choose from {', '.join(SPEEDS)})")
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", settings.background):
        raise BadInput(f"background {settings.background!r} is not a colour like #ffffff")
    if settings.alpha and preset.alpha == "never":
        raise BadInput(f"preset {preset.name} cannot keep transparency")
    width, height = fit_size((info.width, info.height), settings.size)
    check_size(width, height, what="output")
    output = _check_output(settings, preset)
    ffmpeg = find_ffmpeg()
    alpha = preset.keeps_alpha(settings.alpha)
    check_encoder_size(ffmpeg, preset, width, height, alpha)
    audio = info.audio if preset.audio_args is not None else None
    if audio:
        check_audio(ffmpeg, audio)
    return CheckedJob(info, settings, preset, output, start, end, width, height, alpha,
                      ffmpeg, audio)  # fmt: skip


def prepare_job(info: CompositionInfo, settings: RenderSettings) -> RenderJob:
    """:func:`check_job`, then make the job's work folder (keeping the chunks a killed
    render of the same job finished there) and plan the chunks still to render."""
    c = check_job(info, settings)
    looks = (c.preset.name, c.width, c.height, c.alpha, settings.crf, settings.speed,
             settings.background, info.fps, settings.fps, c.renderer,
             settings.allow_network, c.start, c.end)  # fmt: skip
    work_dir = work_dir_for(c.output, job_digest(Path(info.path), c.audio, c.output, looks))
    open_work_dir(work_dir, c.output, settings.fresh)
    remove_other_work_dirs(c.output.parent, keep=work_dir)  # a week old
    reused: list[Segment] = []
    if c.preset.join is not Join.NONE:
        even = c.preset.even_size
        stored = (c.width + c.width % 2, c.height + c.height % 2) if even else (c.width, c.height)
        codec = c.preset.video_args(None, None)[1]
        reused = finished_segments(work_dir, c.ffmpeg, c.start, c.end, stored,
                                   _CODECS.get(codec, codec))  # fmt: skip
    chunks: list[Chunk] = []
    for gap_start, gap_end in _gaps(c.start, c.end, reused):
        for chunk in plan_render(gap_start, gap_end, settings.concurrency, settings.chunk_frames):
            chunks.append(Chunk(len(chunks), chunk.start, chunk.end))
    job = RenderJob(**vars(c), chunks=tuple(chunks), work_dir=work_dir, reused=tuple(reused))
    if c.preset.join is Join.NONE:
        job.partial_output.mkdir(exist_ok=True)  # chunks write their frames straight into it
    return job


#: The codec ffmpeg names in a stream, for an encoder that is named otherwise.
_CODECS = {"libx264": "h264", "libx265": "hevc", "libvpx-vp9": "vp9", "prores_ks": "prores"}


def _gaps(start: int, end: int, done: list[Segment]) -> list[tuple[int, int]]:
    """The frame ranges of ``start``-``end`` that ``done`` (sorted, apart) leaves out."""
    gaps, at = [], start
    for segment in done:
        if segment.start > at:
            gaps.append((at, segment.start))
        at = segment.end
    if at < end:
        gaps.append((at, end))
    return gaps
