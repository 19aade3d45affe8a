"""QML scenes rendered offscreen through ``QQuickRenderControl``, never in a window.

The contract: the root item gives ``width`` and ``height`` and declares ``property int
frame``; optional root properties ``fps`` (default 30), ``durationInFrames`` and
``audio`` (a path or URL relative to the QML file). Frames are functions of ``frame`` and
of a clock that advances exactly one frame per frame (Qt Quick animations), so a chunk
can start anywhere. Scenes with effects, shaders or particles render through Qt's RHI on
OpenGL; others with the (faster) software scene graph. A QGuiApplication must exist.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    Q_ARG,
    QCoreApplication,
    QEventLoop,
    QIODevice,
    QMetaObject,
    QObject,
    QSize,
    Qt,
    QThread,
    QUrl,
)
from PySide6.QtGui import QColor, QImage, QWindow
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkProxy, QNetworkReply, QNetworkRequest
from PySide6.QtQml import (
    QQmlComponent,
    QQmlEngine,
    QQmlError,
    QQmlNetworkAccessManagerFactory,
)
from PySide6.QtQuick import QQuickItem, QQuickRenderControl, QQuickWindow

from studio_render.compositions.qml_clock import frame_clock
from studio_render.compositions.qml_messages import script_problems, shown
from studio_render.compositions.qml_playback import Playback
from studio_render.compositions.qml_random import repeat_random
from studio_render.compositions.qml_scan import (
    NETWORK_SCHEMES,
    all_objects,
    gpu_in_source,
    gpu_items,
    is_a,
    load_states,
    missing_fonts,
    not_loaded,
    played_by_clock,
    remote_sources,
    unrepeatable,
    uses_clock,
)
from studio_render.compositions.qml_settle import Settler
from studio_render.compositions.qml_target import GlTarget, SoftwareTarget, choose_backend
from studio_render.core.composition import CompositionInfo, check_size
from studio_render.core.errors import BadInput

DEFAULT_FPS = 30.0
#: Syncs that ready particle painters before the first frame (see QmlScene._ready_painters).
_PAINTER_SYNCS = 2
#: Set (to 1) on cluster workers: the scene may read local files only, never the network.
NO_NETWORK_ENV = "STUDIO_RENDER_NO_NETWORK"
#: Set for render processes on cluster workers: compositions come there without their
#: audio (added on the client, which checks it), so a probe there does not look for it.
AUDIO_ON_CLIENT_ENV = "STUDIO_RENDER_AUDIO_ON_CLIENT"


class _NoNetworkFactory(QQmlNetworkAccessManagerFactory):
    """Gives every QML thread an access manager whose requests all fail at once.

    Its proxy has no host: http(s) requests, loopback included, end with an error before
    any connection is made (``file:``, ``qrc:`` and ``data:`` URLs never use a proxy; an
    application-wide proxy would not do, Qt never proxies loopback addresses). Managers
    of Qt's loader threads override nothing in Python, so their requests run no Python
    code; the main thread's records the URLs its scripts and fonts asked for.
    """

    def __init__(self) -> None:
        super().__init__()
        self.made: list[QNetworkAccessManager] = []
        self.main_refused: list[str] = []  # of the main thread's last manager

    def create(self, parent: QObject) -> QNetworkAccessManager:
        manager: QNetworkAccessManager
        app = QCoreApplication.instance()
        if app is not None and QThread.currentThread() is app.thread():
            self.main_refused = []  # requests from scripts and fonts: recorded
            manager = _RecordingManager(parent, self.main_refused)
        else:  # image and component loader threads: no Python per request
            manager = QNetworkAccessManager(parent)
        manager.setProxy(QNetworkProxy(QNetworkProxy.ProxyType.HttpProxy, "", 0))
        # Referenced here: Python must never collect (and so delete) a manager Qt's
        # loader threads still use; Qt deletes it with its parent.
        self.made.append(manager)
        return manager


class _RecordingManager(QNetworkAccessManager):
    """The main thread's manager: records the network URLs asked for (then refused)."""

    def __init__(self, parent: QObject, refused: list[str]) -> None:
        super().__init__(parent)
        self.refused = refused

    def createRequest(self, op: QNetworkAccessManager.Operation, request: QNetworkRequest,
                      data: QIODevice | None = None) -> QNetworkReply:  # fmt: skip
        if request.url().scheme().lower() in NETWORK_SCHEMES:
            self.refused.append(request.url().toString())
        return super().createRequest(op, request, data)


