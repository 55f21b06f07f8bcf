"""Items, warehouses, the append-only stock ledger, aid plans and distributions."""

from django.urls import path

from reliefline.aid import views

app_name = "aid"
urlpatterns = [
    path("", views.stock_page, name="stock"),
    path("receive/", views.receive_page, name="receive"),
    path("ledger/", views.ledger_page, name="ledger"),
    path("ledger/change/", views.stock_change, name="stock_change"),
    path("movements/<int:movement_id>/reverse/", views.movement_reverse_view, name="reverse"),
    path("plans/", views.plans_page, name="plans"),
    path("plans/<int:plan_id>/", views.plan_page, name="plan"),
    path("field/", views.field_page, name="field"),
    path("field/households/<int:household_id>/", views.household_page, name="household"),
    path("refusals/", views.refusals_page, name="refusals"),
    path("refusals/report/", views.refusal_report, name="refusal_report"),
    path("refusals/<int:refusal_id>/settle/", views.refusal_settle, name="refusal_settle"),
    path("reports/", views.reports_page, name="reports"),
    path("reports/<str:name>.<str:fmt>", views.report_download, name="report"),
]
