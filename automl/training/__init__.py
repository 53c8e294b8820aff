"""Training: the configuration and its checks, the AutoGluon fit in a job process, progress, refit and shrink."""
