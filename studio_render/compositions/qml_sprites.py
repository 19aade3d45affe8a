"""``SpriteSequence`` played on the composition's time: Qt's sprite engine, retold.

Qt's ``SpriteSequence`` reads a private ``QElapsedTimer`` when its node is updated
(``QQuickSpriteSequence::prepareNextFrame``), and its engine (``QQuickSpriteEngine``)
draws durations, random starts and weighted transitions from Qt's random generator.
Nothing public sets its time, so :class:`SequencePlayer` takes a sequence over: the
sequence stops drawing itself (its engine is then never updated), and for each of its
``Sprite`` two paused ``AnimatedSprite`` children show the frame :class:`SequenceTimeline`
computes — the engine's rules, run at the times of the frames drawn (``frame / fps``
seconds after the sequence first appeared), with its own seeded random numbers:

* a sprite lasts ``frameCount / frameRate`` s (else ``frameCount * frameDuration`` ms,
  each varied by its variation), shows frame ``(t - start) / (duration / frameCount)``,
  and the first frame drawn at or after its end picks the next sprite there: toward
  ``goalSprite`` by a shortest path, else at random by the weights of ``to``;
* ``frameSync`` (or zero-duration) sprites show one frame per drawn frame;
* ``interpolate`` blends a frame into the next (the next frame drawn over it, as opaque
  as the time between them): exact for opaque frames, close for translucent ones;
* ``jumpTo()`` from the scene is seen through the sprites' ``entered`` signals and takes
  effect at the frame it was called in; the sprites' ``entered`` signals fire at every
  change.

``currentSprite`` is not updated (Qt sets it only when the sequence draws itself).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import Q_ARG, SIGNAL, QMetaObject, QObject, Qt, QUrl
from PySide6.QtQml import QQmlComponent, QQmlEngine
from PySide6.QtQuick import QQuickItem

from studio_render.compositions.qml_scan import local_file, sprites_of

_DIRECT = Qt.ConnectionType.DirectConnection
#: Qt's value for a frame rate or frame duration left unset (qquicksprite.cpp).
_UNSET = -2
#: Qt's sprite length when no rate or duration is set (QQuickSprite::variedDuration).
_DEFAULT_MS = 1000
#: One sprite's frames, shown paused at the frame it is given (bound to its sequence).
_FRAME_ITEM = b"""import QtQuick
AnimatedSprite {
    anchors.fill: parent
    smooth: parent ? parent.smooth : true
    interpolate: false
    paused: true
    visible: false
}
"""


@dataclass(frozen=True)
class SpriteSpec:
    """A ``Sprite``'s timing and transitions, as its properties read."""

    name: str
    frames: int
    frame_sync: bool = False
    reverse: bool = False
    frame_rate: float = _UNSET
    frame_rate_variation: float = 0.0
    frame_duration: int = _UNSET
    frame_duration_variation: int = 0
    duration: int = -1  # Qt's old per-frame duration
    duration_variation: int = 0
    random_start: bool = False
    to: tuple[tuple[str, float], ...] = ()  # by name, as Qt's QVariantMap orders them

    def varied_duration(self, rng: random.Random) -> int:
        """The sprite's whole length in ms, as ``QQuickSprite::variedDuration``."""
        if self.frame_sync:
            return 0
        if self.frame_rate != _UNSET:
            rate = self.frame_rate + self.frame_rate_variation * (2 * rng.random() - 1)
            return int(self.frames * 1000 / rate) if rate > 0 else 0
        if self.frame_duration != _UNSET:
            per_frame = self.frame_duration + self.frame_duration_variation * (2 * rng.random() - 1)
            return max(0, self.frames * int(per_frame))
        if self.duration >= 0:
            per_frame = self.duration + self.duration_variation * (2 * rng.random() - 1)
            return int(max(0.0, per_frame)) * self.frames
        return _DEFAULT_MS


@dataclass(frozen=True)
class Shown:
    """What a sequence shows: a sprite, its frame, the frame blended in and how much."""

    sprite: int
    frame: int
    next_frame: int
    progress: float


