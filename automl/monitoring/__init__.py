"""Watching a deployed model over time: a batch file scored and recorded (`batch.py`), batch summaries, drift,
estimated and realised performance, findings in words, outcomes added by id, and a challenger trained,
compared, promoted or rolled back."""
