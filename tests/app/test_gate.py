"""The password gate holds on every page, however the app is started (Streamlit's AppTest)."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.helpers import PAGES, texts
from tests.helpers import REPO


def test_an_optional_password_keeps_the_app_closed_until_given(tmp_path, monkeypatch):
    from automl.serving import access

    clock = [1000.0]
    monkeypatch.setattr(access.time, "monotonic", lambda: clock[0])
    access.forget_failures("client:unknown")
    access.forget_global_failures()
    monkeypatch.setenv("AUTOML_STUDIO_PASSWORD", "s3cret")
    monkeypatch.setenv("AUTOML_STUDIO_HOME", str(tmp_path / "ws"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    assert "trains and tunes models" not in texts(at), "nothing of the app shows before signing in"

    def sign_in(password: str) -> None:
        at.text_input(key="app.password").input(password)
        next(b for b in at.button if b.label == "Sign in").click()
        at.run()

    sign_in("wrong")
    assert at.error and at.error[0].value == "Wrong password."
    sign_in("s3cret")  # at once: the next try waits, even with the right password
    assert at.error and "Too many failed attempts: try again in 1 s" in at.error[0].value
    assert "trains and tunes models" not in texts(at)
    clock[0] += 1.5
    sign_in("wrong")
    clock[0] += 1.0  # the second failure doubles the wait to 2 s
    sign_in("s3cret")
    assert "try again in 1 s" in at.error[0].value
    clock[0] += 1.5
    sign_in("s3cret")
    assert not at.exception
    assert "trains and tunes models" in texts(at)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_asks_for_the_password_even_when_opened_alone(page, tmp_path, monkeypatch):
    """`streamlit run app.py` serves pages/ as old-style pages when a page URL comes first: each page runs
    without app.py, so each page must check the password itself."""
    monkeypatch.setenv("AUTOML_STUDIO_PASSWORD", "s3cret")
    monkeypatch.setenv("AUTOML_STUDIO_HOME", str(tmp_path / "ws"))
    # the page's own code alone, with the repository (not pages/) importable, as Streamlit runs it
    at = AppTest.from_string(f"import runpy\nrunpy.run_path({str(REPO / page)!r}, run_name='__main__')",
                             default_timeout=60)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.text_input(key="app.password").label == "Password"
    assert [t.value for t in at.title] == ["AutoML Studio"], "only the sign-in form renders"
    assert not at.button or [b.label for b in at.button] == ["Sign in"]


def test_password_comparison():
    import os

    from automl.serving.access import check_password

    os.environ.pop("AUTOML_STUDIO_PASSWORD", None)
    assert check_password("anything")
    os.environ["AUTOML_STUDIO_PASSWORD"] = "pa55"
    try:
        assert check_password("pa55") and not check_password("pa5") and not check_password("")
    finally:
        del os.environ["AUTOML_STUDIO_PASSWORD"]


def test_an_attacker_s_failures_do_not_lock_out_the_right_password(tmp_path, monkeypatch):
    """Issue 28, 9: on loopback (or behind a proxy) Streamlit gives no client address, so every session
    shared one failure counter: after an attacker's failures the right password was refused for minutes."""
    from automl.serving import access

    clock = [5000.0]
    monkeypatch.setattr(access.time, "monotonic", lambda: clock[0])
    access.forget_global_failures()
    monkeypatch.setenv("AUTOML_STUDIO_PASSWORD", "s3cret")
    monkeypatch.setenv("AUTOML_STUDIO_HOME", str(tmp_path / "ws"))

    def attempt(at: AppTest, password: str) -> None:
        at.text_input(key="app.password").input(password)
        next(b for b in at.button if b.label == "Sign in").click()
        at.run()

    attacker = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    attacker.run()
    for _ in range(6):
        attempt(attacker, "guess")
        clock[0] += 10.0  # past the session's own wait
    person = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    person.run()
    attempt(person, "s3cret")
    assert not person.error, [e.value for e in person.error]
    assert "trains and tunes models" in texts(person)
    access.forget_global_failures()
