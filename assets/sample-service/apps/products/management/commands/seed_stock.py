from django.core.management.base import BaseCommand
from django.db import transaction

from apps.products.models import Product, ProductStock

PRODUCT = {
    "name": "테스트 상품",
    "description": "Locust 테스트용 상품",
    "price": 10000,
    "status": "active",
}


class Command(BaseCommand):
    help = "Create the guide's test product and its stock; a second run tops the stock up."

    def add_arguments(self, parser):
        parser.add_argument("--quantity", type=int, default=10000)

    @transaction.atomic
    def handle(self, *args, quantity, **options):
        product = Product.objects.filter(name=PRODUCT["name"]).order_by("id").first()
        created_product = product is None
        if created_product:
            product = Product.objects.create(**PRODUCT)
        elif product.status != "active":
            product.status = "active"
            product.save(update_fields=["status"])

        stock, created_stock = ProductStock.objects.select_for_update().get_or_create(
            product=product,
            defaults={
                "physical_stock": quantity,
                "reserved_stock": 0,
                "available_stock": quantity,
                "min_stock_level": 100,
                "reorder_point": 500,
                "warehouse_code": "WH001",
            },
        )
        state = "created" if created_stock else "already sufficient"
        if not created_stock and stock.available_stock < quantity:
            # Top up: make `quantity` units available again, keeping existing reservations.
            added = quantity - stock.available_stock
            stock.available_stock = quantity
            stock.physical_stock += added
            stock.save(update_fields=["available_stock", "physical_stock", "updated_at"])
            state = f"topped up by {added}"
        self.stdout.write(
            f"product id={product.id} ({'created' if created_product else 'existing'}), "
            f"stock {state}: "
            f"available={stock.available_stock} reserved={stock.reserved_stock} "
            f"physical={stock.physical_stock}"
        )
