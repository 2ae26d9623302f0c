"""``deck.pptx``: the slides a consultant presents at the owner meeting.

:func:`deck_slides` turns one report's ``metrics.json`` (and, from a batch, its peer
lines) into slides of text, tables and chart data; :func:`write_deck` lays them out as a
16:9 PowerPoint file whose charts are native, editable charts of those same numbers.
"""

from clinicvalue.report.deck.slides import Chart, Series, Slide, Tile, deck_slides
from clinicvalue.report.deck.write import deck_font, write_deck

__all__ = ["Chart", "Series", "Slide", "Tile", "deck_slides", "deck_font", "write_deck"]
