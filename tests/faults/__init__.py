"""Fault tests: real processes stopped and started while the app serves."""
