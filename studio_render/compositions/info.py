"""Moved to :mod:`studio_render.core.composition` (the core plans from it and imports no
other subpackage). This re-export is kept only for ``gui/preview.py``, which another
branch rewrites in this session; remove it once that module imports the core's."""

from studio_render.core.composition import CompositionInfo, fit_rect

__all__ = ["CompositionInfo", "fit_rect"]
