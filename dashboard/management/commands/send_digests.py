"""`manage.py send_digests [--now] [--user EMAIL]`: send digests without waiting for beat."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from dashboard.models import NotificationPreference
from dashboard.notifications.digests import digest_send
from dashboard.selectors.notifications import digests_due

OUTCOMES = {
    "sent": "sent",
    "empty": "not sent: nothing waits (they did not ask for empty digests)",
    "already-sent": "not sent: already sent today",
    "no-address": "not sent: WebWork has no e-mail address for them",
    "reauth": "not sent: they must sign in with WebWork again",
}


class Command(BaseCommand):
    """Send digests now, for testing and support."""

    help = (
        "Send digests now. Without options: the digests due at this hour (as beat does). "
        "--now: everyone who asked for a digest, whatever their hour and day. "
        "--user EMAIL: that person's digest, of every workspace they manage, even if they "
        "never asked for one and even if nothing waits."
    )

    def add_arguments(self, parser):
        """--now and --user EMAIL."""
        parser.add_argument("--now", action="store_true", help="ignore hours and weekdays")
        parser.add_argument("--user", metavar="EMAIL", help="only this person (by e-mail)")

    def handle(self, *args, **options):
        """Send each chosen person's digest and say what happened."""
        email = (options["user"] or "").strip()
        if email:
            users = list(
                get_user_model().objects.filter(email__iexact=email, is_active=True).order_by("pk")
            )
            if not users:
                raise CommandError(f"No active dashboard user has the e-mail {email}.")
            runs = [(user.pk, user.email, False, True) for user in users]
        elif options["now"]:
            chosen = NotificationPreference.objects.filter(
                digest_enabled=True, user__is_active=True
            ).values_list("user_id", "user__email")
            runs = [(pk, address, False, False) for pk, address in chosen]
        else:
            due = digests_due()
            addresses = dict(get_user_model().objects.filter(pk__in=due).values_list("pk", "email"))
            runs = [(pk, addresses.get(pk, ""), True, False) for pk in due]
        sent = 0
        for user_id, address, scheduled, even_empty in runs:
            try:
                outcome = digest_send(user_id=user_id, scheduled=scheduled, even_empty=even_empty)
            except OSError as exc:  # smtplib's errors are OSErrors too
                self.stderr.write(f"{address}: not sent: the mail server failed ({exc})")
                continue
            sent += outcome == "sent"
            self.stdout.write(f"{address or f'user {user_id}'}: {OUTCOMES.get(outcome, outcome)}")
        self.stdout.write(f"{sent} digest{'s' if sent != 1 else ''} sent.")