class SequenceTimeline:
    """The sprite engine of one sequence, told the time of each frame drawn, in order."""

    def __init__(self, sprites: list[SpriteSpec], goal: str, seed: int) -> None:
        self.sprites = sprites
        self.rng = random.Random(seed)
        self.goal = self._index(goal)
        self.state = 0
        self.duration = sprites[0].varied_duration(self.rng)
        self.start = 0
        if sprites[0].random_start and self.duration > 0:
            self.start -= self.rng.randrange(self.duration)
        self.shown_state = 0
        self.counter = 0  # frames shown of a frame-synced sprite

    def _index(self, name: str) -> int | None:
        return next((i for i, s in enumerate(self.sprites) if s.name == name), None)

    def set_goal(self, name: str) -> None:
        """``goalSprite`` set: like Qt, a name no sprite has changes nothing."""
        index = self._index(name)
        if index is not None:
            self.goal = index

    def jump(self, index: int, t: int) -> bool:
        """``jumpTo()`` at time ``t``: whether the sprite changed (Qt ignores a jump to
        the sprite shown, and forgets the goal)."""
        if index == self.state:
            return False
        self.goal = None
        self._enter(index, t)
        return True

    def _enter(self, index: int, t: int) -> None:
        self.state = index
        self.duration = self.sprites[index].varied_duration(self.rng)
        self.start = t

    def tick(self, t: int) -> tuple[Shown, bool]:
        """The sequence at time ``t`` ms (``prepareNextFrame``), and whether a sprite
        ended (then ``state`` is the sprite that follows it, maybe the same)."""
        ended = False
        if self.duration > 0 and self.start + self.duration <= t:
            self._enter(self._next_state(), t)
            ended = True
        if self.state != self.shown_state:
            self.shown_state = self.state
            self.counter = -1
        frames = self.sprites[self.state].frames
        if self.duration > 0:
            at = min(max((t - self.start) / (self.duration / frames), 0.0), frames - 1.0)
            frame = math.floor(at)
            progress = at - frame
        else:
            self.counter += 1
            if self.counter >= frames:
                self.counter = 0
                self._enter(self._next_state(), t)
                ended = True
            frame, progress = self.counter, 0.0
        sprite = self.sprites[self.state]
        if sprite.reverse:
            frame = sprite.frames - 1 - frame
        frame = min(max(frame, 0), sprite.frames - 1)
        following = frame + 1 if frame < min(frames, sprite.frames) - 1 else frame
        return Shown(self.state, frame, following, progress), ended

    def _next_state(self) -> int:
        """``QQuickStochasticEngine::nextState``: toward the goal, else by weight."""
        toward = self._toward_goal()
        if toward is not None:
            return toward
        picked = self._weighted(self.sprites[self.state].to)
        return self.state if picked is None else picked

    def _weighted(self, choices: tuple[tuple[str, float], ...]) -> int | None:
        r = self.rng.random() * sum(weight for _, weight in choices)
        for name, weight in choices:
            index = self._index(name)
            if r < weight and index is not None:
                return index
            r -= weight
        return None

    def _toward_goal(self) -> int | None:
        """The next sprite on a shortest way to the goal (the goal itself stays); several
        equally short: by weight. None without a goal, or with none reachable."""
        if self.goal is None:
            return None
        goal_name = self.sprites[self.goal].name
        if self.sprites[self.state].name == goal_name:
            return self.state
        distance = self._distances_to(goal_name)
        options = [(n, w) for n, w in self.sprites[self.state].to if n in distance]
        if not options:
            return None
        nearest = min(distance[n] for n, _ in options)
        options = [(n, w) for n, w in options if distance[n] == nearest]
        if len(options) == 1:
            return self._index(options[0][0])
        return self._weighted(tuple(options))

    def _distances_to(self, goal_name: str) -> dict[str, int]:
        """Transitions from each sprite (by name) to the goal, for those that reach it."""
        distance = {goal_name: 0}
        changed = True
        while changed:
            changed = False
            for sprite in self.sprites:
                steps = [distance[n] + 1 for n, _ in sprite.to if n in distance]
                if steps and min(steps) < distance.get(sprite.name, len(self.sprites) + 1):
                    distance[sprite.name] = min(steps)
                    changed = True
        return distance


def _spec(sprite: QObject) -> SpriteSpec:
    to = sprite.property("to") or {}
    return SpriteSpec(
        name=str(sprite.property("name") or ""),
        frames=max(1, int(sprite.property("frameCount"))),
        frame_sync=bool(sprite.property("frameSync")),
        reverse=bool(sprite.property("reverse")),
        frame_rate=float(sprite.property("frameRate")),
        frame_rate_variation=float(sprite.property("frameRateVariation")),
        frame_duration=int(sprite.property("frameDuration")),
        frame_duration_variation=int(sprite.property("frameDurationVariation")),
        duration=int(sprite.property("duration")),
        duration_variation=int(sprite.property("durationVariation")),
        random_start=bool(sprite.property("randomStart")),
        to=tuple(sorted((str(name), float(weight)) for name, weight in dict(to).items())),
    )


