"""Qt-free core: planning, progress arithmetic, job model, presets, errors, processes."""
