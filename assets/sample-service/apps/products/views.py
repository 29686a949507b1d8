from django.conf import settings
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Product
from .serializers import (
    ProductSerializer,
    ProductStockReserveResponseSerializer,
    ProductStockReserveSerializer,
    ReservationResponseSerializer,
)


class HealthView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"status": "ok"})


class ProductListView(APIView):
    def get(self, request):
        products = Product.objects.select_related("stock").order_by("id")
        return Response(ProductSerializer(products, many=True).data)


class ProductStockReserveView(APIView):
    def post(self, request, pk):
        serializer = ProductStockReserveSerializer(
            data=request.data, context={"request": request, "product_id": pk}
        )
        serializer.is_valid(raise_exception=True)
        reservation_result = serializer.save()

        if settings.SAMPLE_FAULT_SERIALIZER:
            # Guide section 2, the bug: the ReservationResult goes straight to the serializer.
            response_serializer = ReservationResponseSerializer(reservation_result)
            return Response(response_serializer.data, status=status.HTTP_201_CREATED)

        # Guide section 2, the fix: build the response data from the result.
        response_data = {
            "success": reservation_result.success,
            "reservation": reservation_result.reservation,
            "error_message": reservation_result.error_message,
            "error_code": reservation_result.error_code,
        }
        response_serializer = ProductStockReserveResponseSerializer(data=response_data)
        response_serializer.is_valid(raise_exception=True)
        code = status.HTTP_201_CREATED if reservation_result.success else status.HTTP_400_BAD_REQUEST
        return Response(response_serializer.data, status=code)


class BrokenLoginView(APIView):
    """SAMPLE_FAULT_LOGIN_500=1: the login endpoint fails with a server error."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def post(self, request):
        raise RuntimeError("SAMPLE_FAULT_LOGIN_500: login is broken on purpose")
