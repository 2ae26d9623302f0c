"""Text: locale-aware formatting and the report's strings."""
