"""Seed and demo data: the scenario files and their reader, `lif demo`, and the history
generator used by tests and the benchmarks.
"""
