"""Image layers sampled where lottie-web samples them.

A browser, and so lottie-web, gives each pixel the image's colour at the pixel's centre,
read bilinearly with texel ``i``'s centre at ``i + 0.5``. ThorVG 1.0 picks one of three
rasterizers by the image's transform on the canvas, and each lands the picture elsewhere:

- rotated or skewed (its "texmap" rasterizer): pixel ``(x, y)`` reads canvas point
  ``(x + 1, y + 1)``, and bilinear filtering puts texel ``i``'s centre at ``i``: the photo
  lands half a pixel and half a texel up and left (2 px at 300%);
- scaled, axis-aligned: pixel ``(x, y)`` reads canvas point ``(x, y)``, half a pixel down
  and right;
- neither (scale 1): the image is copied to the nearest whole pixel, where a browser
  blends it between pixels.

With the picture's transform on the canvas ``M`` (linear part ``L``, ``h`` half a pixel
along both canvas axes, ``t`` half a texel along both image axes), drawing it with
``T(h) M T(t)`` in the first case and ``T(-h) M`` in the second makes ThorVG read, for
each pixel, the colour a browser reads; in the third, a scale a hair past ThorVG's
tolerance sends the image to the second rasterizer, unless it sits on whole pixels. These
are the picture's own transform, which ThorVG's Lottie builder leaves as identity (the
layer's transform is on the scene above it): a translation by ``L⁻¹h + t``, or by
``-L⁻¹h``.

What stays different is the edges: ThorVG fades a turned image's first row and column out
over a whole texel, so the top and left edges sit a texel inside lottie-web's (before the
move, the bottom and right edges did), and it draws a scaled image's edges without
anti-aliasing. Texels are taken to be the image's size in the Lottie file (``w``, ``h``
of its asset), as exported.
"""

from __future__ import annotations

import ctypes
import os
import re
from pathlib import Path
from typing import Any

from thorvg_python.engine import Engine
from thorvg_python.paint.picture import Picture

from studio_render.core.errors import listed

#: A layer (or effect value) of type 2: every image layer is one.
_IMAGE_LAYER = re.compile(rb'"ty"\s*:\s*2\s*[,}]')
#: A path as a string: every image asset has one (positions are numbers).
_ASSET_PATH = re.compile(rb'"p"\s*:\s*"')
_PICTURE = 3  # Tvg_Type
_HALF_PIXEL = 0.5
_HALF_TEXEL = 0.5
#: ThorVG's own tolerance: a matrix entry this close to 0 (or 1) counts as 0 (or 1).
_EPSILON = 1e-6
#: A corner this close to a whole pixel is on it.
_WHOLE = 1e-3
#: A scale just past ThorVG's tolerance, for images it would otherwise copy whole.
_NUDGE = 1 + 1e-5


class _Matrix(ctypes.Structure):
    _fields_ = [(name, ctypes.c_float) for name in
                ("e11", "e12", "e13", "e21", "e22", "e23", "e31", "e32", "e33")]  # fmt: skip


_IDENTITY = _Matrix(1, 0, 0, 0, 1, 0, 0, 0, 1)
_Corners = ctypes.c_float * 8
_Visit = ctypes.CFUNCTYPE(ctypes.c_bool, ctypes.c_void_p, ctypes.c_void_p)


def may_have_images(document: bytes) -> bool:
    """Whether a Lottie document may hold an image layer (cheap; false positives only)."""
    return _ASSET_PATH.search(document) is not None and _IMAGE_LAYER.search(document) is not None


def missing_images(document: dict[str, Any], folder: Path, where: str) -> tuple[str, ...]:
    """What image layers of ``document`` cannot show, in a line or two: images not found
    where ThorVG looks for them (``folder`` / ``u`` + ``p``, ``folder`` holding the Lottie
    JSON; ``where`` names it: "beside NAME"), and images on the network. Their layers are
    drawn empty (a browser shows a broken-image icon)."""
    shown: dict[str, str] = {}  # asset id -> the name of the first layer showing it
    compositions = [document, *_dicts(document.get("assets"))]
    for item in (layer for c in compositions for layer in _dicts(c.get("layers"))):
        if item.get("ty") == 2 and isinstance(item.get("refId"), str):
            shown.setdefault(item["refId"], str(item.get("nm") or item["refId"]))
    missing: list[str] = []
    remote: list[str] = []
    for asset in _dicts(document.get("assets")):
        name, sub = asset.get("p"), asset.get("u") or ""
        layer = shown.get(str(asset.get("id")))
        if layer is None or not isinstance(name, str) or not isinstance(sub, str):
            continue
        if name.startswith(("http://", "https://")):
            remote.append(f"{name!r} (layer {layer!r})")
        elif not name.startswith("data:") and not Path(f"{folder}/{sub}{name}").is_file():
            missing.append(f"{sub + name!r} (layer {layer!r})")
    lines = []
    if missing:
        lines.append(f"{_count(missing)} not found {where}, drawn without: {listed(missing)}")
    if remote:
        lines.append(f"{_count(remote)} on the network, which renders do not read, drawn "
                     f"without: {listed(remote)}")  # fmt: skip
    return tuple(lines)


#: Where a dotLottie archive keeps its images (version 1, version 2).
ARCHIVE_IMAGE_FOLDERS = ("images/", "i/")


