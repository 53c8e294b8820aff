"""Where the app's own files are: `app.py`, `pages/`, `sample_data/` and `.streamlit/`.

In a source checkout they sit beside the packages; `pip install .` puts them under
`<prefix>/share/automl-studio` (the `data-files` of pyproject.toml), so `automl-studio ui` serves the full app
from any folder.
"""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

__all__ = ["app_root", "SHARE"]

SHARE = Path("share") / "automl-studio"


def app_root() -> Path:
    """The folder holding `app.py`, `pages/` and `sample_data/`."""
    checkout = Path(__file__).resolve().parents[1]
    candidates = [checkout]
    for scheme in (None, "posix_user", "nt_user", "osx_framework_user"):
        try:
            data = sysconfig.get_path("data") if scheme is None else sysconfig.get_path("data", scheme)
        except KeyError:
            continue
        candidates.append(Path(data) / SHARE)
    candidates.append(Path(sys.prefix) / SHARE)
    for root in candidates:
        if (root / "app.py").is_file() and (root / "pages").is_dir():
            return root
    raise FileNotFoundError("AutoML Studio's app files (app.py, pages/) are not installed; looked in "
                            + ", ".join(str(c) for c in candidates) + ". Reinstall with `pip install .`.")
