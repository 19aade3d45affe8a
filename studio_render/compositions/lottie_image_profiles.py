"""The colour profile Chromium gives a PNG without an ICC profile, from its gAMA and cHRM
chunks (Blink's ``ReadColorProfile`` and Skia's ``SkPngRustCodec``): none with an sRGB
chunk or without gAMA; cHRM's primaries (sRGB's without cHRM) and a pure power curve of
``1 / gAMA``, except that a gAMA within 5% of 1/2.2 without cHRM means none."""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from typing import Any

#: D50, the ICC profile connection space's white (X, Y, Z).
_D50 = (0.9642, 1.0, 0.8249)
#: sRGB's primaries and white (x, y of white, red, green, blue), as in a cHRM chunk.
_SRGB = (0.3127, 0.329, 0.64, 0.33, 0.3, 0.6, 0.15, 0.06)
#: libpng's (and Chromium's) tolerance for a gamma that is 2.2's.
NEUTRAL_GAMMA = 0.05
#: Bradford's cone response matrix, for adapting a white to D50.
_BRADFORD = ((0.8951, 0.2664, -0.1614), (-0.7502, 1.7135, 0.0367), (0.0389, -0.0685, 1.0296))


def png_profile(info: Mapping[Any, object]) -> bytes | None:
    """An ICC profile for a PNG from what Pillow read of its chunks (``info``: ``srgb``,
    ``gamma``, ``chromaticity``), or None where Chromium takes the samples as sRGB."""
    gamma, primaries = info.get("gamma"), info.get("chromaticity")
    if "srgb" in info or not isinstance(gamma, int | float) or gamma <= 0:
        return None
    if not isinstance(primaries, tuple) or len(primaries) != 8:
        if abs(gamma * 2.2 - 1) < NEUTRAL_GAMMA:
            return None
        primaries = _SRGB
    columns = _to_xyz_d50([float(v) for v in primaries])
    return None if columns is None else matrix_profile(columns, 1 / gamma)


def _to_xyz_d50(chrm: Sequence[float]) -> list[list[float]] | None:
    """The XYZ (D50) of full red, green and blue from a cHRM chunk's chromaticities (white
    adapted to D50 with Bradford, as skcms_PrimariesToXYZD50 does); None if degenerate."""
    wx, wy, *rgb = chrm
    if wy <= 0 or any(y <= 0 for y in rgb[1::2]):
        return None
    pairs = zip(rgb[::2], rgb[1::2], strict=True)
    m = _transposed([(x / y, 1.0, (1 - x - y) / y) for x, y in pairs])
    white = (wx / wy, 1.0, (1 - wx - wy) / wy)
    m_inverse = _inverse(m)
    if m_inverse is None:
        return None
    scale = _times(m_inverse, white)  # columns scaled to add up to the white
    m = [[v * k for v, k in zip(row, scale, strict=True)] for row in m]
    cone = [list(row) for row in _BRADFORD]
    cone_inverse = _inverse(cone)
    assert cone_inverse is not None
    gains = [d / w for d, w in zip(_times(cone, _D50), _times(cone, white), strict=True)]
    adapt = _product(
        cone_inverse, [[g * v for v in row] for g, row in zip(gains, cone, strict=True)]
    )
    return _transposed(_product(adapt, m))


def _transposed(m: Sequence[Sequence[float]]) -> list[list[float]]:
    return [[float(m[r][c]) for r in range(3)] for c in range(3)]


def _times(m: Sequence[Sequence[float]], v: Sequence[float]) -> list[float]:
    return [sum(a * b for a, b in zip(row, v, strict=True)) for row in m]


def _product(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]]) -> list[list[float]]:
    return [_times(_transposed(b), row) for row in a]


def _inverse(m: Sequence[Sequence[float]]) -> list[list[float]] | None:
    """The inverse of the 3x3 matrix ``m`` (its adjugate over its determinant); None when
    it is nearly singular."""
    (a, b, c), (d, e, f), (g, h, i) = m
    cofactors = [[e * i - f * h, f * g - d * i, d * h - e * g],
                 [c * h - b * i, a * i - c * g, b * g - a * h],
                 [b * f - c * e, c * d - a * f, a * e - b * d]]  # fmt: skip
    det = a * cofactors[0][0] + b * cofactors[0][1] + c * cofactors[0][2]
    if abs(det) < 1e-9:
        return None
    return [[v / det for v in row] for row in _transposed(cofactors)]


def matrix_profile(columns: Sequence[Sequence[float]], gamma: float) -> bytes:
    """An ICC v2 RGB display profile: the XYZ (D50) of full red, green and blue, and one
    power curve ``gamma`` for all three channels."""

    def xyz(values: Sequence[float]) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(struct.pack(">i", round(v * 65536)) for v in values)

    name = b"PNG gAMA/cHRM"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(name) + 1) + name + b"\0" * 79
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, min(round(gamma * 256), 0xFFFF)) + b"\0\0"
    tags = [(b"desc", desc), (b"wtpt", xyz(_D50)), (b"rXYZ", xyz(columns[0])),
            (b"gXYZ", xyz(columns[1])), (b"bXYZ", xyz(columns[2])), (b"rTRC", curve),
            (b"gTRC", curve), (b"bTRC", curve), (b"cprt", b"text\0\0\0\0none\0\0\0\0")]  # fmt: skip
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    header = (struct.pack(">I", offset + len(body)) + b"\0" * 4 + bytes([2, 0x10, 0, 0])
              + b"mntrRGB XYZ " + b"\0" * 12 + b"acsp" + b"\0" * 28
              + xyz(_D50)[8:] + b"\0" * 48)  # fmt: skip
    return header + struct.pack(">I", len(tags)) + table + body
