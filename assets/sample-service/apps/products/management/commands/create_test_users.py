from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create Locust test users <prefix><start>..<prefix><start+count-1> (existing ones are kept)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=100)
        parser.add_argument("--prefix", default="user")
        parser.add_argument("--password", default="testpass123")
        parser.add_argument("--start", type=int, default=1)

    def handle(self, *args, count, prefix, password, start, **options):
        User = get_user_model()
        field = User.USERNAME_FIELD
        wanted = [f"{prefix}{i}" for i in range(start, start + count)]
        existing = set(
            User.objects.filter(**{f"{field}__in": wanted}).values_list(field, flat=True)
        )
        # PBKDF2 costs ~0.25 s per call: hash once and share the hash across all users.
        password_hash = make_password(password) if len(existing) < len(wanted) else None
        new_users = [
            User(**{field: name}, password=password_hash, is_active=True)
            for name in wanted
            if name not in existing
        ]
        User.objects.bulk_create(new_users, batch_size=500)
        self.stdout.write(
            f"created {len(new_users)} users, {len(existing)} already existed "
            f"({wanted[0]}..{wanted[-1]}, password {'*' * len(password)})"
            if wanted
            else "nothing to do (--count 0)"
        )
