"""A messy table as users' spreadsheets export them, written in the encodings and shapes files come in.

Currency with thousands separators, percentages, `t` / `f`, `yes` / `no`, a category literally named
`None`, day-first dates, EU decimals, missing-value markers, accented text; label: price above 1,500.
"""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd

# encoding, delimiter, EU decimals, compressed: each a way a real file arrives
VARIANTS = {
    "utf8-comma": ("utf-8", ",", False, False),
    "utf8-bom-semicolon-eu": ("utf-8-sig", ";", True, False),
    "cp1252-semicolon-eu": ("cp1252", ";", True, False),
    "utf16-tab": ("utf-16", "\t", False, False),
    "utf8-gzip": ("utf-8", ",", False, True),
}


def messy_frame(n: int = 600, seed: int = 0, eu: bool = False) -> pd.DataFrame:
    """The table as text cells, exactly as they will be written."""
    rng = np.random.default_rng(seed)
    price = rng.integers(200, 3000, n)
    share = rng.uniform(0, 0.5, n)
    weight = rng.uniform(1, 5000, n).round(2)
    day = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")

    def money(v: int) -> str:
        return f"${v:,}" if not eu else f"{v:,}".replace(",", ".") + " €"

    def number(v: float) -> str:
        text = f"{v:,.2f}"
        return text if not eu else text.replace(",", "_").replace(".", ",").replace("_", ".")

    frame = pd.DataFrame({
        "price": [money(int(v)) for v in price],
        "discount": [f"{100 * v:.1f}%".replace(".", ",") if eu else f"{100 * v:.1f}%" for v in share],
        "in_stock": rng.choice(["t", "f"], n),
        "gift": rng.choice(["yes", "no"], n),
        "colour": rng.choice(["None", "red", "blue", "vert clair"], n),
        "maker": rng.choice(["Zoë", "Müller", "Café Noir", "Søren"], n),
        "listed": [d.strftime("%d/%m/%Y") for d in day],
        "weight": [number(v) for v in weight],
        "rooms": rng.integers(1, 6, n).astype(str),
        "note": rng.choice(["NA", "", "good", "?", "fine"], n),
    })
    frame["expensive"] = np.where(price > 1500, "high", "low")
    frame.loc[3, "weight"] = "n/a"
    return frame


def write_variant(frame: pd.DataFrame, path, encoding: str, sep: str, compressed: bool) -> None:
    text = frame.to_csv(index=False, sep=sep, lineterminator="\n")
    data = text.encode(encoding)
    path.write_bytes(gzip.compress(data) if compressed else data)
