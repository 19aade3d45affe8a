"""Qt's shared random numbers, made to repeat: the same sequence every time a scene loads.

Particles (emitters, directions, extruders, ``ImageParticle`` colour and rotation
variations, ``Wander``), a ``Sprite``'s duration variations and QML's ``Math.random()``
all draw from ``QRandomGenerator::global()``, which Qt seeds from the system. Qt forbids
``seed()`` on it (``qFatal``: "Attempted to overwrite a QRandomGenerator to system() or
global()"), but its public constructor ``QRandomGenerator(const quint32 *, const quint32
*)``, run again on the global object's storage, seeds it in place exactly as
``QRandomGenerator(seed)`` is seeded (its checks against that are debug-only asserts).
Called on the main thread before the scene is made, while no other thread draws.
"""

from __future__ import annotations

import ctypes
import sys
from pathlib import Path

import PySide6

_CORE = Path(PySide6.__file__).parent / "Qt" / "lib" / "libQt6Core.so.6"
_GLOBAL = "_ZN18QRandomGenerator646globalEv"  # QRandomGenerator64::global()
_CONSTRUCT = "_ZN16QRandomGeneratorC1EPKjS1_"  # QRandomGenerator(const quint32 *, ... *)
#: The seed every scene starts from: one fixed, documented sequence.
SCENE_SEED = 1


class RandomError(RuntimeError):
    """This Qt build's shared random generator could not be seeded."""


def seed_global_random(seed: int = SCENE_SEED) -> None:
    """Restart ``QRandomGenerator::global()`` as ``QRandomGenerator(seed)``."""
    try:
        core = ctypes.CDLL(str(_CORE), mode=ctypes.RTLD_GLOBAL)
        global_generator = getattr(core, _GLOBAL)
        construct = getattr(core, _CONSTRUCT)
    except (OSError, AttributeError) as exc:
        raise RandomError(f"QtCore's random generator cannot be seeded: {exc}") from None
    global_generator.restype = ctypes.c_void_p
    construct.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    values = (ctypes.c_uint32 * 1)(seed)
    start = ctypes.addressof(values)
    construct(global_generator(), start, start + ctypes.sizeof(values))


_unseedable: list[str] = []


def repeat_random() -> None:
    """Seed before a scene loads (:func:`seed_global_random`); where this Qt cannot be
    seeded, say so once: the scene's random numbers then differ between renders."""
    if _unseedable:
        return
    try:
        seed_global_random()
    except RandomError as exc:
        _unseedable.append(str(exc))
        print(f"studio-render: random numbers will differ between renders: {exc}",
              file=sys.stderr)  # fmt: skip
