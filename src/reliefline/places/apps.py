from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "reliefline.places"
    label = "places"
    verbose_name = "Places"

    def ready(self) -> None:
        from reliefline.hotline.retention import cases_purged
        from reliefline.places.cases import case_names, claims_forget_purged
        from reliefline.places.claims import register_case_names

        # A claim from a resident's report names its case, which lives above this app:
        # hotline's names refuse a note that names the caller, and its purge empties
        # the notes of its cases' claims.
        register_case_names(case_names)
        cases_purged.connect(claims_forget_purged, dispatch_uid="places_retention")
