"""The Users page: admins create accounts, change roles and regions, disable and delete them."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp import language
from webapp.accounts import access, users
from webapp.accounts.identity import visitor
from webapp.people import bp
from webapp.people.forms import ActionForm, EditUserForm, NewUserForm
from webapp.services.answers import categories
from webapp.workbook.wording import wording


def _account_or_404(username: str):
    account = users.find_user(username)
    if account is None:
        abort(404, description=f"There is no user named “{username}”.")
    return account


def _render_users(form: NewUserForm, status: int = 200):
    return render_template("people/users.html", accounts=users.list_users(), form=form,
                           known_regions=categories.filter_choices()["region"], me=visitor().username), status


@bp.route("/users")
@access.admin
def list_users():
    """List every account with its role, regions and whether it can sign in."""
    return _render_users(NewUserForm(formdata=None))


@bp.route("/users", methods=["POST"])
@access.admin
def create_user():
    """Create an account from the Users page."""
    form = NewUserForm()
    if not form.validate_on_submit():
        return _render_users(form, 400)
    try:
        account = users.create_user(form.username.data, form.password.data, form.role.data, form.regions.data,
                                    by=visitor().username)
    except users.UsernameTaken as exc:
        form.username.errors.append(language.spoken(wording(exc)))
        return _render_users(form, 409)
    except users.InvalidAccount as exc:
        _field_for(form, str(exc)).errors.append(language.spoken(wording(exc)))
        return _render_users(form, 400)
    flash(_("Created “%(name)s” (%(role)s, %(regions)s).", name=account.username, role=language.role_name(account.role),
            regions=", ".join(account.regions) or _("all regions")), "success")
    return redirect(url_for("people.list_users"))


def _field_for(form, message: str):
    for name in ("username", "password", "role", "regions"):
        if name in message.lower() and hasattr(form, name):
            return form[name]
    return form.password


def _render_user(account, form: EditUserForm, error: str | None = None, status: int = 200):
    return render_template("people/user.html", account=account, form=form, error=error, action=ActionForm(),
                           known_regions=categories.filter_choices()["region"]), status


@bp.route("/users/<username>")
@access.admin
def edit_user(username):
    """Show one account's settings for an admin to change."""
    account = _account_or_404(username)
    form = EditUserForm(formdata=None, role=account.role, regions=", ".join(account.regions), active=account.active)
    return _render_user(account, form)


@bp.route("/users/<username>", methods=["POST"])
@access.admin
def update_user(username):
    """Save an admin's changes to an account; disabling signs it out everywhere at once."""
    account = _account_or_404(username)
    form = EditUserForm()
    if not form.validate_on_submit():
        return _render_user(account, form, status=400)
    changes = users.Changes(role=form.role.data, regions=form.regions.data, password=form.password.data or None,
                            active=bool(form.active.data))
    try:
        users.update_user(account, changes, by=visitor().username)
    except users.LastAdmin as exc:
        return _render_user(_account_or_404(username), form, language.spoken(wording(exc)), 409)
    except users.InvalidAccount as exc:
        _field_for(form, str(exc)).errors.append(language.spoken(wording(exc)))
        return _render_user(_account_or_404(username), form, status=400)
    flash(_("Saved “%(name)s”.", name=account.username), "success")
    return redirect(url_for("people.list_users"))


@bp.route("/users/<username>/delete", methods=["POST"])
@access.admin
def delete_user(username):
    """Delete an account once its username has been typed to confirm; its files stay."""
    account = _account_or_404(username)
    form = EditUserForm(formdata=None, role=account.role, regions=", ".join(account.regions), active=account.active)
    if not ActionForm().validate_on_submit():
        return _render_user(account, form, _("This form has expired; please reload the page and try again."), 400)
    if request.form.get("confirm_username", "").strip() != account.username:
        message = _("Type the username “%(name)s” exactly to delete it; nothing was deleted.", name=account.username)
        return _render_user(account, form, message, 400)
    try:
        users.delete_user(account, by=visitor().username)
    except users.LastAdmin as exc:
        return _render_user(_account_or_404(username), form, language.spoken(wording(exc)), 409)
    flash(_("Deleted “%(name)s”. The files they uploaded stay.", name=username), "success")
    return redirect(url_for("people.list_users"))
