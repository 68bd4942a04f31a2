"""Figures: common styling in common.py, one module per experiment. Plotting reads results, never trains."""
