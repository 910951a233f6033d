"""Other apps' admins (users, groups, tokens) get the same safe change-list filters as ours.

Imported last by ``trainers.admin`` (``trainers`` is the last installed app, so every
other app's admin is registered by then): each registered admin without
``SafeFilters`` is registered again as a subclass with it.
"""

from __future__ import annotations

from django.contrib import admin

from trainers.admin.base import SafeFilters

for model, model_admin in list(admin.site._registry.items()):
    if not isinstance(model_admin, SafeFilters):
        cls = type(model_admin)
        admin.site.unregister(model)
        admin.site.register(model, type(f"Safe{cls.__name__}", (SafeFilters, cls), {}))
