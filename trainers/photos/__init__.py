"""Trainer photos: renditions made at upload (renditions.py), kept in storage (files.py),
served from local storage at /media/ (media.py)."""
