"""Audio layers of Lottie animations, which renders leave out.

A Lottie file may carry sounds (audio layers, ``ty`` 6, playing an asset such as a
dotLottie's ``u/clap.mp3``). Neither ThorVG nor lottie-web without an audio player draws
anything for them, and a render's video has no sound from them; :func:`audio_warnings`
names them, so an artist is told rather than surprised by a silent video.
"""

from __future__ import annotations

import re
from typing import Any

from studio_render.core.errors import listed

#: An audio layer (only a hint before parsing).
_AUDIO_LAYER = re.compile(rb'"ty"\s*:\s*6\b')


def may_have_audio(data: bytes) -> bool:
    """Whether a document may have audio layers."""
    return _AUDIO_LAYER.search(data) is not None


def audio_warnings(layers: list[dict[str, Any]]) -> tuple[str, ...]:
    """A line naming the audio layers among ``layers``, or none."""
    names: list[str] = []
    for layer in layers:
        name = repr(str(layer.get("nm", "?")))
        if layer.get("ty") == 6 and name not in names:
            names.append(name)
    if not names:
        return ()
    count = "1 audio layer" if len(names) == 1 else f"{len(names)} audio layers"
    return (f"{count} ({listed(names)}) not in the video: Lottie sound is not rendered",)
