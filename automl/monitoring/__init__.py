"""Watching a deployed model over time (issue 17 builds it here)."""
