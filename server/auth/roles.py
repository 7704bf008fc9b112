"""The fixed roles and what each may do: pure data, same ids and system names as ODK Central.

pyodk assigns app users to forms with role id 2, so the ids matter.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    id: int
    system: str
    name: str
    verbs: frozenset


PROJECT_READ = {"project.read", "form.list", "form.read", "submission.list", "submission.read", "assignment.list"}
PROJECT_MANAGE = PROJECT_READ | {
    "project.update", "form.create", "form.update", "form.delete", "submission.create", "submission.update",
    "assignment.create", "assignment.delete", "field_key.list", "field_key.create", "field_key.delete",
    "session.end",  # revoke the project's app users' tokens (DELETE /v1/sessions/{token}), as Central's managers may
}
ADMIN_ONLY = {"project.create", "project.delete", "user.list", "user.create", "user.read", "user.update",
              "audit.read", "role.list", "assignment.create.sitewide", "config.read"}

ROLES = (
    Role(1, "admin", "Administrator", frozenset(PROJECT_MANAGE | ADMIN_ONLY)),
    Role(2, "app-user", "App User", frozenset({"form.read", "submission.create"})),
    Role(3, "manager", "Project Manager", frozenset(PROJECT_MANAGE)),
    Role(4, "viewer", "Project Viewer", frozenset(PROJECT_READ)),
    Role(5, "formfill", "Data Collector", frozenset({"project.read", "form.list", "form.read", "submission.create"})),
)
ROLES_BY_ID = {role.id: role for role in ROLES}
ROLES_BY_SYSTEM = {role.system: role for role in ROLES}


def find_role(key):
    """A role by numeric id or system name ("2" or "app-user"), or None."""
    key = str(key)
    if key.isascii() and key.isdigit() and len(key) <= 3:
        return ROLES_BY_ID.get(int(key))
    return ROLES_BY_SYSTEM.get(key)


def verbs_of(role_ids):
    verbs = set()
    for role_id in role_ids:
        verbs |= ROLES_BY_ID[role_id].verbs
    return verbs


def role_ids_with(verb):
    """Ids of the roles that grant `verb`, for permission checks done inside a query."""
    return [role.id for role in ROLES if verb in role.verbs]
