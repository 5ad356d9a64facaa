"""Maintenance scripts (building the shipped demo dataset)."""
