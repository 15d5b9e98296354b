"""What the operators watch: `/health`, `/metrics` (Prometheus) and one JSON log line per request."""
