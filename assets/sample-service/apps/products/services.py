import os
import time
from dataclasses import dataclass
from typing import Optional

from django.db import transaction

from .models import Product, ProductStock, Reservation


@dataclass
class ReservationResult:
    success: bool
    reservation: Optional[Reservation] = None
    error_message: Optional[str] = None
    error_code: Optional[str] = None


def reserve_stock(user, product_id, quantity):
    """Reserve `quantity` units; the stock row is locked so concurrent users cannot oversell."""
    with transaction.atomic():
        try:
            stock = (
                ProductStock.objects.select_for_update()
                .select_related("product")
                .get(product_id=product_id, product__status=Product.Status.ACTIVE)
            )
        except ProductStock.DoesNotExist:
            return ReservationResult(
                success=False,
                error_message=f"product {product_id} not found or inactive",
                error_code="PRODUCT_NOT_FOUND",
            )
        # Real reservations work while holding the row (a payment call, an audit write); the demo
        # and doctor's tests set SAMPLE_RESERVE_HOLD_MS to show a hot-row lock (0: no hold).
        hold_ms = int(os.environ.get("SAMPLE_RESERVE_HOLD_MS") or 0)
        if hold_ms:
            time.sleep(hold_ms / 1000)
        if stock.available_stock < quantity:
            return ReservationResult(
                success=False,
                error_message=(
                    f"not enough stock: requested {quantity}, available {stock.available_stock}"
                ),
                error_code="OUT_OF_STOCK",
            )
        stock.available_stock -= quantity
        stock.reserved_stock += quantity
        stock.save(update_fields=["available_stock", "reserved_stock", "updated_at"])
        reservation = Reservation.objects.create(
            user=user, product_id=product_id, quantity=quantity
        )
        return ReservationResult(success=True, reservation=reservation)
