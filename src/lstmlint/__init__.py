"""lstmlint: a linter and configuration advisor for Keras recurrent layers."""

__version__ = "0.1.0"
