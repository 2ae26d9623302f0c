"""Retention: cohorts, revisit rates, time to return, flow and churn warnings."""
