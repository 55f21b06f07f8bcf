from django.urls import path

from reliefline.access import views

app_name = "access"
urlpatterns = [
    path("audit/", views.audit, name="audit"),
    path("subjects/", views.subjects, name="subjects"),
]
urlpatterns += [path("2fa/", views.two_factor, name="two_factor")]
urlpatterns += [
    path("operations/<int:pk>/", views.operation, name="operation"),
    path("operations/<int:pk>/files/<str:name>", views.operation_file, name="operation_file"),
    path("keys/", views.keys, name="keys"),
    path("keys/rotate/", views.keys_rotate, name="keys_rotate"),
]
