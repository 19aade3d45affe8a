"""Colour conventions of the outputs: how the renderer's RGB frames become stored pixels,
and the tags that tell every player how to turn them back into the same colours.

Video (H.264, H.265, VP9, ProRes) is Y'CbCr made with the BT.709 matrix, limited range, at
every size (SD included), tagged BT.709 matrix, primaries and transfer. RGB formats (FFV1,
PNG) keep the renderer's sRGB pixels unchanged and are tagged as sRGB.
"""

from __future__ import annotations

from dataclasses import dataclass

#: swscale flags for the RGB to Y'CbCr conversion: exact rounding, full chroma
#: interpolation, and the same bits on every CPU (chunks may be encoded on other machines).
SWS_FLAGS = "accurate_rnd+full_chroma_int+bitexact"


@dataclass(frozen=True)
class Colour:
    """A colour encoding in ffmpeg's names: matrix ("gbr": RGB, none), primaries, transfer
    characteristics, and range ("tv": limited, "pc": full)."""

    matrix: str
    primaries: str
    transfer: str
    range: str

    @property
    def is_rgb(self) -> bool:
        return self.matrix == "gbr"

    def filters(self, pix_fmt: str) -> list[tuple[str, dict[str, str]]]:
        """Filters (name, options) turning the raw RGB frames into tagged ``pix_fmt`` frames.

        ``setparams`` tags the frames: ffmpeg 7 and later take an encoder's tags from them.
        """
        tag = {"colorspace": self.matrix, "color_primaries": self.primaries,
               "color_trc": self.transfer, "range": self.range}  # fmt: skip
        convert = {"out_color_matrix": self.matrix, "out_range": self.range, "flags": SWS_FLAGS}
        return [
            *([] if self.is_rgb else [("scale", convert)]),
            ("format", {"pix_fmts": pix_fmt}),
            ("setparams", tag),
        ]

    def tag_args(self) -> list[str]:
        """Output options tagging the stream and its container (ffmpeg before 7 reads these)."""
        return [
            "-colorspace", "rgb" if self.is_rgb else self.matrix,
            "-color_primaries", self.primaries,
            "-color_trc", self.transfer,
            "-color_range", self.range,
        ]  # fmt: skip


#: Delivery video and ProRes: BT.709 Y'CbCr, limited range.
BT709 = Colour("bt709", "bt709", "bt709", "tv")
#: RGB formats: the renderer's pixels, sRGB (BT.709 primaries, sRGB transfer), full range.
SRGB = Colour("gbr", "bt709", "iec61966-2-1", "pc")
