"""Sign in and out, the user's own profile, and the admin's user pages."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import or_, select

from portal import access, clock
from portal.accounts import operations
from portal.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    EditUserForm,
    LoginForm,
    PasswordResetForm,
    TokenForm,
    UserForm,
)
from portal.accounts.models import ApiToken, Role, User
from portal.directory.models import Agency
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.forms import options
from portal.pagination import paginate

bp = Blueprint("auth", __name__)
admin_bp = Blueprint("users", __name__, url_prefix="/admin/users")


def _safe_next(target: str | None) -> str:
    """Only a local path; never another site (open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("home.index")


def start_session(user: User) -> None:
    """A fresh session for a signed-in user (nothing carried over from before sign-in)."""
    lang = session.get("lang")
    session.clear()
    session.permanent = True
    login_user(user)
    session["seen"] = clock.now().timestamp()
    if lang and not user.locale:
        user.locale = lang


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        username = form.username.data.strip()
        address = request.remote_addr or "unknown"
        if operations.is_throttled(username, address):
            from portal import audit

            audit.record("login_throttled", object_type="users", object_id=username[:60])
            db.session.commit()
            flash(_("Too many failed sign-ins. Wait a few minutes and try again."), "error")
            status = 429
        else:
            user = operations.authenticate(username, form.password.data, address)
            if user is None:
                db.session.commit()
                flash(_("Wrong username or password, or the account is deactivated."), "error")
                status = 401
            else:
                start_session(user)
                db.session.commit()
                return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    ConfirmForm().validate_on_submit() or abort(400)
    operations.sign_out(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not user.check_password(form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            operations.change_own_password(user, form.password.data)
            db.session.commit()
            start_session(user)  # this device stays signed in, the others are signed out
            flash(_("Password changed. You were signed out on every other device."), "success")
            return redirect(url_for("auth.profile"))
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ).all()
    return render_template(
        "auth/profile.html",
        form=form,
        tokens=tokens,
        token_form=TokenForm(),
        confirm=ConfirmForm(),
    )


@bp.route("/profile/tokens", methods=["POST"])
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        flash(_("Give the token a name."), "error")
        return redirect(url_for("auth.profile"))
    _token, plain = operations.issue_token(current_user._get_current_object(), form.name.data)
    db.session.commit()
    return render_template("auth/token_created.html", plain=plain)


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    ConfirmForm().validate_on_submit() or abort(400)
    operations.revoke_token(token, by=current_user)
    db.session.commit()
    flash(_("Token revoked."), "success")
    return redirect(url_for("auth.profile"))


# --- Admin: users ------------------------------------------------------------------------------


def _agency_choices():
    return options(
        (a.id, f"{a.code} · {a.name_zh}")
        for a in db.session.scalars(select(Agency).order_by(Agency.code))
    )


@admin_bp.route("/")
@access.require_role(Role.ADMIN)
def index():
    q = request.args.get("q", "").strip()
    query = select(User).order_by(User.username)
    if q:
        like = f"%{q}%"
        query = query.where(or_(User.username.ilike(like), User.display_name.ilike(like)))
    page = paginate(query, per_page=50)
    return render_template("users/index.html", page=page, q=q)


@admin_bp.route("/new", methods=["GET", "POST"])
@access.require_role(Role.ADMIN)
def create():
    form = UserForm()
    form.agency_id.choices = _agency_choices()
    if form.validate_on_submit():
        try:
            user = operations.create_user(
                username=form.username.data,
                display_name=form.display_name.data,
                email=form.email.data,
                phone=form.phone.data,
                agency=db.session.get(Agency, form.agency_id.data),
                roles=form.roles.data,
                password=form.password.data,
                by=current_user,
            )
        except ValidationFailed:
            form.username.errors.append(_("This username is taken."))
        else:
            db.session.commit()
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("users.index"))
    return render_template("users/form.html", form=form, user=None)


@admin_bp.route("/<int:user_id>", methods=["GET", "POST"])
@access.require_role(Role.ADMIN)
def edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = EditUserForm(obj=user)
    form.agency_id.choices = _agency_choices()
    if request.method == "GET":
        form.roles.data = sorted(user.roles)
    if form.validate_on_submit():
        roles = set(form.roles.data)
        if not access.may_grant_roles(current_user, user, roles):
            form.roles.errors.append(_("You cannot raise your own roles."))
        else:
            operations.update_user(
                user,
                by=current_user,
                display_name=form.display_name.data,
                email=form.email.data,
                phone=form.phone.data,
                agency=db.session.get(Agency, form.agency_id.data),
                roles=roles,
            )
            db.session.commit()
            flash(_("User %(name)s saved.", name=user.username), "success")
            return redirect(url_for("users.index"))
    return render_template(
        "users/form.html",
        form=form,
        user=user,
        reset_form=PasswordResetForm(prefix="reset"),
        confirm=ConfirmForm(),
    )


@admin_bp.route("/<int:user_id>/deactivate", methods=["GET", "POST"])
@access.require_role(Role.ADMIN)
def deactivate(user_id: int):
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        flash(_("You cannot deactivate yourself."), "error")
        return redirect(url_for("users.edit", user_id=user.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        operations.set_active(user, False, by=current_user)
        db.session.commit()
        flash(
            _("%(name)s is deactivated and signed out everywhere.", name=user.username), "success"
        )
        return redirect(url_for("users.edit", user_id=user.id))
    return render_template(
        "confirm.html",
        form=form,
        title=_("Deactivate %(name)s?", name=user.username),
        message=_(
            "They are signed out on every device, their API tokens are revoked, and they "
            "cannot sign in until reactivated. Their records stay."
        ),
        cancel=url_for("users.edit", user_id=user.id),
        danger=True,
    )


@admin_bp.route("/<int:user_id>/activate", methods=["POST"])
@access.require_role(Role.ADMIN)
def activate(user_id: int):
    user = db.get_or_404(User, user_id)
    ConfirmForm().validate_on_submit() or abort(400)
    operations.set_active(user, True, by=current_user)
    db.session.commit()
    flash(_("%(name)s can sign in again.", name=user.username), "success")
    return redirect(url_for("users.edit", user_id=user.id))


@admin_bp.route("/<int:user_id>/password", methods=["POST"])
@access.require_role(Role.ADMIN)
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = PasswordResetForm(prefix="reset")
    if form.validate_on_submit():
        operations.reset_password(user, form.password.data, by=current_user)
        db.session.commit()
        flash(
            _("Password of %(name)s reset; their sessions have ended.", name=user.username),
            "success",
        )
        return redirect(url_for("users.edit", user_id=user.id))
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")
    return redirect(url_for("users.edit", user_id=user.id))
