"""Who may do what on the web: the dependencies every route declares, on the one table of permissions by role
(services/permissions.py, which the CLI reads too)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from wengang.services.permissions import PERMISSIONS, role_may
from wengang.services.sessions import EmployerPrincipal, Principal
from wengang.web.deps import current_principal

__all__ = ["PERMISSIONS", "Allowed", "Employer", "Forbidden", "NotSignedIn", "may", "staff"]


class NotSignedIn(Exception):
    """No live session: a page sends the browser to the sign-in form, the API answers 401."""

    def __init__(self, area: str):
        self.area = area
        super().__init__("请先登录 / please sign in first")


class Forbidden(Exception):
    """Signed in, but the role does not allow this; nothing is done (403)."""

    def __init__(self, what: str):
        super().__init__(f"无权执行此操作 / your role may not do this: {what}")


def may(principal: Principal | None, permission: str) -> bool:
    """True when the principal's role carries the permission (templates use it to hide buttons)."""
    return principal is not None and role_may(principal.role, permission)


class Allowed:
    """A route dependency: the signed-in staff member, if the role carries `permission`; else 401/403."""

    def __init__(self, permission: str):
        if permission not in PERMISSIONS:
            raise KeyError(permission)
        self.permission = permission

    async def __call__(self, principal: Annotated[Principal | None, Depends(current_principal)]) -> Principal:
        if principal is None or not principal.is_staff:
            raise NotSignedIn("staff")
        if not may(principal, self.permission):
            raise Forbidden(self.permission)
        return principal


async def signed_in_employer(
        principal: Annotated[Principal | None, Depends(current_principal)]) -> EmployerPrincipal:
    """The signed-in unit; its own credit code is the only key its routes ever look data up by."""
    if not isinstance(principal, EmployerPrincipal):
        raise NotSignedIn("portal")
    return principal


Employer = Annotated[EmployerPrincipal, Depends(signed_in_employer)]


def staff(permission: str) -> Any:
    """The dependency of the staff member holding a permission, for `Annotated[Principal, staff("...")]` aliases
    (a type checker reads an alias only when it is spelt out where it is defined)."""
    return Depends(Allowed(permission))
