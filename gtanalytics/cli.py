"""Command line: ``gtanalytics validate`` and ``gtanalytics report`` (and ``gtanalytics --version``).

Exit codes
----------
0  success: the data are usable and no row was excluded for an error (warnings,
   e.g. repaired values or temporary UPNs, are listed but do not fail)
1  problems: rows excluded or a file unusable, or no usable pupils table at all
   (validate); a school failed, no pupil on the G&T register remains, or (with
   ``--strict``) validation excluded rows (report)
2  usage error: a path that does not exist, a bad option, an output folder that
   cannot be written

No traceback ever reaches the user: data problems are explained in plain
English, anything unexpected is reported with a request to report it.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from gtanalytics import __version__
from gtanalytics.errors import GTDataError
from gtanalytics._stats import SUPPRESSION_THRESHOLD

__all__ = ["main", "build_parser", "validation_report"]

_REPORT_BUG = ("This is a fault in gtanalytics, not in your data: please report it at the project's issue "
               "tracker with the command you ran (do not attach pupil data).")


def _load_options() -> argparse.ArgumentParser:
    """The options of :func:`gtanalytics.load`, shared by ``validate`` and ``report``."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("reading the exports")
    g.add_argument("--mapping", metavar="FILE", help="YAML file mapping your MIS headers to gtanalytics names")
    g.add_argument("--pupil-key", choices=("upn", "pseudonymous"), default="upn",
                   help="upn: pupil keys must be valid UPNs (default); pseudonymous: accept any non-blank key "
                        "(national or shared data with pseudonymous pupil IDs)")
    g.add_argument("--today", metavar="DATE", default=None,
                   help="date the exports were made, for the checks on future dates (default: today)")
    return p


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``gtanalytics`` command.

    Examples
    --------
    >>> args = build_parser().parse_args(["report", "--data", "exports", "--out", "reports",
    ...                                   "--mapping", "headers.yml", "--school", "100001", "--school", "100002"])
    >>> args.mapping, args.school, args.threshold, args.jobs
    ('headers.yml', ['100001', '100002'], 6, 2)
    """
    parser = argparse.ArgumentParser(
        prog="gtanalytics",
        description="Self-evaluation analytics for gifted and talented and disadvantaged pupils.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    load_options = _load_options()

    v = sub.add_parser("validate", help="check a folder (or file) of MIS exports and explain every problem",
                       parents=[load_options],
                       description="Read a folder (or one file) of CSV/XLSX exports, check every row and "
                                   "report what was used, repaired and excluded. Exit 0 when the data are "
                                   "usable with nothing excluded, 1 otherwise.")
    v.add_argument("path", help="folder or file of MIS exports")
    v.add_argument("--max-problems", type=int, default=50, metavar="N",
                   help="show at most N problem lines (default 50)")
    v.add_argument("--all", action="store_true", help="also list notes (information), not only problems")

    r = sub.add_parser("report", help="build governor or leader reports for one or more schools",
                       parents=[load_options],
                       description="Run the report notebooks for each school and write HTML (and PDF).")
    r.add_argument("--data", required=True, metavar="PATH", help="folder of MIS exports (or the sample)")
    r.add_argument("--out", required=True, metavar="DIR", help="folder to write the reports to")
    r.add_argument("--school", action="append", metavar="ID",
                   help="school id to report on (repeat for several; default: every school)")
    r.add_argument("--pdf", action="store_true", help="also write PDF")
    r.add_argument("--audience", choices=("governors", "leaders"), default="governors",
                   help="governors: no names, small groups suppressed (default); leaders: internal detail")
    r.add_argument("--strict", action="store_true",
                   help="refuse to build when validation excluded any row or found a file unusable")
    r.add_argument("--years", nargs="+", metavar="YEAR",
                   help="academic years to include, e.g. --years 2022/23 2023/24 (default: every year)")
    r.add_argument("--threshold", type=_positive_int, default=SUPPRESSION_THRESHOLD, metavar="N",
                   help="smallest group shown to governors (default 6)")
    r.add_argument("--jobs", type=int, choices=(1, 2), default=2,
                   help="schools built at once (default 2)")
    return parser


def _load_options_error(args) -> str | None:
    """A usage message when ``--today`` or ``--mapping`` cannot be used, else None."""
    if args.today is not None:
        import pandas as pd

        try:
            ok = not pd.isna(pd.Timestamp(args.today))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            return f"--today {args.today} is not a date. Give a date such as 2024-09-01."
    if args.mapping and not Path(args.mapping).is_file():
        return f"the mapping file {args.mapping} does not exist."
    return None


def _validate(args) -> int:
    from gtanalytics.data import load

    path = Path(args.path)
    if not path.exists():
        print(f"gtanalytics: {path} does not exist. Give the folder (or file) that holds your MIS exports.",
              file=sys.stderr)
        return 2
    problem = _load_options_error(args)
    if problem:
        print(f"gtanalytics: {problem}", file=sys.stderr)
        return 2
    try:
        data = load(path, mapping=args.mapping, pupil_key=args.pupil_key, today=args.today)
    except GTDataError as exc:
        print(f"The data in {path} cannot be used:\n{exc}")
        return 1
    text, code = validation_report(data, path=path, max_problems=args.max_problems, show_all=args.all)
    print(text)
    return code


def validation_report(data, *, path: object = "", max_problems: int = 50, show_all: bool = False) -> tuple[str, int]:
    """The text ``gtanalytics validate`` prints for loaded data, and its exit code.

    Parameters
    ----------
    data : SchoolData
        The result of :func:`gtanalytics.load`.
    path : str or Path
        Shown in the first line.
    max_problems : int, default 50
        Show at most this many problem lines.
    show_all : bool, default False
        Also list notes (information), not only errors and warnings.

    Returns
    -------
    tuple of (str, int)
        The report, and 1 when any error was recorded (rows excluded or a file
        unusable), else 0.
    """
    from gtanalytics.data import format_problems

    acc = data.accounting
    lines = [f"Checked {len(acc)} file(s) in {path}."]
    for name, df in data.tables.items():
        if len(df):
            lines.append(f"  {name}: {len(df)} rows")
    lines.append("Rows per file (read = used + excluded):")
    for r in acc.itertuples(index=False):
        lines.append(f"  {r.file} ({r.table or 'not recognised'}): read {r.rows_read}, used {r.rows_used}, "
                     f"repaired {r.rows_repaired}, excluded {r.rows_excluded}")
    q = data.quality
    errors = int((q["severity"] == "error").sum())
    warnings = int((q["severity"] == "warning").sum())
    if errors or warnings or show_all:
        lines.append("\nProblems:" if errors or warnings else "\nNotes:")
        lines.append(format_problems(q, max_rows=max_problems, min_severity="info" if show_all else "warning"))
    if errors:
        lines.append(f"\n{errors} error(s): some rows or files could not be used. Fix them in your MIS and export "
                     f"again (the lines above say where and how).")
        return "\n".join(lines), 1
    lines.append("\nThe data are usable" + (f" ({warnings} warning(s) to check)." if warnings else "."))
    return "\n".join(lines), 0


def _out_problem(out: Path) -> str | None:
    """Why reports cannot be written to the folder ``out``, in plain English (None when they can)."""
    if out.exists() and not out.is_dir():
        return f"--out {out} is a file, not a folder. Give a folder to write the reports to (it is created if needed)."
    parent = out
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"--out {out} cannot be created, because {parent} is a file, not a folder. Give another folder."
    if not os.access(parent, os.W_OK | os.X_OK):
        return (f"--out {out} cannot be written: you do not have permission to write in {parent}. Give a folder "
                f"you can write to, e.g. one in your home folder.")
    return None


def _report(args) -> int:
    if not Path(args.data).exists():
        print(f"gtanalytics: {args.data} does not exist. Give the folder that holds your MIS exports.",
              file=sys.stderr)
        return 2
    out = Path(args.out)
    problem = _out_problem(out) or _load_options_error(args)
    if problem:
        print(f"gtanalytics: {problem}", file=sys.stderr)
        return 2
    from gtanalytics.data import load
    from gtanalytics.data import data_note
    from gtanalytics.report import build_reports, missing_report_tools

    if missing_report_tools():
        print(f"gtanalytics: building reports needs {', '.join(missing_report_tools())}, which are not installed. "
              'Install them with: pip install "gtanalytics[report]"', file=sys.stderr)
        return 1
    try:
        data = load(args.data, mapping=args.mapping, pupil_key=args.pupil_key, today=args.today)
    except GTDataError as exc:
        print(f"The data in {args.data} cannot be used, so no report was built:\n{exc}")
        return 1
    text, code = validation_report(data, path=args.data, max_problems=20)
    print(text + "\n")
    if code and args.strict:
        print("--strict: no report was built, because validation excluded rows or found a file unusable (see "
              "above). Fix the data and run again, or run without --strict to build on the rows that were used.")
        return 1
    if not data.pupils["gt_register"].fillna(False).any():
        lost = int(data.accounting.loc[data.accounting["table"] == "pupils", "rows_excluded"].sum())
        print("No report was built: no pupil in the data used is on the G&T register, so the reports would have "
              "nothing to say about G&T pupils. " + (
                  f"{lost} pupil row(s) were excluded by validation (listed above), and the register pupils may "
                  f"be among them: fix those rows and run again." if lost else
                  "Check the register column of the pupils file (e.g. 'G&T' holding Y for pupils on the "
                  "register)."))
        return 1
    note = data_note(data)
    try:
        result = build_reports(data=args.data, out=args.out, schools=args.school or None, pdf=bool(args.pdf),
                               audience=args.audience, years=args.years, threshold=args.threshold, jobs=args.jobs,
                               mapping=args.mapping, pupil_key=args.pupil_key, today=args.today, loaded=data)
    except OSError as exc:                 # the output folder: full disk, permissions, a file in the way
        where = exc.filename or out
        print(f"gtanalytics: the reports could not be written to {out} ({exc.strerror or exc} at {where}). "
              f"Check that the folder can be written to and the disk is not full, then run again.", file=sys.stderr)
        return 1
    with_err = result.copy()
    if "error" in with_err.columns:
        with_err["error"] = with_err["error"].fillna("")
    print(with_err.to_string(index=False))
    failed = with_err[with_err["status"].astype(str).str.lower() != "ok"] if "status" in with_err else with_err[:0]
    if note:
        print("\n" + note)
    if len(failed):
        print(f"\n{len(failed)} school(s) failed: " + ", ".join(str(s) for s in failed["school"]))
        return 1
    print(f"\nReports written to {args.out}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the ``gtanalytics`` command; return the exit code.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 success, 1 data problems or failed schools, 2 usage error.

    Examples
    --------
    >>> main(["validate", "no/such/folder"])   # the message goes to stderr
    2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:              # argparse has printed the usage message
        return 0 if exc.code == 0 else 2
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return _validate(args) if args.command == "validate" else _report(args)
    except GTDataError as exc:
        print(f"gtanalytics: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("gtanalytics: interrupted.", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the promise: no traceback reaches the user
        print(f"gtanalytics: unexpected error ({type(exc).__name__}: {exc}).\n{_REPORT_BUG}", file=sys.stderr)
        if os.environ.get("GTANALYTICS_DEBUG"):      # pragma: no cover - for developers only
            traceback.print_exc()
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
