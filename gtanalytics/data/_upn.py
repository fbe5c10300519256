"""Unique Pupil Numbers: the DfE check-letter algorithm.

A UPN has 13 characters: a check letter, the 3-digit LA number, the 4-digit
establishment number, the 2-digit year of allocation and a 3-character serial.
A temporary UPN ends in a letter.  The check letter is found by weighting
characters 2-13 by 2-13, summing (a letter in position 13 counts as its index in
the check alphabet), taking the sum mod 23 and reading that position in the
check alphabet, which leaves out I, O and S.

Source: DfE, *Unique Pupil Numbers (UPNs): guidance*, and python-stdnum's
``stdnum.gb.upn``; worked examples ``H801200001001`` and ``G80120000101A``.
"""

from __future__ import annotations

__all__ = ["CHECK_ALPHABET", "check_letter", "check_letter_places", "make_upn", "make_upns", "upn_problem"]

#: The 23 letters used for check letters (and temporary-UPN suffixes): no I, O or S.
CHECK_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"


def check_letter(body: str) -> str:
    """Return the check letter for the 12 characters after it.

    Parameters
    ----------
    body : str
        Characters 2-13 of the UPN: 11 digits then a digit or a letter.

    Returns
    -------
    str
        The single check letter.

    Examples
    --------
    >>> check_letter("801200001001")
    'H'
    >>> check_letter("80120000101A")
    'G'
    """
    if len(body) != 12 or not body[:11].isdigit():
        raise ValueError(f"a UPN body is 11 digits then a digit or letter, not {body!r}")
    last = body[11].upper()
    values = [int(ch) for ch in body[:11]]
    if last.isdigit():
        values.append(int(last))
    elif last in CHECK_ALPHABET:
        values.append(CHECK_ALPHABET.index(last))
    else:
        raise ValueError(f"character 13 of a UPN cannot be {last!r}")
    total = sum(weight * v for weight, v in zip(range(2, 14), values))
    return CHECK_ALPHABET[total % 23]


def make_upn(la: int, establishment: int, year: int, serial: int) -> str:
    """Build a valid permanent UPN.

    Parameters
    ----------
    la : int
        Local authority number, 3 digits (e.g. 801).
    establishment : int
        DfE establishment number, 4 digits.
    year : int
        Year of allocation, last two digits.
    serial : int
        Serial number, 0-999.

    Returns
    -------
    str
        The 13-character UPN with its check letter.

    Examples
    --------
    >>> make_upn(801, 2000, 1, 1)
    'H801200001001'
    """
    body = f"{la:03d}{establishment:04d}{year % 100:02d}{serial:03d}"
    return check_letter(body) + body


def check_letter_places(values):
    """The check letters of many UPNs at once, as places in :data:`CHECK_ALPHABET`.

    ``values`` has one row per UPN and the 12 characters after the check letter as numbers: a digit
    is itself, a letter (the last character of a temporary UPN) its place in the alphabet. The rule
    is :func:`check_letter`'s (weights 2 to 13, modulo 23), without a Python loop.

    Examples
    --------
    >>> import numpy as np
    >>> CHECK_ALPHABET[check_letter_places(np.array([[8, 0, 1, 2, 0, 0, 0, 0, 1, 0, 0, 1]]))[0]]
    'H'
    """
    import numpy as np

    return (np.asarray(values, dtype=np.int64) @ np.arange(2, 14, dtype=np.int64)) % 23


def make_upns(la, establishment, year, serial):
    """Many UPNs at once: :func:`make_upn` over arrays (the synthetic sample makes millions).

    Examples
    --------
    >>> import numpy as np
    >>> make_upns(np.array([801]), np.array([2000]), np.array([1]), np.array([1])).tolist()
    ['H801200001001']
    """
    import numpy as np

    body = (np.asarray(la, dtype=np.int64) * 10**9 + np.asarray(establishment) * 10**5
            + (np.asarray(year) % 100) * 10**3 + np.asarray(serial))
    digits = (body[:, None] // 10 ** np.arange(11, -1, -1)) % 10
    letters = np.array(list(CHECK_ALPHABET))[check_letter_places(digits)]
    return np.char.add(letters.astype("U1"), body.astype("U12"))


def upn_problem(upn: object) -> str | None:
    """Explain what is wrong with a UPN, or return None when it is valid.

    Parameters
    ----------
    upn : object
        The value as read from a file.

    Returns
    -------
    str or None
        A plain-English message in the DfE's validation wording, or None.

    Examples
    --------
    >>> upn_problem("H801200001001") is None
    True
    >>> upn_problem("Z801200001001")
    'UPN invalid (wrong check letter at character 1): expected H'
    """
    text = "" if upn is None else str(upn).strip().upper()
    if len(text) != 13:
        return f"UPN invalid (must be 13 characters, this has {len(text)})"
    if text[0] not in CHECK_ALPHABET:
        return "UPN invalid (character 1 must be a check letter, not I, O or S)"
    if not text[1:4].isdigit():
        return "UPN invalid (characters 2-4 not a recognised LA code)"
    if not text[4:12].isdigit():
        return "UPN invalid (characters 5-12 not all numeric)"
    last = text[12]
    if not (last.isdigit() or last in CHECK_ALPHABET):
        return "UPN invalid (character 13 not a recognised value)"
    expected = check_letter(text[1:])
    if text[0] != expected:
        return f"UPN invalid (wrong check letter at character 1): expected {expected}"
    return None
