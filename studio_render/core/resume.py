"""Work folders named from the job, so a killed render resumes from its finished chunks.

Qt-free. A work folder (hidden, next to the output) is named by a hash of everything that
decides the pictures: the composition's bytes, the files it uses (names, sizes, times),
the audio, the output-changing settings and the frame range. Each finished chunk is
appended to ``finished.jsonl`` as it finishes. After a kill (SIGKILL, power loss), the
same render finds the folder, checks each listed chunk (file present, frame count, size
and codec of its video stream) and renders only the rest. A folder is removed when its
render ends; folders of other jobs go once a week old, or once a render of the same
output has finished; ``studio-render clean`` removes them on demand.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from studio_render.core.composition_files import composition_files
from studio_render.core.errors import BadInput

try:
    import fcntl
except ImportError:  # Windows: no lock, a second render of the same job is not refused
    fcntl = None  # type: ignore[assignment]

SUFFIX = ".studio-render"
FINISHED = "finished.jsonl"
JOB_FILE = "job.json"
LOCK_FILE = "lock"
#: Work folders of other jobs older than this are removed when a render starts.
STALE_S = 7 * 24 * 3600
_LOCKS: dict[Path, int] = {}  # work folder -> the open lock file, held while rendering


@dataclass(frozen=True)
class Segment:
    """A finished chunk: frames ``start`` to ``end`` (exclusive) in ``path``."""

    start: int
    end: int
    path: Path

    @property
    def frame_count(self) -> int:
        return self.end - self.start


def job_digest(composition: Path, audio: str | None, output: Path, key: Sequence[object]) -> str:
    """A hash of the composition, the files it uses, the audio, the output and ``key``
    (the settings that change the pictures, and the frame range)."""
    digest = hashlib.sha256(str(composition).encode())
    with contextlib.suppress(OSError):  # gone since it was probed: the render will say so
        digest.update(composition.read_bytes())
    for path in _used_files(composition) if composition.is_file() else []:
        with contextlib.suppress(OSError):
            stat = path.stat()
            digest.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    if audio and Path(audio).is_file():
        stat = Path(audio).stat()
        digest.update(f"{audio}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    digest.update("|".join(map(str, (output, *key))).encode())
    return digest.hexdigest()[:16]


def _used_files(composition: Path) -> list[Path]:
    """The files a composition uses, as a cluster render would send them; just itself if
    they cannot be listed (references outside its folder, a folder too large)."""
    try:
        return composition_files(composition)[1:]
    except BadInput:
        return []


def work_dir_for(output: Path, digest: str) -> Path:
    return output.parent / f".{output.name[:40]}.{digest}{SUFFIX}"


def open_work_dir(work_dir: Path, output: Path, fresh: bool) -> None:
    """Create (or, resuming, keep) ``work_dir`` and hold its lock while this process lives.

    ``fresh``: throw away what a killed render of the same job left there.
    """
    try:
        if fresh and work_dir.is_dir():
            if _locked_by_other(work_dir):
                raise BadInput(f"the same render is already running (work folder {work_dir})")
            shutil.rmtree(work_dir)
        work_dir.mkdir(exist_ok=True)
        _lock(work_dir)
        (work_dir / JOB_FILE).write_text(json.dumps({"output": str(output)}))
    except OSError as exc:
        raise BadInput(f"cannot write to output folder {output.parent} ({exc.strerror})") from None


def _lock(work_dir: Path) -> None:
    if fcntl is None or work_dir in _LOCKS:
        return
    fd = os.open(work_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise BadInput(f"the same render is already running (work folder {work_dir})") from None
    _LOCKS[work_dir] = fd


def _locked_by_other(work_dir: Path) -> bool:
    if fcntl is None or work_dir in _LOCKS:
        return False
    try:
        fd = os.open(work_dir / LOCK_FILE, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock taken here


def remove_work_dir(work_dir: Path) -> None:
    """Remove ``work_dir`` and let go of its lock."""
    shutil.rmtree(work_dir, ignore_errors=True)
    fd = _LOCKS.pop(work_dir, None)
    if fd is not None:
        os.close(fd)


def keep_finished(work_dir: Path) -> None:
    """A render stopped to be resumed later: leave in ``work_dir`` only what the same job
    reuses (the chunks listed as finished, the listing, the job file) and let go of its
    lock; remove the folder if no chunk finished."""
    listed = _listed_files(work_dir)
    if not listed:
        remove_work_dir(work_dir)
        return
    for path in work_dir.iterdir():
        if path.name in {*listed, FINISHED, JOB_FILE, LOCK_FILE}:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    fd = _LOCKS.pop(work_dir, None)
    if fd is not None:
        os.close(fd)


def _listed_files(work_dir: Path) -> set[str]:
    """The names of the chunk files listed in ``work_dir``'s finished listing."""
    try:
        lines = (work_dir / FINISHED).read_text().splitlines()
    except OSError:
        return set()
    names = set()
    for line in lines:
        with contextlib.suppress(ValueError, AttributeError):
            name = json.loads(line).get("file")
            if isinstance(name, str) and name and "/" not in name:
                names.add(name)
    return names


