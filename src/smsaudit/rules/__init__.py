"""Blocked-window rules: profiles as data, holiday calendars, calendar tables.

Typical use by the audit: ``classify_sends(con, "fr-acoustic")`` builds ``holiday_calendar``,
``window_calendar`` and the view ``send_windows``; the SQL audit ``blocked_window_messages``
then reads ``send_windows``, and ``late_campaigns`` reads ``blocked_window_messages``.
"""

from smsaudit.rules.calendar import (
    build_window_calendar,
    calendar_for_sends,
    classify_sends,
    compare_profiles,
    profile_calendars,
)
from smsaudit.rules.holiday_calendar import holiday_table
from smsaudit.rules.profiles import DEFAULT_PROFILE, Profile, list_profiles, load_profile

__all__ = [
    "DEFAULT_PROFILE",
    "Profile",
    "build_window_calendar",
    "calendar_for_sends",
    "classify_sends",
    "compare_profiles",
    "holiday_table",
    "list_profiles",
    "load_profile",
    "profile_calendars",
]
