"""Bank files: ISO 20022 payment initiation out, status reports in, a CSV layout, and a bank simulator."""
