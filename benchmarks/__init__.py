"""On-demand benchmarks (not part of `make test`): ratios against a baseline in the same run."""
