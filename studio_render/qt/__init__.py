"""Qt side of the engine: the window's engine adapter and the progress aggregator."""
