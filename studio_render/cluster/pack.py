"""Packing a composition's files into one archive for the workers, and unpacking it there."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from studio_render.core.composition_files import composition_files
from studio_render.core.errors import BadInput

#: Stored as they are: compressing them again gains nothing.
_COMPRESSED = frozenset({
    ".png", ".jpg", ".jpeg", ".webp", ".gif", ".woff", ".woff2", ".lottie", ".tgs",
})  # fmt: skip
_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed times: the same files give the same archive


@dataclass(frozen=True)
class Pack:
    """A zip archive of a composition's folder (only what the composition uses)."""

    data: bytes
    main: str  # the composition's path inside the archive, POSIX style
    files: tuple[str, ...]
    digest: str  # of ``data``

    @property
    def size(self) -> int:
        return len(self.data)


def pack_composition(composition: Path, exclude: Collection[Path] = ()) -> Pack:
    """Pack ``composition`` and the files it uses, paths relative to its folder."""
    composition = composition.resolve()
    root = composition.parent
    names: list[str] = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in composition_files(composition, exclude):
            name = path.absolute().relative_to(root).as_posix()
            info = zipfile.ZipInfo(name, _EPOCH)
            compressed = path.suffix.lower() not in _COMPRESSED
            info.compress_type = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
            try:
                archive.writestr(info, path.read_bytes())
            except OSError as exc:
                raise BadInput(f"cannot read {path} ({exc.strerror})") from None
            names.append(name)
    data = buffer.getvalue()
    digest = hashlib.sha256(data).hexdigest()[:16]
    return Pack(data, composition.name, tuple(names), digest)


def unpack(data: bytes, dest: Path) -> list[Path]:
    """Extract an archive made by :func:`pack_composition` into ``dest``.

    Members with absolute paths or ``..`` are refused: nothing is written outside ``dest``.
    """
    written = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.infolist():
            name = PurePosixPath(member.filename)
            if name.is_absolute() or ".." in name.parts or "\\" in member.filename:
                raise ValueError(f"refusing archive member {member.filename!r}")
            if member.is_dir():
                continue
            target = dest.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(member))
            written.append(target)
    return written
