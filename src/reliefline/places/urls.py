from django.urls import path

from reliefline.places import views

app_name = "places"
urlpatterns = [
    path("autocomplete/", views.autocomplete, name="autocomplete"),
    path("pick/", views.pick, name="pick"),
]
