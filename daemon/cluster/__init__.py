"""Cluster mode: the daemon runs operations on engine replicas deployed with Ray Serve."""
