"""Benchmarks: scripts that print timings; their numbers go in the README."""
