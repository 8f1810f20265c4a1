"""`flask users …`: the first admin, and accounts for operators locked out of the Users page."""

import click
from flask.cli import AppGroup

from webapp.accounts import first_admin, users

group = AppGroup("users", help="Account commands.")


@group.command("create-first-admin")
def create_first_admin() -> None:
    """Create the first admin when no user exists (ADMIN_USER + ADMIN_PASSWORD, or `admin` with a random password)."""
    try:
        created = first_admin.create_first_admin()
    except users.AccountError as exc:
        raise click.ClickException(f"ADMIN_USER / ADMIN_PASSWORD: {exc}") from None
    if created is None:
        click.echo("Users exist already; no first admin created.")
    elif created.password is None:
        click.echo(f"Created the first admin “{created.username}” with the password from ADMIN_PASSWORD.")
    else:
        click.echo(f"Created the first admin “{created.username}”. Sign in with this password; the first sign-in")
        click.echo("asks you to choose your own:")
        click.echo(f"\n    {created.password}\n")
        if created.password_file:
            click.echo(f"It is also in {created.password_file} until then.")


@group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["viewer", "editor", "admin"]), default="viewer", show_default=True)
@click.option("--region", "regions", multiple=True, help="A region the user may see (repeat it); none: every region.")
@click.password_option(help="At least 10 characters (asked for when left out).")
def create(username: str, role: str, regions: tuple[str, ...], password: str) -> None:
    """Create an account."""
    try:
        user = users.create_user(username, password, role, list(regions), by="cli")
    except users.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created “{user.username}” ({user.role}, {', '.join(user.regions) or 'all regions'}).")


@group.command("set-password")
@click.argument("username")
@click.password_option(help="At least 10 characters (asked for when left out).")
def set_password(username: str, password: str) -> None:
    """Give an account a new password (it is signed out everywhere), e.g. for an admin who forgot theirs."""
    user = users.find_user(username)
    if user is None:
        raise click.ClickException(f"There is no user named “{username}”.")
    first_password = user.must_change_password
    try:
        users.update_user(user, users.Changes(password=password, active=True), by="cli")
    except users.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    if first_password:
        first_admin.forget_initial_password()
    click.echo(f"Set a new password for “{user.username}”; it can sign in with it now.")


@group.command("list")
def list_users() -> None:
    """List every account with its role and regions."""
    for user in users.list_users():
        state = "" if user.active else "  (disabled)"
        click.echo(f"{user.username}  {user.role}  {', '.join(user.regions) or 'all regions'}{state}")