def point_at_archive_images(document: dict[str, Any], folder: Path, root: Path) -> bool:
    """Make ``document``'s image paths (``u`` + ``p``) relative to ``root``, the folder a
    dotLottie archive was unpacked into, for the document to be loaded from there; an image
    not found beside the document (in ``folder``) is taken from the archive's image folder.
    Whether any image is taken so (else nothing changes). Archives write ``u`` as
    ``/images/`` or ``/i/``, from the archive's root, and dotLottie players read the image
    from there whatever ``u`` says; ThorVG would look beside the animation's JSON, in
    ``animations/`` or ``a/``."""
    paths: dict[int, str] = {}
    taken = False
    assets = _dicts(document.get("assets"))
    for n, asset in enumerate(assets):
        name, sub = asset.get("p"), asset.get("u") or ""
        if not isinstance(name, str) or not isinstance(sub, str) or not name:
            continue
        if name.startswith(("data:", "http://", "https://")):
            continue
        if Path(f"{folder}/{sub}{name}").is_file():
            paths[n] = os.path.relpath(f"{folder}/{sub}", root)
            continue
        images = next((i for i in ARCHIVE_IMAGE_FOLDERS if (root / i / name).is_file()), None)
        if images is not None:
            paths[n], taken = images.rstrip("/"), True
    if taken:
        for n, sub in paths.items():
            assets[n]["u"] = "" if sub == "." else f"{sub}/"
    return taken


def _count(images: list[str]) -> str:
    return "1 image" if len(images) == 1 else f"{len(images)} images"


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


class ImageAligner:
    """Moves the image pictures inside a Lottie picture; call :meth:`align` after each
    ``set_frame`` and before the canvas updates."""

    def __init__(self, engine: Engine, root: Picture) -> None:
        # A handle of our own: thorvg-python sets argtypes on its handle at each call.
        lib = ctypes.CDLL(engine.thorvg_lib._name)
        lib.tvg_accessor_new.restype = ctypes.c_void_p
        lib.tvg_accessor_del.argtypes = [ctypes.c_void_p]
        lib.tvg_accessor_set.argtypes = [ctypes.c_void_p, ctypes.c_void_p, _Visit,
                                         ctypes.c_void_p]  # fmt: skip
        lib.tvg_paint_get_type.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
        lib.tvg_paint_get_obb.argtypes = [ctypes.c_void_p, _Corners]
        lib.tvg_paint_set_transform.argtypes = [ctypes.c_void_p, ctypes.POINTER(_Matrix)]
        lib.tvg_picture_get_size.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float),
                                             ctypes.POINTER(ctypes.c_float)]  # fmt: skip
        self._lib = lib
        self._root = ctypes.cast(root._paint, ctypes.c_void_p).value
        self._accessor = lib.tvg_accessor_new()
        self._pictures: list[int] = []
        self._visit = _Visit(self._collect)  # kept alive while ThorVG may call it
        self._type = ctypes.c_int()

    def _collect(self, paint: int | None, _data: int | None) -> bool:
        if paint != self._root and paint is not None:
            self._lib.tvg_paint_get_type(paint, ctypes.byref(self._type))
            if self._type.value == _PICTURE:
                self._pictures.append(paint)
        return True

    def align(self) -> None:
        """Set each image picture's own transform for the frame just set."""
        self._pictures.clear()
        self._lib.tvg_accessor_set(self._accessor, self._root, self._visit, None)
        for picture in self._pictures:
            self._align(picture)

    def _align(self, picture: int) -> None:
        lib = self._lib
        lib.tvg_paint_set_transform(picture, ctypes.byref(_IDENTITY))  # undo the last frame's
        width, height = ctypes.c_float(), ctypes.c_float()
        lib.tvg_picture_get_size(picture, ctypes.byref(width), ctypes.byref(height))
        corners = _Corners()
        if width.value <= 0 or height.value <= 0 or lib.tvg_paint_get_obb(picture, corners):
            return
        move = _correction(corners[:], width.value, height.value)
        if move is not None:
            lib.tvg_paint_set_transform(picture, ctypes.byref(move))

    def close(self) -> None:
        self._lib.tvg_accessor_del(self._accessor)
        self._accessor = None


def _correction(corners: list[float], width: float, height: float) -> _Matrix | None:
    """The picture's own transform that makes ThorVG sample it as a browser does, from its
    corners on the canvas (the picture ``width`` x ``height`` units); None: identity."""
    x0, y0 = corners[0], corners[1]
    # L: canvas pixels per picture unit along the picture's x axis (ax, bx) and y axis.
    ax, bx = (corners[2] - x0) / width, (corners[3] - y0) / width
    ay, by = (corners[6] - x0) / height, (corners[7] - y0) / height
    det = ax * by - ay * bx
    if abs(det) < _EPSILON:
        return None
    if abs(bx) >= _EPSILON or abs(ay) >= _EPSILON:  # the texmap rasterizer: T(L⁻¹h + t)
        dx = (by * _HALF_PIXEL - ay * _HALF_PIXEL) / det + _HALF_TEXEL
        dy = (ax * _HALF_PIXEL - bx * _HALF_PIXEL) / det + _HALF_TEXEL
        return _Matrix(1, 0, dx, 0, 1, dy, 0, 0, 1)
    scale = 1.0
    if abs(ax - 1) < _EPSILON and abs(by - 1) < _EPSILON:  # ThorVG would copy it whole
        if abs(x0 - round(x0)) < _WHOLE and abs(y0 - round(y0)) < _WHOLE:
            return None  # on whole pixels: the copy is what a browser draws
        scale = _NUDGE  # between pixels: the scaling rasterizer blends as a browser does
    # the scaling rasterizer: T(-L⁻¹h)
    return _Matrix(scale, 0, -_HALF_PIXEL / ax, 0, scale, -_HALF_PIXEL / by, 0, 0, 1)
