"""Which permission each page and endpoint needs: the role x action matrix in one place.

Roles get permissions in access.roles.ROLE_PERMISSIONS; every route of the project
is listed here with the permission it requires, PUBLIC or SIGNED_IN. The test
access/tests/test_matrix.py walks every URL pattern and every role and fails on a
route missing from this table, so a new endpoint cannot be forgotten.
"""

PUBLIC = "public"
SIGNED_IN = "signed-in"
# Webhooks: no user signs in; the sender proves itself with its signature or secret,
# so a request without one is refused whatever session or token comes with it.
SENDER_SIGNED = "sender-signed"
# The admin site checks staff status and model permissions itself.
ADMIN_PREFIX = "admin/"

ENDPOINTS: dict[tuple[str, str], str] = {
    ("GET", ""): SIGNED_IN,
    ("GET", "accounts/login/"): PUBLIC,
    ("POST", "accounts/logout/"): PUBLIC,
    ("POST", "i18n/setlang/"): PUBLIC,
    ("GET", "healthz"): PUBLIC,
    ("GET", "readyz"): PUBLIC,
    # Prometheus proves itself with RELIEFLINE_METRICS_TOKEN, not a user (reliefline.metrics).
    ("GET", "metrics"): SENDER_SIGNED,
    ("GET", "access/2fa/"): SIGNED_IN,
    ("GET", "access/audit/"): "access.view_audit",
    # Pages of the operator console.
    ("GET", "hotline/"): "hotline.view_case",
    ("GET", "hotline/new/"): "hotline.add_case",
    ("POST", "hotline/new/"): "hotline.add_case",
    ("GET", "hotline/new/caller/"): "hotline.add_case",
    ("GET", "hotline/dashboard/"): "hotline.view_dashboard",
    ("GET", "hotline/cases/<str:reference>/"): "hotline.view_case",
    ("POST", "hotline/cases/<str:reference>/status/"): "hotline.change_case",
    ("POST", "hotline/cases/<str:reference>/notes/"): "hotline.change_case",
    ("POST", "hotline/cases/<str:reference>/calls/"): "hotline.change_case",
    ("POST", "hotline/cases/<str:reference>/callback/"): "hotline.change_case",
    ("POST", "hotline/cases/<str:reference>/assign/"): "hotline.assign_case",
    ("POST", "hotline/cases/<str:reference>/claim/"): "places.add_claim",
    ("GET", "places/autocomplete/"): "places.view_place",
    ("GET", "places/pick/"): "places.view_place",
    # people: the duplicate review queue, merges and their undo.
    ("GET", "people/duplicates/"): "people.merge_person",
    ("GET", "people/duplicates/<int:cluster_id>/"): "people.merge_person",
    ("POST", "people/duplicates/pairs/<int:pair_id>/merge/"): "people.merge_person",
    ("POST", "people/duplicates/pairs/<int:pair_id>/distinct/"): "people.merge_person",
    ("GET", "people/merges/<int:merge_id>/"): "people.merge_person",
    ("POST", "people/merges/<int:merge_id>/undo/"): "people.merge_person",
    # people: the duplicate review queue, merges and their undo.
    ("GET", "people/duplicates/"): "people.merge_person",
    ("GET", "people/duplicates/<int:cluster_id>/"): "people.merge_person",
    ("POST", "people/duplicates/pairs/<int:pair_id>/merge/"): "people.merge_person",
    ("POST", "people/duplicates/pairs/<int:pair_id>/distinct/"): "people.merge_person",
    ("GET", "people/merges/<int:merge_id>/"): "people.merge_person",
    ("POST", "people/merges/<int:merge_id>/undo/"): "people.merge_person",
    # The JSON API (its schema and docs page describe endpoints, never data).
    ("GET", "api/v1/"): PUBLIC,
    ("GET", "api/v1/openapi.json"): PUBLIC,
    ("GET", "api/v1/docs"): PUBLIC,
    ("POST", "api/v1/cases"): "hotline.add_case",
    ("GET", "api/v1/cases"): "hotline.view_case",
    ("GET", "api/v1/cases/<reference>"): "hotline.view_case",
    ("POST", "api/v1/cases/<reference>/events"): "hotline.change_case",
    ("GET", "api/v1/places"): "places.view_place",
    ("GET", "api/v1/places/<place_id>"): "places.view_place",
    ("POST", "api/v1/places/claims"): "places.add_claim",
    ("GET", "api/v1/places/claims"): "places.view_claim",
    ("GET", "api/v1/places/claims/summary"): "places.view_claim",
    ("GET", "api/v1/people/match"): "people.view_person",
    ("POST", "api/v1/people/merges"): "people.merge_person",
    ("POST", "api/v1/people/merges/<merge_id>/undo"): "people.merge_person",
    ("POST", "api/v1/people/merges"): "people.merge_person",
    ("POST", "api/v1/people/merges/<merge_id>/undo"): "people.merge_person",
    ("GET", "api/v1/audit"): "access.view_audit",
    ("GET", "api/v1/subjects/<person_id>"): "hotline.export_subject",
    # channels (webhooks authenticate the sender themselves; see channels/webhooks.py).
    ("POST", "channels/twilio/"): SENDER_SIGNED,
    ("POST", "channels/twilio/status/"): SENDER_SIGNED,
    ("POST", "channels/telegram/"): SENDER_SIGNED,
    ("POST", "channels/rapidpro/"): SENDER_SIGNED,
    ("POST", "channels/kobo/"): SENDER_SIGNED,
    ("GET", "channels/broadcasts/"): "channels.view_broadcast",
    ("GET", "channels/broadcasts/new/"): "channels.add_broadcast",
    ("POST", "channels/broadcasts/new/"): "channels.add_broadcast",
    ("GET", "channels/broadcasts/<int:pk>/"): "channels.view_broadcast",
    ("GET", "report/"): PUBLIC,
    ("POST", "report/"): PUBLIC,
    # evacuation
    # aid
    ("POST", "api/v1/aid/items"): "aid.manage_stock",
    ("POST", "api/v1/aid/warehouses"): "aid.manage_stock",
    ("POST", "api/v1/aid/receipts"): "aid.manage_stock",
    ("POST", "api/v1/aid/distributions"): "aid.distribute",
    ("GET", "api/v1/aid/stock"): "aid.view_stock",
    ("GET", "api/v1/aid/movements"): "aid.view_movement",
    ("GET", "aid/"): "aid.view_stock",
    ("GET", "aid/receive/"): "aid.manage_stock",
    ("POST", "aid/receive/"): "aid.manage_stock",
    ("GET", "aid/plans/"): "aid.manage_stock",
    ("POST", "aid/plans/"): "aid.manage_stock",
    ("GET", "aid/plans/<int:plan_id>/"): "aid.manage_stock",
    ("GET", "aid/field/"): "aid.distribute",
    ("GET", "aid/field/households/<int:household_id>/"): "aid.distribute",
    ("POST", "aid/field/households/<int:household_id>/"): "aid.distribute",
    ("GET", "aid/reports/"): "aid.view_stock",
    ("GET", "aid/reports/<str:name>.<str:fmt>"): "aid.view_stock",
    # partners
    ("GET", "api/v1/partners/agreements"): "partners.view_sharingagreement",
    ("POST", "api/v1/partners/agreements"): "partners.add_sharingagreement",
    (
        "POST",
        "api/v1/partners/agreements/<agreement_id>/revoke",
    ): "partners.change_sharingagreement",
    ("GET", "api/v1/partners/activities"): "partners.view_activity",
    ("POST", "api/v1/partners/activities"): "partners.add_activity",
    ("GET", "api/v1/partners/cases"): "partners.view_shared_cases",
    ("GET", "api/v1/partners/referrals"): "partners.view_referral",
    ("POST", "api/v1/partners/referrals"): "partners.add_referral",
    ("POST", "api/v1/partners/referrals/<referral_id>/accept"): "partners.change_referral",
    ("POST", "api/v1/partners/referrals/<referral_id>/decline"): "partners.change_referral",
    ("GET", "api/v1/exports/3w.csv"): "partners.view_partner_portal",
    ("GET", "api/v1/exports/3w.xlsx"): "partners.view_partner_portal",
    ("GET", "api/v1/exports/needs.csv"): "partners.view_partner_portal",
    ("GET", "api/v1/exports/needs.xlsx"): "partners.view_partner_portal",
    ("GET", "api/v1/exports/claims.csv"): "partners.view_partner_portal",
    ("GET", "api/v1/exports/claims.xlsx"): "partners.view_partner_portal",
    ("GET", "api/v1/exports/settlements.geojson"): "partners.view_partner_portal",
}
