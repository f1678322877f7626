"""The reference central server: the system of record that field desks sync with."""
