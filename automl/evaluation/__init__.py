"""Evaluation of a finished run: metric tables, curves, charts, permutation importance, the HTML report."""
