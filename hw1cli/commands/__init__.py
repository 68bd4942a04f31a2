"""Thin Typer commands, one module per experiment; the shared option types and runner live in common.py."""
