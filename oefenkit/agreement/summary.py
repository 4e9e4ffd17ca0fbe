"""All agreement statistics for one data set, as one JSON-ready dict.

This is the contract of ``oefenkit agreement RATINGS.csv --json`` that other
tools rely on (see ``docs/agreement.md``). A statistic that cannot be computed
is ``None`` (JSON ``null``) and ``warnings`` says why; nothing is ever NaN.
"""

from __future__ import annotations

import csv
import io
import math
from functools import partial
from pathlib import Path
from typing import Any, Callable

from ..errors import RatingsInputError, StatisticUndefined
from .blandaltman import bland_altman
from .data import Ratings, parse_score
from .gwet import gwet_ac1, gwet_ac2
from .icc import ICC_FORMS, icc
from .kappa import cohen_kappa, fleiss_kappa
from .krippendorff import krippendorff_alpha
from .percent import percent_agreement

__all__ = ["summarise", "read_ratings_csv", "summarise_csv", "format_summary"]

ALPHA_LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _clean(value: Any) -> Any:
    """Floats → plain floats; non-finite never leaves this module."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        raise AssertionError("a statistic returned a non-finite value")  # pragma: no cover
    return value


def _value(statistic: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``statistic(*args, **kwargs).value``."""
    return statistic(*args, **kwargs).value


def _try(label: str, warnings: list[str], fn: Callable[[], Any]) -> Any:
    """``fn()``, or ``None`` plus a warning when this one statistic cannot take the data.

    The data as a whole was validated when ``Ratings`` was built; what is left
    is statistic-specific (no variance, half-point scores on a category
    statistic, too many distinct values), which must not stop the others.
    """
    try:
        return fn()
    except (StatisticUndefined, RatingsInputError) as exc:
        warnings.append(f"{label}: {exc}")
        return None


def summarise(ratings: Ratings) -> dict[str, Any]:
    """Every statistic of the contract for ``ratings`` (one scale)."""
    warnings: list[str] = []
    out: dict[str, Any] = {"n_items": ratings.n_items, "n_raters": ratings.n_raters}

    try:
        forms = icc(ratings)
        out["icc"] = {f: forms[f].as_dict() for f in ICC_FORMS}
    except StatisticUndefined:
        # One degenerate form (e.g. ICC(A,k) at ICC(A,1) = -1/(k-1)) must not hide the others.
        out["icc"] = {
            f: (lambda r: r[f].as_dict() if r else None)(
                _try(f"ICC ({f})", warnings, partial(icc, ratings, forms=(f,))))
            for f in ICC_FORMS
        }

    if any(r is not None and r["F"] is None for r in out["icc"].values()):
        warnings.append("ICC: F is oneindig (perfecte overeenstemming) en staat daarom als null vermeld.")

    if ratings.n_raters == 2:
        out["cohen_kappa"] = {
            w: _try(f"Cohens kappa ({w})", warnings, partial(_value, cohen_kappa, ratings, weights=w))
            for w in ("unweighted", "linear", "quadratic")
        }
    out["fleiss_kappa"] = _try("Fleiss' kappa", warnings, lambda: fleiss_kappa(ratings).value)
    out["krippendorff_alpha"] = {
        lv: _try(f"Krippendorffs alfa ({lv})", warnings, partial(krippendorff_alpha, ratings, lv))
        for lv in ALPHA_LEVELS
    }
    out["gwet_ac1"] = _try("Gwets AC1", warnings, lambda: gwet_ac1(ratings).value)
    out["gwet_ac2"] = {
        w: _try(f"Gwets AC2 ({w})", warnings, partial(_value, gwet_ac2, ratings, weights=w))
        for w in ("linear", "quadratic")
    }
    out["percent_agreement"] = {
        kind: _try(f"Percentage overeenstemming ({kind})", warnings, partial(percent_agreement, ratings, kind))
        for kind in ("exact", "within_1", "pairwise")
    }
    if ratings.n_raters == 2:
        ba = _try("Bland-Altman", warnings, lambda: bland_altman(ratings))
        out["bland_altman"] = (
            {"bias": ba.bias, "sd": ba.sd, "loa": [ba.loa[0], ba.loa[1]]} if ba else None
        )
    out["warnings"] = warnings
    return _clean(out)


