"""Evaluation of a finished run: metric tables and how precisely the test split measured them, curves, charts,
decision thresholds, permutation importance. (The HTML report is built in `automl.cli.report`.)"""
