"""QML scenes rendered offscreen with ``QQuickView`` and the software scene graph.

The contract: the root item gives ``width`` and ``height`` and declares ``property int
frame``; optional root properties ``fps`` (default 30), ``durationInFrames`` and
``audio`` (a path or URL relative to the QML file). Every frame is a pure function of
``frame``, so a chunk can start anywhere. A QGuiApplication must exist before use.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import Q_ARG, QEventLoop, QMetaObject, QObject, Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QImage
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkProxy
from PySide6.QtQml import (
    QQmlComponent,
    QQmlEngine,
    QQmlError,
    QQmlNetworkAccessManagerFactory,
)
from PySide6.QtQuick import QQuickItem, QQuickView

from studio_render.compositions.info import CompositionInfo, check_size
from studio_render.core.errors import BadInput

DEFAULT_FPS = 30.0
#: Set (to 1) on cluster workers: the scene may read local files only, never the network.
NO_NETWORK_ENV = "STUDIO_RENDER_NO_NETWORK"
#: How long a scene may stay "loading" (remote parts, refused) before it counts as failed.
_LOAD_TIMEOUT_S = 30.0


class _NoNetworkFactory(QQmlNetworkAccessManagerFactory):
    """Gives every QML thread an access manager whose requests all fail at once.

    Its proxy has no host: http(s) requests, loopback included, end with an error before
    any connection is made (``file:``, ``qrc:`` and ``data:`` URLs never use a proxy; an
    application-wide proxy would not do, Qt never proxies loopback addresses). The
    manager overrides nothing in Python, so requests themselves run no Python code.
    """

    def create(self, parent: QObject) -> QNetworkAccessManager:
        manager = QNetworkAccessManager(parent)
        manager.setProxy(QNetworkProxy(QNetworkProxy.ProxyType.HttpProxy, "", 0))
        return manager


_factory = _NoNetworkFactory()  # outlives every engine it is installed on


def forbid_network(engine: QQmlEngine) -> None:
    """Make ``engine`` fail every non-local request (call before it loads anything).

    Qt calls the (Python) factory from its loader and image threads under a mutex, and
    they need the GIL for it. The main thread must never wait for that mutex, or for
    those threads, while it holds the GIL: its own manager is made here, at once, the
    scene is loaded (:func:`_load_releasing_gil`) and the engine deleted
    (:meth:`QmlScene.close`) from the event loop, which releases the GIL.
    """
    engine.setNetworkAccessManagerFactory(_factory)
    engine.networkAccessManager()


def _run_posted_events() -> None:
    """Run what was posted (queued calls, deferred deletes) with the GIL released."""
    loop = QEventLoop()
    QMetaObject.invokeMethod(loop, "quit", Qt.ConnectionType.QueuedConnection)
    loop.exec()


def _load_releasing_gil(view: QQuickView, url: QUrl) -> None:
    """``view.setSource(url)`` run by the event loop, with the GIL released meanwhile."""
    QMetaObject.invokeMethod(view, "setSource", Qt.ConnectionType.QueuedConnection,
                             Q_ARG(QUrl, url))  # fmt: skip
    _run_posted_events()
    deadline = time.monotonic() + _LOAD_TIMEOUT_S
    while view.status() == QQuickView.Status.Loading and time.monotonic() < deadline:
        loop = QEventLoop()
        QTimer.singleShot(50, loop.quit)
        loop.exec()


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
        self._no_network = os.environ.get(NO_NETWORK_ENV) == "1"
        if self._no_network:
            forbid_network(self.view.engine())
            _load_releasing_gil(self.view, QUrl.fromLocalFile(info.path))
        else:
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
        if self._no_network:
            # Delete the engine now, not at exit: its threads hold managers made by the
            # (Python) factory, which must go while Python still runs, GIL released.
            _run_posted_events()
