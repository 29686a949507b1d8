from django.urls import path

from .views import HealthView, ProductListView, ProductStockReserveView

urlpatterns = [
    path("health/", HealthView.as_view(), name="health"),
    path("products/", ProductListView.as_view(), name="product-list"),
    path("products/<int:pk>/reserve/", ProductStockReserveView.as_view(), name="product-reserve"),
]
