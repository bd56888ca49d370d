"""A stand-in for an ML application: a config system, data loading, a training loop skeleton."""
__version__ = "0.1.0"
