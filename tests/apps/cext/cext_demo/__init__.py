"""cext_demo: calls a zlib-linked C extension (cext_demo._zcheck)."""

__version__ = "1.0.0"
