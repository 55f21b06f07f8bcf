from django.urls import path

from reliefline.access import views

app_name = "access"
urlpatterns = [
    path("audit/", views.audit, name="audit"),
]
urlpatterns += [path("2fa/", views.two_factor, name="two_factor")]
