"""Capacity search: the request, the steps, the search, each step's verdict."""
