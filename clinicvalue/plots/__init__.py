"""Charts for the kit: one style, ``plot_x(result, *, ax=None, locale="en") -> Axes``."""
