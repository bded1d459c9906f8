"""Robustness as a comparison: hostile-client probes run against each contender.

``model`` holds the scenario and the result document (pure), ``hostile`` the raw connections
a hostile client opens, ``probes`` the four adversarial steps, ``runner`` starts each contender
and runs them. ``report/robustness.py`` renders the figures side by side.
"""
