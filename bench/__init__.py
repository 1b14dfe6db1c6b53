"""Benchmarks that print tables, each against a baseline measured in the same run."""
