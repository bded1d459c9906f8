"""Measurement: delivery accounting, histograms, time series, resources, saturation, records."""