class SequencePlayer:
    """One ``SpriteSequence`` taken over from its first frame (``start_frame``)."""

    def __init__(self, sequence: QQuickItem, start_frame: int, fps: float, seed: int) -> None:
        self.sequence = sequence
        self.start_frame = start_frame
        self.fps = fps
        self.sprites = sprites_of(sequence)
        specs = [_spec(sprite) for sprite in self.sprites]
        self.timeline = SequenceTimeline(specs, str(sequence.property("goalSprite") or ""), seed)
        self.goal = str(sequence.property("goalSprite") or "")
        self.at = start_frame - 1  # the last frame told to the timeline
        self.shown = Shown(0, 0, 0, 0.0)
        self.jumps: list[int] = []  # sprites the scene jumped to since the last frame
        self._own_jump: int | None = None  # the sprite this player is putting Qt on
        self.qt_state = -1  # the sprite Qt's own engine is on (not known yet)
        sequence.setFlag(QQuickItem.Flag.ItemHasContents, False)  # Qt draws it no more
        engine = QQmlEngine.contextForObject(sequence).engine()
        self.items = [
            (self._frame_item(engine, sprite), self._frame_item(engine, sprite))
            for sprite in self.sprites
        ]
        for index, sprite in enumerate(self.sprites):
            QObject.connect(sprite, SIGNAL("entered()"), partial(self._entered, index))
        self._jump_qt(0)  # Qt starts every sequence on its first sprite

    def _frame_item(self, engine: QQmlEngine, sprite: QObject) -> QQuickItem:
        component = QQmlComponent(engine)
        component.setData(_FRAME_ITEM, QUrl())
        source = QUrl.fromLocalFile(local_file(sprite) or "")
        item = component.createWithInitialProperties({"parent": self.sequence, "source": source})
        assert isinstance(item, QQuickItem), component.errorString()
        QQmlEngine.setObjectOwnership(item, QQmlEngine.ObjectOwnership.CppOwnership)
        item.setParent(self.sequence)
        for name in ("frameX", "frameY", "frameWidth", "frameHeight", "frameCount"):
            item.setProperty(name, sprite.property(name))
        return item

    def _entered(self, index: int) -> None:
        if index != self._own_jump:  # the scene called jumpTo() (maybe from onEntered)
            self.jumps.append(index)
            self.qt_state = index

    def _jump_qt(self, index: int) -> None:
        """Put Qt's engine on sprite ``index`` (so that a ``jumpTo()`` from the scene is
        not ignored), firing ``entered`` as Qt does at every change, to the same sprite
        too."""
        self._own_jump = index
        try:
            if index == self.qt_state:
                QMetaObject.invokeMethod(self.sprites[index], "entered")
            else:
                self.qt_state = index  # before: a handler of ``entered`` may jump on
                name = Q_ARG("QString", self.timeline.sprites[index].name)
                QMetaObject.invokeMethod(self.sequence, "jumpTo", _DIRECT, name)
        finally:
            self._own_jump = None

    def show(self, frame: int) -> None:
        """Show the sequence at ``frame`` (frames come in order; one again is redrawn)."""
        while self.at < frame:
            self.at += 1
            self._tick(round((self.at - self.start_frame) * 1000 / self.fps))
        shown = self.shown
        interpolate = bool(self.sequence.property("interpolate"))
        for index, (item, following) in enumerate(self.items):
            item.setVisible(index == shown.sprite)
            item.setProperty("currentFrame", shown.frame)
            blend = index == shown.sprite and interpolate and shown.progress > 0
            following.setVisible(blend and shown.next_frame != shown.frame)
            following.setProperty("currentFrame", shown.next_frame)
            following.setOpacity(shown.progress)

    def _tick(self, t: int) -> None:
        """Tell the timeline frame time ``t``: goal changes and jumps first (a jump made
        in an ``entered`` handler takes effect at the next frame)."""
        goal = str(self.sequence.property("goalSprite") or "")
        if goal != self.goal:
            self.goal = goal
            self.timeline.set_goal(goal)
        for index in self.jumps:
            self.timeline.jump(index, t)
        self.jumps.clear()
        self.shown, ended = self.timeline.tick(t)
        if ended:
            self._jump_qt(self.timeline.state)
