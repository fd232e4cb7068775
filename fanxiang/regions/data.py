"""Reference data for Zhoukou (../shared/reference/policy-facts.md §3)."""

PROVINCE = ("410000", "河南省")
CITY = ("411600", "周口市")

# (code, name, kind, resident population 7th census 2020 (approximate, for demo weighting))
COUNTIES = [
    ("411602", "川汇区", "district", 1030000),
    ("411603", "淮阳区", "district", 1000000),
    ("411621", "扶沟县", "county", 560000),
    ("411622", "西华县", "county", 690000),
    ("411623", "商水县", "county", 860000),
    ("411624", "沈丘县", "county", 880000),
    ("411625", "郸城县", "county", 970000),
    ("411627", "太康县", "county", 1070000),
    ("411628", "鹿邑县", "county", 880000),
    ("411681", "项城市", "county_city", 1050000),
]

# Functional zones the work plan addresses. They have no GB/T 2260 code: codes of our own scheme,
# counted inside 川汇区 for statistics; only the 经开区 has an NBS statistical code (411671).
ZONES = [
    ("411600Z01", "周口经济开发区", "411671"),
    ("411600Z02", "周口市城乡一体化示范区", ""),
    ("411600Z03", "周口港口物流产业集聚区", ""),
]
ZONE_STAT_PARENT = "411602"

# Retired codes still valid inside ID numbers (code, name, from, to, successor code)
HISTORIC_CODES = [
    ("411626", "淮阳县", 2000, 2019, "411603"),
    ("412700", "周口地区", None, 2000, "411600"),
    ("412701", "周口市（县级）", None, 2000, "411602"),
    ("412702", "项城市", 1993, 2000, "411681"),
    ("412729", "项城县", None, 1993, "411681"),
    ("412721", "扶沟县", None, 2000, "411621"),
    ("412722", "西华县", None, 2000, "411622"),
    ("412723", "商水县", None, 2000, "411623"),
    ("412724", "太康县", None, 2000, "411627"),
    ("412725", "鹿邑县", None, 2000, "411628"),
    ("412726", "郸城县", None, 2000, "411625"),
    ("412727", "淮阳县", None, 2000, "411603"),
    ("412728", "沈丘县", None, 2000, "411624"),
]
