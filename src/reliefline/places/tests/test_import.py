from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reliefline.places.models import Place

pytestmark = pytest.mark.django_db

HEADER = "id,name_ru,name_uk,name_en,country,oblast,district,kind,lat,lon,population\n"
GUYEVO = "test:guyevo,Гуево,Гуєво,Guyevo,RU,Курская область,Суджанский район,,51.0956,35.2650,904\n"
SUDZHA = "test:sudzha,Суджа,Суджа,Sudzha,RU,Курская область,Суджанский район,,51.1961,35.2642,\n"


def import_settlements(path: Path) -> str:
    out = StringIO()
    call_command("import", "settlements", str(path), stdout=out)
    return out.getvalue()


def test_import_creates_settlements_and_reports_counts(tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    path.write_text(HEADER + GUYEVO + SUDZHA, encoding="utf-8")

    output = import_settlements(path)

    assert output.strip() == "Settlements: 2 created, 0 updated."
    assert Place.objects.get(pk="test:guyevo").name_uk == "Гуєво"


def test_import_again_updates_instead_of_duplicating(tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    path.write_text(HEADER + GUYEVO, encoding="utf-8")
    import_settlements(path)
    path.write_text(HEADER + GUYEVO.replace(",904", ",880"), encoding="utf-8")

    output = import_settlements(path)

    assert output.strip() == "Settlements: 0 created, 1 updated."
    assert Place.objects.get(pk="test:guyevo").population == 880


def test_import_with_a_bad_row_names_the_line_and_stores_nothing(tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    path.write_text(HEADER + GUYEVO + SUDZHA.replace("51.1961", "north"), encoding="utf-8")

    with pytest.raises(CommandError, match="Line 3"):
        import_settlements(path)

    assert not Place.objects.exists()


def test_import_without_required_columns_names_them(tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    path.write_text("id,name_en\ntest:x,Somewhere\n", encoding="utf-8")

    with pytest.raises(CommandError, match="country, lat, lon, name_ru, name_uk"):
        import_settlements(path)

    assert not Place.objects.exists()


def test_import_of_a_missing_file_fails_cleanly(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file"):
        import_settlements(tmp_path / "absent.csv")


def test_import_refuses_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    path.write_bytes((HEADER + GUYEVO).encode("cp1251"))

    with pytest.raises(CommandError, match="not UTF-8"):
        import_settlements(path)

    assert not Place.objects.exists()


def test_import_knows_only_settlements() -> None:
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("import", "warehouses", "x.csv")


@pytest.mark.parametrize(
    "row", ["test:short,Суджа,Суджа\n", SUDZHA.rstrip("\n") + ",extra,cells\n"]
)
def test_import_refuses_a_row_with_the_wrong_number_of_cells(tmp_path: Path, row: str) -> None:
    path = tmp_path / "places.csv"
    path.write_text(HEADER + GUYEVO + row, encoding="utf-8")

    with pytest.raises(CommandError, match="Line 3: wrong number of columns"):
        import_settlements(path)

    assert not Place.objects.exists()
