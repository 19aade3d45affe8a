"""The worker process: probes compositions and renders chunks, piping frames into ffmpeg.

It runs as its own process (``python -m studio_render.worker`` or the frozen app with
``--worker``) because QPainter and rlottie do not render in parallel across threads.
"""
