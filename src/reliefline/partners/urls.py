from django.urls import path

from reliefline.partners import views

app_name = "partners"
urlpatterns = [
    path("", views.portal, name="portal"),
    path("activities/", views.activities, name="activities"),
    path("activities/new/", views.activity_new, name="activity_new"),
    path("activities/<int:activity_id>/", views.activity_edit, name="activity_edit"),
    path("referrals/<str:referral_id>/accept/", views.referral_accept, name="referral_accept"),
    path("referrals/<str:referral_id>/decline/", views.referral_decline, name="referral_decline"),
]
