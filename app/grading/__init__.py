"""Grading workflow: the manual-grading queue, regrades, results and their exports."""
