"""Segments: RFM scores, the articles' schemes, movement, concentration."""
