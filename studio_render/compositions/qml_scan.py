"""What a loaded QML scene holds: items only a GPU scene graph draws, items still loading
or that failed to load, and code that makes frames unrepeatable."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QFont, QFontDatabase, QFontInfo, QGuiApplication
from PySide6.QtQml import QQmlEngine, QQmlExpression, QQmlListReference, QQmlProperty
from PySide6.QtQuick import QQuickItem

#: Qt Quick classes the software scene graph skips (draws nothing, or hides the item).
_GPU_ONLY = (
    "QQuickMultiEffect",
    "QQuickShaderEffect",
    "QQuickParticleSystem",
    "QQuickImageParticle",
    "QQuickItemParticle",
    "QQuickParticlePainter",
)
#: The same, as written in QML source (read before anything is made: see qml_target).
_GPU_ONLY_SOURCE = re.compile(
    r"\b(MultiEffect|ShaderEffect|ParticleSystem|ImageParticle|ItemParticle|layer\.effect"
    r"|GraphicalEffects)\b"
)
#: Classes with a ``status`` that is ``Loading`` (2) until their content is there, and
#: ``Error`` (3) when it cannot be loaded.
_LOADING_STATUS = 2
_ERROR_STATUS = 3
_LOADS = ("QQuickImageBase", "QQuickLoader", "QQuickFontLoader")
#: Why these classes cannot repeat their frames when their images are remote: an
#: AnimatedImage has no file to read its frame delays from, a SpriteSequence is left to
#: Qt, which times it with its own QElapsedTimer. With local files they follow the frame
#: clock (qml_playback, qml_sprites), as AnimatedSprites do; particles and
#: ``Math.random()`` draw from Qt's random generator, seeded the same way every time a
#: scene loads (qml_random).
_UNREPEATABLE = {
    "QQuickAnimatedImage": "animated images from the network play on the wall clock",
    "QQuickSpriteSequence": "sprite sheets from the network play on the wall clock",
}
#: Particles that change group (``ParticleGroup.to``, ``GroupGoal``) or jump to a sprite
#: (``SpriteGoal { jump: true }``): Qt's particle state engine then restarts states while
#: its own QElapsedTimer runs (``QQuickStochasticEngine::restart`` adds its ``elapsed()``
#: once a particle moved group within ``updateSprites``), so their timing takes in the
#: wall clock between animation steps.
_WALL_TIMED_PARTICLES = {
    "QQuickParticleGroup": "to",
    "QQuickGroupGoalAffector": None,
    "QQuickSpriteGoalAffector": "jump",
}
#: Code in a scene that reads the wall clock.
_WALL_CLOCK = re.compile(r"\bDate\.now\s*\(|\bnew\s+Date\s*\(|\bTimer\s*\{")
#: A SpriteSequence property that renders leave as it starts (see qml_sprites).
_CURRENT_SPRITE = re.compile(r"\bcurrentSprite\b")


def _classes(obj: QObject) -> Iterator[str]:
    meta = obj.metaObject()
    while meta is not None:
        yield meta.className()
        meta = meta.superClass()


#: (class name, names) -> the answer of :func:`is_a`: scenes are scanned on every frame,
#: and a class's ancestry never changes (QML types get names unique in the process).
_IS_A: dict[tuple[str, tuple[str, ...]], str | None] = {}


def is_a(obj: QObject, names: tuple[str, ...]) -> str | None:
    """The first of ``names`` that ``obj``'s class is or derives from."""
    key = (obj.metaObject().className(), names)
    if key not in _IS_A:
        _IS_A[key] = next((name for name in _classes(obj) if name in names), None)
    return _IS_A[key]


def describe(obj: QObject) -> str:
    """``MultiEffect 'shadow'``: the QML type and, if it has one, the id."""
    qt_class = next(
        (c for c in _classes(obj) if c.startswith("QQuick")), obj.metaObject().className()
    )
    kind = qt_class.removeprefix("QQuick").removesuffix("Base")
    context = QQmlEngine.contextForObject(obj)
    name = context.nameForObject(obj) if context is not None else ""
    return f"{kind} '{name}'" if name else kind


_ITEM = QQuickItem.staticMetaObject  # type: ignore[attr-defined]  # missing from stubs


def all_objects(root: QObject) -> list[QObject]:
    """``root``, its children, and the items under it (a Loader's item, a delegate)."""
    seen: dict[int, QObject] = {}
    pending = [root]
    while pending:
        obj = pending.pop()
        if id(obj) in seen:
            continue
        seen[id(obj)] = obj
        pending.extend(reversed(obj.children()))  # popped in source order
        # Ask the object itself: a wrapper can outlive its object, and a new object at
        # the same address (a Loader's failed item replaced) would get it, wrong type
        # and all.
        if isinstance(obj, QQuickItem) and obj.metaObject().inherits(_ITEM):
            pending.extend(reversed(obj.childItems()))
    return list(seen.values())


