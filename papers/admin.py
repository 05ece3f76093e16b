"""The admins of venues, authors and papers are registered by moderation (moderation/admin_papers.py): they
carry merging and unmerging, and papers imports no moderation code."""
