"""Lifetime value: the visit and spend models, their uncertainty and validation."""
