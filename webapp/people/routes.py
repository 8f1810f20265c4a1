"""Sign in and out, and one's own profile: role, regions, password and API tokens."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp import language
from webapp.accounts import access, first_admin, signin, throttle, tokens, users
from webapp.accounts.identity import visitor
from webapp.accounts.redirects import safe_path
from webapp.people import bp
from webapp.people.forms import ActionForm, LanguageForm, PasswordForm, SignInForm, TokenForm
from webapp.workbook.wording import wording

ROLE_MEANS = {
    "viewer": _l("You can see totals, files and search results."),
    "editor": _l("You can see everything a viewer sees, create categories, upload files and retry or reprocess them."),
    "admin": _l("You can do everything: also delete files and categories and manage users."),
}


def _render_sign_in(form: SignInForm, error: str | None = None, status: int = 200):
    return render_template("people/login.html", form=form, error=error), status


@bp.route("/login", methods=["GET"])
@access.public
def login():
    """Show the sign-in form; someone already signed in goes straight on."""
    wanted = safe_path(request.args.get("next"), url_for("main.dashboard"))
    if visitor().is_authenticated:
        return redirect(wanted)
    return _render_sign_in(SignInForm(next=wanted))


@bp.route("/login", methods=["POST"])
@access.public
@throttle.counts_failures
def sign_in():
    """Sign in and go back to the page that asked for it (a path on this site only)."""
    form = SignInForm()
    if not form.validate_on_submit():
        return _render_sign_in(form, _("This form has expired; please try again."), 400)
    user = signin.check_credentials(form.username.data, form.password.data, via="form")
    if user is None:
        form.password.data = ""
        return _render_sign_in(form, _("Wrong username or password."), throttle.FAILED)
    signin.start_session(user)
    if user.must_change_password:
        flash(_("Welcome! Please choose your own password before you go on."), "info")
        return redirect(url_for("people.change_password"))
    return redirect(safe_path(form.next.data, url_for("main.dashboard")))


@bp.errorhandler(429)
def too_many_attempts(error):
    """Answer a throttled sign-in on the sign-in page itself, saying when to try again."""
    # formdata=None: the form must not read the body again here (a JSON body that does not parse would fail
    # inside this handler, a 500); only `next` is kept, from the form fields.
    # throttle.MESSAGE in the page's language (the API's 429 keeps the English one).
    message = _("Too many failed sign-ins for this username or from this address. Please wait a minute and try again.")
    return _render_sign_in(SignInForm(formdata=None, next=request.form.get("next", "")), message, 429)


@bp.route("/logout", methods=["POST"])
@access.own_account
def logout():
    """Sign out of this browser."""
    signin.end_session()
    flash(_("You are signed out."), "success")
    return redirect(url_for("people.login"))


@bp.route("/profile")
@access.viewer
def profile():
    """Show one's role, regions and API tokens."""
    return _render_profile()


def _render_profile(token_form: TokenForm | None = None, new_secret: str | None = None, status: int = 200):
    who = visitor()
    return render_template(
        "people/profile.html", who=who, means=ROLE_MEANS[who.role], tokens=tokens.list_tokens(who.id),
        token_form=token_form or TokenForm(formdata=None), new_secret=new_secret, action=ActionForm(),
    ), status


@bp.route("/profile/password", methods=["GET", "POST"])
@access.own_account
def change_password():
    """Change one's own password; a first password is changed before anything else."""
    form = PasswordForm()
    who = visitor()

    def again(status: int = 400):
        return render_template("people/password.html", form=form, forced=who.must_change_password), status

    if not form.validate_on_submit():
        return again(400 if request.method == "POST" else 200)
    if form.new.data != form.repeat.data:
        form.repeat.errors.append(_("The two new passwords are not the same."))
        return again()
    try:
        user = users.change_own_password(who.id, form.current.data, form.new.data)
    except users.InvalidAccount as exc:
        (form.current if "current" in str(exc) else form.new).errors.append(language.spoken(wording(exc)))
        return again()
    if who.must_change_password:
        first_admin.forget_initial_password()
    signin.start_session(user)  # this browser stays signed in; every other session of the old password ends
    flash(_("Your password is changed."), "success")
    return redirect(url_for("main.dashboard") if who.must_change_password else url_for("people.profile"))


@bp.route("/profile/tokens", methods=["POST"])
@access.viewer
def create_token():
    """Create an API token and show it this once."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _render_profile(form, status=400)
    try:
        _token, secret = tokens.create_token(visitor(), form.name.data)
    except tokens.InvalidTokenName as exc:
        form.name.errors.append(language.spoken(wording(exc)))
        return _render_profile(form, status=400)
    return _render_profile(new_secret=secret)


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@access.viewer
def revoke_token(token_id):
    """Revoke one of one's own tokens: scripts using it get 401 from now on."""
    if not ActionForm().validate_on_submit():
        flash(_("This form has expired; please try again."), "error")
    elif tokens.revoke_token(visitor(), token_id):
        flash(_("The token is revoked; scripts using it can no longer sign in."), "success")
    else:
        flash(_("That token no longer exists."), "error")
    return redirect(url_for("people.profile") + "#tokens")



@bp.route("/language", methods=["POST"])
@access.public
def choose_language():
    """Speak the chosen language from now on: in this browser, and on the profile of whoever is signed in."""
    form = LanguageForm()
    back = safe_path(form.next.data, url_for("main.dashboard"))
    if not form.validate_on_submit() or not language.remember(form.language.data):
        flash(_("This form has expired; please try again."), "error")
        return redirect(back)
    who = visitor()
    if who.is_authenticated:
        users.set_language(who.id, form.language.data)
    return redirect(back)
