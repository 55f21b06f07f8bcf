from django.urls import path

from reliefline.access import views

app_name = "access"
urlpatterns = [
    path("audit/", views.audit, name="audit"),
]
