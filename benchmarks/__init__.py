"""Benchmarks of the kit against the plain lifetimes pipeline (not part of the package).

Run from the repository root: ``make bench`` or ``python -m benchmarks.bench --help``.
"""
