"""gtanalytics: self-evaluation analytics for able, gifted and talented and disadvantaged pupils."""

from gtanalytics.errors import GTDataError, GTWarning

__version__ = "0.1.0"

__all__ = ["GTDataError", "GTWarning", "__version__"]
