"""Settings in one place (issue 31, 5): every environment variable the app reads is defined in
`automl/settings.py`, documented in the README, and read there only."""

from __future__ import annotations

import re

from automl import settings
from tests.helpers import REPO

_READ = re.compile(r"""(?:os\.environ(?:\.get)?\s*[\[(]|os\.getenv\s*\()\s*["'](AUTOML_[A-Z_]+)""")


def test_no_module_reads_an_app_variable_of_its_own():
    found = []
    for folder in ("automl", "explain", "ui", "pages"):
        for path in (REPO / folder).rglob("*.py"):
            if path.name == "settings.py" and path.parent.name == "automl":
                continue
            found += [f"{path.relative_to(REPO)}: {m}" for m in _READ.findall(path.read_text())]
    assert not found, found


def test_every_setting_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text()
    assert [s.name for s in settings.SETTINGS if f"`{s.name}`" not in readme] == []
    assert len({s.name for s in settings.SETTINGS}) == len(settings.SETTINGS)


def test_a_setting_is_read_when_asked_and_falls_back_on_a_bad_value(monkeypatch):
    monkeypatch.setenv("AUTOML_STUDIO_MAX_TRAINING", "3")
    assert settings.MAX_TRAINING.whole() == 3
    monkeypatch.setenv("AUTOML_STUDIO_MAX_TRAINING", "three")
    assert settings.MAX_TRAINING.whole() == 1  # the default
    monkeypatch.setenv("AUTOML_STUDIO_BEHIND_PROXY", " Yes ")
    assert settings.BEHIND_PROXY.flag()
    monkeypatch.setenv("AUTOML_STUDIO_RETENTION_DAYS", "   ")
    assert settings.RETENTION_DAYS.number() == 7.0 and not settings.RETENTION_DAYS.is_set()
