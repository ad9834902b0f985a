"""Backups of a SQLite installation and their restore: one archive, all or nothing.

A backup is a ``.tar.gz`` holding ``manifest.json`` (format, time, database kind, Alembic
revision, rows per table, each member's size and SHA-256), ``database.sqlite3`` (a copy taken
with SQLite's online backup API: one consistent snapshot while the app goes on writing) and
``files/…`` (the course files of ``COURSE_FILES_FOLDER``; files kept in the database travel
inside it). A restore checks the whole archive before it writes anything, then copies the
database into place with the same backup API, which replaces the target's content inside one
SQLite transaction: a failure leaves the target as it was, and other connections see either the
old database or the restored one. PostgreSQL installations use ``pg_dump``/``pg_restore``
(docs/operations.md); these functions refuse them.

The commands are for operators, so the messages are English, like every ``flask`` command's.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from flask import current_app
from sqlalchemy import func, inspect, select

from app.core import clock
from app.core.errors import DomainError
from app.extensions import db

FORMAT = "skillgrid-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = "database.sqlite3"
FILES_PREFIX = "files/"
#: where the how-to for PostgreSQL and the schedule live
DOCS = "docs/operations.md, 'Backup and restore'"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1024 * 1024

Progress = Callable[[str], None]


class BackupRefused(DomainError):
    """A backup or restore cannot be made; nothing was written. The message says why."""


@dataclass
class BackupSummary:
    """What a backup holds (or a restore put back)."""

    path: Path
    revision: str | None
    tables: dict[str, int]
    files: list[dict] = field(default_factory=list)
    #: course files the database names that were not in the uploads folder
    missing: list[str] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        """Rows in all tables together."""
        return sum(self.tables.values())

    @property
    def n_file_bytes(self) -> int:
        """Bytes of the uploaded files together."""
        return sum(entry["size"] for entry in self.files)


def _quiet(_line: str) -> None:
    """The default progress callback: say nothing."""


def _sqlite_path(action: str) -> Path:
    """The file of the app's SQLite database; BackupRefused for PostgreSQL or memory."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise BackupRefused(
            f"flask ops {action} handles SQLite only; this database is "
            f"{url.get_backend_name()}: use pg_dump -Fc / pg_restore and copy the uploads "
            f"folder ({DOCS})"
        )
    if not url.database or url.database == ":memory:":
        raise BackupRefused(f"flask ops {action} needs a database file, not an in-memory one")
    return Path(url.database).resolve()


def _uploads_folder() -> Path | None:
    folder = current_app.config.get("COURSE_FILES_FOLDER")
    return Path(folder).resolve() if folder else None


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _connect(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection that waits for writers instead of failing at once."""
    return sqlite3.connect(str(path), timeout=30)


def _copy_database(source: Path, target: Path) -> None:
    """Copy ``source`` into ``target`` with SQLite's online backup API, in one step.

    One step reads one snapshot of the source (writers go on in WAL mode) and writes the
    target inside one transaction: it holds all of the source or, on failure, what it held.
    """
    src = _connect(source)
    dst = _connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _inspect_copy(path: Path) -> tuple[str, dict[str, int], str | None]:
    """(integrity_check's verdict, rows per table, Alembic revision) of a database file."""
    conn = _connect(path)
    try:
        verdict = "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        counts = {
            name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
            for name in names
        }
        revision = None
        if "alembic_version" in counts:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        return verdict, counts, revision
    finally:
        conn.close()


def _stored_names(path: Path) -> list[str]:
    """The course files a database file keeps in the uploads folder (not in the database)."""
    conn = _connect(path)
    try:
        known = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'course_file'"
        ).fetchone()
        if not known:
            return []
        rows = conn.execute("SELECT stored_name FROM course_file WHERE stored_name IS NOT NULL")
        return sorted(row[0] for row in rows)
    finally:
        conn.close()


