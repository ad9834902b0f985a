"""The audit trail's pages: browse and export ``audit_event`` rows (HR and admins).

The rows themselves are written by every feature through ``app.core.audit.record_audit`` and are
append-only (``app.core.audit`` refuses any update or delete from the application).
"""
