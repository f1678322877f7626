"""The reference central server: the system of record that field desks sync with.

- `store`: the central database (desk schema + offices, applied ops, change log), offices, tokens
- `apply`: applying pushed operations (dedup, scope, roles, the conflict rule)
- `feed`: the changes feed by cursor
- `app`: the HTTP app (Starlette) and its transport rules (auth, compression, limits)
- `testing`: `running_server`, a real server on 127.0.0.1 for tests
"""

from desk.central import texts as _texts  # noqa: F401  (registers the texts with desk.i18n)
