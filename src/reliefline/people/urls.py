from django.urls import path

from reliefline.people import views, views_operations

app_name = "people"
urlpatterns = [
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/search/", views_operations.dedupe, name="dedupe"),
    path("duplicates/<int:cluster_id>/", views.cluster, name="cluster"),
    path("duplicates/pairs/<int:pair_id>/merge/", views.pair_merge, name="pair_merge"),
    path("duplicates/pairs/<int:pair_id>/distinct/", views.pair_distinct, name="pair_distinct"),
    path("merges/<int:merge_id>/", views.merge_detail, name="merge"),
    path("merges/<int:merge_id>/undo/", views.merge_undo_view, name="merge_undo"),
    path("import/", views_operations.people_import, name="import"),
]
