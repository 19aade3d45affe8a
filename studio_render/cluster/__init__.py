"""Rendering on a Dask distributed cluster (the ``cluster`` extra).

Qt-free. The pieces, from the user's side inwards:

- :mod:`.client`: connect (with the version check), :func:`~.client.test_connection`,
  and :class:`~.client.ClusterSession`, whose ``chunk_attempt`` plugs into the render
  engine in place of the local one.
- :mod:`.attempt`: one chunk as one Dask task, progress streamed back as events.
- :mod:`.pack`, :mod:`.refs`: the composition and the files it uses, sent with the job.
- :mod:`.remote`: what runs inside a worker; :mod:`.worker_plugin`: stops a chunk's
  process when its task is released.
- :mod:`.commands`: ``studio-render scheduler`` and ``studio-render worker``.
"""
