"""Experiment configs: frozen dataclasses (the single source of defaults), their checks and quick presets.

Nothing here imports torch, torchvision, scikit-learn or matplotlib: `--help`, shell completion and usage
errors build and check a config without paying for the libraries that train (see `registry.py`).
"""
