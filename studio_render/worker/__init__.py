"""The worker process: probes compositions and renders chunks, piping frames into ffmpeg.

It runs as its own process (``python -m studio_render.worker`` or the frozen app with
``--worker``) because QPainter does not render in parallel across threads, and so that a file that
crashes or hangs the renderer (ThorVG, for Lottie) takes down this process only.
"""
