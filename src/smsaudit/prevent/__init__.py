"""Prevention: the audit's rules before sending.

``periods`` gives planners the allowed and blocked periods (``smsaudit calendar``: CSV and
iCalendar); ``check`` tells, for a planned send list or campaign schedule, what the audit
would flag and which recipients are suppressed (``smsaudit check``).
"""
