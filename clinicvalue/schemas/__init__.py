"""JSON Schemas of the files the kit writes."""
