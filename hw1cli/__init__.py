"""hw1: the deep-learning Homework 1 experiments as a command-line tool."""

__version__ = "0.1.0"
