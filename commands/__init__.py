"""Command bodies the CLI delegates to: each calls into the loadgen stages and report."""
