"""``geo-app db``: the shared PostGIS platform of Art. 24 (city, district, street, community).

::

    geo-app db start-local data/db                      # a local cluster (make db)
    geo-app db init postgresql://geoapp_admin@127.0.0.1:PORT/geoapp
    geo-app db push harbin.gpkg "postgresql://...:PORT/geoapp?project=harbin"
    geo-app db pull "postgresql://...?project=harbin" --out copy.gpkg
    geo-app db user add daoli --level district --unit 230102 --db postgresql://...
    geo-app db history "postgresql://...?project=harbin" [--layer L] [--id FID]
    geo-app db restore "postgresql://...?project=harbin" --history-id N

Passwords come from libpq (``PGPASSWORD``, ``~/.pgpass``) or are asked for with ``-W``; a new
account's password is asked for twice (or read from ``GEO_APP_NEW_PASSWORD`` in scripts) and
sent to the server only as a scram-sha-256 verifier. No password is written anywhere.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

import pandas as pd

from geo_app.cli import CommandError
from geo_app.cli._outputs import check_output
from geo_app.project import SCENARIOS_TABLE, Project, ProjectStore, is_database_url
from layers.community_changes import CHANGE_COLUMNS, CHANGES_LAYER
from layers.import_rows import PLACE_FIELDS, PLACEABLE_LAYERS
from layers.registry import REGISTRY_LAYER, empty_registry

NEW_PASSWORD_ENV = "GEO_APP_NEW_PASSWORD"
SHOWN_HISTORY_ROWS = 50


def _add_password_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-W",
        "--password",
        action="store_true",
        help="询问密码(否则用 PGPASSWORD 或 ~/.pgpass)/ ask for the password",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``db`` sub-command and its actions."""
    parser = subparsers.add_parser(
        "db",
        help="共享数据库平台(第二十四条)/ shared PostGIS platform (Art. 24)",
        description="市、区、街道、社区四级共享 PostGIS 数据库 / the four-level shared PostGIS "
        "database of Art. 24",
    )
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION", required=True)

    start = actions.add_parser("start-local", help="启动本地数据库 / start a local cluster")
    start.add_argument("folder", type=Path, help="数据目录 / folder for the cluster")
    start.add_argument("--port", type=int, default=None)
    start.set_defaults(func=run_start_local)

    init = actions.add_parser("init", help="初始化数据库 / prepare a database")
    init.add_argument("url", help="postgresql://OWNER@HOST:PORT/DB")
    _add_password_flag(init)
    init.set_defaults(func=run_init)

    push = actions.add_parser("push", help="上传项目 / copy a GeoPackage project to PostGIS")
    push.add_argument("project", type=Path, help="项目 .gpkg")
    push.add_argument("url", help="postgresql://USER@HOST:PORT/DB?project=NAME")
    push.add_argument("--overwrite", action="store_true", help="替换已有项目 / replace")
    _add_password_flag(push)
    push.set_defaults(func=run_push)

    pull = actions.add_parser("pull", help="下载项目 / copy a PostGIS project to a GeoPackage")
    pull.add_argument("url", help="postgresql://USER@HOST:PORT/DB?project=NAME")
    pull.add_argument("--out", required=True, type=Path, help="输出 .gpkg")
    pull.add_argument("--overwrite", action="store_true", help="替换已有文件 / replace")
    _add_password_flag(pull)
    pull.set_defaults(func=run_pull)

    user = actions.add_parser("user", help="账号 / accounts")
    user_actions = user.add_subparsers(dest="user_action", metavar="ACTION", required=True)
    add = user_actions.add_parser("add", help="新建账号 / add an account")
    add.add_argument("name", help="账号名 / account (lower-case letters, digits, _)")
    add.add_argument("--level", required=True, choices=("city", "district", "street", "community"))
    add.add_argument(
        "--unit", default="", help="区县/街道/社区代码 / district, street or community code"
    )
    add.add_argument("--db", default=os.environ.get("GEO_APP_DB"), help="数据库地址 / database URL")
    _add_password_flag(add)
    add.set_defaults(func=run_user_add)

    hist = actions.add_parser("history", help="修改记录 / change history")
    hist.add_argument("url", help="postgresql://USER@HOST:PORT/DB?project=NAME")
    hist.add_argument("--layer", default=None)
    hist.add_argument("--id", type=int, default=None, help="要素 fid / feature id")
    hist.add_argument("--limit", type=int, default=SHOWN_HISTORY_ROWS)
    _add_password_flag(hist)
    hist.set_defaults(func=run_history)

    restore = actions.add_parser("restore", help="恢复要素 / restore a feature")
    restore.add_argument("url", help="postgresql://USER@HOST:PORT/DB?project=NAME")
    restore.add_argument("--history-id", type=int, required=True)
    _add_password_flag(restore)
    restore.set_defaults(func=run_restore)


def _password(args: argparse.Namespace) -> str | None:
    return getpass.getpass("密码 / password: ") if getattr(args, "password", False) else None


def _database_url(url: str | None) -> str:
    if not url or not is_database_url(url):
        raise CommandError(
            f"请给出数据库地址 postgresql://...:{url or '-'} / give a postgresql:// URL"
        )
    return url


def _open(url: str, args: argparse.Namespace) -> Project:
    from geo_app.project.postgis.store import PostGISStore

    return Project(PostGISStore(_database_url(url), password=_password(args)))


