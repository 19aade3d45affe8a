"""The desktop app: a window that drives the render engine, with a render queue."""
