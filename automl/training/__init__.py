"""Training: the configuration and its checks, the plan, the AutoGluon fit in a job process, progress, the retrain
on every row, run history. (Shrink and a later refit are in `automl.model.reshape`.)"""