_factory = _NoNetworkFactory()  # outlives every engine it is installed on


def network_allowed(allow_network: bool) -> bool:
    """The policy: the network only when asked for, and never on a cluster worker."""
    return allow_network and os.environ.get(NO_NETWORK_ENV) != "1"


def forbid_network(engine: QQmlEngine) -> list[str]:
    """Make ``engine`` fail every non-local request (call before it loads anything); the
    list returned fills with the URLs of the requests refused on the main thread
    (``XMLHttpRequest``, fonts), images and components are seen by their status.

    Qt calls the (Python) factory from its loader and image threads under a mutex, and
    they need the GIL for it. The main thread must never wait for that mutex, or for
    those threads, while it holds the GIL: its own manager is made here, at once, the
    scene is loaded (:func:`_create_releasing_gil`) and the engine deleted
    (:meth:`QmlScene.close`) from the event loop, which releases the GIL. The worker
    loads PySide6's types up front (worker/main.py), as its lazy loading is not safe
    from those threads.
    """
    engine.setNetworkAccessManagerFactory(_factory)
    engine.networkAccessManager()
    return _factory.main_refused


#: Sets the root's ``frame`` when called from the event loop: the bindings that follow may
#: load a remote component, and Qt's loader thread may then call the (Python) factory, so
#: they must run while the GIL is released (see :func:`forbid_network`).
_FRAME_SETTER = b"""import QtQml
QtObject {
    property QtObject target
    function show(frame) { target.frame = frame }
}
"""


def _frame_setter(engine: QQmlEngine, root: QQuickItem, holder: QQuickItem) -> QObject:
    """A :data:`_FRAME_SETTER` for ``root``, deleted with ``holder``."""
    component = QQmlComponent(engine)
    component.setData(_FRAME_SETTER, QUrl())
    setter = component.create()
    QQmlEngine.setObjectOwnership(setter, QQmlEngine.ObjectOwnership.CppOwnership)
    setter.setParent(holder)
    setter.setProperty("target", root)
    return setter


def _run_posted_events() -> None:
    """Run what was posted (queued calls, deferred deletes) with the GIL released."""
    loop = QEventLoop()
    QMetaObject.invokeMethod(loop, "quit", Qt.ConnectionType.QueuedConnection)
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


def _frame_count(root: QObject) -> int:
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
    if not audio.is_file() and os.environ.get(AUDIO_ON_CLIENT_ENV) != "1":
        raise BadInput(f"{path.name}: audio file {value!r} not found")
    return str(audio)


def prepare_backend(path: Path, requested: str) -> str:
    """Choose this process's scene graph backend for a scene, before any item is made.

    Items such as ``Shape`` settle on the backend when they are created, so the choice is
    made from the scene's source; the items themselves are checked once made.
    """
    named = gpu_in_source(path)
    backend = choose_renderer(path, requested, [named] if named else [])
    choose_backend(backend)
    return backend


def probe_qml(path: Path, requested: str = "auto") -> CompositionInfo:
    """Load the scene without a window and read its contract properties (this settles the
    process's scene graph backend: see :func:`prepare_backend`)."""
    prepare_backend(path, requested)
    engine = QQmlEngine()
    forbid_network(engine)  # the probe reads the scene's own properties, never the network
    holder = QQuickItem()
    try:
        with script_problems(path.resolve().parent) as problems:
            root = _create_releasing_gil(engine, path.resolve(), holder)
            Settler(root, lambda: None).settle(0)  # asynchronous images loaded, or failed
        if not _has_property(root, "frame"):
            raise BadInput(f"{path.name}: the root item must declare 'property int frame'")
        width, height = int(root.width()), int(root.height())
        check_size(width, height, what=f"{path.name}: canvas")
        fps = _fps(root)
        objects = all_objects(root)
        info = CompositionInfo(
            path=str(path.resolve()),
            kind="qml",
            width=width,
            height=height,
            fps=fps,
            frame_count=_frame_count(root),
            audio=_audio(path, root),
            gpu_items=tuple(gpu_items(objects)),
            warnings=(
                *shown(not_loaded(load_states(objects)[1]), "files that cannot be loaded"),
                *shown(missing_fonts(objects), "fonts that are not installed"),
                *shown(problems, "script problems (run the scene in Qt)"),
                *unrepeatable(path, objects),
            ),
            remote=tuple(remote_sources(objects)),
        )
        choose_renderer(path, requested, list(info.gpu_items))  # refuse what it cannot draw
        return info
    finally:
        holder.deleteLater()
        engine.deleteLater()
        _run_posted_events()  # the engine goes now, its threads while the GIL is released