def gpu_items(objects: list[QObject]) -> list[str]:
    """Items the software scene graph would leave out, named; empty for plain scenes."""
    found = []
    for obj in objects:
        if is_a(obj, _GPU_ONLY):
            found.append(describe(obj))
        elif isinstance(obj, QQuickItem) and _layer_effect(obj):
            found.append(f"{describe(obj)} (layer.effect)")
    return found


def _layer_effect(item: QQuickItem) -> bool:
    """Whether ``item`` has a ``layer.effect`` (made only once its layer is enabled)."""
    return QQmlProperty.read(item, "layer.effect") is not None


def load_states(objects: list[QObject]) -> tuple[list[QObject], list[QObject]]:
    """The objects among ``objects`` whose content is still loading, and those whose
    content failed to load (one reading of each status: it costs a QML expression)."""
    busy: list[QObject] = []
    failed: list[QObject] = []
    for obj in objects:
        if is_a(obj, _LOADS):
            status = _status(obj)
            if status == _LOADING_STATUS:
                busy.append(obj)
            elif status == _ERROR_STATUS:
                failed.append(obj)
    return busy, failed


#: URL schemes that reach the network (others: local files, resources, inline data).
NETWORK_SCHEMES = ("http", "https", "ftp")


def not_loaded(failed: list[QObject]) -> list[str]:
    """What to say of ``failed`` (see :func:`load_states`): Images, Loaders and FontLoaders
    whose local source failed to load (a file missing or unreadable, a component with
    errors), which Qt draws empty, or with a default font, saying so only in its log.
    Network sources are left to :func:`remote_sources`."""
    found = []
    for obj in failed:
        source = QQmlProperty.read(obj, "source")
        if not isinstance(source, QUrl) or source.isEmpty():
            continue  # a Loader's sourceComponent: its errors are script problems
        if source.scheme().lower() in NETWORK_SCHEMES:
            continue
        name = source.toLocalFile() if source.isLocalFile() else source.toString()
        what = (
            "drawn with a default font" if is_a(obj, ("QQuickFontLoader",)) else "drawn without it"
        )
        found.append(f"{describe(obj)}: cannot load {name!r}; {what}")
    return found


#: Family names that stand for a kind of font rather than a font (CSS's, fontconfig's).
_GENERIC_FAMILIES = frozenset({
    "sans-serif", "serif", "monospace", "cursive", "fantasy", "system-ui", "sans", "mono",
    "sans serif",
})  # fmt: skip
_TEXT = ("QQuickText", "QQuickTextEdit", "QQuickTextInput")


def missing_fonts(objects: list[QObject]) -> list[str]:
    """Font families that text items among ``objects`` ask for and this machine does not
    have (installed, or loaded by a FontLoader): Qt draws them in another font, saying
    nothing. One line a family, naming an item that asks for it and the font drawn."""
    default = QGuiApplication.font()  # what text gets that asks for no family
    installed = {f.lower() for f in [*QFontDatabase.families(), *default.families()]}
    asking: dict[str, tuple[QObject, QFont, int]] = {}  # family -> first item, its font, items
    for obj in objects:
        if not is_a(obj, _TEXT):
            continue
        font = QQmlProperty.read(obj, "font")
        if not isinstance(font, QFont):
            continue
        families = [f for f in font.families() if f] or [font.family()]
        wanted = [f for f in families if f and f.lower() not in _GENERIC_FAMILIES]
        if not wanted or any(f.lower() in installed for f in wanted):
            continue
        first, _, count = asking.get(wanted[0], (obj, font, 0))
        asking[wanted[0]] = (first, font, count + 1)
    found = []
    for family, (obj, font, count) in asking.items():
        more = f" and {count - 1} more" if count > 1 else ""
        drawn = QFontInfo(font).family()
        found.append(f"{describe(obj)}{more}: font {family!r} is not installed; drawn in {drawn}")
    return found


def remote_sources(objects: list[QObject]) -> list[str]:
    """The network URLs that images, Loaders and FontLoaders among ``objects`` load."""
    found = []
    for obj in objects:
        if is_a(obj, _LOADS):
            source = QQmlProperty.read(obj, "source")
            if isinstance(source, QUrl) and source.scheme().lower() in NETWORK_SCHEMES:
                found.append(source.toString())
    return found


def _status(obj: QObject) -> object:
    return qml_value(obj, "status")


