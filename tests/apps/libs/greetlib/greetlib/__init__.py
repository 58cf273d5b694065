"""greetlib: a tiny library the vdist fixture apps depend on."""

__version__ = "1.0.0"

__all__ = ["greet", "__version__"]


def greet(name="world", punctuation="!"):
    """Return a greeting for NAME, e.g. "Hello, world!".

    Surrounding blanks are dropped and an empty name falls back to "world",
    so callers may pass raw user input.
    """
    name = (name or "").strip() or "world"
    return "Hello, {}{}".format(name, punctuation)
