"""Lottie frames rendered through the command line, compared with lottie-web's.

``../shared/corpus/lottie-reference/`` holds, per corpus file, five frames drawn by
lottie-web on white at native size (``frames.json`` lists them). A file matches when every
one of its frames matches (see :mod:`tests.image_compare`).

``python -m tests.lottie_reference [OUT_DIR]`` prints the table for
every file and writes side-by-side pictures (reference | ours) of the frames that do not
match into OUT_DIR. ``--corpus DIR --reference DIR`` measures other files the same way:
frames made by ``../shared/tools/lottie_reference_frames.js`` for the files in DIR.
``--background RRGGBB``: frames drawn on that colour (the script with its page's
``background:#fff`` changed): white hides what is drawn white, a dark one shows it.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.cli import studio_render
from tests.conftest import CORPUS
from tests.image_compare import (
    Comparison,
    compare,
    on_background,
    read_png,
    side_by_side,
    write_png,
)

REFERENCE = CORPUS.parent / "lottie-reference"


def reference_frames(reference: Path = REFERENCE) -> dict[str, list[int]]:
    """Corpus file name -> the frame numbers lottie-web drew."""
    index = json.loads((reference / "frames.json").read_text())
    return {name: entry["frames"] for name, entry in index.items()}


@dataclass(frozen=True)
class FileResult:
    name: str
    frames: dict[int, Comparison]

    @property
    def matches(self) -> bool:
        return all(c.matches for c in self.frames.values())

    @property
    def worst_ssim(self) -> float:
        return min(c.ssim for c in self.frames.values())

    @property
    def worst_off_share(self) -> float:
        return max(c.off_share for c in self.frames.values())

    def row(self) -> str:
        verdict = "match" if self.matches else "no"
        return f"| {self.name} | {verdict} | {self.worst_ssim:.4f} | {self.worst_off_share:.3%} |"


def render_and_compare(
    name: str,
    out: Path,
    sbs_dir: Path | None = None,
    corpus: Path = CORPUS,
    reference: Path = REFERENCE,
    background: tuple[int, int, int] = (255, 255, 255),
) -> FileResult:
    """Render the reference frames of corpus file ``name`` into ``out`` (one command-line
    render, ``--preset png``, frames first..last) and compare each,
    put on ``background`` as the reference is (white), with lottie-web's."""
    frames = reference_frames(reference)[name]
    done = studio_render(
        "render", corpus / name, "-o", out, "--preset", "png", "--progress", "none",
        "--frames", f"{min(frames)}:{max(frames) + 1}", "-j", "2",
    )  # fmt: skip
    if done.returncode != 0:
        raise AssertionError(f"render of {name} failed: {done.stderr.strip()}")
    stem = Path(name).stem
    results = {}
    for n in frames:
        ours = on_background(read_png(out / f"frame_{n:06d}.png"), background)
        theirs = read_png(reference / stem / f"frame_{n}.png")
        results[n] = compare(ours, theirs)
        if sbs_dir is not None and not results[n].matches:
            write_png(sbs_dir / f"{stem}_{n}.png", side_by_side(theirs, ours))
    return FileResult(name, results)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.lottie_reference")
    parser.add_argument("out_dir", nargs="?", type=Path, help="side-by-side pictures")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    parser.add_argument("--background", default="ffffff", help="the references' (RRGGBB)")
    args = parser.parse_args()
    red, green, blue = bytes.fromhex(args.background)
    colour = (red, green, blue)
    if args.out_dir:
        args.out_dir.mkdir(parents=True, exist_ok=True)
    print("| file | match | worst SSIM | worst pixels off |\n|---|---|---|---|")
    names = reference_frames(args.reference)
    matched = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, name in enumerate(names):
            try:
                result = render_and_compare(name, Path(tmp) / str(i), args.out_dir, args.corpus,
                                            args.reference, colour)  # fmt: skip
            except AssertionError as failed:  # the render itself failed: say why, go on
                print(f"| {name} | {failed} | | |", flush=True)
                continue
            matched += result.matches
            print(result.row(), flush=True)
    print(f"\n{matched} of {len(names)} files match")


if __name__ == "__main__":
    main()
