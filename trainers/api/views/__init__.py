"""DRF views of the command API, one module per resource."""
