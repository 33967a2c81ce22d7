"""Users: list, create, edit, role, deactivate, reactivate, reset password.

Each view reads its form, makes one call to :mod:`kefu.services.users` (which checks
the rules, writes the audit log and sends the domain signals) and shows the outcome.
"""
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from kefu.admin import bp
from kefu.admin.forms import ActionForm, NewUserForm, RoleForm, UserForm
from kefu.models import ROLES
from kefu.pages_i18n import error_text, t
from kefu.services import mail, users
from kefu.services.errors import ServiceError

#: Which form field a service error belongs to.
FIELD_OF = {"invalid_email": "email", "duplicate_email": "email", "empty_field": "name",
            "field_too_long": "name", "invalid_role": "role"}


def _me():
    return current_user._get_current_object()


def _link(token):
    return url_for("auth.reset_password", token=token, _external=True)


def _once(html):
    """A page with a one-time password: never cached, never kept in history."""
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


def _field_error(form, error):
    field = getattr(form, FIELD_OF.get(error.code, ""), None)
    if field is None:
        flash(error_text(error), "error")
    else:
        field.errors = list(field.errors or []) + [error_text(error)]


@bp.get("/")
def index():
    """The admin area opens on its users."""
    return redirect(url_for("admin.user_list"))


@bp.get("/users")
def user_list():
    """Every account with its role and status."""
    return render_template("admin/users.html", users=users.list_users(), roles=ROLES,
                           mail_on=mail.configured())


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    """Create an account: an emailed link where mail is configured, else a one-time password."""
    form = NewUserForm(formdata=request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        try:
            changed = users.create(_me(), form.email.data, form.name.data, form.role.data)
        except ServiceError as error:
            _field_error(form, error)
        else:
            return _after_create(changed)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/user_new.html", form=form, roles=ROLES,
                           mail_on=mail.configured()), status


def _after_create(changed):
    user = changed.user
    if mail.configured():
        try:
            users.invite(user["id"], _link)
            flash(t("invite_sent", email=user["email"]), "info")
        except ServiceError as error:
            flash(t("user_created", email=user["email"]) + " " + error_text(error), "error")
        return redirect(url_for("admin.user_edit", user_id=user["id"]))
    return _once(render_template("admin/one_time_password.html", user=user,
                                 password=changed.password, created=True))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id):
    """Name and email; the page also holds the role, status and password actions."""
    user = users.get(user_id)
    form = UserForm(formdata=request.form if request.method == "POST" else None,
                    data={"email": user.email, "name": user.name})
    if form.validate_on_submit():
        try:
            users.update(_me(), user_id, form.email.data, form.name.data)
        except ServiceError as error:
            _field_error(form, error)
        else:
            flash(t("saved"), "info")
            return redirect(url_for("admin.user_edit", user_id=user_id))
    return _edit_page(user, form, status=400 if request.method == "POST" else 200)


def _edit_page(user, form=None, role_form=None, status=200):
    form = form or UserForm(formdata=None, data={"email": user.email, "name": user.name})
    role_form = role_form or RoleForm(formdata=None, data={"role": user.role})
    return render_template("admin/user_edit.html", user=users.serialize(user), form=form,
                           role_form=role_form, action=ActionForm(formdata=None), roles=ROLES,
                           mail_on=mail.configured(), is_me=user.id == current_user.id), status


def _action(user_id, do, form_class=ActionForm):
    """Run one POST action on a user and go back to their page (errors shown there)."""
    user = users.get(user_id)
    form = form_class(formdata=request.form)  # form fields only, never a JSON body
    if not form.validate_on_submit():  # CSRFProtect refuses a missing token before this
        abort(400)
    try:
        result = do(form)
    except ServiceError as error:
        flash(error_text(error), "error")
        return _edit_page(user, status=400)
    return result


@bp.post("/users/<int:user_id>/role")
def user_role(user_id):
    """Make a user admin, agent or editor; leaving the desk sends their chats to the queue."""
    def do(form):
        changed = users.set_role(_me(), user_id, form.role.data)
        flash(t("role_set", email=changed.user["email"], role=t("role_" + changed.user["role"])),
              "info")
        return redirect(url_for("admin.user_edit", user_id=user_id))
    return _action(user_id, do, RoleForm)


@bp.post("/users/<int:user_id>/deactivate")
def user_deactivate(user_id):
    """Lock the user out at once; their chats go back to the queue."""
    def do(form):
        changed = users.deactivate(_me(), user_id)
        flash(t("deactivated_user", email=changed.user["email"],
                sessions=len(changed.login_ids), chats=len(changed.requeued)), "info")
        return redirect(url_for("admin.user_edit", user_id=user_id))
    return _action(user_id, do)


@bp.post("/users/<int:user_id>/reactivate")
def user_reactivate(user_id):
    """Let a deactivated user log in again."""
    def do(form):
        changed = users.reactivate(_me(), user_id)
        flash(t("reactivated_user", email=changed.user["email"]), "info")
        return redirect(url_for("admin.user_edit", user_id=user_id))
    return _action(user_id, do)


@bp.post("/users/<int:user_id>/reset-password")
def user_reset_password(user_id):
    """An emailed one-use link where mail is configured, otherwise a one-time password."""
    def do(form):
        changed = users.reset_password(_me(), user_id, _link)
        if changed.mailed:
            flash(t("reset_link_sent", email=changed.user["email"]), "info")
            return redirect(url_for("admin.user_edit", user_id=user_id))
        return _once(render_template("admin/one_time_password.html", user=changed.user,
                                     password=changed.password, created=False))
    return _action(user_id, do)