def read_ratings_csv(source: str | Path | io.TextIOBase) -> dict[str | None, list[tuple[str, str, str]]]:
    """Records per scale (``None`` when there is no scale column) from a ``rater,item,score[,scale]`` CSV."""
    if isinstance(source, (str, Path)):
        try:
            text = Path(source).read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise RatingsInputError(f"Bestand {source} bestaat niet.") from None
        except IsADirectoryError:
            raise RatingsInputError(f"{source} is een map, geen bestand.") from None
        except OSError:
            raise RatingsInputError(f"Bestand {source} kan niet worden gelezen.") from None
        except UnicodeDecodeError:
            raise RatingsInputError(f"Bestand {source} is geen UTF-8-tekst.") from None
        handle: io.TextIOBase = io.StringIO(text)
    else:
        handle = source
    try:
        dialect = csv.Sniffer().sniff(handle.read(4096), delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    handle.seek(0)
    reader = csv.DictReader(handle, dialect=dialect)
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    missing = [c for c in ("rater", "item", "score") if c not in fields]
    if missing:
        raise RatingsInputError(f"Kolom(men) {', '.join(missing)} ontbreken; verwacht rater,item,score[,scale].")
    reader.fieldnames = fields
    has_scale = "scale" in fields
    out: dict[str | None, list[tuple[str, str, str]]] = {}
    first_seen: dict[tuple[str | None, str, str], int] = {}
    for row in reader:
        n = reader.line_num  # the file's line number (header = 1), as an editor or Excel shows it
        if row.get("rater") is None or row.get("item") is None:
            raise RatingsInputError(f"Regel {n}: te weinig kolommen.")
        scale = (row.get("scale") or "").strip() if has_scale else None
        if has_scale and not scale:
            raise RatingsInputError(f"Regel {n}: de schaal ontbreekt.")
        rater, item, score = row["rater"], row["item"], row.get("score") or ""
        # Checked here, not only in Ratings.from_records, which counts records per scale
        # instead of file lines and would point the user at the wrong line.
        key = (scale, rater.strip(), item.strip())
        if not key[1] or not key[2]:
            raise RatingsInputError(f"Regel {n}: beoordelaar en item mogen niet leeg zijn.")
        if key in first_seen:
            raise RatingsInputError(f"Regel {n}: beoordelaar {key[1]!r} heeft item {key[2]!r} "
                                    f"al gescoord op regel {first_seen[key]}.")
        first_seen[key] = n
        parse_score(score, where=f"Regel {n}: ")
        out.setdefault(scale, []).append((rater, item, score))
    if not out:
        raise RatingsInputError("Het bestand bevat geen beoordelingen.")
    return out


def summarise_csv(source, *, scale_min: float | None = None, scale_max: float | None = None) -> dict[str, Any]:
    """The contract's JSON object for a CSV file (per scale when it has a scale column)."""
    per_scale = read_ratings_csv(source)
    if list(per_scale) == [None]:
        return summarise(Ratings.from_records(per_scale[None], scale_min=scale_min, scale_max=scale_max))
    return {
        "scales": {
            name: summarise(Ratings.from_records(records, scale_min=scale_min, scale_max=scale_max))
            for name, records in sorted(per_scale.items())
        }
    }


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}".replace(".", ",")
    return str(value)


def _table(summary: dict[str, Any]) -> list[str]:
    rows: list[tuple[str, Any]] = [("Aantal items", summary["n_items"]), ("Aantal beoordelaars", summary["n_raters"])]
    names = {"ICC1": "ICC(1,1)", "ICC2": "ICC(A,1) / ICC(2,1)", "ICC3": "ICC(C,1) / ICC(3,1)",
             "ICC1k": "ICC(1,k)", "ICC2k": "ICC(A,k) / ICC(2,k)", "ICC3k": "ICC(C,k) / ICC(3,k)"}
    for form, label in names.items():
        r = summary["icc"][form]
        if r is None:
            rows.append((label, None))
        else:
            lo, hi = r["ci95"]
            rows.append((label, f"{_fmt(r['value'])}  (95%-BI {_fmt(lo)} tot {_fmt(hi)}, p = {r['p']:.3g})"
                                .replace(".", ",")))
    if "cohen_kappa" in summary:
        for w, label in (("unweighted", "ongewogen"), ("linear", "lineair gewogen"), ("quadratic", "kwadratisch gewogen")):
            rows.append((f"Cohens kappa, {label}", summary["cohen_kappa"][w]))
    rows.append(("Fleiss' kappa", summary["fleiss_kappa"]))
    for lv, label in (("nominal", "nominaal"), ("ordinal", "ordinaal"), ("interval", "interval"), ("ratio", "ratio")):
        rows.append((f"Krippendorffs alfa, {label}", summary["krippendorff_alpha"][lv]))
    rows.append(("Gwets AC1", summary["gwet_ac1"]))
    rows.append(("Gwets AC2, lineair", summary["gwet_ac2"]["linear"]))
    rows.append(("Gwets AC2, kwadratisch", summary["gwet_ac2"]["quadratic"]))
    pa = summary["percent_agreement"]
    for kind, label in (("exact", "exact gelijk"), ("within_1", "binnen één punt"), ("pairwise", "paarsgewijs (Gwet)")):
        v = pa[kind]
        rows.append((f"Overeenstemming, {label}", None if v is None else f"{100 * v:.1f} %".replace(".", ",")))
    if "bland_altman" in summary:
        ba = summary["bland_altman"]
        rows.append(("Bland-Altman: gemiddeld verschil", None if ba is None else ba["bias"]))
        rows.append(("Bland-Altman: grenzen (95 %)",
                     None if ba is None else f"{_fmt(ba['loa'][0])} tot {_fmt(ba['loa'][1])}"))
    width = max(len(label) for label, _ in rows)
    lines = [f"{label:<{width}}  {_fmt(value)}" for label, value in rows]
    lines += [f"Let op: {w}" for w in summary["warnings"]]
    return lines


def format_summary(summary: dict[str, Any]) -> str:
    """A readable Dutch table of a :func:`summarise` / :func:`summarise_csv` result."""
    if "scales" in summary:
        blocks = []
        for name, s in summary["scales"].items():
            blocks.append(f"Schaal: {name}\n" + "\n".join(_table(s)))
        return "\n\n".join(blocks)
    return "\n".join(_table(summary))
