from django.urls import path

from reliefline.hotline import claim_views, person_views, views

app_name = "hotline"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.new_case, name="new_case"),
    path("new/caller/", views.caller_lookup, name="caller_lookup"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("cases/<str:reference>/", views.case_detail, name="case"),
    path("cases/<str:reference>/status/", views.case_transition, name="case_transition"),
    path("cases/<str:reference>/notes/", views.case_note, name="case_note"),
    path("cases/<str:reference>/calls/", views.case_call, name="case_call"),
    path("cases/<str:reference>/callback/", views.case_callback, name="case_callback"),
    path("cases/<str:reference>/assign/", views.case_assign, name="case_assign"),
    path("cases/<str:reference>/needs/", views.case_needs, name="case_needs"),
    path("cases/<str:reference>/claim/", claim_views.case_claim, name="case_claim"),
    path("cases/<str:reference>/caller/", person_views.case_caller, name="case_caller"),
    path("cases/<str:reference>/members/", person_views.case_member, name="case_member"),
]
