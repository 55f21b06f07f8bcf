from django.urls import path

from reliefline.places import views, views_map

app_name = "places"
urlpatterns = [
    path("autocomplete/", views.autocomplete, name="autocomplete"),
    path("pick/", views.pick, name="pick"),
    path("situation/", views_map.situation, name="situation"),
    path("situation/settlements.geojson", views_map.map_settlements, name="map_settlements"),
    path("situation/layers/<str:key>.geojson", views_map.map_layer, name="map_layer"),
    path("settlements/<str:place_id>/", views_map.settlement, name="settlement"),
]