def backup(out: Path, *, progress: Progress = _quiet) -> BackupSummary:
    """Write a backup of the SQLite database and the uploaded files to ``out`` (.tar.gz).

    The archive is written beside ``out`` and renamed into place at the end, so ``out`` is
    either a whole backup or untouched.
    """
    source = _sqlite_path("backup")
    if not source.is_file():
        raise BackupRefused(f"the database file {source} does not exist")
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".skillgrid-backup-") as work:
        copy = Path(work) / DATABASE_MEMBER
        _copy_database(source, copy)
        progress(f"database: copied {source} with SQLite's online backup")
        verdict, tables, revision = _inspect_copy(copy)
        if verdict != "ok":
            raise BackupRefused(f"the copy of the database fails integrity_check: {verdict}")
        progress(
            f"database: integrity_check ok, {len(tables)} tables, {sum(tables.values())} rows, "
            f"revision {revision or 'none'}"
        )
        folder = _uploads_folder()
        files, members = [], []
        if folder is not None and folder.is_dir():
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                relative = path.relative_to(folder).as_posix()
                entry = {
                    "path": FILES_PREFIX + relative,
                    "size": path.stat().st_size,
                    "sha256": _sha256_file(path),
                }
                files.append(entry)
                members.append((path, entry["path"]))
        present = {entry["path"].removeprefix(FILES_PREFIX) for entry in files}
        missing = [name for name in _stored_names(copy) if name not in present]
        where = folder or "(no COURSE_FILES_FOLDER: course files are in the database)"
        progress(f"files: {len(files)} from {where}, {sum(e['size'] for e in files)} bytes")
        for name in missing:
            progress(f"warning: course file {name} is named by the database but not in the folder")
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": clock.now().isoformat(),
            "database": "sqlite",
            "alembic_revision": revision,
            "tables": tables,
            "database_file": {
                "path": DATABASE_MEMBER,
                "size": copy.stat().st_size,
                "sha256": _sha256_file(copy),
            },
            "files": files,
            "missing_files": missing,
        }
        partial = Path(work) / "backup.tar.gz"
        with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
            encoded = json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(encoded)
            info.mtime = int(clock.now().timestamp())
            archive.addfile(info, io.BytesIO(encoded))
            archive.add(copy, arcname=DATABASE_MEMBER)
            for path, name in members:
                archive.add(path, arcname=name)
        os.replace(partial, out)
    progress(f"archive: {out} ({out.stat().st_size} bytes)")
    return BackupSummary(out, revision, tables, files, missing)


# --- restore ------------------------------------------------------------------------------


def _not_a_backup(path: Path, why: str) -> BackupRefused:
    return BackupRefused(f"{path} is not a SkillGrid backup: {why}")


def _corrupt(path: Path, why: str) -> BackupRefused:
    return BackupRefused(f"{path}: the backup's manifest is corrupt: {why}")


def _checked_entry(archive_path: Path, entry, *, prefix: str | None) -> dict:
    """A manifest's member entry, checked: a safe relative path, a size, a SHA-256."""
    if not isinstance(entry, dict):
        raise _corrupt(archive_path, "a member entry is not an object")
    name, size, digest = entry.get("path"), entry.get("size"), entry.get("sha256")
    if not isinstance(name, str) or not name:
        raise _corrupt(archive_path, "a member has no path")
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or "\\" in name or "\x00" in name:
        raise _corrupt(archive_path, f"unsafe member path {name!r}")
    if prefix is not None and (not name.startswith(prefix) or name == prefix):
        raise _corrupt(archive_path, f"member {name!r} is not under {prefix}")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise _corrupt(archive_path, f"member {name!r} has no valid size")
    if not isinstance(digest, str) or not _SHA256.match(digest):
        raise _corrupt(archive_path, f"member {name!r} has no valid sha256")
    return {"path": name, "size": size, "sha256": digest}


