"""QML scenes rendered offscreen with ``QQuickView`` and the software scene graph.

The contract: the root item gives ``width`` and ``height`` and declares ``property int
frame``; optional root properties ``fps`` (default 30), ``durationInFrames`` and
``audio`` (a path or URL relative to the QML file). Every frame is a pure function of
``frame``, so a chunk can start anywhere. A QGuiApplication must exist before use.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QColor, QImage
from PySide6.QtQml import QQmlComponent, QQmlEngine, QQmlError
from PySide6.QtQuick import QQuickItem, QQuickView

from studio_render.compositions.info import CompositionInfo, check_size
from studio_render.core.errors import BadInput

DEFAULT_FPS = 30.0


def _describe(path: Path, errors: list[QQmlError]) -> str:
    first = errors[0] if errors else None
    if first is None:
        return f"{path.name}: the QML scene could not be loaded"
    where = f"{Path(first.url().toLocalFile()).name or path.name}:{first.line()}"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first.description()}{more}"


def _has_property(obj: QObject, name: str) -> bool:
    return obj.metaObject().indexOfProperty(name) >= 0


def _frame_count(root: QObject, fps: float) -> int:
    if _has_property(root, "durationInFrames"):
        return int(root.property("durationInFrames"))
    for child in root.findChildren(QObject):
        if child.metaObject().className().startswith("QQuickTimeline") and _has_property(
            child, "endFrame"
        ):
            return int(child.property("endFrame") - child.property("startFrame"))
    return 0


def _audio(path: Path, root: QObject) -> str | None:
    if not _has_property(root, "audio"):
        return None
    value = str(root.property("audio") or "").strip()
    if not value:
        return None
    url = QUrl.fromLocalFile(str(path)).resolved(QUrl(value))
    if not url.isLocalFile():
        return url.toString()
    audio = Path(url.toLocalFile())
    if not audio.is_file():
        raise BadInput(f"{path.name}: audio file {value!r} not found")
    return str(audio)


def probe_qml(path: Path) -> CompositionInfo:
    """Load the scene without a window and read its contract properties."""
    engine = QQmlEngine()
    component = QQmlComponent(engine, QUrl.fromLocalFile(str(path.resolve())))
    if component.isError():
        raise BadInput(_describe(path, component.errors()))
    root = component.create()
    if root is None or component.isError():
        raise BadInput(_describe(path, component.errors()))
    try:
        if not isinstance(root, QQuickItem):
            raise BadInput(f"{path.name}: the root object must be an Item, not {type(root)}")
        if not _has_property(root, "frame"):
            raise BadInput(f"{path.name}: the root item must declare 'property int frame'")
        width, height = int(root.width()), int(root.height())
        check_size(width, height, what=f"{path.name}: canvas")
        fps = float(root.property("fps")) if _has_property(root, "fps") else DEFAULT_FPS
        return CompositionInfo(
            path=str(path.resolve()),
            kind="qml",
            width=width,
            height=height,
            fps=fps,
            frame_count=_frame_count(root, fps),
            audio=_audio(path, root),
        )
    finally:
        root.deleteLater()


class QmlScene:
    """A QML scene in an offscreen window; ``grab(frame)`` sets ``frame`` and renders."""

    def __init__(self, info: CompositionInfo, background: QColor) -> None:
        self.view = QQuickView()
        self.view.setColor(background)
        self.view.setResizeMode(QQuickView.ResizeMode.SizeViewToRootObject)
        self.view.setSource(QUrl.fromLocalFile(info.path))
        if self.view.status() != QQuickView.Status.Ready:
            raise BadInput(_describe(Path(info.path), self.view.errors()))
        self.view.resize(info.width, info.height)
        self.view.show()
        root = self.view.rootObject()
        assert root is not None
        self.root = root

    def grab(self, frame: int) -> QImage:
        self.root.setProperty("frame", frame)
        return self.view.grabWindow()

    def close(self) -> None:
        self.view.close()
        self.view.deleteLater()