def record_finished(work_dir: Path, segment: Segment) -> None:
    """Note a finished chunk, durably: it survives a kill or a power loss after this."""
    line = json.dumps({"start": segment.start, "end": segment.end, "file": segment.path.name})
    with contextlib.suppress(OSError), open(work_dir / FINISHED, "a") as listing:
        listing.write(line + "\n")
        listing.flush()
        os.fsync(listing.fileno())


def finished_segments(
    work_dir: Path, ffmpeg: str, start: int, end: int, size: tuple[int, int], codec: str
) -> list[Segment]:
    """The chunks listed as finished in ``work_dir`` that check out, in frame order:
    inside ``start``-``end``, not overlapping, and each file's video stream has the
    listed frame count, ``size`` and ``codec``."""
    try:
        lines = (work_dir / FINISHED).read_text().splitlines()
    except OSError:
        return []
    found: list[Segment] = []
    for line in lines:
        try:
            entry = json.loads(line)
            segment = Segment(int(entry["start"]), int(entry["end"]), work_dir / entry["file"])
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by the kill
        if not start <= segment.start < segment.end <= end:
            continue
        if any(s.start < segment.end and segment.start < s.end for s in found):
            continue
        if video_stream(ffmpeg, segment.path) == (segment.frame_count, size, codec):
            found.append(segment)
    return sorted(found, key=lambda s: s.start)


def video_stream(ffmpeg: str, path: Path) -> tuple[int, tuple[int, int], str] | None:
    """(frames, (width, height), codec) of the first video stream of ``path``, read by
    ffmpeg to the end (packets copied, not decoded); None if it cannot be read."""
    if not path.is_file():
        return None
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-i", str(path), "-map", "0:v:0", "-c", "copy",
            "-f", "null", "-", "-progress", "pipe:1", "-nostats"]  # fmt: skip
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return None
    frames = re.findall(r"^frame=(\d+)$", done.stdout, re.MULTILINE)
    stream = re.search(r"Stream #0:\d+.*?: Video: (\w+).*?, (\d+)x(\d+)", done.stderr)
    if done.returncode != 0 or not frames or stream is None:
        return None
    return int(frames[-1]), (int(stream[2]), int(stream[3])), stream[1]


@dataclass(frozen=True)
class WorkFolder:
    """A work folder found next to outputs, for ``studio-render clean``."""

    path: Path
    output: str
    size: int
    age_s: float
    in_use: bool


def work_folders(folder: Path) -> Iterator[WorkFolder]:
    """The work folders in ``folder``."""
    now = time.time()
    for path in sorted(folder.glob(f".*{SUFFIX}")):
        if not path.is_dir():
            continue
        try:
            output = json.loads((path / JOB_FILE).read_text()).get("output", "")
        except (OSError, ValueError, AttributeError):
            output = ""
        files = [f for f in path.rglob("*") if f.is_file()]
        size = sum(f.stat().st_size for f in files)
        age = now - max([path.stat().st_mtime, *(f.stat().st_mtime for f in files)])
        yield WorkFolder(path, str(output), size, age, _locked_by_other(path))


def remove_other_work_dirs(folder: Path, keep: Path, output: Path | None = None) -> list[Path]:
    """Remove the work folders in ``folder`` other than ``keep`` that are a week old, or
    (``output``) that belong to that output; never one in use. Returns those removed."""
    removed = []
    for found in work_folders(folder):
        if found.path == keep or found.in_use:
            continue
        if found.age_s > STALE_S or (output is not None and found.output == str(output)):
            shutil.rmtree(found.path, ignore_errors=True)
            removed.append(found.path)
    return removed
