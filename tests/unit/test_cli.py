import json

from automl.cli.main import build_parser, main
from tests.helpers import SAMPLES


def test_profile_json_is_one_object(capsys):
    assert main(["profile", str(SAMPLES / "penguins.csv"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rows"] == 344 and out["alerts"] == []
    species = next(c for c in out["columns"] if c["name"] == "species")
    assert species["type"] == "categorical" and species["distinct"] == 3
    sex = next(c for c in out["columns"] if c["name"] == "sex")
    assert sex["missing"] == 11


def test_bad_input_exits_2_with_one_line(tmp_path, capsys):
    assert main(["profile", str(tmp_path / "nope.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err


def test_unknown_run_exits_2(tmp_path, capsys):
    assert main(["predict", "run-nope", str(SAMPLES / "titanic.csv"), "--out", str(tmp_path / "o.csv"),
                 "--workspace", str(tmp_path / "ws")]) == 2
    assert "No run" in capsys.readouterr().err


def test_path_like_run_ids_are_refused(tmp_path, capsys):
    assert main(["evaluate", "../../etc", "--workspace", str(tmp_path / "ws")]) == 2
    assert "not valid" in capsys.readouterr().err


def test_parser_knows_the_contract_commands():
    parser = build_parser()
    for argv in (["ui"], ["profile", "x"], ["train", "x", "--label", "y"], ["evaluate", "r"],
                 ["predict", "m", "d", "--out", "o"]):
        assert parser.parse_args(argv).func


def test_profile_json_with_a_label_includes_target_alerts(capsys):
    assert main(["profile", str(SAMPLES / "titanic.csv"), "--label", "survived", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    alerts = {(a["kind"], a["column"]) for a in out["alerts"]}
    assert ("id_like", "name") in alerts
    for a in out["alerts"]:
        assert {"kind", "column", "message", "evidence"} <= set(a)
    age = next(c for c in out["columns"] if c["name"] == "age")
    assert age["type"] == "numeric" and age["missing"] == 263 and 0 < age["stats"]["median"] < 80


def test_profile_with_an_unknown_label_exits_2(capsys):
    assert main(["profile", str(SAMPLES / "titanic.csv"), "--label", "nope"]) == 2


def test_the_server_listens_on_localhost_unless_told_otherwise():
    args = build_parser().parse_args(["ui"])
    assert args.host == "127.0.0.1" and args.port == 8501


def test_a_finished_run_is_summed_up_with_its_score_as_people_read_it():
    """The last line of `automl-studio train` gave AutoGluon's higher-is-better score: an RMSE of 617 read
    "test root_mean_squared_error = -617.2523"."""
    from automl.cli.commands import summary_line

    result = {"run_id": "run-1", "eval_metric": "root_mean_squared_error", "test_score": -617.2523,
              "test_value": 617.2523, "best_model": "WeightedEnsemble_L2"}
    assert summary_line(result) == "run run-1: test RMSE 617 (best model WeightedEnsemble_L2)"
    auc = {**result, "eval_metric": "roc_auc", "test_score": 0.8371, "test_value": 0.8371}
    assert summary_line(auc) == "run run-1: test ROC AUC 0.837 (best model WeightedEnsemble_L2)"
