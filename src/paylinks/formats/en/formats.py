"""English dates as written in Canada (CLDR en-CA): 2026-11-25, not the US 11/25/2026."""

DATE_FORMAT = "F j, Y"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "F j, Y, P"
SHORT_DATETIME_FORMAT = "Y-m-d P"
MONTH_DAY_FORMAT = "F j"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 0  # Sunday
