"""Economics: acquisition by channel, what retention is worth, drivers of return."""
