"""The forecasting stack installs and trains offline (issue 32): the deep models train (lightning imports:
no broken torchvision beside the CPU torch), and no connection is attempted while a model set trains."""

import socket

import pandas as pd

from automl.training.forecast_models import hub_offline, model_set
from tests.helpers import SAMPLES


def test_the_balanced_set_deepar_included_trains_with_no_connection_attempted(tmp_path, monkeypatch):
    from autogluon.timeseries import TimeSeriesDataFrame, TimeSeriesPredictor

    attempts = []
    real_connect = socket.socket.connect

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            attempts.append(address)
            raise OSError("no network in this test")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    df = pd.read_csv(SAMPLES / "arrivals_quarterly.csv", parse_dates=["quarter"])
    data = TimeSeriesDataFrame.from_data_frame(df, id_column="origin", timestamp_column="quarter")
    models = model_set("medium")
    models["DeepAR"] = {"max_epochs": 2, "num_batches_per_epoch": 10}
    with hub_offline():
        predictor = TimeSeriesPredictor(prediction_length=8, target="arrivals", path=str(tmp_path / "ts"),
                                        eval_metric="MASE", verbosity=0)
        predictor.fit(data, hyperparameters=models, time_limit=90, enable_ensemble=False)
    trained = set(predictor.model_names())
    assert set(models) <= trained, f"not trained: {set(models) - trained}"
    forecast = predictor.predict(data, model="DeepAR")
    assert len(forecast) == 4 * 8 and {"mean", "0.1", "0.9"} <= set(map(str, forecast.columns))
    assert attempts == []
