"""Calibration: each Python contender's sustainable load on this machine."""
