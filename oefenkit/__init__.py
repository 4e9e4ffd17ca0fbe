"""Oefenkit: training and supervision kit for Dutch child-health professionals.

The core package holds all domain logic; ``widgets/`` and ``notebooks/`` are
thin layers over it, and ``oefenkit.cli`` exposes the same core on the
command line.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
