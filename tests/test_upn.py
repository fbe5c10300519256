"""UPN check letters: the DfE worked examples and the vectorised checker used by the loader.

Independent references: DfE "Unique Pupil Numbers (UPNs): guidance" worked examples
H801200001001 and G80120000101A, and the examples quoted in methodology.md §8
(B801200005001: weighted sum 93, 93 mod 23 = 1 -> B; Z801200001001 fails the check letter).
"""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gtanalytics.data._parsing import upn_check_vectorised
from gtanalytics.data._upn import CHECK_ALPHABET, check_letter, upn_problem


@pytest.mark.parametrize("upn", ["H801200001001", "G80120000101A", "B801200005001"])
def test_dfe_examples_valid(upn):
    assert upn_problem(upn) is None
    assert upn_check_vectorised(pd.Series([upn], dtype="string")).tolist() == [True]


def test_dfe_wrong_check_letter():
    assert upn_problem("Z801200001001") == "UPN invalid (wrong check letter at character 1): expected H"
    assert upn_check_vectorised(pd.Series(["Z801200001001"], dtype="string")).tolist() == [False]


def test_weighted_sum_by_hand():
    # B801200005001: 8*2+0*3+1*4+2*5+0*6+0*7+0*8+0*9+5*10+0*11+0*12+1*13 = 93; 93 mod 23 = 1 -> "B"
    body = "801200005001"
    total = sum(int(ch) * w for ch, w in zip(body, range(2, 14)))
    assert total == 93 and CHECK_ALPHABET[total % 23] == "B" == check_letter(body)


@pytest.mark.parametrize("bad", ["H80120000100", "I801200001001", "H8012000010O1", "H80120000100S", "", "x"])
def test_malformed_rejected_by_both(bad):
    assert upn_problem(bad) is not None
    assert upn_check_vectorised(pd.Series([bad], dtype="string")).tolist() == [False]


@settings(max_examples=200, deadline=None)
@given(digits=st.text("0123456789", min_size=11, max_size=11),
       last=st.sampled_from(list("0123456789" + CHECK_ALPHABET)),
       first=st.sampled_from(list(CHECK_ALPHABET)))
def test_vectorised_agrees_with_scalar(digits, last, first):
    """The numpy checker used for 650,000 pupils gives the same verdict as upn.upn_problem."""
    upn = first + digits + last
    assert upn_check_vectorised(pd.Series([upn], dtype="string")).iloc[0] == (upn_problem(upn) is None)
