"""Per-patient summaries and features: one pass over the visits per patient."""
