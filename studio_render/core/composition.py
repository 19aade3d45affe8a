"""What a composition is: kind, size, frame rate, length, audio; the size and renderer
checks every render makes. Qt-free, and in the core: planning starts from it."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from studio_render.core.errors import BadInput

Kind = Literal["qml", "lottie"]
#: How QML scenes may be rendered: chosen by their content, or forced.
RENDERERS = ("auto", "software", "gpu", "thorvg")
#: The renderers each kind takes ("auto" included).
KIND_RENDERERS: dict[str, tuple[str, ...]] = {
    "qml": ("auto", "software", "gpu"),
    "lottie": ("auto", "thorvg"),
}

#: File types, by suffix, and the kind of composition they hold.
SUFFIXES: dict[str, Kind] = {
    ".qml": "qml",
    ".json": "lottie",
    ".lottie": "lottie",
    ".tgs": "lottie",
}
#: Refused before anything is allocated: a frame this big is a mistake, not a render.
MAX_SIDE = 16384
MAX_PIXELS = 8192 * 8192
MAX_FRAMES = 1_000_000
MAX_FPS = 240.0
#: One frame in 1000 s (the window's frame rate box has 3 decimals); MP4 and MOV cannot
#: hold the duration of a frame below about 1e-6 fps.
MIN_FPS = 0.001


#: The policy's words, in every refusal (retrying a refused request cannot help).
LOCAL_FILES_ONLY = "local renders read local files only"


def network_refused(url: str) -> str:
    """Why a scene that asks for ``url`` is refused (the network policy, in one line)."""
    return (
        f"{url}: the scene asks for the network; {LOCAL_FILES_ONLY} "
        "(render with --allow-network to let it)"
    )


def network_note(remote: tuple[str, ...]) -> str:
    """The network URLs a scene loads, for ``info`` and the window: "none", else each
    URL with the policy."""
    if not remote:
        return "none"
    return "\n".join(f"{url} (refused: {LOCAL_FILES_ONLY}, unless network is allowed)"
                     for url in remote)  # fmt: skip


@dataclass(frozen=True)
class CompositionInfo:
    """The facts about a composition that planning and display need."""

    path: str
    kind: Kind
    width: int
    height: int
    fps: float
    frame_count: int
    audio: str | None = None  # absolute path or URL
    #: QML: items only the GPU renderer draws (effects, shaders, particles), named.
    gpu_items: tuple[str, ...] = ()
    #: Why frames may differ between renders (the wall clock).
    warnings: tuple[str, ...] = ()
    #: QML: network URLs the scene loads at frame 0 (images, components, fonts).
    remote: tuple[str, ...] = ()

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps

    def frame_count_at(self, fps: float | None) -> int:
        """The number of frames at output rate ``fps`` (None: the composition's own)."""
        if fps is None or fps == self.fps:
            return self.frame_count
        return max(1, round(self.frame_count * fps / self.fps))

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "duration_s": round(self.duration_s, 6)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CompositionInfo:
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        for name in ("gpu_items", "warnings", "remote"):
            fields[name] = tuple(fields.get(name, ()))
        return cls(**fields)

    def renderer(self, requested: str = "auto") -> tuple[str, str]:
        """The renderer this composition gets and why, in words: "software" or "gpu" for
        a QML scene, "thorvg" for a Lottie animation."""
        check_renderer(self.kind, requested, Path(self.path).name)
        if self.kind == "lottie":
            return "thorvg", "Lottie animations render through ThorVG"
        if requested != "auto":
            return requested, f"asked for with --renderer {requested}"
        if self.gpu_items:
            more = f" and {len(self.gpu_items) - 1} more" if len(self.gpu_items) > 1 else ""
            return "gpu", f"{self.gpu_items[0]}{more} need the GPU renderer"
        return "software", "nothing in the scene needs the GPU renderer (software is faster)"

    def check_sane(self) -> None:
        """Raise :class:`BadInput` for a size, rate or length no render should attempt."""
        name = Path(self.path).name
        check_size(self.width, self.height, what=f"{name}: canvas")
        check_fps(self.fps, what=f"{name}: frame rate")
        if self.frame_count <= 0:
            raise BadInput(f"{name}: the composition has no frames")
        if self.frame_count > MAX_FRAMES:
            raise BadInput(f"{name}: {self.frame_count} frames is more than {MAX_FRAMES}")


def check_fps(fps: float, what: str = "frame rate") -> None:
    """:class:`BadInput` for a rate outside ``MIN_FPS``-``MAX_FPS`` (or NaN), named ``what``."""
    if not MIN_FPS <= fps <= MAX_FPS:
        raise BadInput(f"{what} {fps:g} is outside {MIN_FPS:g}-{MAX_FPS:g} fps")


def check_size(width: int, height: int, what: str) -> None:
    if width <= 0 or height <= 0:
        raise BadInput(f"{what} size {width}x{height} is empty")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise BadInput(
            f"{what} size {width}x{height} is too large "
            f"(at most {MAX_SIDE} px a side and {MAX_PIXELS // 1_000_000} megapixels)"
        )


def composition_kind(path: str | Path) -> Kind | None:
    """The kind of composition a file holds, by its name; None: not a composition file."""
    return SUFFIXES.get(Path(path).suffix.lower())


def kind_for_path(path: Path) -> Kind:
    kind = composition_kind(path)
    if kind is None:
        raise BadInput(f"{path.name}: not a composition file (expected {', '.join(SUFFIXES)})")
    return kind


def parse_size(text: str) -> tuple[int | None, int | None]:
    """Parse ``WxH``, ``Wx`` or ``xH`` (a missing side keeps the aspect ratio)."""
    match = re.fullmatch(r"\s*(\d*)\s*[xX×]\s*(\d*)\s*", text)
    if not match or not (match[1] or match[2]):
        raise BadInput(f"size {text!r} is not WIDTHxHEIGHT (e.g. 1920x1080, 1280x or x720)")
    w, h = (int(v) if v else None for v in match.groups())
    if w == 0 or h == 0:
        raise BadInput(f"size {text!r} has a zero side")
    return w, h


def fit_size(
    native: tuple[int, int], requested: tuple[int | None, int | None] | None
) -> tuple[int, int]:
    """The output size for a requested size; a missing side follows the native aspect."""
    if requested is None:
        return native
    nw, nh = native
    w, h = requested
    if w is None and h is not None:
        w = max(1, round(nw * h / nh))
    if h is None and w is not None:
        h = max(1, round(nh * w / nw))
    assert w is not None and h is not None
    return w, h


def check_renderer(kind: str, requested: str, name: str) -> None:
    """:class:`BadInput` unless ``requested`` is a renderer for compositions of ``kind``."""
    if requested not in KIND_RENDERERS[kind]:
        what = "a QML scene" if kind == "qml" else "a Lottie animation"
        raise BadInput(f"{name}: --renderer {requested} does not draw {what} (choose from "
                       f"{', '.join(KIND_RENDERERS[kind])})")  # fmt: skip


def fit_rect(native: tuple[int, int], canvas: tuple[int, int]) -> tuple[int, int, int, int]:
    """``(x, y, w, h)`` of the native picture scaled into the canvas, aspect kept, centred."""
    nw, nh = native
    cw, ch = canvas
    scale = min(cw / nw, ch / nh)
    w, h = max(1, round(nw * scale)), max(1, round(nh * scale))
    return (cw - w) // 2, (ch - h) // 2, w, h


def parse_json(data: str | bytes) -> Any:
    """A composition file's JSON; :class:`ValueError` for anything that is not JSON,
    nesting too deep for Python's parser included (a RecursionError otherwise)."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("nested too deeply to read") from None
