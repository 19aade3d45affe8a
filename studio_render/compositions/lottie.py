"""Lottie animations (``.json``, ``.lottie`` dotLottie archives, ``.tgs`` stickers) via ThorVG.

Qt-free. ThorVG reads Lottie JSON from a file path only (images beside the file then load
too), so archives and stickers are unpacked first, into a folder the caller owns and
removes (a render's work folder). :class:`LottieFile` holds the loaded animation;
:class:`LottieCanvas` draws its frames straight into one frame buffer, background, scaling
and centring done by ThorVG.
"""

from __future__ import annotations

import ctypes
import gzip
import json
import math
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from thorvg_python.animation.lottie import LottieAnimation
from thorvg_python.base import Colorspace, Result
from thorvg_python.canvas.sw import SwCanvas
from thorvg_python.engine import Engine
from thorvg_python.paint.picture import Picture
from thorvg_python.paint.shape import Shape

from studio_render.compositions import lottie_fixes
from studio_render.compositions.lottie_images import (
    ImageAligner,
    may_have_images,
    missing_images,
    point_at_archive_images,
)
from studio_render.core.composition import CompositionInfo, fit_rect, parse_json
from studio_render.core.errors import BadInput

#: Refuse archives and stickers that unpack to more than this (zip bombs).
_MAX_UNPACKED = 512 * 1024 * 1024

#: ThorVG's quality for blurs and shadows (0-100): 100 runs all three box passes.
EFFECT_QUALITY = 100

_engine: Engine | None = None


def engine(threads: int = 0) -> Engine:
    """The process's ThorVG engine; ``threads``: extra render threads (first call only)."""
    global _engine
    if _engine is None:
        _engine = Engine(threads=threads)
    return _engine


class LottieFile:
    """An opened Lottie animation. ``unpack_dir``: where archives and stickers are unpacked
    (a fresh folder inside it); ``close()`` removes what was unpacked."""

    def __init__(self, path: Path, unpack_dir: Path | None = None) -> None:
        self.path = path
        self.stamp = file_stamp(path)
        name = path.name
        json_path, self._tmp = unpack_lottie(path, unpack_dir)
        self.animation = LottieAnimation(engine())
        self._animation_alive = True
        self.picture = self.animation.get_picture()
        try:
            document = json_path.read_bytes()
        except OSError:
            document = None  # ThorVG's own load then fails and names the problem
        #: Whether the animation may hold image layers (see :mod:`lottie_images`).
        self.may_have_images = document is not None and may_have_images(document)
        prepared = (lottie_fixes.Prepared(None) if document is None
                    else _prepared(document, json_path.parent, path))  # fmt: skip
        #: Fonts its text needs that are not installed (see :mod:`lottie_text`), images
        #: that are not found (see :func:`missing_images`).
        self.warnings = prepared.warnings
        if document is not None and self.may_have_images:
            where = f"in {name}" if self._tmp is not None else f"beside {name}"
            self.warnings += _missing_images(document, json_path.parent, where)
        if _load(self.picture, json_path.resolve(), prepared.rewrite) != Result.SUCCESS:
            why = _why_unreadable(json_path)  # before close() removes what was unpacked
            self.close()
            raise BadInput(f"{name}: {why}")
        # Blurs and shadows in full: at ThorVG's default (50) a blur runs two of the three
        # box passes it is sized for, so it comes out 0.82 times as wide, and one under
        # about 1 px (After Effects' blurriness 3) not at all.
        self.animation.set_quality(EFFECT_QUALITY)
        _, width, height = self.picture.get_size()
        _, total = self.animation.get_total_frame()  # out point - in point
        _, duration = self.animation.get_duration()
        if not all(map(math.isfinite, (width, height, total, duration))):
            self.close()
            raise BadInput(f"{name}: size {width:g}x{height:g} or length {total:g} frames "
                           "is out of range")  # fmt: skip
        self.width, self.height = round(width), round(height)
        self.fps = round(total / duration, 3) if duration > 0 else 0.0
        self.frame_count = round(total)
        if self.frame_count <= 0:
            self.close()
            raise BadInput(f"{name}: the animation has no frames")
        if self.width <= 0 or self.height <= 0 or self.fps <= 0:
            self.close()
            raise BadInput(f"{name}: not a Lottie animation ThorVG can read")

    def info(self) -> CompositionInfo:
        return CompositionInfo(
            path=str(self.path.resolve()),
            kind="lottie",
            width=self.width,
            height=self.height,
            fps=self.fps,
            frame_count=self.frame_count,
            warnings=self.warnings,
        )

    def close(self) -> None:
        """Free the animation (close its :class:`LottieCanvas` first) and what was unpacked."""
        if getattr(self, "_animation_alive", False):
            self.animation._del()
            self._animation_alive = False
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


