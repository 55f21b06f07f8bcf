from django.urls import path

from reliefline.partners import views

app_name = "partners"
urlpatterns = [
    path("", views.portal, name="portal"),
    path("referrals/<str:referral_id>/accept/", views.referral_accept, name="referral_accept"),
    path("referrals/<str:referral_id>/decline/", views.referral_decline, name="referral_decline"),
]
