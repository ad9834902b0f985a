"""Plumbing without routes: base model, clock, permissions, errors, i18n, forms, seeding."""