def file_stamp(path: Path) -> tuple[int, ...] | None:
    """What changes when the file at ``path`` is written again (None: it cannot be read)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def _load(picture: Picture, json_path: Path, fixed: bytes | None) -> Result:
    """Load ``json_path`` into ``picture``: from its path, or, ``fixed``, its rewrite (see
    :mod:`lottie_fixes`), from memory, images still found beside the file."""
    if fixed is None:
        return picture.load(str(json_path))
    # thorvg-python's load_data builds the resource path wrongly, so call ThorVG directly.
    load_data = picture.thorvg_lib.tvg_picture_load_data
    load_data.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint32, ctypes.c_char_p, ctypes.c_char_p,
        ctypes.c_bool,
    ]  # fmt: skip
    load_data.restype = ctypes.c_int
    folder = str(json_path.parent).encode()
    return Result(load_data(picture._paint, fixed, len(fixed), b"lottie+json", folder, True))


#: The last document prepared: a worker loads its composition for the probe and again for
#: its chunks, and a rewrite can take a tenth of a second.
_last_prepared: tuple[bytes, Path, lottie_fixes.Prepared] | None = None


def _prepared(data: bytes, folder: Path, source: Path) -> lottie_fixes.Prepared:
    """:func:`lottie_fixes.prepare` of ``data`` lying in ``folder``, remembered for the next
    load of the same document from ``source`` (an archive unpacks to a new folder each
    time)."""
    global _last_prepared
    if _last_prepared is None or _last_prepared[:2] != (data, source):
        _last_prepared = (data, source, lottie_fixes.prepare(data, folder))
    return _last_prepared[2]


def _missing_images(document: bytes, folder: Path, where: str) -> tuple[str, ...]:
    try:
        parsed = parse_json(document)
    except ValueError:
        return ()  # ThorVG's load names the problem
    return missing_images(parsed, folder, where) if isinstance(parsed, dict) else ()


def unpack_lottie(path: Path, unpack_dir: Path | None) -> tuple[Path, Path | None]:
    """The Lottie JSON to load for ``path`` and the folder it was unpacked into, if any
    (a fresh folder inside ``unpack_dir``, for the caller to remove); :class:`BadInput`
    for an archive or sticker that cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in (".lottie", ".tgs"):
        return path, None
    folder = Path(tempfile.mkdtemp(prefix=".lottie-", dir=unpack_dir))
    try:
        if _plain_json(path):  # a Lottie JSON file named like an archive or a sticker
            target = folder / "animation.json"
            shutil.copyfile(path, target)
            return target, folder
        if suffix == ".tgs":
            with gzip.open(path) as f:
                data = f.read(_MAX_UNPACKED + 1)
            if len(data) > _MAX_UNPACKED:
                raise BadInput(f"{path.name}: sticker unpacks to more than 512 MB")
            target = folder / "sticker.json"
            target.write_bytes(data)
            return target, folder
        return _unpack_dotlottie(path, folder), folder
    except BadInput:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    except (OSError, UnicodeDecodeError, zipfile.BadZipFile, EOFError, ValueError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise BadInput(f"{path.name}: cannot read Lottie file ({exc})") from None


def _plain_json(path: Path) -> bool:
    """Whether ``path`` holds plain JSON (its first character other than white space is
    ``{``), not a zip archive or gzip data."""
    with path.open("rb") as f:
        return f.read(64).lstrip()[:1] == b"{"


def _unpack_dotlottie(path: Path, folder: Path) -> Path:
    """Extract a dotLottie archive into ``folder``; the JSON of the animation a player
    shows first: the manifest's initial one, else its first, else the first found."""
    with zipfile.ZipFile(path) as archive:
        if sum(i.file_size for i in archive.infolist()) > _MAX_UNPACKED:
            raise BadInput(f"{path.name}: archive unpacks to more than 512 MB")
        names = archive.namelist()
        animation = None
        if "manifest.json" in names:
            ids = _manifest_animation_ids(path, archive.read("manifest.json"))
            candidates = [f"{sub}/{i}.json" for i in ids for sub in ("a", "animations")]
            animation = next((c for c in candidates if c in names), None)
        if animation is None:
            jsons = [n for n in names if n.startswith(("animations/", "a/"))]
            jsons = [n for n in jsons if n.endswith(".json")]
            if not jsons:
                raise BadInput(f"{path.name}: dotLottie archive holds no animation")
            animation = sorted(jsons)[0]
        for member in names:
            target = PurePosixPath(member)
            if target.is_absolute() or ".." in target.parts or member.endswith("/"):
                continue  # never write outside the folder
            out = folder.joinpath(*target.parts)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(archive.read(member))
    json_path = folder.joinpath(*PurePosixPath(animation).parts)
    return _with_archive_images(json_path, folder)


def _with_archive_images(json_path: Path, root: Path) -> Path:
    """The animation to load: ``json_path`` itself, or, where its images are in the
    archive's image folder (:func:`point_at_archive_images`), a copy in the archive's root
    folder ``root`` that finds them there."""
    data = json_path.read_bytes()
    if not may_have_images(data):
        return json_path
    try:
        document = parse_json(data)
    except ValueError:
        return json_path  # ThorVG's load names the problem
    if not isinstance(document, dict) or not point_at_archive_images(
        document, json_path.parent, root
    ):
        return json_path
    target = root / json_path.name
    while target.exists():
        target = target.with_name(f"_{target.name}")
    target.write_text(json.dumps(document), encoding="utf-8")
    return target


def _manifest_animation_ids(path: Path, data: bytes) -> list[str]:
    """The ids of the manifest's initial animation (version 2's ``initial.animation``) and
    of its first, as far as it names them; :class:`BadInput` naming the problem when the
    manifest is malformed."""
    try:
        manifest = parse_json(data)
    except ValueError as exc:
        raise BadInput(f"{path.name}: dotLottie manifest is not JSON ({exc})") from None
    if not isinstance(manifest, dict):
        raise BadInput(f"{path.name}: dotLottie manifest is not a JSON object")
    initial = manifest.get("initial")
    ids = [initial.get("animation")] if isinstance(initial, dict) else []
    animations = manifest.get("animations")
    if animations:
        if not isinstance(animations, list) or not isinstance(animations[0], dict):
            raise BadInput(
                f"{path.name}: dotLottie manifest's 'animations' is not a list of objects"
            )
        ids.append(animations[0].get("id"))
    for found in ids:
        if found is not None and not isinstance(found, str):
            raise BadInput(f"{path.name}: dotLottie manifest's animation id is not a string")
    return [i for i in ids if i]


def _why_unreadable(json_path: Path) -> str:
    """Why ThorVG refused a file, as far as a look at its JSON tells."""
    try:
        doc = parse_json(json_path.read_bytes())
    except (OSError, ValueError) as exc:
        return f"not a Lottie animation (not JSON: {exc})"
    if not isinstance(doc, dict):
        return "not a Lottie animation (the JSON is not an object)"
    op, ip = doc.get("op"), doc.get("ip", 0)
    if isinstance(op, int | float) and isinstance(ip, int | float) and op <= ip:
        return "the animation has no frames"
    return "not a Lottie animation ThorVG can read"


class LottieCanvas:
    """Draws a :class:`LottieFile`'s frames into one frame buffer of ``size``, the picture
    scaled into it (aspect kept, centred): B, G, R, A bytes, straight alpha when ``alpha``,
    else opaque on ``background`` ("#rrggbb"). ThorVG composites in premultiplied space and
    converts to straight alpha itself, so soft edges keep their colour."""

    def __init__(
        self, file: LottieFile, size: tuple[int, int], alpha: bool, background: str
    ) -> None:
        self.file = file
        self.canvas = SwCanvas(engine())
        self.canvas.add(file.picture)
        self.fill: Shape | None = None
        self._frame: float | None = None  # the animation's frame, as last set
        self.images = ImageAligner(engine(), file.picture) if file.may_have_images else None
        self._target(size, alpha, background)

    @property
    def can_retarget(self) -> bool:
        """Whether :meth:`retarget` draws as a new canvas would. Not with image layers: the
        first frame after a new size places their pictures where the old size put them."""
        return self.images is None

    def retarget(self, size: tuple[int, int], alpha: bool, background: str) -> None:
        """Draw into a new frame buffer of ``size`` from now on, the animation kept loaded
        (only where :attr:`can_retarget`)."""
        assert self.can_retarget
        self._target(size, alpha, background)

    def _target(self, size: tuple[int, int], alpha: bool, background: str) -> None:
        width, height = size
        colorspace = Colorspace.ARGB8888S if alpha else Colorspace.ARGB8888
        self.canvas.set_target(width, height, cs=colorspace)
        assert self.canvas.buffer_arr is not None
        self.buffer = memoryview(self.canvas.buffer_arr).cast("B")
        self.alpha = alpha
        if self.fill is not None:
            self.canvas.remove(self.fill)
            self.fill = None
        if not alpha:
            self.fill = Shape(engine())
            self.fill.append_rect(0, 0, width, height, 0, 0, True)
            rgb = bytes.fromhex(background.removeprefix("#"))
            self.fill.set_fill_color(rgb[0], rgb[1], rgb[2], 255)
            self.canvas.insert(self.fill, self.file.picture)
        x, y, w, h = fit_rect((self.file.width, self.file.height), size)
        self.file.picture.set_size(w, h)
        self.file.picture.translate(x, y)

    def render(self, frame: float) -> memoryview:
        """The picture at animation frame ``frame`` (from the in point; fractions allowed).
        The view is this canvas's buffer: the next ``render`` overwrites it."""
        if frame == self._frame:  # ThorVG would update nothing, and draw the picture over
            # the last one (without ``alpha`` it does not clear): translucent parts darken
            count = self.file.frame_count
            self.file.animation.set_frame(frame + 0.5 if frame + 0.5 < count else frame - 0.5)
        self.file.animation.set_frame(frame)
        self._frame = frame
        if self.images is not None:
            self.images.align()
        self.canvas.update()
        self.canvas.draw(self.alpha)  # an opaque background covers every pixel anyway
        self.canvas.sync()
        return self.buffer

    def close(self) -> None:
        if self.images is not None:
            self.images.close()
        self.canvas.destroy()


def thorvg_version() -> str:
    """ThorVG's own version, e.g. "1.0.4"."""
    _, _, _, _, version = engine().version()
    return version or "unknown"
