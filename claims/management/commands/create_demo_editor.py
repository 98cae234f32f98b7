"""Create (or reset) the demo editor account and print its credentials.

Exists so `make demo` leaves a fresh machine with someone who can sign in and review claims. Each run
sets a new random password, so a demo database never keeps a guessable one.
"""

import secrets

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction


class Command(BaseCommand):
    help = "Create or reset the demo editor account (in the Editors group) and print its password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="editor", help="Account name (default: editor)")
        parser.add_argument(
            "--password", help="Use this password instead of a random one (at least 12 characters)"
        )

    @transaction.atomic
    def handle(self, *args: object, username: str, password: str | None, **options: object) -> None:
        if password is not None and len(password) < 12:
            raise CommandError("--password must be at least 12 characters long.")
        password = password or secrets.token_urlsafe(12)
        user, created = User.objects.get_or_create(username=username)
        user.is_staff = True  # editors work in the admin as well as the review UI
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name="Editors"))
        verb = "Created" if created else "Reset"
        self.stdout.write(self.style.SUCCESS(f"{verb} demo editor account."))
        self.stdout.write(f"  username: {username}\n  password: {password}")
