"""paylinks: self-hostable payment links."""

__version__ = "0.1.0"
