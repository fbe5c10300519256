"""The synthetic sample trust (with planted patterns the tests recover) and a national-size cohort.

:func:`load_sample` loads the bundled sample (also at ``gtanalytics.load_sample``); :func:`generate` and
:func:`generate_national` make new ones; :func:`planted_truth` says what was planted.
"""

from gtanalytics.datasets._sample import PLANTED, generate, generate_national, load_sample, planted_truth, write_sample

__all__ = [
    "PLANTED",
    "generate",
    "generate_national",
    "load_sample",
    "planted_truth",
    "write_sample",
]
