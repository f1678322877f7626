"""desk: a terminal complaint desk for officers working SP4N-LAPOR! complaints."""

__version__ = "0.1.0"
