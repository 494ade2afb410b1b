"""The daemon: serves the engine to local clients over the protocol — sockets, jobs, workers,
results, fine-tuning runs, the model registry and the adapters it keeps."""
