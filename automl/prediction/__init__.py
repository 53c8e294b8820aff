"""Predicting with a run: rows (the form, an endpoint request) and files (streamed, here or on a Ray cluster),
read exactly as training read its file, and what was seen on the way (drift, unusual inputs, the answers)."""
