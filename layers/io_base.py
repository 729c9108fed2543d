"""What reading planners' files shares: supported suffixes, coordinate column names, limits,\nand :class:`LayerFileError` with its zh/en messages."""

from __future__ import annotations

from pathlib import Path

from layers.errors import PlannerError

VECTOR_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".kml", ".fgb")
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx")
SUPPORTED_SUFFIXES = VECTOR_SUFFIXES + TABLE_SUFFIXES + (".zip",)
"""File name endings ``read_vector_file`` understands."""

LON_NAMES = ("lon", "lng", "long", "longitude", "经度", "x", "point_x", "x坐标", "横坐标", "东经")
LAT_NAMES = ("lat", "latitude", "纬度", "y", "point_y", "y坐标", "纵坐标", "北纬")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "shape", "几何", "空间信息")

MAX_ZIP_BYTES = 2_000_000_000  # refuse archives that unpack to more than 2 GB
MAX_ZIP_RATIO = 200  # refuse members over 50 MB that unpack to more than 200 times their size
_BOMB_MIN_BYTES = 50_000_000
MAX_COLUMNS = 1000
MAX_LINE_CHARS = 10_000_000  # a table line longer than this lacks its line breaks (a WKT
# district boundary of 400k vertices still fits)
"""Most columns a file may have: a GeoPackage table holds at most 2000, a survey table dozens;
a header of hundreds of thousands of cells would otherwise take minutes to read."""
_MAX_LISTED_ROWS = 20


class LayerFileError(PlannerError, ValueError):
    """A file cannot be read as a layer; the message says why in Chinese and English.

    Attributes
    ----------
    message_zh, message_en : str
        The two halves of the message.
    rows : list
        Row labels concerned (unparsable coordinates), empty otherwise.
    """

    def __init__(self, message_zh: str, message_en: str, rows: list | None = None) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en
        self.rows = list(rows or [])

    def message(self, lang: str = "zh") -> str:
        """The message in ``lang`` ("zh" or "en")."""
        return self.message_zh if lang == "zh" else self.message_en


def _not_geodata(path: Path, detail_zh: str = "", detail_en: str | None = None) -> LayerFileError:
    """The error for a file that is not geodata; ``detail_en`` defaults to ``detail_zh``."""
    detail_en = detail_zh if detail_en is None else detail_en
    extra = f"({detail_zh})" if detail_zh else ""
    extra_en = f" ({detail_en})" if detail_en else ""
    return LayerFileError(
        f"文件 {path.name} 无法读取,不是可识别的地理数据文件或已损坏{extra}",
        f"file {path.name} cannot be read: it is not geodata or it is damaged{extra_en}",
    )


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _check_columns(path: Path, n: int) -> None:
    if n > MAX_COLUMNS:
        raise LayerFileError(
            f"文件 {path.name} 有 {n} 列,超过上限 {MAX_COLUMNS} 列;请删去不需要的列",
            f"file {path.name} has {n} columns, more than the limit of {MAX_COLUMNS}; "
            "remove the columns you do not need",
        )
