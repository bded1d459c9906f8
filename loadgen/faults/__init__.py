"""Faults as scenario steps: the pure expansion and the injector."""
