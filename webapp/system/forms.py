"""The System page's buttons: forms with nothing but their CSRF token, so no other site can press them."""

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """One action button (retry all failed, rebuild the search index, check totals now)."""
