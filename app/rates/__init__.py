"""On-time rates, the period report (Biểu II.06a) and the national scorecard's progress group."""
