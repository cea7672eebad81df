"""Demo data: declared scenarios replayed through the services (never imported by the domain)."""
