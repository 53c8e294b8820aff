"""Serving models: deployments (a name for a run, and its history), the real-time endpoint and the model it holds,
what it refuses before the model is asked, usage records; and who may come into the app (`access.py`)."""
