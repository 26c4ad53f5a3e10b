"""desk-annotator: stance and theme coding of articles, with agreement statistics."""

__version__ = "0.1.0"
