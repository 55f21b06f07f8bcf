from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from reliefline import health, metrics
from reliefline.api import api
from reliefline.channels import views as channels_views
from reliefline.hotline.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("hotline/", include("reliefline.hotline.urls")),
    path("places/", include("reliefline.places.urls")),
    path("people/", include("reliefline.people.urls")),
    path("access/", include("reliefline.access.urls")),
    path("channels/", include("reliefline.channels.urls")),
    path("report/", channels_views.report, name="report"),
    path("evacuation/", include("reliefline.evacuation.urls")),
    path("aid/", include("reliefline.aid.urls")),
    path("partners/", include("reliefline.partners.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
]
