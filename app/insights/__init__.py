"""Insights from service results: whether a course moved them, which skills predict them."""
