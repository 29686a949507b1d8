from rest_framework import serializers

from .models import Product, Reservation
from .services import reserve_stock


class ProductSerializer(serializers.ModelSerializer):
    available_stock = serializers.IntegerField(source="stock.available_stock", default=None,
                                               read_only=True)
    reserved_stock = serializers.IntegerField(source="stock.reserved_stock", default=None,
                                              read_only=True)
    warehouse_code = serializers.CharField(source="stock.warehouse_code", default=None,
                                           read_only=True)

    class Meta:
        model = Product
        fields = ["id", "name", "description", "price", "status", "available_stock",
                  "reserved_stock", "warehouse_code", "created_at"]


class ProductStockReserveSerializer(serializers.Serializer):
    """Validates the request; save() runs the reservation and returns a ReservationResult."""

    quantity = serializers.IntegerField(min_value=1, max_value=1000)

    def save(self, **kwargs):
        return reserve_stock(
            user=self.context["request"].user,
            product_id=self.context["product_id"],
            quantity=self.validated_data["quantity"],
        )


class ReservationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reservation
        fields = ["id", "product_id", "quantity", "status", "created_at"]


class ReservationField(serializers.Field):
    """Carries the Reservation instance from ReservationResult through validation."""

    def to_internal_value(self, data):
        if isinstance(data, Reservation):
            return data
        raise serializers.ValidationError("expected a Reservation")

    def to_representation(self, value):
        return ReservationSerializer(value).data


class ProductStockReserveResponseSerializer(serializers.Serializer):
    """Response of the reserve endpoint, built from a dict (the guide's section 2 fix)."""

    success = serializers.BooleanField()
    reservation = ReservationField(allow_null=True, required=False)
    error_message = serializers.CharField(allow_null=True, required=False)
    error_code = serializers.CharField(allow_null=True, required=False)


class ReservationResponseSerializer(serializers.Serializer):
    """The pre-fix response serializer (guide section 2, SAMPLE_FAULT_SERIALIZER=1): it
    expects reservation fields, so giving it the ReservationResult object itself fails with
    "'ReservationResult' object has no attribute 'product_id'"."""

    product_id = serializers.IntegerField()
    quantity = serializers.IntegerField()
    status = serializers.CharField()
