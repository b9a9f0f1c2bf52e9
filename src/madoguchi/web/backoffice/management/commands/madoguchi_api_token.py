"""Issue an API token for a user: ``madoguchi manage madoguchi_api_token USER NAME`` (printed once)."""

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from madoguchi.web.backoffice.models import ApiToken


class Command(BaseCommand):
    help = "Issue an API token for USER (the token's rights are the user's roles). Printed once."

    def add_arguments(self, parser):
        parser.add_argument("user")
        parser.add_argument("name", help="what the token is for, e.g. vendor-x-juki")

    def handle(self, *args, user, name, **options):
        try:
            owner = User.objects.get(username=user)
        except User.DoesNotExist:
            raise CommandError(f"no user {user!r}") from None
        row, token = ApiToken.issue(owner, name[:100])
        from madoguchi.web.counter.services import audit

        audit(None, "api_token.issue", None, user=owner.username, name=row.name, prefix=row.prefix)
        self.stdout.write(token)
