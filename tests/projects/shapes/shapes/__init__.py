"""Go APIs as they are: objects with methods, callbacks, iterators, awaitables, error types."""
