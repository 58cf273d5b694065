"""greeter: prints a greeting built by greetlib."""

__version__ = "1.0.0"
