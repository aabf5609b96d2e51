import pytest
from django.core.exceptions import ValidationError

from commons.validators import validate_tax_code


@pytest.mark.parametrize("value", ["00743110157", "00488410010", "RSSMRA85T10A562S"])
def test_valid_tax_codes_pass(value):
    validate_tax_code(value)


@pytest.mark.parametrize("value", ["00743110158", "1234567890", "RSSMRA85T10A562T", "abc"])
def test_invalid_tax_codes_are_refused_with_a_code(value):
    with pytest.raises(ValidationError) as error:
        validate_tax_code(value)
    assert error.value.code == "invalid_tax_code"
