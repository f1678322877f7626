"""Textual screens of the desk: inbox, case detail, reply (issue 3)."""
