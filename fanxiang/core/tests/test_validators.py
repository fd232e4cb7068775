"""Identifier validators (ID number, unified social credit code, mobile) and the /tools API."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric

from fanxiang.conftest import ApiClient
from fanxiang.core.errors import InvalidInput
from fanxiang.core.validators import (
    check_credit_code,
    check_id_number,
    check_mobile,
    mask_id_number,
    mask_mobile,
    normalize_mobile,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)

VALID_ID = "11010519491231002X"
VALID_USCC = "91110000600037341L"
BAD_CHECKSUM_USCC = "91350203M0001QAY9B"
TODAY = dt.date(2024, 6, 1)


def make_id(body17: str) -> str:
    """An 18-digit number with a correct ISO 7064 MOD 11-2 check character."""
    assert len(body17) == 17
    return body17 + ric.calc_check_digit(body17 + "0")


# --------------------------------------------------------------------------- citizen ID number


def test_valid_id_number_reports_birth_sex_and_birthplace():
    result = check_id_number(VALID_ID, today=TODAY)
    assert result.valid
    assert result.code == "id.valid"
    assert result.value == VALID_ID
    assert result.info["birth_date"] == dt.date(1949, 12, 31)
    assert result.info["sex"] == "F"
    assert result.info["birthplace"]["code"] == "110105"
    assert "朝阳" in result.info["birthplace"]["name"]


def test_male_sex_from_odd_17th_digit():
    number = make_id("41162519850101001")
    result = check_id_number(number, today=TODAY)
    assert result.valid, result.code
    assert result.info["sex"] == "M"


@pytest.mark.parametrize("check", [c for c in "0123456789X" if c != "X"])
def test_any_other_check_character_is_rejected(check):
    result = check_id_number(VALID_ID[:17] + check, today=TODAY)
    assert not result.valid
    assert result.code == "id.invalid_checksum"


def test_lowercase_x_is_accepted_and_upper_cased():
    result = check_id_number(VALID_ID.lower(), today=TODAY)
    assert result.valid, result.code
    assert result.value == VALID_ID


def test_spaces_are_ignored():
    result = check_id_number("110105 19491231 002X", today=TODAY)
    assert result.valid, result.code
    assert result.value == VALID_ID


def test_impossible_birth_date_is_rejected():
    number = make_id("41162519850230001")  # 30 February 1985
    assert number[17] == ric.calc_check_digit(number)  # checksum right, so the date is what fails
    result = check_id_number(number, today=TODAY)
    assert not result.valid
    assert result.code == "id.invalid_birth_date"


def test_birth_date_before_1900_is_rejected():
    result = check_id_number(make_id("11010518991231002"), today=TODAY)
    assert not result.valid
    assert result.code == "id.invalid_birth_date"


def test_future_birth_date_is_rejected():
    number = make_id("41162520240602001")
    result = check_id_number(number, today=TODAY)
    assert not result.valid
    assert result.code == "id.birth_date_in_future"
    # the day itself is fine
    assert check_id_number(make_id("41162520240601001"), today=TODAY).valid


def test_future_birth_date_without_explicit_today():
    future = dt.date.today() + dt.timedelta(days=400)
    number = make_id(f"411625{future:%Y%m%d}001")
    result = check_id_number(number)
    assert not result.valid
    assert result.code == "id.birth_date_in_future"


def test_unknown_address_code_is_rejected():
    result = check_id_number(make_id("99999919850101001"), today=TODAY)
    assert not result.valid
    assert result.code == "id.unknown_birthplace_code"


@pytest.mark.parametrize(
    ("code", "name_part"),
    [
        ("411626", "淮阳"),  # 淮阳县 2000-2019, now 411603 淮阳区
        ("412726", "郸城"),  # 郸城县 of 周口地区, retired 2000
    ],
)
def test_historic_address_codes_are_valid(code, name_part):
    result = check_id_number(make_id(f"{code}19850101001"), today=TODAY)
    assert result.valid, result.code
    assert result.info["birthplace"]["code"] == code
    assert name_part in result.info["birthplace"]["name"]


def test_code_created_after_birth_year_is_valid():
    # 411603 淮阳区 exists since 2019: a person born 1985 may have been issued the number in 2019+.
    result = check_id_number(make_id("41160319850101001"), today=TODAY)
    assert result.valid, result.code
    assert result.code == "id.valid"


def test_code_retired_before_birth_year_is_rejected():
    result = check_id_number(make_id("41272620050101001"), today=TODAY)
    assert not result.valid
    assert result.code == "id.birthplace_code_retired"


def test_code_retired_in_the_birth_year_is_still_valid():
    result = check_id_number(make_id("41272620000101001"), today=TODAY)
    assert result.valid, result.code


def test_15_digit_legacy_number_is_converted():
    legacy = "110105491231002"
    expected_body = "11010519491231002"
    result = check_id_number(legacy, today=TODAY)
    assert result.valid
    assert result.code == "id.converted_from_15_digit"
    assert len(result.value) == 18
    assert result.value == expected_body + ric.calc_check_digit(expected_body + "0")
    assert result.value == VALID_ID
    assert result.info["converted_from"] == legacy
    assert result.info["birth_date"] == dt.date(1949, 12, 31)


def test_15_digit_number_with_letters_is_rejected():
    result = check_id_number("11010549123100X", today=TODAY)
    assert not result.valid
    assert result.code == "id.invalid_format"


@pytest.mark.parametrize("raw", ["1101051949123100", "11010519491231002X1", "1234567890", "1"])
def test_wrong_length_is_rejected(raw):
    result = check_id_number(raw, today=TODAY)
    assert not result.valid
    assert result.code == "id.invalid_length"


@pytest.mark.parametrize("raw", ["", None, "   "])
def test_empty_id_number_is_required(raw):
    result = check_id_number(raw, today=TODAY)
    assert not result.valid
    assert result.code == "id.required"


def test_letters_inside_id_number_are_a_format_error():
    result = check_id_number("1101051949123100AX", today=TODAY)
    assert not result.valid
    assert result.code == "id.invalid_format"


def test_validate_id_number_raises_with_field_and_code():
    assert validate_id_number(VALID_ID.lower()) == VALID_ID
    with pytest.raises(InvalidInput) as exc:
        validate_id_number(VALID_ID[:17] + "1", field_name="applicant_id")
    assert exc.value.code == "id.invalid_checksum"
    assert exc.value.status == 422
    assert list(exc.value.errors) == ["applicant_id"]


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (VALID_ID, "1101**********002X"),
        ("", ""),
        (None, ""),
        ("12345678", "********"),
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


def test_mask_id_number_hides_birth_date():
    masked = mask_id_number(VALID_ID)
    assert len(masked) == 18
    assert "19491231" not in masked


# --------------------------------------------------------------------------- unified social credit code


def test_valid_credit_code():
    result = check_credit_code(VALID_USCC)
    assert result.valid
    assert result.code == "uscc.valid"
    assert validate_credit_code(VALID_USCC) == (VALID_USCC, False)


def test_credit_code_is_normalised():
    result = check_credit_code(" 9111 0000-6000 3734 1l ")
    assert result.valid, result.code
    assert result.value == VALID_USCC


def test_credit_code_checksum_mismatch_is_an_overridable_warning():
    result = check_credit_code(BAD_CHECKSUM_USCC)
    assert not result.valid
    assert result.code == "uscc.checksum_mismatch"
    assert result.warning


def test_credit_code_override_with_reason():
    assert validate_credit_code(BAD_CHECKSUM_USCC, override_reason="营业执照原件核对无误") == (
        BAD_CHECKSUM_USCC,
        True,
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_credit_code_override_without_reason_raises(reason):
    with pytest.raises(InvalidInput) as exc:
        validate_credit_code(BAD_CHECKSUM_USCC, override_reason=reason)
    assert exc.value.code == "uscc.checksum_mismatch"
    assert "credit_code" in exc.value.errors


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_credit_code_forbidden_letters(letter):
    raw = VALID_USCC[:10] + letter + VALID_USCC[11:]
    result = check_credit_code(raw)
    assert not result.valid
    assert result.code == "uscc.invalid_character"
    assert letter in result.message


def test_credit_code_forbidden_letter_cannot_be_overridden():
    with pytest.raises(InvalidInput) as exc:
        validate_credit_code(VALID_USCC[:17] + "I", override_reason="照抄营业执照")
    assert exc.value.code == "uscc.invalid_character"


@pytest.mark.parametrize("raw", [VALID_USCC[:17], VALID_USCC + "1", "9111"])
def test_credit_code_wrong_length(raw):
    result = check_credit_code(raw)
    assert not result.valid
    assert result.code == "uscc.invalid_length"
    with pytest.raises(InvalidInput) as exc:
        validate_credit_code(raw, override_reason="理由")
    assert exc.value.code == "uscc.invalid_length"


def test_credit_code_required():
    assert check_credit_code("").code == "uscc.required"
    assert check_credit_code(None).code == "uscc.required"


# --------------------------------------------------------------------------- mobile numbers


@pytest.mark.parametrize(
    "raw", ["+86 138-0013-8000", "0086 13800138000", "138 0013 8000", "13800138000", "8613800138000"]
)
def test_mobile_is_normalised(raw):
    assert normalize_mobile(raw) == "13800138000"
    result = check_mobile(raw)
    assert result.valid
    assert result.code == "mobile.valid"
    assert result.value == "13800138000"
    assert validate_mobile(raw) == "13800138000"


@pytest.mark.parametrize("raw", ["12800138000", "1380013800", "138001380001", "1380013800a", "23800138000"])
def test_invalid_mobile(raw):
    result = check_mobile(raw)
    assert not result.valid
    assert result.code == "mobile.invalid"
    with pytest.raises(InvalidInput) as exc:
        validate_mobile(raw)
    assert exc.value.code == "mobile.invalid"
    assert "mobile" in exc.value.errors


def test_mobile_required():
    assert check_mobile("").code == "mobile.required"
    assert check_mobile(" - ").code == "mobile.required"


def test_mask_mobile():
    assert mask_mobile("13800138000") == "138****8000"
    assert mask_mobile("") == ""
    assert mask_mobile(None) == ""
    assert mask_mobile("12345") == "*****"


# --------------------------------------------------------------------------- API


CHECK_ID_KEYS = {"valid", "code", "message", "birth_date", "sex", "birthplace"}


def test_api_check_id_valid(api):
    response = api("officer_411625").post("/api/v1/tools/check-id", {"id_number": VALID_ID.lower()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert CHECK_ID_KEYS <= set(body)
    assert body["valid"] is True
    assert body["code"] == "id.valid"
    assert body["message"]
    assert body["birth_date"] == "1949-12-31"
    assert body["sex"] == "F"
    assert body["birthplace"]["code"] == "110105"
    assert "朝阳" in body["birthplace"]["name"]
    assert set(body["birthplace"]) == {"code", "name"}


def test_api_check_id_converts_15_digit(api):
    response = api("officer_411625").post("/api/v1/tools/check-id", {"id_number": "110105491231002"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["valid"] is True
    assert body["code"] == "id.converted_from_15_digit"
    assert body["id_number"] == VALID_ID


@pytest.mark.parametrize(
    ("number", "code"),
    [
        (VALID_ID[:17] + "1", "id.invalid_checksum"),
        (make_id("41162519850230001"), "id.invalid_birth_date"),
        (make_id("99999919850101001"), "id.unknown_birthplace_code"),
        (make_id("41272620050101001"), "id.birthplace_code_retired"),
        ("1101051949", "id.invalid_length"),
    ],
)
def test_api_check_id_invalid(api, number, code):
    response = api("officer_411625").post("/api/v1/tools/check-id", {"id_number": number})
    assert response.status_code == 200, response.content
    body = response.json()
    assert CHECK_ID_KEYS <= set(body)
    assert body["valid"] is False
    assert body["code"] == code
    assert body["message"]
    assert body["birth_date"] is None
    assert body["sex"] is None
    assert body["birthplace"] is None


def test_api_check_uscc(api):
    client = api("officer_411625")
    ok = client.post("/api/v1/tools/check-uscc", {"credit_code": VALID_USCC})
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert {"valid", "code", "message"} <= set(body)
    assert body["valid"] is True
    assert body["code"] == "uscc.valid"

    warn = client.post("/api/v1/tools/check-uscc", {"credit_code": BAD_CHECKSUM_USCC}).json()
    assert warn["valid"] is False
    assert warn["code"] == "uscc.checksum_mismatch"
    assert warn["overridable"] is True

    bad = client.post("/api/v1/tools/check-uscc", {"credit_code": VALID_USCC[:17] + "O"}).json()
    assert bad["valid"] is False
    assert bad["code"] == "uscc.invalid_character"
    assert bad["overridable"] is False

    short = client.post("/api/v1/tools/check-uscc", {"credit_code": "9111"}).json()
    assert short["code"] == "uscc.invalid_length"


def test_api_check_id_missing_field_is_422(api):
    response = api("officer_411625").post("/api/v1/tools/check-id", {})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "request.invalid"
    assert "id_number" in body["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/api/v1/tools/check-id", {"id_number": VALID_ID}),
        ("/api/v1/tools/check-uscc", {"credit_code": VALID_USCC}),
    ],
)
def test_api_tools_require_login(path, payload):
    response = ApiClient().post(path, payload)
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"


# --------------------------------------------------------------------------- free text


@pytest.mark.parametrize(
    "value",
    [
        "张\u0007\u001b三",
        "张\x00三",
        "张\ud800三",
        "张\u202e三",
        "张\u200b三",
        "张\ufeff三",
        "张\x85三",
        "张\n三",
    ],
)
def test_validate_text_refuses_invalid_characters(value):
    from fanxiang.core.validators import validate_text

    with pytest.raises(InvalidInput) as exc:
        validate_text(value, field_name="name", label="姓名")
    assert exc.value.code == "text.invalid_character"
    assert "name" in exc.value.errors
    assert "姓名含有不可见或控制字符" in exc.value.errors["name"][0]


def test_validate_text_multiline_allows_newline_and_tab_only():
    from fanxiang.core.validators import validate_text

    assert validate_text("第一行\n\t第二行", field_name="notes", multiline=True) == "第一行\n\t第二行"
    with pytest.raises(InvalidInput):
        validate_text("第一行\x00", field_name="notes", multiline=True)


def test_clean_text_strips_invalid_characters():
    from fanxiang.core.validators import clean_text

    assert clean_text("张\u0007\u001b\u200b三") == "张三"
    assert clean_text("a\nb\tc\x00\ud800", multiline=True) == "a\nb\tc"
    assert clean_text("a\nb") == "ab"
