"""Who is calling, with which role and over which agencies."""

from __future__ import annotations

from dataclasses import dataclass

from app.auth.tokens import ROLE_RANK, Role


@dataclass(frozen=True, slots=True)
class Principal:
    token_id: int
    name: str
    role: Role
    agency_id: int | None
    # The agency and all its descendants; None for an admin: every agency.
    agency_ids: frozenset[int] | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can_see_agency(self, agency_id: int) -> bool:
        return self.agency_ids is None or agency_id in self.agency_ids

    def has_role(self, role: str) -> bool:
        """Roles are ordered admin > supervisor > viewer; a higher role passes a lower check."""
        return ROLE_RANK[self.role] >= ROLE_RANK[role]