def qml_value(obj: QObject, name: str) -> object:
    """``obj.<name>`` as QML reads it: enums as numbers (PySide6 cannot convert Qt
    Quick's enums, QML can)."""
    value, _undefined = QQmlExpression(QQmlEngine.contextForObject(obj), obj, name).evaluate()
    return value


def played_by_clock(obj: QObject) -> bool:
    """Whether the frame clock drives ``obj`` (see qml_playback): an AnimatedSprite, an
    AnimatedImage showing a local file, a SpriteSequence whose sprites all do."""
    if is_a(obj, ("QQuickAnimatedSprite",)):
        return True
    if is_a(obj, ("QQuickSpriteSequence",)):
        sprites = sprites_of(obj)
        return bool(sprites) and all(local_file(sprite) is not None for sprite in sprites)
    return is_a(obj, ("QQuickAnimatedImage",)) is not None and local_file(obj) is not None


def sprites_of(sequence: QObject) -> list[QObject]:
    """The ``Sprite`` objects of a ``SpriteSequence``, in order."""
    sprites = QQmlListReference(sequence, "sprites")  # type: ignore[call-overload]  # str works
    return [sprites.at(i) for i in range(sprites.count())]


def local_file(image: QObject) -> str | None:
    """The local file an image's ``source`` names, relative to its QML file."""
    source = image.property("source")
    url = source if isinstance(source, QUrl) else QUrl(str(source or ""))
    context = QQmlEngine.contextForObject(image)
    if context is not None:
        url = context.resolvedUrl(url)
    return url.toLocalFile() if url.isLocalFile() else None


def may_load(objects: list[QObject]) -> bool:
    """Whether anything in the scene loads content or paints in script (needs settling)."""
    return any(is_a(o, (*_LOADS, "QQuickCanvasItem", "QQuickRepeater")) for o in objects)


def _sources(path: Path) -> list[Path]:
    """The scene's file and the files beside it that it names (components, scripts)."""
    text = "\n".join(line for _, line in _code_lines(path))
    beside = [*path.parent.glob("*.qml"), *path.parent.glob("*.js")]
    return [
        path,
        *sorted(p for p in beside if p != path and re.search(rf"\b{re.escape(p.stem)}\b", text)),
    ]


def _code_lines(source: Path) -> list[tuple[int, str]]:
    """Numbered lines of a QML or JavaScript file, less ``//`` comments."""
    try:
        text = source.read_text(errors="replace")
    except OSError:
        return []
    return [(n, line.split("//", 1)[0]) for n, line in enumerate(text.splitlines(), 1)]


def gpu_in_source(path: Path) -> str | None:
    """The first item only the GPU renderer draws that the scene's source names, and where."""
    for source in _sources(path):
        for number, line in _code_lines(source):
            if match := _GPU_ONLY_SOURCE.search(line):
                return f"{match[0]} ({source.name}:{number})"
    return None


def unrepeatable(path: Path, objects: list[QObject]) -> list[str]:
    """Why frames of this scene may differ between renders (the wall clock), or from
    what Qt shows (a SpriteSequence's ``currentSprite``)."""
    found = []
    for obj in objects:
        reason = is_a(obj, tuple(_UNREPEATABLE))
        if reason and not played_by_clock(obj):
            found.append(f"{describe(obj)}: {_UNREPEATABLE[reason]}")
        kind = is_a(obj, tuple(_WALL_TIMED_PARTICLES))
        needs = _WALL_TIMED_PARTICLES[kind] if kind else None
        if kind and (needs is None or obj.property(needs)):
            group = f" {obj.property('name')}" if kind == "QQuickParticleGroup" else ""
            found.append(f"{describe(obj)}{group}: particle state changes are timed partly "
                         "by the wall clock in Qt")  # fmt: skip
    sequences = any(is_a(o, ("QQuickSpriteSequence",)) for o in objects)
    for source in _sources(path):
        for number, line in _code_lines(source):
            match = _WALL_CLOCK.search(line)
            if match:
                what = match[0].rstrip("({ ").strip()
                found.append(f"{source.name}:{number}: {what} reads the wall clock; "
                             "frames will differ between renders")  # fmt: skip
            elif sequences and _CURRENT_SPRITE.search(line):
                found.append(f"{source.name}:{number}: currentSprite is not updated in "
                             "renders (use the Sprites' entered signals)")  # fmt: skip
    return found


#: Classes that move with time rather than with ``frame``.
_TIMED = (
    "QQuickAbstractAnimation",
    "QQuickBehavior",
    "QQuickTransition",
    "QQuickSpriteSequence",
    "QQuickParticleSystem",
    "QQmlTimer",
)


def uses_clock(objects: list[QObject]) -> bool:
    """Whether anything in the scene moves with time (then chunks pre-roll the clock)."""
    return any(is_a(o, _TIMED) for o in objects)
