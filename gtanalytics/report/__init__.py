"""The report pipeline: run the notebooks with this interpreter, export HTML (no code), print PDF, check privacy.

:func:`build_reports` builds every school's governor and leaders' reports and the trust overview; the CLI
(``gtanalytics report``) calls it.  Papermill and nbconvert are imported only when a report is built.
"""

from gtanalytics.report._build import (
    GOVERNOR_NOTEBOOKS, LEADER_NOTEBOOKS, LOCK_WAIT_SECONDS, MANIFEST, TRUST_NOTEBOOK, build_reports, dump_dom,
    execute_notebook, export_html, find_chromium, html_to_pdf, missing_report_tools, notebooks_dir, report_file,
    report_folders, withhold_if_unsafe,
)

__all__ = [
    "GOVERNOR_NOTEBOOKS",
    "LEADER_NOTEBOOKS",
    "LOCK_WAIT_SECONDS",
    "MANIFEST",
    "TRUST_NOTEBOOK",
    "build_reports",
    "dump_dom",
    "execute_notebook",
    "export_html",
    "find_chromium",
    "html_to_pdf",
    "missing_report_tools",
    "notebooks_dir",
    "report_file",
    "report_folders",
    "withhold_if_unsafe",
]
