from django.conf import settings
from django.db import models


class Product(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "active"
        INACTIVE = "inactive", "inactive"

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    price = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name


class ProductStock(models.Model):
    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="stock")
    physical_stock = models.IntegerField(default=0)
    reserved_stock = models.IntegerField(default=0)
    available_stock = models.IntegerField(default=0)
    min_stock_level = models.IntegerField(default=0)
    reorder_point = models.IntegerField(default=0)
    warehouse_code = models.CharField(max_length=20, default="WH001")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.product_id}: {self.available_stock}"


class Reservation(models.Model):
    class Status(models.TextChoices):
        RESERVED = "reserved", "reserved"
        CANCELLED = "cancelled", "cancelled"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="reservations")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reservations")
    quantity = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RESERVED)
    created_at = models.DateTimeField(auto_now_add=True)
