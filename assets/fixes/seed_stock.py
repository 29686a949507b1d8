# doctor's stock fix: the guide's §5 test data, idempotent, in one transaction.
# Run as `python manage.py shell -c <this file>`; values come from DOCTOR_FIX_ARGS (JSON), never
# from text pasted into the code. The summary is printed inside the transaction, with
# default=str: a project's UUID primary keys, Decimal prices or datetimes must not crash it, and
# if anything fails after the writes, nothing is kept.
import json
import os

from django.apps import apps
from django.db import transaction

args = json.loads(os.environ["DOCTOR_FIX_ARGS"])
Product = apps.get_model(args["product_model"])
Stock = apps.get_model(args["stock_model"])
link = next(f.name for f in Stock._meta.concrete_fields if getattr(f, "related_model", None) is Product)
target = int(args["quantity"])

with transaction.atomic():
    product = Product.objects.filter(name="테스트 상품").order_by("pk").first()
    product_created = product is None
    if product_created:
        product = Product.objects.create(
            name="테스트 상품", description="Locust 테스트용 상품", price=10000, status="active"
        )
    elif getattr(product, "status", "active") != "active":
        product.status = "active"
        product.save()
    stock = Stock.objects.select_for_update().filter(**{link: product}).first()
    stock_created = stock is None
    added = 0
    if stock_created:
        stock = Stock.objects.create(
            **{link: product},
            physical_stock=target,
            reserved_stock=0,
            available_stock=target,
            min_stock_level=100,
            reorder_point=500,
            warehouse_code="WH001",
        )
    elif stock.available_stock < target:
        # Top up, never duplicate: a second run leaves one product with `target` available.
        added = target - stock.available_stock
        stock.available_stock += added
        stock.physical_stock += added
        stock.save()

    print(json.dumps({
        "product_id": product.pk,
        "product_created": product_created,
        "stock_created": stock_created,
        "added": added,
        "available_stock": stock.available_stock,
    }, default=str))
