"""Benchmarks: speed lives here, printed as ratios against ceilings measured in the same run."""
