from django.conf import settings
from django.urls import include, path
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from apps.products.views import BrokenLoginView

login_view = BrokenLoginView.as_view() if settings.SAMPLE_FAULT_LOGIN_500 else TokenObtainPairView.as_view()

urlpatterns = [
    path("api/token/", login_view, name="token_obtain_pair"),
    path("api/token/refresh/", TokenRefreshView.as_view(), name="token_refresh"),
    path("api/", include("apps.products.urls")),
]

if settings.SILK_ENABLED:
    urlpatterns.append(path("silk/", include("silk.urls", namespace="silk")))
