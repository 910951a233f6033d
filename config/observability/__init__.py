"""Request ids, structured logs and Prometheus metrics, for Django and FastAPI alike."""
