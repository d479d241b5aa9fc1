"""Benchmarks (not tests): `python -m bench --help`. Each figure is a ratio to a baseline measured in the same run."""
