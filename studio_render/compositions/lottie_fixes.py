"""Rewrites of a Lottie document before ThorVG loads it, for ThorVG bugs that change the
picture. Each rewrite keeps what lottie-web draws; :func:`rewrite` returns None when a
document needs none, so most files load untouched, straight from their path.

Easing names: ThorVG 1.0 caches keyframe easing curves by the keyframe's ``"n"`` name but
compares names with ``strncmp(a, b, 20)``, so two different easings whose names share their
first 20 characters (After Effects names them by their values, e.g.
``0p833_0p833_0p167_0p167`` and ``0p833_0p833_0p167_0p179``) get one curve: a linear spin
runs eased, minutes off by the middle. lottie-web keys its cache by the whole name, so
renaming every long name to a short unique one keeps lottie-web's meaning.
"""

from __future__ import annotations

import re

#: ThorVG compares easing names up to this many characters.
_THORVG_NAME_CHARS = 20

#: A keyframe's easing name: ``"n": "..."`` or ``"n": ["...", ...]`` (first name).
_EASING_NAME = re.compile(rb'("n"\s*:\s*\[?\s*")([^"\\]*)(")')


def rewrite(data: bytes) -> bytes | None:
    """``data`` rewritten so ThorVG draws it as lottie-web does, or None if it already
    would (as far as these rewrites know)."""
    return _unique_easing_names(data)


def _unique_easing_names(data: bytes) -> bytes | None:
    """Long easing names renamed ``~0``, ``~1``, … (one per distinct name) when two
    different names would share a curve in ThorVG; None when none would."""
    names = {m.group(2) for m in _EASING_NAME.finditer(data)}
    long_names = sorted(n for n in names if len(n) >= _THORVG_NAME_CHARS)
    prefixes = {n[:_THORVG_NAME_CHARS] for n in long_names}
    if len(prefixes) == len(long_names):
        return None
    taken = set(names)
    short: dict[bytes, bytes] = {}
    for name in long_names:
        code = b"~%d" % len(short)
        while code in taken:
            code = b"~" + code
        short[name] = code

    def rename(match: re.Match[bytes]) -> bytes:
        name = match.group(2)
        return match.group(1) + short.get(name, name) + match.group(3)

    return _EASING_NAME.sub(rename, data)
