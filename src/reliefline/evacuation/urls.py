from django.urls import path

from reliefline.evacuation import views

app_name = "evacuation"
urlpatterns = [
    path("", views.corridors, name="corridors"),
    path("corridors/new/", views.corridor_create, name="corridor_create"),
    path("corridors/<int:pk>/", views.corridor_detail, name="corridor"),
    path("corridors/<int:pk>/status/", views.corridor_status, name="corridor_status"),
    path("corridors/<int:pk>/convoys/", views.convoy_create, name="convoy_create"),
    path("convoys/<int:pk>/", views.convoy_detail, name="convoy"),
    path("convoys/<int:pk>/departure/", views.convoy_reschedule, name="reschedule"),
    path("convoys/<int:pk>/vehicles/", views.convoy_vehicle_add, name="vehicle_add"),
    path("convoys/<int:pk>/allocate/", views.convoy_allocate, name="allocate"),
    path("convoys/<int:pk>/place/", views.convoy_place, name="place"),
    path("convoys/<int:pk>/unplace/", views.convoy_unplace, name="unplace"),
    path("convoys/<int:pk>/lock/", views.convoy_lock, name="lock"),
    path("convoys/<int:pk>/field/", views.field, name="field"),
    path("convoys/<int:pk>/field/mark/", views.mark_code, name="mark_code"),
    path("convoys/<int:pk>/reconciliation/", views.reconciliation, name="reconciliation"),
    path("vehicles/<int:pk>/manifest/", views.manifest, name="manifest"),
    path("manifests/<int:pk>/", views.manifest_issued, name="manifest_issued"),
    path("passengers/<str:code>/mark/", views.mark, name="mark"),
    path("cases/<str:reference>/request/", views.request_new, name="request_new"),
    path("requests/<int:pk>/cancel/", views.request_cancel, name="request_cancel"),
    path("requests/<int:pk>/amend/", views.request_amend, name="request_amend"),
]
