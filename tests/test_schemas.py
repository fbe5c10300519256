"""Value parsers of the data contract (gtanalytics.data.schemas).

Expected values are worked out by hand from the stated conventions: UK day-first dates,
Excel's 1900 date system (serial 45292 = 1 January 2024, as Excel's DATE(2024,1,1) shows),
KS1 interim-framework points from methodology.md §1.3, KS2 writing TA points from §1.4.
"""

import datetime as dt

import pandas as pd
import pytest

from gtanalytics.data._parsing import day_month_ambiguous, month_first_only
from gtanalytics.data.schemas import DTYPES, KS1_POINTS, KS2_TA_POINTS, TABLES, empty_frame
from gtanalytics.data._parsing import parse_academic_year, parse_dates, parse_flags, parse_numbers, parse_year_group


def S(*values):
    return pd.Series(list(values), dtype="string")


def test_flags():
    v, bad = parse_flags(S("Y", "N", "Yes", "no", "TRUE", "False", "1", "0", "T", "f", None, "maybe"))
    assert v.iloc[:10].tolist() == [True, False] * 5
    assert pd.isna(v.iloc[10]) and pd.isna(v.iloc[11])
    assert bad.tolist() == [False] * 11 + [True]


@pytest.mark.parametrize("text,expected", [
    ("2024-03-04", dt.date(2024, 3, 4)),
    ("04/03/2024", dt.date(2024, 3, 4)),        # UK day-first: 4 March, never 3 April
    ("4/3/2024", dt.date(2024, 3, 4)),
    ("04/03/24", dt.date(2024, 3, 4)),
    ("04-Mar-2024", dt.date(2024, 3, 4)),
    ("4 March 2024", dt.date(2024, 3, 4)),
    ("2024-03-04 00:00:00", dt.date(2024, 3, 4)),
    ("45292", dt.date(2024, 1, 1)),             # Excel serial
    ("45355", dt.date(2024, 3, 4)),
])
def test_dates(text, expected):
    v, bad = parse_dates(S(text))
    assert not bad.iloc[0]
    assert v.iloc[0].date() == expected


def test_dates_reject_us_and_nonsense():
    v, bad = parse_dates(S("12/31/2024", "31/02/2024", "soon", None))
    assert bad.tolist() == [True, True, True, False]
    assert v.isna().all()


@pytest.mark.parametrize("text", ["2023/24", "2023-24", "2023/2024", "202324", "2023 to 2024", "23/24", "2023-2024"])
def test_academic_year(text):
    v, bad = parse_academic_year(S(text))
    assert v.iloc[0] == "2023/24" and not bad.iloc[0]


@pytest.mark.parametrize("text", ["2023/25", "2024", "last year", "2023/2025"])
def test_academic_year_rejects(text):
    v, bad = parse_academic_year(S(text))
    assert pd.isna(v.iloc[0]) and bad.iloc[0]


def test_year_group_and_numbers():
    v, bad = parse_year_group(S("6", "Y6", "Year 11", "R", "Reception", "N1", "6.5"))
    assert v.iloc[:5].tolist() == [6, 6, 11, 0, 0]
    assert bad.tolist() == [False] * 5 + [True, True]
    num, bad = parse_numbers(S("£1,240.50", "85%", "12", "twelve"))
    assert num.iloc[:3].tolist() == [1240.5, 85.0, 12.0] and bad.tolist() == [False, False, False, True]


def test_points_tables_match_methodology():
    # methodology.md §1.3 (interim framework) and §1.4 (writing TA)
    assert KS1_POINTS == {"GDS": 10, "EXS": 8, "WTS": 6, "PKF": 4, "PK4": 4, "PK3": 3.5, "PK2": 3, "PK1": 2.5}
    assert KS2_TA_POINTS == {"GDS": 113, "EXS": 103, "WTS": 91}


def test_empty_frames_have_canonical_columns_and_dtypes():
    for spec in TABLES.values():
        df = empty_frame(spec)
        assert list(df.columns) == [c.name for c in spec.columns]
        for c in spec.columns:
            assert str(df[c.name].dtype) == str(pd.Series(dtype=DTYPES[c.dtype]).dtype)


def test_numbers_reject_decimal_comma_and_infinity():
    """A decimal comma would otherwise be read as a thousands comma (10,5 -> 105): refused instead."""
    num, bad = parse_numbers(S("1,240", "1,240,000.5", "10,5", "104,5", "1,04", "inf", "-3"))
    assert num.iloc[:2].tolist() == [1240.0, 1240000.5] and num.iloc[6] == -3.0
    assert bad.tolist() == [False, False, True, True, True, True, False]


def test_month_first_dates_make_day_month_dates_ambiguous():
    u = S("12/31/2024", "01/08/2024", "05/05/2024", "2024-01-08", "13/01/2024")
    _, bad = parse_dates(u)
    assert month_first_only(u, bad).tolist() == [True, False, False, False, False]
    # 01/08/2024 reads both ways; 05/05 and ISO do not; 13/01 is only day-first
    assert day_month_ambiguous(u, bad).tolist() == [False, True, False, False, False]
