"""Labelmate: an offline desktop companion for data annotators."""

__version__ = "0.1.0"
