"""The Clean page: a recipe of steps, edited and saved (Streamlit's AppTest)."""

from tests.app.helpers import texts, with_sample


def test_clean_page_adds_reorders_edits_undoes_and_saves_a_version(tmp_path, monkeypatch):
    at = with_sample(tmp_path, monkeypatch, "titanic")
    at.switch_page("pages/clean.py")
    at.run()
    assert "cleaning is optional" in texts(at) and "No steps yet." in texts(at)

    at.selectbox(key="clean.kind").select("fill_missing")
    at.run()
    at.selectbox(key="clean.form.fill_missing.None.column").select("age")
    at.button(key="clean.add").click()
    at.run()
    at.selectbox(key="clean.kind").select("drop_columns")
    at.run()
    at.multiselect(key="clean.form.drop_columns.None.columns").select("name")
    at.button(key="clean.add").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    steps = [m.value for m in at.markdown if m.value.startswith("**")]
    assert steps[:2] == ["**1.** Fill missing `age` with the median", "**2.** Drop `name`"]
    assert "**Removed:** `name`" in texts(at) and "**Changed:** `age`" in texts(at)

    at.button(key="clean.up.1").click()
    at.run()
    assert [m.value for m in at.markdown if m.value.startswith("**")][0] == "**1.** Drop `name`"
    at.button(key="clean.undo").click()
    at.run()
    assert [m.value for m in at.markdown if m.value.startswith("**")][0].startswith("**1.** Fill missing")

    at.button(key="clean.edit.0").click()
    at.run()
    at.selectbox(key="clean.form.fill_missing.0.strategy").select("mean")
    at.button(key="clean.save").click()
    at.run()
    assert [m.value for m in at.markdown if m.value.startswith("**")][0] == "**1.** Fill missing `age` with the mean"

    at.button(key="clean.save_version").click()
    at.run()
    assert not at.exception
    assert any("cleaned v1" in s.value for s in at.success)


def test_an_alert_fix_opens_the_clean_page_with_its_step(tmp_path, monkeypatch):
    at = with_sample(tmp_path, monkeypatch, "titanic")
    next(b for b in at.button if b.label == "Fix in Clean").click()
    at.run()
    assert not at.exception
    assert "**1.** Drop `name`" in texts(at)
