"""synthlib: teachers write synthetic data, students learn from it, and we measure what transferred.

Importing the package is cheap; heavy libraries (torch, transformers, datasets) load on first use.
"""

__version__ = "0.1.0"
