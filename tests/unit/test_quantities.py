"""Kubernetes quantities parse to base units, and anything else is refused."""

from decimal import Decimal

import pytest

from components.config.quantities import parse_quantity


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("250m", Decimal("0.25")),
        ("1", Decimal(1)),
        ("0.5", Decimal("0.5")),
        ("512Mi", Decimal(512 * 1024**2)),
        ("1Gi", Decimal(1024**3)),
        ("1G", Decimal(10**9)),
        ("1e3", Decimal(1000)),
        ("1.5Gi", Decimal("1.5") * 1024**3),
    ],
)
def test_quantities_parse_to_base_units(text, value):
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "lots", "1 Gi", "1GB", "Mi", "1.2.3"])
def test_non_quantities_are_refused(text):
    with pytest.raises(ValueError, match="is not a Kubernetes quantity"):
        parse_quantity(text)


def test_binary_and_decimal_suffixes_compare_correctly():
    assert parse_quantity("1Gi") > parse_quantity("1G")
    assert parse_quantity("1024Mi") == parse_quantity("1Gi")
