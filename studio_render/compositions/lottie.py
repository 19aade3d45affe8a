"""Lottie animations (``.json``, ``.lottie`` dotLottie archives, ``.tgs`` stickers) via rlottie.

Qt-free. rlottie does not raise for files it cannot read: it reports size (0, 0) and no
frames, which is turned into :class:`BadInput` here.
"""

from __future__ import annotations

import gzip
import json
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from rlottie_python.rlottie_wrapper import LottieAnimation

from studio_render.compositions.info import CompositionInfo
from studio_render.core.errors import BadInput

#: Refuse archives and stickers that unpack to more than this (zip bombs).
_MAX_UNPACKED = 512 * 1024 * 1024


class LottieFile:
    """An opened Lottie animation; ``close()`` removes what was unpacked for it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tmp: Path | None = None
        name = path.name
        try:
            suffix = path.suffix.lower()
            if suffix == ".lottie":
                self.animation = LottieAnimation.from_file(str(self._unpack_dotlottie()))
            elif suffix == ".tgs":
                with gzip.open(path) as f:
                    data = f.read(_MAX_UNPACKED + 1)
                if len(data) > _MAX_UNPACKED:
                    raise BadInput(f"{name}: sticker unpacks to more than 512 MB")
                self.animation = LottieAnimation.from_data(
                    data.decode("utf-8"), resource_path=str(path.parent) + "/"
                )
            else:
                self.animation = LottieAnimation.from_file(str(path))
        except BadInput:
            self.close()
            raise
        except (OSError, UnicodeDecodeError, zipfile.BadZipFile, ValueError, KeyError) as exc:
            self.close()
            raise BadInput(f"{name}: cannot read Lottie file ({exc})") from None
        self.width, self.height = self.animation.lottie_animation_get_size()
        self.fps = round(float(self.animation.lottie_animation_get_framerate()), 3)
        # rlottie counts the out point as a frame; Lottie's out point is exclusive
        duration = float(self.animation.lottie_animation_get_duration())
        self.frame_count = round(duration * self.fps)
        if self.width <= 0 or self.height <= 0 or self.fps <= 0:
            self.close()
            raise BadInput(f"{name}: not a Lottie animation rlottie can read")
        if self.frame_count <= 0:
            self.close()
            raise BadInput(f"{name}: the animation has no frames")

    def info(self) -> CompositionInfo:
        return CompositionInfo(
            path=str(self.path.resolve()),
            kind="lottie",
            width=self.width,
            height=self.height,
            fps=self.fps,
            frame_count=self.frame_count,
        )

    def render_premultiplied(self, frame: int, width: int, height: int) -> bytes:
        """Frame ``frame`` at ``width`` x ``height``: premultiplied ARGB32 (BGRA bytes)."""
        return self.animation.lottie_animation_render(frame_num=frame, width=width, height=height)

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def _unpack_dotlottie(self) -> Path:
        """Extract the first animation of a dotLottie archive (and its images) to a temp dir."""
        with zipfile.ZipFile(self.path) as archive:
            if sum(i.file_size for i in archive.infolist()) > _MAX_UNPACKED:
                raise BadInput(f"{self.path.name}: archive unpacks to more than 512 MB")
            names = archive.namelist()
            animation = None
            if "manifest.json" in names:
                manifest = json.loads(archive.read("manifest.json"))
                first = (manifest.get("animations") or [{}])[0].get("id")
                for candidate in (f"animations/{first}.json", f"a/{first}.json"):
                    if first and candidate in names:
                        animation = candidate
            if animation is None:
                jsons = [n for n in names if n.startswith(("animations/", "a/"))]
                jsons = [n for n in jsons if n.endswith(".json")]
                if not jsons:
                    raise BadInput(f"{self.path.name}: dotLottie archive holds no animation")
                animation = sorted(jsons)[0]
            self._tmp = Path(tempfile.mkdtemp(prefix="studio-render-lottie-"))
            for member in names:
                target = PurePosixPath(member)
                if target.is_absolute() or ".." in target.parts or member.endswith("/"):
                    continue  # never write outside the temp dir
                out = self._tmp.joinpath(*target.parts)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(archive.read(member))
            return self._tmp.joinpath(*PurePosixPath(animation).parts)
