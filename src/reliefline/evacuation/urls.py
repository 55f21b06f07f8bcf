from django.urls import URLPattern

app_name = "evacuation"
urlpatterns: list[URLPattern] = []
