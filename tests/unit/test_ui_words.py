"""What the pages say, in words a user reads (pure helpers of ui/)."""


def test_the_time_used_is_said_against_the_budget_and_why_it_can_pass_it():
    from ui.training_views import _elapsed_words

    assert _elapsed_words(12, 30, "running") == "12 s of a 30 s budget"
    over = _elapsed_words(41, 30, "succeeded")
    assert over.startswith("41 s for a 30 s budget") and "finishes the model it is fitting" in over
    assert _elapsed_words(0, 30, "queued") == "a 30 s budget, not started yet"
