"""Where things are kept: the workspace folders, the SQLite catalogue, jobs and their processes, atomic writes."""