def read_manifest(archive: tarfile.TarFile, path: Path) -> dict:
    """The archive's manifest, checked field by field; BackupRefused says what is wrong."""
    try:
        member = archive.getmember(MANIFEST)
    except KeyError:
        raise _not_a_backup(path, f"it has no {MANIFEST}") from None
    handle = archive.extractfile(member) if member.isfile() else None
    if handle is None:
        raise _not_a_backup(path, f"its {MANIFEST} is not a file")
    try:
        manifest = json.loads(handle.read(10 * 1024 * 1024 + 1).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise _corrupt(path, f"not JSON ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _not_a_backup(path, f"its manifest does not say format {FORMAT!r}")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _corrupt(path, "no format_version")
    if version > FORMAT_VERSION:
        raise BackupRefused(
            f"{path} was written by a newer SkillGrid (backup format {version}); "
            f"this one reads format {FORMAT_VERSION}"
        )
    if manifest.get("database") != "sqlite":
        raise BackupRefused(
            f"{path} holds a {manifest.get('database')!r} database; flask ops restore reads "
            f"SQLite backups only ({DOCS})"
        )
    tables = manifest.get("tables")
    if not isinstance(tables, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
        for k, v in tables.items()
    ):
        raise _corrupt(path, "'tables' is not a map of table names to row counts")
    files = manifest.get("files")
    if not isinstance(files, list):
        raise _corrupt(path, "'files' is not a list")
    revision = manifest.get("alembic_revision")
    if revision is not None and not isinstance(revision, str):
        raise _corrupt(path, "'alembic_revision' is not text")
    database_file = _checked_entry(path, manifest.get("database_file"), prefix=None)
    if database_file["path"] != DATABASE_MEMBER:
        raise _corrupt(path, f"the database member is not {DATABASE_MEMBER}")
    checked = [_checked_entry(path, entry, prefix=FILES_PREFIX) for entry in files]
    if len({entry["path"] for entry in checked}) != len(checked):
        raise _corrupt(path, "a file is listed twice")
    return {
        **manifest,
        "tables": tables,
        "database_file": database_file,
        "files": checked,
        "alembic_revision": revision,
    }


def _extract_checked(archive: tarfile.TarFile, path: Path, entry: dict, target: Path) -> None:
    """Write member ``entry`` to ``target``, refusing a missing member or a wrong checksum."""
    try:
        member = archive.getmember(entry["path"])
    except KeyError:
        raise BackupRefused(
            f"{path}: {entry['path']} is in the manifest but not in the archive"
        ) from None
    handle = archive.extractfile(member) if member.isfile() else None
    if handle is None:
        raise BackupRefused(f"{path}: {entry['path']} is not a regular file")
    digest, size = hashlib.sha256(), 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
        raise BackupRefused(
            f"{path}: {entry['path']} does not match its checksum in the manifest "
            f"(damaged or altered); nothing was restored"
        )


def people_in_database() -> int:
    """How many accounts the app's database holds (0 when it has no tables yet)."""
    from app.org.models import User

    if not inspect(db.engine).has_table(User.__tablename__):
        return 0
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def restore(archive_path: Path, *, force: bool = False, progress: Progress = _quiet):
    """Restore a backup into the app's SQLite database and uploads folder: all or nothing.

    Every member is checked against the manifest before anything is written; a database that
    already holds people is only replaced with ``force``.
    """
    target = _sqlite_path("restore")
    archive_path = Path(archive_path)
    try:
        archive = tarfile.open(archive_path, "r:*")  # noqa: SIM115 - closed below
    except (tarfile.TarError, OSError, EOFError, zlib.error):
        raise _not_a_backup(archive_path, "not a readable .tar.gz archive") from None
    try:
        with archive:
            return _restore_from(archive, archive_path, target, force, progress)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise BackupRefused(f"{archive_path}: the archive is damaged ({error})") from None


def _restore_from(archive, archive_path: Path, target: Path, force: bool, progress: Progress):
    manifest = read_manifest(archive, archive_path)
    files = manifest["files"]
    progress(
        f"manifest: backup of {manifest.get('created_at')}, revision "
        f"{manifest['alembic_revision'] or 'none'}, {len(manifest['tables'])} tables, "
        f"{len(files)} files"
    )
    people = people_in_database()
    if people and not force:
        raise BackupRefused(
            f"the target database already holds {people} account(s); restore into an empty "
            "database, or add --force to replace it"
        )
    folder = _uploads_folder()
    if files and folder is None:
        raise BackupRefused(
            f"the backup holds {len(files)} uploaded files but COURSE_FILES_FOLDER is not set"
        )
    db.session.remove()
    db.engine.dispose()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".skillgrid-restore-") as work:
        staged = Path(work) / DATABASE_MEMBER
        _extract_checked(archive, archive_path, manifest["database_file"], staged)
        verdict, tables, revision = _inspect_copy(staged)
        if verdict != "ok":
            raise BackupRefused(f"{archive_path}: the database fails integrity_check: {verdict}")
        if tables != manifest["tables"]:
            raise BackupRefused(f"{archive_path}: the database's rows differ from the manifest")
        progress(f"database: checksum and integrity_check ok, {sum(tables.values())} rows")
        staged_files = _stage_files(archive, archive_path, files, folder, Path(work))
        progress(f"files: {len(files)} checksums ok, {sum(e['size'] for e in files)} bytes")
        placed = _place_files(staged_files, folder)
        try:
            _copy_database(staged, target)
        except sqlite3.Error as error:
            for path in placed:
                path.unlink(missing_ok=True)
            raise BackupRefused(
                f"the database could not be replaced ({error}); nothing was restored"
            ) from None
    db.engine.dispose()
    progress(f"database: {target} replaced; files: {len(files)} placed in {folder or '-'}")
    _verdict, restored, _revision = _inspect_copy(target)
    if restored != manifest["tables"]:
        raise BackupRefused("the restored database differs from the manifest; restore again")
    return BackupSummary(archive_path, revision, restored, files)


def _stage_files(archive, archive_path: Path, files: list[dict], folder, work: Path):
    """Extract and check every listed file under ``work``; (staged path, final path) pairs."""
    staged = []
    for number, entry in enumerate(files):
        relative = entry["path"].removeprefix(FILES_PREFIX)
        copy = work / "files" / str(number)
        _extract_checked(archive, archive_path, entry, copy)
        staged.append((copy, folder / relative))
    return staged


def _place_files(staged: list[tuple[Path, Path]], folder: Path | None) -> list[Path]:
    """Move staged files into the uploads folder; the paths that did not exist before."""
    placed = []
    try:
        for copy, final in staged:
            final.parent.mkdir(parents=True, exist_ok=True)
            existed = final.exists()
            shutil.move(copy, final)
            if not existed:
                placed.append(final)
    except OSError as error:
        for path in placed:
            path.unlink(missing_ok=True)
        raise BackupRefused(
            f"could not write the files into {folder} ({error}); nothing was restored"
        ) from None
    return placed
