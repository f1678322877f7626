"""Data files shipped with desk (the LAPOR! category tree)."""
