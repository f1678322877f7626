"""The desk side of sync: pull the changes feed, push the outbox (docs/sync-protocol.md)."""
