from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create loadtester_1 ... loadtester_N sharing one password (hashed once)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=50)
        parser.add_argument("--password", default="load-pass-1")

    def handle(self, *args, count, password, **options):
        User = get_user_model()
        hashed = make_password(password)
        names = [f"loadtester_{i}" for i in range(1, count + 1)]
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        User.objects.bulk_create([User(username=n, password=hashed) for n in names if n not in existing])
        self.stdout.write(f"created {count - len(existing)} load testers")