def run_start_local(args: argparse.Namespace) -> int:
    """Start a local cluster and print its address; the admin password is shown once."""
    from geo_app.project.postgis.cluster import ClusterError, start_local_cluster
    from geo_app.project.postgis.platform import init_platform

    try:
        cluster = start_local_cluster(args.folder, args.port)
    except ClusterError as exc:
        raise CommandError(str(exc)) from None
    print(f"数据库已启动 / database started: {cluster.url()}")
    if not cluster.admin_password:
        print(
            "已有数据库,管理员密码不变 / existing cluster: the administrator password is unchanged"
        )
        return 0
    init_platform(cluster.url(), cluster.admin_password)
    print(
        "管理员密码(只显示这一次,请自行保存,例如 ~/.pgpass)/ administrator password (shown "
        f"once; keep it, e.g. in ~/.pgpass): {cluster.admin_password}"
    )
    return 0


def run_init(args: argparse.Namespace) -> int:
    """Prepare a database for projects."""
    from geo_app.project.postgis.platform import init_platform

    init_platform(_database_url(args.url), _password(args))
    print("数据库已初始化 / database prepared")
    return 0


def _copy_layers(
    source: ProjectStore, target: ProjectStore, *, platform_tables: bool = False
) -> int:
    """Copy every layer of ``source`` into ``target`` in one write; the number of layers."""
    names = source.list_layers()
    layers = {}
    for i, name in enumerate(names, 1):
        print(f"[{i}/{len(names)}] {name}", file=sys.stderr, flush=True)
        layers[name] = source.read_layer(name)
    if platform_tables:  # so that streets register, districts record Art. 7 changes at once
        for name, empty in _platform_tables().items():
            layers.setdefault(name, empty)
        layers = _with_place_fields(layers)
    target.write_layers(layers)
    return len(names)


def _platform_tables() -> dict[str, pd.DataFrame]:
    """Empty record tables every level's work needs on the platform from the push on."""
    return {
        REGISTRY_LAYER: empty_registry(),
        CHANGES_LAYER: pd.DataFrame(columns=list(CHANGE_COLUMNS)),
        SCENARIOS_TABLE: pd.DataFrame(columns=["name", "kind", "created", "parameters", "layers"]),
    }


def _with_place_fields(layers: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Point layers get the fields an import fills from the location (community, street,
    district) from the push on: only the city may add fields to a platform table later."""
    out = dict(layers)
    for name in PLACEABLE_LAYERS:
        frame = out.get(name)
        if frame is None:
            continue
        missing = [f for f in PLACE_FIELDS if f not in frame.columns]
        if missing:
            frame = frame.copy()
            for field in missing:
                frame[field] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
            out[name] = frame
    return out


def run_push(args: argparse.Namespace) -> int:
    """Copy every layer, the settings and the scenarios of a GeoPackage project to PostGIS."""
    source = Project.open(args.project)
    url = _database_url(args.url)
    target_store = _open(url, args).store
    if target_store.exists() and not args.overwrite:
        raise CommandError(
            f"数据库中已有项目 {target_store.project},如需替换请加 --overwrite / the database "
            f"already holds project {target_store.project}; add --overwrite to replace it"
        )
    if target_store.exists():
        target_store.clear()
    n = _copy_layers(source.store, target_store, platform_tables=True)
    print(f"已上传 {n} 个图层到 {target_store.label} / pushed {n} layers")
    return 0


def run_pull(args: argparse.Namespace) -> int:
    """Copy a PostGIS project into a new GeoPackage."""
    out = check_output(args.out, overwrite_project=args.overwrite)
    if out.exists() and not args.overwrite:
        raise CommandError(f"文件已存在:{out},如需覆盖请加 --overwrite / file exists: {out}")
    source = _open(args.url, args)
    target = Project.create(out, source.settings, overwrite=args.overwrite)
    n = _copy_layers(source.store, target.store)
    print(f"已下载 {n} 个图层到 {out} / pulled {n} layers")
    return 0


def _new_password() -> str:
    if os.environ.get(NEW_PASSWORD_ENV):
        return os.environ[NEW_PASSWORD_ENV]
    first = getpass.getpass("新账号密码 / new password: ")
    if first != getpass.getpass("再输入一次 / again: "):
        raise CommandError("两次输入的密码不同 / the two passwords differ")
    return first


def run_user_add(args: argparse.Namespace) -> int:
    """Create an account of one level and unit."""
    from geo_app.project.postgis.platform import add_account

    url = _database_url(args.db)
    add_account(url, args.name, args.level, args.unit, _new_password(), _password(args))
    print(f"账号 {args.name} 已建立({args.level} {args.unit})/ account {args.name} created")
    return 0


def run_history(args: argparse.Namespace) -> int:
    """Print the recorded changes, newest first."""
    from geo_app.project.postgis.platform import changed_fields, history

    table = history(_open(args.url, args).store, layer=args.layer, fid=args.id, limit=args.limit)
    if table.empty:
        print("没有修改记录 / no recorded changes")
        return 0
    for row in table.itertuples():
        when = row.changed_at.strftime("%Y-%m-%d %H:%M:%S")
        if row.operation == "load":  # a layer loaded whole: one entry, not one per row
            rows = (row.after or {}).get("rows", "?")
            print(f"#{row.history_id}  {when}  {row.changed_by}  load   {row.layer}  {rows} rows")
            continue
        fields = ", ".join(changed_fields(row.before, row.after)[:8])
        print(
            f"#{row.history_id}  {when}  {row.changed_by}  {row.operation:<6} "
            f"{row.layer}/{row.fid} v{row.version}  {fields}"
        )
    return 0


def run_restore(args: argparse.Namespace) -> int:
    """Restore a feature as it was before a recorded change."""
    from geo_app.project.postgis.platform import restore_feature

    restore_feature(_open(args.url, args).store, args.history_id)
    print(
        f"已恢复到记录 #{args.history_id} 之前的版本 / restored the version before #{args.history_id}"
    )
    return 0
