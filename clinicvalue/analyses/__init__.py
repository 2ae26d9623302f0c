"""Analyses: pure functions of the canonical tables and the profile."""
