"""The old name of ``repair_counters``, kept so existing cron entries and runbooks keep working."""

from moderation.management.commands.repair_counters import Command as RepairCounters


class Command(RepairCounters):
    help = "Alias of repair_counters. " + RepairCounters.help