class QmlScene:
    """A QML scene rendered offscreen through ``QQuickRenderControl``, frame by frame.

    ``size``: the pixels to draw (the scene is laid out at its own size and drawn at
    this scale, text and edges included). ``renderer``: "auto" (the software scene graph
    unless the scene holds items only the GPU path draws), "software" or "gpu".
    Animations run on a :class:`FrameClock`: frame ``n`` is shown after exactly ``n``
    clock steps from load, whether the frames before it were drawn or only stepped (and
    synced, in scenes with particles, whose painters change state when synced). Qt's
    random numbers are seeded at every load (qml_random).
    """

    def __init__(self, info: CompositionInfo, background: QColor, size: tuple[int, int],
                 renderer: str = "auto", allow_network: bool = False) -> None:  # fmt: skip
        self.info = info
        self.allow_network = network_allowed(allow_network)
        self.path = Path(info.path)
        self.background = background
        self.size = size
        self.requested = renderer
        self.clock = frame_clock()
        self.control: QQuickRenderControl | None = None
        #: Told ``(frame, problem)`` for what fails to load as frames are shown (an
        #: image named by a binding, a Loader made active, an asynchronous image).
        self.on_warning: Callable[[int, str], None] = lambda frame, problem: None
        self._load_content()
        control = self.control = QQuickRenderControl()
        self.window = QQuickWindow(control)
        self.window.setColor(self.background)
        self.window.resize(int(self.root.width()), int(self.root.height()))
        self.holder.setParentItem(self.window.contentItem())
        scale = self.size[0] / max(1.0, self.root.width())
        target_class = GlTarget if self.backend == "gpu" else SoftwareTarget
        self.target = target_class(control, self.window, QSize(*self.size), scale)

    def _load_content(self) -> None:
        """Create the scene's items (again, to go back in time), check that the backend
        draws them, settle frame 0. The window and its render target stay."""
        self.clock.restart()
        backend = prepare_backend(self.path, self.requested)
        self.engine = QQmlEngine()
        refused = None if self.allow_network else forbid_network(self.engine)
        self.holder = QQuickItem()
        repeat_random()  # particles and Math.random() draw the same numbers at every load
        self.root = _create_releasing_gil(self.engine, self.path, self.holder)
        if self.control is not None:
            self.holder.setParentItem(self.window.contentItem())
        self.frame_setter = _frame_setter(self.engine, self.root, self.holder)
        self.clock.fps = _fps(self.root)
        self.settler = Settler(
            self.root, self._polish, refused, lambda frame, problem: self.on_warning(frame, problem)
        )
        self.settler.settle(0)
        self.objects = all_objects(self.root)
        self.needs_gpu = gpu_items(self.objects)
        self.backend = choose_renderer(self.path, self.requested, self.needs_gpu)
        if self.backend != backend:
            raise BadInput(
                f"{self.path.name}: {self.needs_gpu[0]} needs the GPU renderer, which its "
                "source does not show (render with --renderer gpu)"
            )
        self.timed = uses_clock(self.objects)
        self.syncs = any(is_a(o, ("QQuickParticleSystem",)) for o in self.objects)
        self.playback = (
            Playback(self.clock.fps) if any(map(played_by_clock, self.objects)) else None
        )
        self.at = 0  # the frame the clock shows
        self.drawn = -1  # the frame last drawn (its scene graph synced)
        self.painters_ready = not self.syncs

    def _unload_content(self) -> None:
        self.holder.setParentItem(None)  # type: ignore[arg-type]  # stubs lack None
        self.holder.deleteLater()
        self.engine.deleteLater()
        # Delete the engine now, not at exit: with the network forbidden its threads hold
        # managers made by the (Python) factory, which must go while Python still runs.
        _run_posted_events()

    def _polish(self) -> None:
        if self.control is not None:  # else the scene is not in its window yet
            self.control.polishItems()

    def _show(self, frame: int) -> None:
        """Bring the scene to ``frame``: step the clock there (pre-roll), then settle."""
        if self.timed and frame < self.at:
            self._unload_content()
            self._load_content()
        if not self.painters_ready:
            self._ready_painters()
        while self.timed and self.at < frame:
            self._set_frame(self.at)
            if self.syncs and self.at != self.drawn:
                self.target.sync()  # as if drawn: particles change state when synced
            self.clock.step()
            self.at += 1
        self.at = frame
        self._set_frame(frame)

    def _ready_painters(self) -> None:
        """Sync until particle painters have built their nodes, before the clock first
        moves: an ``ImageParticle`` builds them over two syncs, loading its image between
        them, and gives no colour, rotation or sprite to a particle emitted before."""
        for _ in range(_PAINTER_SYNCS):
            self.target.sync()
            _run_posted_events()
        self.painters_ready = True

    def _set_frame(self, frame: int) -> None:
        QMetaObject.invokeMethod(self.frame_setter, "show", Qt.ConnectionType.QueuedConnection,
                                 Q_ARG("QVariant", frame))  # fmt: skip
        _run_posted_events()  # sets it
        _run_posted_events()  # queued work: animations starting, effects updating
        self.settler.settle(frame)
        if self.playback is not None:  # animated images and sprites at this frame's time
            self.playback.show(all_objects(self.root), frame)

    def grab(self, frame: int) -> QImage:
        """Frame ``frame`` at ``size``, premultiplied."""
        self._show(frame)
        self.drawn = frame
        return self.target.render()

    def close(self) -> None:
        self._unload_content()
        self.target.close()
        self.window.deleteLater()
        if self.control is not None:
            self.control.deleteLater()
            self.control = None
        _run_posted_events()


