"""Who may do what: one policy table, read by every permission check (services, API, web pages).

A user's roles are computed relative to the object acted on: municipality staff are "staff_inside" only on
sites of the municipality they were approved for, cooperative members only for their own (verified)
cooperative. The README prints the same table (`manage.py policy_table`).
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from commons.models import CooperativeMembership, MemberRole, MunicipalityStaff, Ownership

MODERATORS_GROUP = "moderators"

# action -> roles allowed. Roles: anonymous, citizen (any signed-in user with a verified e-mail),
# reporter (who reported this site), staff_inside / staff_outside (approved municipality staff, relative to
# the site's municipality), coop_admin / coop_member (of the verified cooperative concerned), moderator.
POLICY = {
    "site.view": {"anonymous", "citizen", "reporter", "staff_inside", "staff_outside", "coop_admin", "coop_member", "moderator"},
    "site.report": {"citizen", "reporter", "staff_inside", "staff_outside", "coop_admin", "coop_member", "moderator"},
    "site.edit": {"reporter", "staff_inside", "moderator"},
    "site.verify": {"staff_inside", "moderator"},
    "site.reject": {"staff_inside", "moderator"},
    "site.archive": {"staff_inside", "moderator"},
    "site.start_reuse": {"staff_inside", "moderator"},
    "site.mark_duplicate": {"moderator"},
    "site.hide": {"moderator"},
    "site.restore": {"moderator"},
    "site.follow": {"citizen", "reporter", "staff_inside", "staff_outside", "coop_admin", "coop_member", "moderator"},
    "site.confirm": {"citizen", "reporter", "staff_inside", "staff_outside", "coop_admin", "coop_member", "moderator"},
    "site.confirm_bulk": {"staff_inside", "moderator"},
    "site.decide_change": {"staff_inside", "moderator"},
    "proposal.create": {"coop_admin", "coop_member"},
    "proposal.withdraw": {"coop_admin", "coop_member"},
    "proposal.decide": {"staff_inside", "moderator"},
    "proposal.complete": {"staff_inside", "moderator"},
    # Signed-in people with a verified e-mail; never the proposing cooperative's own members (see can()).
    "proposal.support": {"citizen", "reporter", "staff_inside", "staff_outside", "moderator"},
    # The proposing cooperative records its pathway's milestones; the municipality and moderators may too.
    "milestone.record": {"coop_admin", "coop_member", "staff_inside", "moderator"},
    "pathway.edit": {"moderator"},
    # A consultation on a site with competing proposals: opened and concluded (its outcome recorded) by whoever
    # decides the site's proposals; comments from anyone signed in with a verified e-mail (see can()), the
    # proposing cooperatives included (they answer questions); hidden, with a reason, by the municipality's staff
    # (who moderate their own territory only) and the platform's moderators.
    "consultation.open": {"staff_inside", "moderator"},
    "consultation.comment": {"citizen", "reporter", "staff_inside", "staff_outside", "coop_admin", "coop_member", "moderator"},
    "consultation.moderate": {"staff_inside", "moderator"},
    "consultation.conclude": {"staff_inside", "moderator"},
    # Municipality staff invite a verified cooperative to propose for a site of their territory.
    "cooperative.invite": {"staff_inside", "moderator"},
    "cooperative.edit": {"coop_admin", "moderator"},
    "cooperative.verify": {"moderator"},
    "staff.approve": {"moderator"},
    "import.run": {"staff_inside", "staff_outside", "moderator"},
}

# Municipality staff decide proposals only on publicly owned sites of their territory; for private,
# ecclesiastical or unknown ownership the decision is recorded by a moderator on the owner's word.
STAFF_DECIDES_OWNERSHIP = set(Ownership.public())
# The same rule for the consultation that prepares the decision.
DECIDING_ACTIONS = {"proposal.decide", "consultation.open", "consultation.conclude"}
# Actions that need a verified e-mail whatever other role the person holds.
VERIFIED_EMAIL_ACTIONS = {"consultation.comment"}


def is_moderator(user):
    """Platform moderators: members of the `moderators` group, and Django staff (who run the admin)."""
    return bool(user and user.is_authenticated and (
        user.is_superuser or user.is_staff or user.groups.filter(name=MODERATORS_GROUP).exists()))


def has_verified_email(user):
    from allauth.account.models import EmailAddress

    return user.is_superuser or EmailAddress.objects.filter(user=user, verified=True).exists()


def roles_of(user, *, site=None, cooperative=None):
    """The set of roles `user` holds with respect to a site and/or a cooperative."""
    if user is None or not user.is_authenticated:
        return {"anonymous"}
    roles = set()
    if has_verified_email(user):
        roles.add("citizen")
    if is_moderator(user):
        roles.add("moderator")
    if site is not None:
        if site.reporter_id == user.pk:
            roles.add("reporter")
        staff = MunicipalityStaff.objects.filter(user=user, approved=True)
        if staff.filter(municipality_id=site.municipality_id).exists():
            roles.add("staff_inside")
        elif staff.exists():
            roles.add("staff_outside")
    elif MunicipalityStaff.objects.filter(user=user, approved=True).exists():
        roles.add("staff_outside")
    if cooperative is not None and cooperative.verified:
        role = CooperativeMembership.objects.filter(user=user, cooperative=cooperative).values_list("role", flat=True).first()
        if role == MemberRole.ADMIN:
            roles.update({"coop_admin", "coop_member"})
        elif role == MemberRole.MEMBER:
            roles.add("coop_member")
    return roles


def can(user, action, *, site=None, cooperative=None):
    allowed = POLICY[action]
    roles = roles_of(user, site=site, cooperative=cooperative)
    if action in DECIDING_ACTIONS and site is not None and site.ownership not in STAFF_DECIDES_OWNERSHIP:
        allowed = allowed - {"staff_inside"}
    if action == "proposal.support":
        return "citizen" in roles and not roles & {"coop_member", "coop_admin"}
    if action in VERIFIED_EMAIL_ACTIONS and "citizen" not in roles:
        return False
    if action == "site.edit" and site is not None and roles == {"citizen", "reporter"} and site.status != "reported":
        return False  # once verified, a report is edited by its municipality or a moderator
    return bool(allowed & roles)


def require(user, action, *, site=None, cooperative=None):
    if not can(user, action, site=site, cooperative=cooperative):
        raise PermissionDenied(_("You are not allowed to do this (%(action)s).") % {"action": action})
