"""Scenario files in, a validated, resolved scenario out."""