def choose_renderer(path: Path, requested: str, needs_gpu: list[str]) -> str:
    """The backend for a scene, "software" or "gpu"; :class:`BadInput` if it cannot be
    drawn as asked."""
    if requested == "software" and needs_gpu:
        raise BadInput(
            f"{path.name}: {needs_gpu[0]} needs the GPU renderer; the software renderer "
            "would leave it out (use --renderer auto or gpu)"
        )
    if requested == "gpu" or (requested == "auto" and needs_gpu):
        return "gpu"
    return "software"


def _fps(root: QObject) -> float:
    return float(root.property("fps")) if _has_property(root, "fps") else DEFAULT_FPS


def _create_releasing_gil(engine: QQmlEngine, path: Path, holder: QQuickItem) -> QQuickItem:
    """The scene's root item, made under ``holder`` by the event loop (GIL released)."""
    component = QQmlComponent(engine, QUrl.fromLocalFile(str(path)))
    if component.isError():
        raise BadInput(_describe(path, component.errors()))
    QMetaObject.invokeMethod(component, "createObject", Qt.ConnectionType.QueuedConnection,
                             Q_ARG(QObject, holder))  # fmt: skip
    _run_posted_events()
    items = holder.childItems()
    if component.isError():
        raise BadInput(_describe(path, component.errors()))
    if not items:
        raise BadInput(_not_an_item(path, holder.children()))
    return items[0]


def _not_an_item(path: Path, made: list[QObject]) -> str:
    """Why a scene whose root is not an Item cannot be rendered, in a line."""
    if any(isinstance(obj, QWindow) for obj in made):
        return (
            f"{path.name}: the root is a Window, which shows itself on screen; make the "
            "root an Item (or a Rectangle for a background colour) of the window's size"
        )
    if made:
        return f"{path.name}: the root object must be an Item (or a type based on Item)"
    return f"{path.name}: the QML scene could not be loaded"
