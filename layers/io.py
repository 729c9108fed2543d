"""Reading planners' files: GeoPackage, Shapefile (plain or zipped), GeoJSON, CSV and XLSX.

``read_vector_file`` returns a GeoDataFrame whatever the format and raises
:class:`LayerFileError` (a ``ValueError``) with a Chinese/English message a planner can act on
for every file it cannot read: missing, empty, unsupported, not geodata, a table without
coordinate columns, coordinates that are not numbers. No other exception escapes.

Row labels (the index) are what the planner sees in the source: the spreadsheet row number for
CSV/XLSX (the header is row 1, so data start at row 2) and the feature number (from 1) for
vector files, so that a validation report can say "row 7" and mean row 7 of the file.
"""

from __future__ import annotations

import codecs
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from layers.io_base import (
    _BOMB_MIN_BYTES,
    MAX_ZIP_BYTES,
    MAX_ZIP_RATIO,
    SUPPORTED_SUFFIXES,
    TABLE_SUFFIXES,
    VECTOR_SUFFIXES,
    LayerFileError,
    _check_columns,
    _not_geodata,
    _short,
)
from layers.table_io import _read_csv, _read_xlsx, sheet_names

# -- entry point ---------------------------------------------------------------------------


def read_vector_file(
    path: str | os.PathLike,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    lon_col: str | None = None,
    lat_col: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a planner's file into a GeoDataFrame.

    Parameters
    ----------
    path : path-like
        ``.gpkg``, ``.shp``, ``.zip`` (a zipped Shapefile, GeoPackage or GeoJSON),
        ``.geojson``/``.json``, ``.csv``/``.txt`` or ``.xlsx`` (also ``.kml``, ``.fgb``).
    layer : str, optional
        Layer of a GeoPackage, member of a zip (file stem) or sheet of a workbook.
    encoding : str, optional
        Text encoding of a Shapefile's attributes or of a CSV; detected when omitted
        (Shapefile: the ``.cpg`` file, else UTF-8 if the attributes decode as UTF-8, else GBK;
        CSV: UTF-8, else GBK).
    lon_col, lat_col : str, optional
        Coordinate columns of a CSV/XLSX; guessed when omitted (lon/lng/longitude/经度/x,
        lat/latitude/纬度/y, or a WKT column).

    Returns
    -------
    GeoDataFrame
        In the file's CRS (EPSG:4326 for CSV/XLSX with degree coordinates, none for other
        numbers); the index holds the row numbers the planner sees in the file.

    Raises
    ------
    LayerFileError
        Missing, empty, unsupported or unreadable file, table without coordinate columns,
        unparsable coordinates (``exc.rows`` lists the rows).
    """
    path = Path(path)
    if not path.exists():
        raise LayerFileError(f"文件不存在:{path}", f"file not found: {path}")
    if path.is_dir():
        raise LayerFileError(f"{path} 是文件夹,不是文件", f"{path} is a folder, not a file")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise LayerFileError(
            f"不支持旧版 Excel 文件 {path.name},请在 Excel 中另存为 .xlsx",
            f"old Excel files are not supported ({path.name}); save it as .xlsx in Excel",
        )
    if suffix not in SUPPORTED_SUFFIXES:
        known = " ".join(SUPPORTED_SUFFIXES)
        raise LayerFileError(
            f"不支持的文件类型 {suffix or '(无扩展名)'};支持:{known}",
            f"unsupported file type {suffix or '(no extension)'}; supported: {known}",
        )
    if path.stat().st_size == 0:
        raise LayerFileError(f"文件 {path.name} 是空文件", f"file {path.name} is empty")
    try:
        if suffix == ".zip":
            gdf = _read_zip(path, layer=layer, encoding=encoding, lon_col=lon_col, lat_col=lat_col)
        elif suffix in (".csv", ".txt"):
            gdf = _read_csv(path, encoding=encoding, lon_col=lon_col, lat_col=lat_col)
        elif suffix == ".xlsx":
            gdf = _read_xlsx(path, sheet=layer, lon_col=lon_col, lat_col=lat_col)
        else:
            gdf = _read_vector(path, layer=layer, encoding=encoding)
    except LayerFileError:
        raise
    except MemoryError:
        raise LayerFileError(
            f"文件 {path.name} 太大,内存不足", f"file {path.name} is too large for memory"
        ) from None
    except Exception as exc:  # any reader failure becomes a planner message
        # the server's folders are none of the planner's business: name the file only
        detail = _short(exc).replace(str(path.parent) + os.sep, "")
        raise _not_geodata(path, "", detail) from exc
    if len(gdf) == 0:
        raise LayerFileError(
            f"文件 {path.name} 中没有任何要素或数据行", f"file {path.name} has no features or rows"
        )
    _check_columns(path, len(gdf.columns) - 1)
    return gdf


def read_uploaded_files(files: Mapping[str, bytes], **kwargs) -> gpd.GeoDataFrame:
    """Read uploaded files (``{file name: bytes}``) with :func:`read_vector_file`.

    One file (any supported type, e.g. a zipped Shapefile), or the parts of one Shapefile
    (``.shp``, ``.shx``, ``.dbf``, ``.prj``, ``.cpg``). Keyword arguments are passed on.
    """
    if not files:
        raise LayerFileError("没有上传文件", "no file uploaded")
    with tempfile.TemporaryDirectory(prefix="geoapp-upload-") as tmp:
        paths = []
        for name, data in files.items():
            target = Path(tmp) / (Path(str(name)).name or "upload")
            target.write_bytes(data)
            paths.append(target)
        if len(paths) == 1:
            main = paths[0]
        else:
            shp = [p for p in paths if p.suffix.lower() == ".shp"]
            if len(shp) != 1:
                raise LayerFileError(
                    "请上传一个文件,或同一个 Shapefile 的各部分(.shp .shx .dbf .prj .cpg)",
                    "upload one file, or the parts of one shapefile (.shp .shx .dbf .prj .cpg)",
                )
            main = shp[0]
        return read_vector_file(main, **kwargs)


def list_file_layers(path: str | os.PathLike) -> list[str]:
    """Layers of a GeoPackage, sheets of a workbook, vector members of a zip; else ``[]``."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            return sheet_names(path)
        if suffix == ".zip":
            with zipfile.ZipFile(path) as zf:
                return [Path(m).stem for m in _zip_members(zf)]
        if suffix in VECTOR_SUFFIXES:
            return [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception:
        return []
    return []


# -- vector formats ------------------------------------------------------------------------


def _check_sqlite(path: Path) -> None:
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head != b"SQLite format 3\x00":
        raise _not_geodata(path, "不是 GeoPackage", "not a GeoPackage")


def _read_vector(path: Path, *, layer: str | None, encoding: str | None) -> gpd.GeoDataFrame:
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        _check_sqlite(path)
    kwargs: dict = {}
    if suffix == ".shp":
        _check_shapefile_parts(path)
        kwargs["encoding"] = encoding or detect_shapefile_encoding(path)
    elif encoding:
        kwargs["encoding"] = encoding
    if suffix in (".geojson", ".json"):
        _check_utf8(path)
    layer = _pick_layer(path, layer)
    gdf = pyogrio.read_dataframe(path, layer=layer, on_invalid="ignore", force_2d=True, **kwargs)
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise LayerFileError(
            f"文件 {path.name} 的图层 {layer} 没有几何(坐标)",
            f"layer {layer} of {path.name} has no geometry (coordinates)",
        )
    gdf.index = pd.RangeIndex(1, len(gdf) + 1)
    return gdf


def _check_utf8(path: Path) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _not_geodata(
            path,
            "GeoJSON 须为 UTF-8 编码,请另存为 UTF-8",
            "GeoJSON must be UTF-8 text; save it as UTF-8",
        ) from None


def _pick_layer(path: Path, layer: str | None) -> str | None:
    try:
        info = pyogrio.list_layers(path)
    except Exception as exc:
        raise _not_geodata(path, "", _short(exc)) from exc
    names = [str(n) for n, _ in info]
    spatial = [str(n) for n, g in info if g is not None]
    if not names:
        raise LayerFileError(f"文件 {path.name} 中没有图层", f"file {path.name} has no layers")
    if layer is not None:
        if layer not in names:
            raise LayerFileError(
                f"文件 {path.name} 中没有图层 {layer};可用:{', '.join(names)}",
                f"file {path.name} has no layer {layer}; available: {', '.join(names)}",
            )
        return layer
    candidates = spatial or names
    if len(candidates) > 1:
        raise LayerFileError(
            f"文件 {path.name} 含多个图层({', '.join(candidates)}),请指定要导入的图层",
            f"file {path.name} holds several layers ({', '.join(candidates)}); "
            "choose the layer to import",
        )
    return candidates[0]


def _check_shapefile_parts(shp: Path) -> None:
    missing = [ext for ext in (".shx", ".dbf") if not _sibling(shp, ext)]
    if missing:
        raise LayerFileError(
            f"Shapefile {shp.name} 不完整,缺少 {', '.join(missing)} 文件(请一并提供或打包为 zip)",
            f"shapefile {shp.name} is incomplete: {', '.join(missing)} missing "
            "(provide all parts or a zip)",
        )


def _sibling(shp: Path, ext: str) -> Path | None:
    """The file beside ``shp`` with extension ``ext`` in any letter case."""
    for candidate in (shp.with_suffix(ext), shp.with_suffix(ext.upper())):
        if candidate.exists():
            return candidate
    return None


_CPG_ALIASES = {
    "UTF8": "UTF-8",
    "UTF-8": "UTF-8",
    "65001": "UTF-8",
    "GBK": "GB18030",
    "GB2312": "GB18030",
    "GB18030": "GB18030",
    "CP936": "GB18030",
    "936": "GB18030",
    "ANSI936": "GB18030",
    "CP_936": "GB18030",
    "BIG5": "BIG5",
    "950": "BIG5",
    "1252": "CP1252",
    "ANSI1252": "CP1252",
    "88591": "ISO-8859-1",
    "ISO88591": "ISO-8859-1",
}
# dBase language driver ids that mean Chinese GBK (cp936)
_GBK_LDIDS = {0x4D, 0x7A}


def encoding_from_cpg(text: str) -> str | None:
    """Map the content of a ``.cpg`` file ("UTF-8", "GBK", "936" ...) to a codec name."""
    key = re.sub(r"[\s_\-]", "", text.strip().upper())
    if not key:
        return None
    if key in _CPG_ALIASES:
        return _CPG_ALIASES[key]
    if key.replace("ANSI", "") in _CPG_ALIASES:
        return _CPG_ALIASES[key.replace("ANSI", "")]
    return text.strip()


def encoding_from_dbf(data: bytes) -> str:
    """Guess the encoding of a DBF's bytes: GBK by language driver id, else UTF-8 if the
    bytes decode as UTF-8, else GBK (the usual encoding of Chinese survey files)."""
    if len(data) > 29 and data[29] in _GBK_LDIDS:
        return "GB18030"
    body = data[32:]
    try:
        body.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        body.decode("gb18030")
        return "GB18030"
    except UnicodeDecodeError:
        return "ISO-8859-1"


def detect_shapefile_encoding(shp: str | os.PathLike) -> str:
    """Encoding of a Shapefile's attributes: the ``.cpg`` file, else a guess from the DBF."""
    shp = Path(shp)
    cpg = _sibling(shp, ".cpg")
    if cpg is not None:
        found = encoding_from_cpg(cpg.read_text(encoding="ascii", errors="ignore"))
        if found:
            return found
    dbf = _sibling(shp, ".dbf")
    if dbf is None:
        return "UTF-8"
    return encoding_from_dbf(dbf.read_bytes())


def _zip_members(zf: zipfile.ZipFile) -> list[str]:
    members = []
    for info in zf.infolist():
        name = info.filename
        if info.is_dir() or "__MACOSX" in name or Path(name).name.startswith("."):
            continue
        if Path(name).suffix.lower() in VECTOR_SUFFIXES + TABLE_SUFFIXES:
            members.append(name)
    return members


def _check_unpacked_size(path: Path, zf: zipfile.ZipFile) -> None:
    """Refuse archives that unpack to more than ``MAX_ZIP_BYTES`` or hold a zip bomb (a large
    member packed more than ``MAX_ZIP_RATIO`` times; survey data packs 3-30 times)."""
    infos = zf.infolist()
    if sum(i.file_size for i in infos) > MAX_ZIP_BYTES:
        raise LayerFileError(
            f"压缩包 {path.name} 解压后超过 2 GB", f"archive {path.name} unpacks to over 2 GB"
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _BOMB_MIN_BYTES and ratio > MAX_ZIP_RATIO:
            raise LayerFileError(
                f"压缩包 {path.name} 中的文件解压后是压缩时的 {ratio:.0f} 倍,疑似压缩炸弹,已拒绝",
                f"a file in archive {path.name} unpacks to {ratio:.0f} times its packed size "
                "(a zip bomb?); refused",
            )


def _unsafe_member(name: str) -> bool:
    """Whether a zip member's name points outside the folder it is unpacked into."""
    text = name.replace("\\", "/")
    parts = text.split("/")
    return text.startswith("/") or re.match(r"^[A-Za-z]:", text) is not None or ".." in parts


def _check_member_names(path: Path, zf: zipfile.ZipFile) -> None:
    """Refuse archives with absolute member paths or ``..`` (they could name server files)."""
    bad = [info.filename for info in zf.infolist() if _unsafe_member(info.filename)]
    if bad:
        names = ", ".join(bad[:5])
        raise LayerFileError(
            f"压缩包 {path.name} 含有绝对路径或“..”的文件名({names}),出于安全原因拒绝读取;"
            "请只打包数据文件后重新上传",
            f"archive {path.name} holds member names with an absolute path or '..' ({names}); "
            "refused for safety: zip only the data files and upload again",
        )


def _extract_members(path: Path, zf: zipfile.ZipFile, folder: Path) -> None:
    """Unpack every file member inside ``folder``, stopping when more than
    :data:`MAX_ZIP_BYTES` come out (whatever sizes the archive declares)."""
    root = folder.resolve()
    budget = MAX_ZIP_BYTES
    for info in zf.infolist():
        if info.is_dir():
            continue
        target = (root / info.filename).resolve()
        if not target.is_relative_to(root):  # checked by name already; never write outside
            raise LayerFileError(
                f"压缩包 {path.name} 的成员 {info.filename} 指向文件夹之外",
                f"archive member {info.filename} of {path.name} points outside its folder",
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, open(target, "wb") as dst:
            while chunk := src.read(1 << 20):
                budget -= len(chunk)
                if budget < 0:
                    raise LayerFileError(
                        f"压缩包 {path.name} 解压后超过 2 GB",
                        f"archive {path.name} unpacks to over 2 GB",
                    )
                dst.write(chunk)


def _read_zip(
    path: Path, *, layer: str | None, encoding: str | None, lon_col, lat_col
) -> gpd.GeoDataFrame:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise _not_geodata(path, "不是有效的 zip 压缩包", "not a valid zip archive") from exc
    with zf, tempfile.TemporaryDirectory(prefix="geoapp-zip-") as tmp:
        _check_member_names(path, zf)
        _check_unpacked_size(path, zf)
        chosen = _zip_data_member(path, _zip_members(zf), layer)
        _extract_members(path, zf, Path(tmp))
        target = Path(tmp).resolve() / chosen
        return read_vector_file(target, encoding=encoding, lon_col=lon_col, lat_col=lat_col)


def _zip_data_member(path: Path, members: list[str], layer: str | None) -> str:
    """The one data member of an archive to read (a shapefile's .shp before its parts)."""
    shp = [m for m in members if m.lower().endswith(".shp")]
    others = [m for m in members if Path(m).suffix.lower() not in (".shp",)]
    candidates = shp + [m for m in others if m.lower().endswith((".gpkg", ".geojson", ".json"))]
    if not candidates:
        candidates = others
    if layer is not None:
        chosen = [m for m in candidates if Path(m).stem == layer]
        if not chosen:
            names = ", ".join(Path(m).stem for m in candidates) or "-"
            raise LayerFileError(
                f"压缩包 {path.name} 中没有 {layer};包含:{names}",
                f"archive {path.name} has no {layer}; it holds: {names}",
            )
        candidates = chosen
    if not candidates:
        raise LayerFileError(
            f"压缩包 {path.name} 中没有 Shapefile、GeoPackage、GeoJSON 或表格文件",
            f"archive {path.name} holds no shapefile, GeoPackage, GeoJSON or table",
        )
    if len(candidates) > 1:
        names = ", ".join(Path(m).stem for m in candidates)
        raise LayerFileError(
            f"压缩包 {path.name} 含多个数据文件({names}),请指定一个",
            f"archive {path.name} holds several data files ({names}); choose one",
        )
    return candidates[0]
