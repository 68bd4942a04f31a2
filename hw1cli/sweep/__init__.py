"""`hw1 sweep`: grids × seeds of one experiment, each point an ordinary run, on a process pool or Ray."""
