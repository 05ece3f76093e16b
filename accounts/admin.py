"""The member admin (profile, counters, bans) is registered by moderation (moderation/admin_accounts.py): it
carries the ban actions, and accounts imports no moderation code."""
