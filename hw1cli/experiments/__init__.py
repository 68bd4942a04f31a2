"""One module per experiment, each exposing a frozen config dataclass, a QUICK preset and run(cfg, ctx)."""
