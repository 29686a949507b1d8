# doctor's users fix: create the locustfile's missing load-test users.
# Run as `python manage.py shell -c <this file>`. Django hashes the shared password ONCE
# (make_password, the project's own hasher); the users are bulk-inserted with that hash in
# batches, in one transaction. Hashing per user (PBKDF2, ~0.25 s each) would take 40 minutes
# for 10,000 users. Names come from DOCTOR_FIX_ARGS (JSON); the password from
# DOCTOR_FIX_PASSWORD, never printed.
import json
import os
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

args = json.loads(os.environ["DOCTOR_FIX_ARGS"])
names = args.get("names") or [
    "%s%d%s" % (args["prefix"], n, args["suffix"]) for n in range(args["low"], args["high"] + 1)
]
batch = int(args.get("batch", 1000))
User = get_user_model()
field = User.USERNAME_FIELD

existing = set(User.objects.filter(**{field + "__in": names}).values_list(field, flat=True)) \
    if len(names) <= 5000 else set(User.objects.values_list(field, flat=True))
missing = [name for name in names if name not in existing]
# Progress and summary are JSON lines: doctor words them in the reader's language.
print(json.dumps({"total": len(names), "existing": len(names) - len(missing),
                  "creating": len(missing)}))
sys.stdout.flush()

password_hash = make_password(os.environ["DOCTOR_FIX_PASSWORD"])
created = 0
with transaction.atomic():
    for start in range(0, len(missing), batch):
        chunk = missing[start:start + batch]
        users = []
        for name in chunk:
            user = User(**{field: name})
            user.password = password_hash
            if field != "email" and hasattr(user, "email") and "@" in name:
                user.email = name
            users.append(user)
        User.objects.bulk_create(users, batch_size=batch)
        created += len(chunk)
        print(json.dumps({"done": created, "of": len(missing)}))
        sys.stdout.flush()
    # Inside the transaction, default=str: a failing summary keeps nothing half-done.
    print(json.dumps({"created": created, "already_existed": len(names) - len(missing)},
                     default=str))
