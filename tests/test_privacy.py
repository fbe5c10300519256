"""check_report_privacy on planted leaks and on safe text.

The check is tested against a small hand-made pupils table (independent of the sample), so every
planted UPN, name, date of birth, small count, code cell and external script is known in advance.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from gtanalytics.privacy import check_report_privacy

THRESHOLD = 6


@pytest.fixture(scope="module")
def data():
    pupils = pd.DataFrame({
        "upn": ["A123456789012", "B123456789013", "C123456789014"],
        "forename": ["Amelia", "Oluwaseun", "Zofia"],
        "surname": ["Hartley-Jones", "Adeyemi", "Kowalczyk"],
        "date_of_birth": pd.to_datetime(["2013-02-14", "2012-11-03", "2013-06-30"]),
    })
    return SimpleNamespace(pupils=pupils)


def test_finds_planted_leaks(data, tmp_path):
    leaky = tmp_path / "leaky.html"
    leaky.write_text(
        "<html><body><p>Well done Amelia Hartley-Jones!</p>"
        "<img alt='B123456789013' src='data:image/png;base64,AA'>"
        "<p>Born 03/11/2012.</p><p>Only 3 pupils took part (n=4).</p>"
        "<table><tr><th>Group</th><th>Pupils</th></tr><tr><td>LAC</td><td>2</td></tr>"
        "<tr><td>Others</td><td>c</td></tr></table>"
        "<div class='jp-Cell jp-CodeCell'><div class='jp-InputArea'>x = 1</div></div>"
        "<script src='https://cdn.example.org/x.js'></script></body></html>", encoding="utf-8")
    found = check_report_privacy(leaky, data, THRESHOLD)
    assert set(found["kind"]) == {"upn", "name", "date_of_birth", "small_group", "code", "external"}
    assert {"3 pupils", "n=4", "Pupils = 2"} <= set(found.loc[found["kind"] == "small_group", "value"])
    assert "B123456789013" in set(found["value"]) and "03/11/2012" in set(found["value"])
    assert "Amelia Hartley-Jones" in set(found["value"])


def test_finds_a_single_name_and_long_dates(data, tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<p>Kowalczyk has improved.</p><p>Date: 30 June 2013</p>", encoding="utf-8")
    found = check_report_privacy(page, data, THRESHOLD)
    assert set(found["value"]) >= {"Kowalczyk", "30 June 2013"}


def test_ignores_safe_counts_and_words(data, tmp_path):
    ok = tmp_path / "ok.html"
    ok.write_text("<p>There were 28 pupils; fewer than 6 pupils is too few. Amelia-like words: Zofiak.</p>"
                  "<table><tr><th>n</th></tr><tr><td>c</td></tr><tr><td>40</td></tr></table>", encoding="utf-8")
    found = check_report_privacy(ok, data, THRESHOLD)
    assert found.empty, found
