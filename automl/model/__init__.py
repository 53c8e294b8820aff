"""A trained run as a contract: its files, schema and signature, reading rows as training did, scoring,
prediction, and the choices that change what it predicts (threshold, deployed model)."""
