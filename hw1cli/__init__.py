"""hw1: the deep-learning Homework 1 experiments as a command-line tool."""

import os

__version__ = "0.1.0"

# hw1 only writes PNG files. Matplotlib validates MPLBACKEND on import, so a misspelt or interactive one in
# the environment would stop every command (even --version) with a traceback: set the file backend first.
os.environ["MPLBACKEND"] = "Agg"
