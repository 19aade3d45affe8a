"""Qt side of the engine: the thread pool, its runnables and the progress aggregator."""
