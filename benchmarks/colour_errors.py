"""How far rendered colours are from the source, as players show them.

Renders the swatch card (tests/data/colour_swatches.qml, 20 swatches, 4 half transparent)
with every preset at HD (1280x720) and SD (640x360), decodes the first frame with the
file's own colour tags (where one is missing: what players assume, BT.709 from 720 lines
up, BT.601 below, limited range) and prints, per output, its tags, the largest error of any
channel at any swatch centre in 8-bit levels, and what a few brand colours became.

    python benchmarks/colour_errors.py [--tree PATH]

``--tree`` renders with the studio_render package in another folder (e.g. an earlier
commit's, from ``git archive COMMIT studio_render | tar -x -C FOLDER``), to compare.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests' helpers read the files back

from tests.colour_probe import decode_rgba, frame_tags  # noqa: E402
from tests.test_colour import (  # noqa: E402
    SCENE,
    SWATCHES,
    over_white,
    source_colour,
    swatch_centres,
)

OUTPUTS = [  # preset, suffix, extra arguments, alpha kept
    ("h264", ".mp4", [], False),
    ("h265", ".mp4", [], False),
    ("vp9", ".webm", [], False),
    ("vp9", ".webm", ["--alpha"], True),
    ("prores", ".mov", [], True),
    ("gif", ".gif", [], False),
    ("ffv1", ".mkv", [], True),
    ("png", "", [], True),
]
EXAMPLES = ["00ff00", "ff0000", "e0a030", "10b981"]


def measure(tree: Path, folder: Path) -> None:
    print("| output | size | range/matrix/primaries/transfer | max error | "
          + " | ".join(f"#{c}" for c in EXAMPLES) + " |")  # fmt: skip
    print("|---" * (4 + len(EXAMPLES)) + "|")
    for size in ((1280, 720), (640, 360)):
        for preset, suffix, extra, alpha in OUTPUTS:
            name = f"{preset}{'-alpha' if extra else ''}-{size[1]}"
            out = folder / f"{name}{suffix}"
            command = [sys.executable, "-m", "studio_render", "render", str(SCENE), "-o",
                       str(out), "--preset", preset, "--frames", "0:1", "--size",
                       f"{size[0]}x{size[1]}", "--progress", "none", *extra]  # fmt: skip
            done = subprocess.run(command, cwd=tree, capture_output=True, text=True)
            if done.returncode:
                print(f"| {name} | failed: {done.stderr.strip()[-200:]} |")
                continue
            first = out / "frame_000000.png" if preset == "png" else out
            tags = frame_tags(first)
            got = swatch_centres(decode_rgba(first, 1, size[1]), size)
            want = [source_colour(s) for s in SWATCHES]
            want = want if alpha else [over_white(p) for p in want]
            pairs = zip(got, want, strict=True)
            error = max(abs(a - b) for g, w in pairs for a, b in zip(g, w, strict=True))
            shown = ["#{:02x}{:02x}{:02x}".format(*got[SWATCHES.index(c)][:3]) for c in EXAMPLES]
            print(f"| {preset}{' --alpha' if extra else ''} | {size[0]}x{size[1]} | "
                  f"{'/'.join(tags[k] for k in ('range', 'matrix', 'primaries', 'transfer'))} "
                  f"| {error} | {' | '.join(shown)} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=ROOT,
                        help="render with this checkout's studio_render")  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measure(args.tree.resolve(), Path(folder))


if __name__ == "__main__":
    main()
