"""The files a composition uses: what a cluster render sends, and what a job's hash covers.

Workers share no file system with the client: they receive the composition's folder only.
A Lottie file lists its images; those are sent. A QML scene may build paths at run time,
so its whole folder tree is sent (hidden entries, video and audio files left out). A reference
that leaves the folder, an absolute path or a link pointing outside is refused here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from studio_render.core.composition import kind_for_path, parse_json
from studio_render.core.errors import BadInput

#: The most a composition's folder may hold to be sent to workers.
MAX_BYTES = 1 << 30
MAX_FILES = 10_000
#: Left out of a QML folder: video (earlier renders) and audio. This app's QML has no
#: multimedia module, so scenes cannot play either; audio is added on the client.
SKIPPED_SUFFIXES = frozenset({
    ".mp4", ".mkv", ".mov", ".webm", ".avi", ".m4v",
    ".m4a", ".mp3", ".wav", ".aac", ".ogg", ".opus", ".flac",
})  # fmt: skip
_SOURCE_SUFFIXES = frozenset({".qml", ".js", ".mjs"})
_LITERAL = re.compile(r""""((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'""")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]+):")
_WINDOWS_ABSOLUTE = re.compile(r"[A-Za-z]:[\\/]")


def composition_files(composition: Path, exclude: Collection[Path] = ()) -> list[Path]:
    """Absolute paths of the files to send, the composition first.

    ``exclude``: paths never sent (the render's own output and work folder).
    """
    composition = composition.resolve()
    root = composition.parent
    if kind_for_path(composition) == "lottie":
        files = [composition, *_lottie_images(composition, root)]
    else:
        files = _folder_files(root, {p.resolve() for p in exclude})
        for source in files:
            if source.suffix.lower() in _SOURCE_SUFFIXES or source.name == "qmldir":
                check_qml_references(source, root)
        files = [composition, *(f for f in files if f != composition)]
    sizes = {f: _size(f) for f in files}
    files = [f for f in files if sizes[f] is not None or f == composition]
    _check_totals(sum(size or 0 for size in sizes.values()), root)
    return files


def inside(root: Path, path: Path) -> bool:
    """Whether ``path``, links followed, lies in ``root``."""
    return path.resolve().is_relative_to(root.resolve())


def _lottie_images(composition: Path, root: Path) -> Iterator[Path]:
    if composition.suffix.lower() != ".json":
        return  # dotLottie archives and stickers carry their images inside
    try:
        data = parse_json(composition.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # the probe read it; the worker reports any problem
    assets = data.get("assets") if isinstance(data, dict) else None
    for asset in assets if isinstance(assets, list) else []:
        if not isinstance(asset, dict) or asset.get("e") == 1:
            continue  # embedded image
        name, folder = asset.get("p"), asset.get("u") or ""
        if not isinstance(name, str) or not isinstance(folder, str) or name.startswith("data:"):
            continue
        reference = folder + name
        if _SCHEME.match(reference):
            continue  # ThorVG reads local files only
        target = root / reference
        if Path(reference).is_absolute() or not inside(root, target):
            raise BadInput(
                f"{composition.name}: image {reference!r} is outside the composition's folder; "
                "cluster workers receive that folder only"
            )
        if target.is_file():
            yield target


def _folder_files(root: Path, excluded: set[Path]) -> list[Path]:
    files: list[Path] = []
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        kept = []
        for d in sorted(dirs):
            path = here / d
            if d.startswith(".") or d == "__pycache__" or path.resolve() in excluded:
                continue
            _refuse_outside_link(root, path)
            kept.append(d)  # a link to a folder inside is not followed by os.walk
        dirs[:] = kept
        for name in sorted(names):
            path = here / name
            if name.startswith(".") or path.suffix.lower() in SKIPPED_SUFFIXES:
                continue
            if path.resolve() in excluded:
                continue
            _refuse_outside_link(root, path)
            if path.is_file():
                files.append(path)
                if len(files) > MAX_FILES:
                    raise BadInput(
                        f"{root} holds more than {MAX_FILES} files: put the composition "
                        "in a folder of its own to render it on a cluster"
                    )
    return files


def _refuse_outside_link(root: Path, path: Path) -> None:
    if path.is_symlink() and not inside(root, path):
        rel = path.relative_to(root)
        raise BadInput(f"{rel} links to {path.resolve()}, outside the composition's folder")


def check_qml_references(source: Path, root: Path) -> None:
    """Refuse string literals in a QML/JS file that name files outside ``root``."""
    try:
        text = source.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return  # gone since its folder was listed: not part of the composition
    except OSError as exc:
        raise BadInput(f"{source.name}: cannot read ({exc.strerror})") from None
    for match in _LITERAL.finditer(text):
        value = (match[1] if match[1] is not None else match[2]).strip()
        problem = _reference_problem(source, value, root)
        if problem:
            raise BadInput(
                f"{source.name}: {value!r} {problem}; cluster workers receive the "
                "composition's folder only: refer to files in it by relative paths"
            )


def _reference_problem(source: Path, value: str, root: Path) -> str | None:
    if not value or len(value) > 4096:
        return None
    scheme = _SCHEME.match(value)
    if scheme:
        if scheme[1].lower() != "file":
            return None  # http(s) is blocked on workers; qrc:, data:, image: are local
        return "is an absolute file URL"
    if value.startswith("/") or _WINDOWS_ABSOLUTE.match(value):
        return "is an absolute path" if Path(value).is_file() else None
    relative = unquote(re.split(r"[?#]", value)[0]).replace("\\", "/")
    if ".." not in PurePosixPath(relative).parts:
        return None
    return None if inside(root, source.parent / relative) else "is outside the composition's folder"


def _size(path: Path) -> int | None:
    """``path``'s size; None if it is gone since the folder was listed (an editor's
    temporary file, say): it is then not part of the composition."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def _check_totals(total: int, root: Path) -> None:
    if total > MAX_BYTES:
        raise BadInput(
            f"the composition's folder {root} holds {total / 2**20:.0f} MB, more than "
            f"{MAX_BYTES // 2**20} MB can be sent to cluster workers: put the composition "
            "and what it uses in a folder of their own"
        )
