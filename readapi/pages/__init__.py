"""The public directory: server-rendered pages over the query handlers (docs/pages.md)."""
