"""Benchmarks: each runs ours beside a baseline in the same run (`make bench`)."""
