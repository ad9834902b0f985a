"""Object loaders of customer ratings: a record or 404 (kiosks and receipts included: a wrong,
revoked or forged token answers 404 like a missing page)."""

from flask import abort

from app.kiosk import queries
from app.kiosk.models import Hall, KioskDevice, Rating, Window
from app.kiosk.services import ReceiptContext, read_receipt


def get_kiosk_or_404(raw_token: str) -> KioskDevice:
    """The live kiosk of this device token, or 404 (unknown, revoked, window closed)."""
    device = queries.live_device(raw_token)
    if device is None:
        abort(404)
    return device


def get_receipt_or_404(token: str) -> ReceiptContext:
    """The verified receipt of this token, or 404 (malformed, forged, unknown)."""
    context = read_receipt(token)
    if context is None:
        abort(404)
    return context


def get_hall_or_404(hall_id: int) -> Hall:
    """The hall with this id, or 404."""
    hall = queries.hall_by_id(hall_id)
    if hall is None:
        abort(404)
    return hall


def get_window_or_404(window_id: int, hall: Hall | None = None) -> Window:
    """The window with this id (of ``hall`` when given), or 404."""
    window = queries.window_by_id(window_id)
    if window is None or (hall is not None and window.hall_id != hall.id):
        abort(404)
    return window


def get_device_or_404(device_id: int) -> KioskDevice:
    """The kiosk device with this id, or 404."""
    device = queries.device_by_id(device_id)
    if device is None:
        abort(404)
    return device


def get_rating_or_404(rating_id: int) -> Rating:
    """The rating with this id, or 404."""
    rating = queries.rating_by_id(rating_id)
    if rating is None:
        abort(404)
    return rating


def get_reason_or_404(reason_id: int):
    """The reason with this id, or 404."""
    reason = queries.reason_by_id(reason_id)
    if reason is None:
        abort(404)
    return reason
