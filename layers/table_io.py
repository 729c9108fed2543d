"""Tables as layers: CSV (any encoding) and XLSX with coordinate or WKT columns."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import unicodedata
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.io_base import (
    _MAX_LISTED_ROWS,
    LAT_NAMES,
    LON_NAMES,
    MAX_LINE_CHARS,
    WKT_NAMES,
    LayerFileError,
    _check_columns,
    _not_geodata,
    _short,
)

# -- tables --------------------------------------------------------------------------------


def _norm(name: object) -> str:
    """Normalised column name: NFKC, lower case, no spaces, no trailing unit in brackets."""
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"[\(\[\{(【].*?[\)\]\})】]$", "", text)
    return text


def guess_coordinate_columns(columns) -> tuple[str | None, str | None]:
    """Guess the longitude and latitude columns of a table (``(None, None)`` if absent)."""
    cols = [str(c) for c in columns]
    normed = {c: _norm(c) for c in cols}

    def find(names: tuple[str, ...], keywords: tuple[str, ...]) -> str | None:
        for name in names:
            for c in cols:
                if normed[c] == name:
                    return c
        for c in cols:
            tokens = set(re.split(r"[^0-9a-z\u4e00-\u9fff]+|_", normed[c]))
            if any(k in normed[c] for k in keywords if not k.isascii()) or tokens & {
                k for k in keywords if k.isascii()
            }:
                return c
        return None

    lon = find(LON_NAMES, ("经度", "lon", "lng", "longitude"))
    lat = find(LAT_NAMES, ("纬度", "lat", "latitude"))
    if lon is None or lat is None or lon == lat:
        return None, None
    return lon, lat


def _wkt_column(columns) -> str | None:
    for c in columns:
        if _norm(c) in WKT_NAMES:
            return str(c)
    return None


class NoCoordinatesError(LayerFileError):
    """A table without coordinate columns; ``table`` holds its rows (for an update by id)."""

    def __init__(self, table: pd.DataFrame, message_zh: str, message_en: str) -> None:
        super().__init__(message_zh, message_en)
        self.table = table


def _decode_text(path: Path, raw: bytes, encoding: str | None) -> str:
    if b"\x00" in raw[:65536]:
        raise _not_geodata(path, "不是文本表格", "not a text table")
    if encoding:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise LayerFileError(
                f"文件 {path.name} 不能按 {encoding} 编码读取",
                f"file {path.name} cannot be decoded as {encoding}",
            ) from exc
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise _not_geodata(path, "无法识别的文字编码", "unknown text encoding")


def _check_line_lengths(path: Path, text: str) -> None:
    """Refuse a table with a line longer than :data:`MAX_LINE_CHARS` (a missing newline)."""
    if len(text) <= MAX_LINE_CHARS:
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE_CHARS:
            mb, limit = len(line) / 1e6, MAX_LINE_CHARS / 1e6
            raise LayerFileError(
                f"文件 {path.name} 第 {number} 行过长(约 {mb:,.1f} 百万个字符,每行上限 {limit:g} 百万个):"
                "文件可能缺少换行符或不是表格;请检查文件或另存为 CSV 后重试",
                f"line {number} of file {path.name} is too long (about {mb:,.1f} million "
                f"characters, the limit is {limit:g} million a line): the file may lack line "
                "breaks or not be a table; check it or save it again as CSV",
            )


def _read_csv(path: Path, *, encoding: str | None, lon_col, lat_col) -> gpd.GeoDataFrame:
    text = _decode_text(path, path.read_bytes(), encoding)
    if not text.strip():
        raise LayerFileError(f"文件 {path.name} 是空文件", f"file {path.name} is empty")
    _check_line_lengths(path, text)
    sample = text[:20000]
    header = sample.splitlines()[0] if sample.strip() else ""
    try:
        sep = csv.Sniffer().sniff(header, delimiters=",\t;|").delimiter
    except csv.Error:
        sep = ","
    # a header cell over the csv module's field limit (csv.Error): pandas decides
    with contextlib.suppress(csv.Error):
        _check_columns(path, len(next(csv.reader([header], delimiter=sep), [])))
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, skip_blank_lines=False)
    except pd.errors.EmptyDataError as exc:
        raise LayerFileError(f"文件 {path.name} 是空文件", f"file {path.name} is empty") from exc
    except pd.errors.ParserError as exc:
        raise _not_geodata(path, "", _short(exc)) from exc
    df.index = pd.RangeIndex(2, len(df) + 2)  # row 1 is the header
    return _table_to_gdf(path, df, lon_col=lon_col, lat_col=lat_col)


def _read_xlsx(path: Path, *, sheet: str | None, lon_col, lat_col) -> gpd.GeoDataFrame:
    if not zipfile.is_zipfile(path):
        raise _not_geodata(path, "不是 Excel 工作簿", "not an Excel workbook")
    try:
        sheets = sheet_names(path)
    except Exception:  # a damaged workbook: read_excel below says why
        sheets = []
    if sheet is not None and sheet not in sheets:
        raise LayerFileError(
            f"工作簿 {path.name} 中没有工作表 {sheet};可用:{', '.join(sheets)}",
            f"workbook {path.name} has no sheet {sheet}; available: {', '.join(sheets)}",
        )
    df = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=str)
    df.index = pd.RangeIndex(2, len(df) + 2)
    return _table_to_gdf(path, df, lon_col=lon_col, lat_col=lat_col)


def parse_coordinate(value: object) -> float | None:
    """A coordinate written as a number or text ("126.63", "126.63°", full-width digits)."""
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        x = float(value)
        return x if np.isfinite(x) else None
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    text = re.sub(r"^[EeNn东北]\s*|\s*[EeNn]$", "", text).strip().rstrip("°").strip()
    if "_" in text:  # float() reads "1_26" as 126
        return None
    try:
        x = float(text)
    except ValueError:
        return None
    return x if np.isfinite(x) else None


def _table_to_gdf(path: Path, df: pd.DataFrame, *, lon_col, lat_col) -> gpd.GeoDataFrame:
    df = df.copy()
    df.columns = [str(c).strip() for c in df.columns]
    df = df.loc[
        :, [not c.lower().startswith("unnamed:") or df[c].notna().any() for c in df.columns]
    ]
    # rows with no value at all (trailing blank lines) are not data
    df = df[df.notna().any(axis=1)]
    if df.empty:
        raise LayerFileError(f"表格 {path.name} 没有数据行", f"table {path.name} has no data rows")
    cols = list(df.columns)
    for given, what_zh, what_en in ((lon_col, "经度", "longitude"), (lat_col, "纬度", "latitude")):
        if given is not None and given not in cols:
            raise LayerFileError(
                f"表格 {path.name} 中没有{what_zh}列 {given!r};现有列:{', '.join(cols)}",
                f"table {path.name} has no {what_en} column {given!r}; columns: {', '.join(cols)}",
            )
    if lon_col is None or lat_col is None:
        g_lon, g_lat = guess_coordinate_columns(cols)
        lon_col = lon_col or g_lon
        lat_col = lat_col or g_lat
    if lon_col is None or lat_col is None:
        wkt = _wkt_column(cols)
        if wkt is not None:
            return _wkt_to_gdf(path, df, wkt)
        raise NoCoordinatesError(
            df,
            f"表格 {path.name} 中找不到坐标列(经度/纬度、lon/lat、x/y 或 WKT);现有列:"
            f"{', '.join(cols)}。请用 --lon-col 和 --lat-col 指定",
            f"table {path.name} has no coordinate columns (lon/lat, 经度/纬度, x/y or WKT); "
            f"columns: {', '.join(cols)}. Name them with --lon-col and --lat-col",
        )
    lon = np.array([parse_coordinate(v) for v in df[lon_col]], dtype=object)
    lat = np.array([parse_coordinate(v) for v in df[lat_col]], dtype=object)
    bad = [label for label, x, y in zip(df.index, lon, lat, strict=True) if x is None or y is None]
    if bad:
        raise _bad_rows_error(path, df, bad, lon_col, lat_col)
    lon = lon.astype(float)
    lat = lat.astype(float)
    geometry = shapely.points(lon, lat)
    degrees = bool(np.all(np.abs(lon) <= 180) and np.all(np.abs(lat) <= 90))
    out = df.drop(columns=[lon_col, lat_col])
    return gpd.GeoDataFrame(out, geometry=geometry, crs="EPSG:4326" if degrees else None)


def _bad_rows_error(path: Path, df: pd.DataFrame, bad: list, lon_col, lat_col) -> LayerFileError:
    shown = bad[:_MAX_LISTED_ROWS]
    details = []
    for label in shown:
        x, y = df.at[label, lon_col], df.at[label, lat_col]
        details.append(f"{label} ({_cell(x)}, {_cell(y)})")
    more = len(bad) - len(shown)
    more_zh = f" 等共 {len(bad)} 行" if more else ""
    more_en = f" and {more} more" if more else ""
    return LayerFileError(
        f"表格 {path.name} 中 {len(bad)} 行的坐标({lon_col}, {lat_col})不是数字:"
        f"第 {'; '.join(details)}{more_zh} 行",
        f"{len(bad)} rows of {path.name} have coordinates ({lon_col}, {lat_col}) that are not "
        f"numbers: rows {'; '.join(details)}{more_en}",
        rows=bad,
    )


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "空"
    return repr(value) if isinstance(value, str) else str(value)


def _wkt_to_gdf(path: Path, df: pd.DataFrame, column: str) -> gpd.GeoDataFrame:
    geoms = []
    bad = []
    for label, value in df[column].items():
        try:
            geom = shapely.from_wkt(value) if isinstance(value, str) and value.strip() else None
        except Exception:
            geom = None
        if geom is None:
            bad.append(label)
        geoms.append(geom)
    if bad:
        rows = ", ".join(str(b) for b in bad[:_MAX_LISTED_ROWS])
        raise LayerFileError(
            f"表格 {path.name} 的 {column} 列中 {len(bad)} 行不是有效的 WKT 几何:第 {rows} 行",
            f"{len(bad)} rows of column {column} in {path.name} are not valid WKT: rows {rows}",
            rows=bad,
        )
    bounds = shapely.total_bounds(np.array(geoms, dtype=object))
    degrees = bool(np.all(np.abs(bounds[[0, 2]]) <= 180) and np.all(np.abs(bounds[[1, 3]]) <= 90))
    return gpd.GeoDataFrame(
        df.drop(columns=[column]), geometry=geoms, crs="EPSG:4326" if degrees else None
    )


def sheet_names(path: Path) -> list[str]:
    """The sheets of an XLSX workbook, in order."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()
