"""The desk side of sync: pull the changes feed, push the outbox (docs/sync-protocol.md).

`run_sync` is the one entry point for the CLI and the TUI; `desk.sync.conflicts` resolves what
the server could not merge; `desk.sync.remote` keeps the URL and the office token.
"""
