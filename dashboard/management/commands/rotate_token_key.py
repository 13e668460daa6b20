"""Re-encrypt every stored WebWork token with the first key of TOKEN_ENCRYPTION_KEY."""

from django.core.management.base import BaseCommand

from dashboard.webwork_oauth.tokens import tokens_reencrypt


class Command(BaseCommand):
    """`manage.py rotate_token_key`: run after putting a new key first in the list."""

    help = "Re-encrypt stored WebWork tokens with the first key of TOKEN_ENCRYPTION_KEY."

    def handle(self, *args, **options):
        """Re-encrypt and report how many rows changed or could not be read."""
        done, unreadable = tokens_reencrypt()
        self.stdout.write(f"Re-encrypted {done} token(s).")
        if unreadable:
            self.stdout.write(
                self.style.WARNING(
                    f"{unreadable} token(s) could not be decrypted with any configured key; "
                    "those people will be asked to sign in again."
                )
            )
