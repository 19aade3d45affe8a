"""Rendering on a Dask distributed cluster (the ``cluster`` extra).

Qt-free. The pieces, from the user's side inwards:

- :mod:`.client`, the public API (the window imports nothing else of the package; an
  import-linter contract in ``pyproject.toml`` keeps it so): connect (with the version
  check), :func:`~.client.test_connection`, and :class:`~.client.ClusterSession`, whose
  ``chunk_attempt`` plugs into the render engine in place of the local one.
- :mod:`.attempt`: one chunk as one Dask task, progress streamed back as events.
- :mod:`.pack`: the composition and the files it uses (``core/composition_files.py``),
  sent with the job.
- :mod:`.remote`: what runs inside a worker; :mod:`.worker_plugin`: keeps render
  processes booted between jobs, and stops a chunk's process when its task is released.
- :mod:`.commands`: ``studio-render scheduler`` and ``studio-render worker``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from studio_render.core.errors import BadInput


@contextlib.contextmanager
def needs_cluster_extra(what: str) -> Iterator[None]:
    """Cluster modules imported within, without Dask installed, raise one line:
    :class:`BadInput` saying that ``what`` needs the ``cluster`` extra."""
    try:
        yield
    except ModuleNotFoundError as exc:
        if exc.name not in ("dask", "distributed"):
            raise
        raise BadInput(
            f"{what} needs the cluster extra: pip install 'studio-render[cluster]'"
        ) from None
