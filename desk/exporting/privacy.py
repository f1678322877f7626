"""How much of the reporter an export carries, decided once per export and applied per case.

Three levels:

- **personal** (`--include-personal`, admins only): the reporter as stored, anonymous cases too
  (an admin verifies identities, and a move between databases must not lose them);
- **masked** (the default): the name reduced to initials with stars (`A*** W***`), NIK and phone
  as `6471********0003`, e-mail as `a***@example.id`, no address; an anonymous case shows no
  identity at all. A pimpinan, who sees no personal data on the desk either, gets the masked
  name alone. Every masked value holds a `*`, so an import can tell it is not real data;
- **public** (`--public`): no reporter whatsoever.

The service refuses `personal` to anyone but an admin, whatever the interface offered.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from desk.case_view import mask, mask_email
from desk.errors import ActionRefused
from desk.exporting import texts as _texts  # noqa: F401  (registers the texts)
from desk.exporting.options import ExportOptions
from desk.i18n import role_label, t
from desk.workflow import Actor, Role

REPORTER_FIELDS = ("name", "nik", "phone", "email", "address")


class Privacy(StrEnum):
    PERSONAL = "personal"
    MASKED = "masked"
    PUBLIC = "public"


def privacy_for(options: ExportOptions, actor: Actor) -> Privacy:
    """The level `options` ask for, refused when `actor` may not have it."""
    if options.public:
        return Privacy.PUBLIC
    if options.include_personal:
        if actor.role is not Role.ADMIN:
            raise ActionRefused(
                t(
                    "refuse.admin_only",
                    action=t("export.action.personal"),
                    nip=actor.nip,
                    role=role_label(actor.role.value),
                )
            )
        return Privacy.PERSONAL
    return Privacy.MASKED


def mask_name(value: str | None) -> str | None:
    """ "Andi Wijaya" → "A*** W***": the initials, and a mark that it is masked."""
    if not value or not value.strip():
        return None
    return " ".join(f"{word[0]}***" for word in value.split())


def reporter_for(
    privacy: Privacy, role: Role, reporter: dict[str, Any] | None, anonymous: bool
) -> dict[str, Any] | None:
    """The reporter object of one case at `privacy` (see docs/case-format.md).

    None when nobody is recorded or the export is public; every field None (with "masked")
    when the identity is withheld.
    """
    if privacy is Privacy.PUBLIC or reporter is None:
        return None
    if privacy is Privacy.PERSONAL:
        return {**{name: reporter.get(name) for name in REPORTER_FIELDS}, "masked": False}
    withheld = {name: None for name in REPORTER_FIELDS}
    if anonymous:
        return {**withheld, "masked": True}
    if role is Role.PIMPINAN:
        return {**withheld, "name": mask_name(reporter.get("name")), "masked": True}
    return {
        "name": mask_name(reporter.get("name")),
        "nik": mask(reporter.get("nik")),
        "phone": mask(reporter.get("phone")),
        "email": mask_email(reporter.get("email")),
        "address": None,
        "masked": True,
    }
