"""Inbound messages from real senders and outbound notices to residents."""

from django.urls import path

from reliefline.channels import views, webhooks

app_name = "channels"
urlpatterns = [
    path("twilio/", webhooks.twilio_inbound, name="twilio"),
    path("twilio/status/", webhooks.twilio_status, name="twilio_status"),
    path("telegram/", webhooks.telegram_update, name="telegram"),
    path("rapidpro/", webhooks.rapidpro_webhook, name="rapidpro"),
    path("kobo/", webhooks.kobo_submission, name="kobo"),
    path("broadcasts/", views.broadcasts, name="broadcasts"),
    path("broadcasts/new/", views.broadcast_new, name="broadcast_new"),
    path("broadcasts/<int:pk>/", views.broadcast, name="broadcast"),
    path("notices/templates/", views.notice_templates, name="notice_templates"),
]
