"""A trained run as a contract, nothing else: its files, schema and signature, reading rows as training did, how
it answers (recipe, model in use, threshold), its metrics, and the changes that alter what it predicts (the model
in use, the threshold, shrink and refit). Predicting files and rows with it lives in `automl.prediction`."""
