"""The "inertial bounce" expression, evaluated here for the rigs that are baked.

Many files give a property the widely shared inertial bounce snippet (a layer that
overshoots and settles after each keyframe), as Bodymovin compiles it:

    amp = .., freq = .., decay = .., n = 0, 0 < numKeys && (n = nearestKey(time).index,
    key(n).time > time && n--), t = 0 === n ? 0 : time - key(n).time,
    $bm_rt = 0 < n ? (v = velocityAtTime(sub(key(n).time, div(thisComp.frameDuration, 10))),
    sum(value, div(mul(mul(div(v, 100), amp), Math.sin(mul(mul(mul(freq, t), 2),
    Math.PI))), Math.exp(mul(decay, t))))) : value;

ThorVG evaluates it when it draws the layer (see :mod:`lottie_expressions`), but a baked
rig reads the layer's position itself: the nulls of a path that follows them (After
Effects' "Create Nulls From Paths", :mod:`lottie_nulls`) were taken where their keyframes
put them, without the bounce, and a jelly starfish lost its wobble. :func:`bounce_at`
evaluates the snippet as lottie-web does: ``amp``, ``freq`` and ``decay`` numbers or
static sliders of the layer (``effect('Bounce')('Slider')``, optionally divided by a
number), the velocity lottie-web's way (the change over the last thousandth of a second).
Any other expression is not evaluated.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

from studio_render.compositions.lottie_effects import static_effect_values
from studio_render.compositions.lottie_motion import key_time, value_at

_QUOTED = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
#: One of amp, freq and decay: a number, or a slider, optionally divided by a number.
_FACTOR = (
    rf"(?:(?P<{{0}}_number>-?\d*\.?\d+)|(?P<{{0}}_div>div\()?effect\((?P<{{0}}_group>{_QUOTED})\)"
    rf"\((?P<{{0}}_value>{_QUOTED})\)(?({{0}}_div),(?P<{{0}}_by>\d*\.?\d+)\)|))"
)
#: The snippet as Bodymovin writes it, white space outside strings removed.
_SNIPPET = re.compile(
    r"var\$bm_rt;varamp,freq,decay,n,t,v;try\{"
    + "amp="
    + _FACTOR.format("amp")
    + ",freq="
    + _FACTOR.format("freq")
    + ",decay="
    + _FACTOR.format("decay")
    + r",n=0,0<numKeys&&\(n=nearestKey\(time\)\.index,key\(n\)\.time>time&&n--\),"
    r"t=0===n\?0:time-key\(n\)\.time,\$bm_rt=0<n\?\(v=velocityAtTime\(sub\(key\(n\)\.time,"
    r"div\(thisComp\.frameDuration,10\)\)\),sum\(value,div\(mul\(mul\((?P<percent>div\(v,100\)|v)"
    r",amp\),Math\.sin\(mul\(mul\(mul\(freq,t\),2\),Math\.PI\)\)\),Math\.exp\(mul\(decay,t\)\)"
    r"\)\)\):value;?\}catch\([\w$]+\)\{\$bm_rt=value(?:=value)?;?\}"
)
_BLANKS = re.compile(rf"({_QUOTED})|\s+")
#: lottie-web's velocity: the change over the last thousandth of a second.
_DELTA_S = 0.001


def bounce_at(
    prop: dict[str, Any], time: float, layer: dict[str, Any], fps: float
) -> list[float] | None:
    """``prop``'s value at frame ``time`` of its composition with its inertial bounce
    expression applied; None where its expression is not that snippet or a value it
    reads cannot be read here."""
    found = _snippet(str(prop.get("x")))
    keys = prop.get("k")
    if found is None or not fps > 0 or not prop.get("a") or not isinstance(keys, list):
        return None
    plain = {key: v for key, v in prop.items() if key != "x"}
    sliders = static_effect_values(layer)
    factors = [_factor(found, name, sliders) for name in ("amp", "freq", "decay")]
    value = value_at(plain, time)
    times = [key_time(key) / fps for key in keys]
    if value is None or None in factors or any(math.isnan(t) for t in times):
        return None
    amp, freq, decay = (float(f) for f in factors if f is not None)
    now = time / fps
    n = _nearest(times, now)
    if n > 0 and times[n - 1] > now:
        n -= 1
    if n == 0:
        return value
    t = now - times[n - 1]
    at = times[n - 1] - 1 / fps / 10
    before, after = value_at(plain, (at - _DELTA_S) * fps), value_at(plain, at * fps)
    if before is None or after is None or len(before) != len(value):
        return None
    scale = (0.01 if found["percent"] != "v" else 1.0) * amp
    wave = math.sin(freq * t * 2 * math.pi) / math.exp(decay * t)
    return [v + (b - a) / _DELTA_S * scale * wave
            for v, a, b in zip(value, before, after, strict=False)]  # fmt: skip


@functools.lru_cache(maxsize=64)
def _snippet(code: str) -> re.Match[str] | None:
    """``code`` matched as the snippet (white space outside strings left out), or None:
    read once per expression, not at every frame it is baked at."""
    return _SNIPPET.fullmatch(_BLANKS.sub(lambda m: m.group(1) or "", code))


def _nearest(times: list[float], now: float) -> int:
    """lottie-web's ``nearestKey(now).index``: counted from 1, ties to the earlier key."""
    if not times:
        return 0
    if now <= times[0]:
        return 1
    for i in range(len(times) - 1):
        if now < times[i + 1]:
            return i + 2 if now - times[i] > times[i + 1] - now else i + 1
    return len(times)


def _factor(found: re.Match[str], name: str, sliders: dict[tuple[str, str], str]) -> float | None:
    """amp, freq or decay: the number, or the layer's static slider (its ``clamp``
    applied; see :func:`static_effect_values`), divided as written."""
    if found[f"{name}_number"] is not None:
        return float(found[f"{name}_number"])
    literal = sliders.get((found[f"{name}_group"][1:-1], found[f"{name}_value"][1:-1]))
    by = found[f"{name}_by"]
    if literal is None or (by is not None and not float(by)):
        return None
    return float(literal) / float(by) if by is not None else float(literal)
