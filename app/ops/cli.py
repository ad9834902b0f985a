"""``flask ops backup|restore``: a SQLite installation's database and uploads in one archive."""

from pathlib import Path

import click

from app.ops import services
from app.ops.blueprint import bp


@bp.cli.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(out: Path) -> None:
    """Back up the SQLite database (online, consistent) and the uploaded files to OUT (.tar.gz)."""
    try:
        summary = services.backup(out, progress=click.echo)
    except services.BackupRefused as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"the backup could not be written: {exc}") from None
    click.echo(
        f"backup written to {summary.path}: {len(summary.tables)} tables, {summary.n_rows} rows, "
        f"{len(summary.files)} files ({summary.n_file_bytes} bytes)"
        + (f", {len(summary.missing)} files missing" if summary.missing else "")
    )


@bp.cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds people.")
def restore_command(file: Path, force: bool) -> None:
    """Restore a backup made by `flask ops backup`: all of it or nothing."""
    try:
        summary = services.restore(file, force=force, progress=click.echo)
    except services.BackupRefused as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"nothing was restored: {exc}") from None
    click.echo(
        f"restored {file}: {len(summary.tables)} tables, {summary.n_rows} rows, "
        f"{len(summary.files)} files ({summary.n_file_bytes} bytes); revision "
        f"{summary.revision or 'none'}: run `flask db upgrade` if this code is newer"
    )
