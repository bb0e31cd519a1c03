"""The sample month's generator, in parts: rules, world, writers, oracle.

Standard library only; nothing here imports smsaudit (the oracle must not share the audit's
code).
"""
