"""English formats that differ from Django's `en`; everything else falls through to it.

This product's English is British-style: its calendar and its "this week" start on Monday,
while Django's `en` starts weeks on Sunday.
"""

__all__ = ["FIRST_DAY_OF_WEEK"]  # read by name (django.utils.formats.get_format)

FIRST_DAY_OF_WEEK = 1  # Monday
