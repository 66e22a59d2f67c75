"""producer-discovery: who produced the songs you love, and how to reach them."""

__version__ = "0.1.0"
