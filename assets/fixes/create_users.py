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
from django.db import models, transaction

args = json.loads(os.environ["DOCTOR_FIX_ARGS"])
names = args.get("names") or [
    "%s%d%s" % (args["prefix"], n, args["suffix"]) for n in range(args["low"], args["high"] + 1)
]
batch = int(args.get("batch", 1000))
User = get_user_model()
field = User.USERNAME_FIELD



def fail(code, **facts):
    """A failure as one JSON line (doctor words it), never a traceback; exit 1."""
    print(json.dumps({"error": {"code": code, **facts}}, default=str))
    sys.stdout.flush()
    sys.exit(1)


def _local_part(name):
    kept = "".join(c if c.isalnum() or c in "._-+" else "_" for c in name.split("@")[0])
    return kept or "user"


def _email(limit):
    return lambda name, i: (name if "@" in name else f"{_local_part(name)}@loadtest.invalid")[:limit]


def fillers():
    """(attname, value(name, index)) for the fields the user model requires or keeps unique
    besides the login field, following its own field types: a unique e-mail column gets
    `name@loadtest.invalid` per user, not "" for all. Fields of unknown types are listed."""
    out, unknown = [], []
    for f in User._meta.concrete_fields:
        if f.primary_key or f.auto_created or f.name in (field, "password") or f.null:
            continue
        if f.has_default() or not (f.unique or not f.blank):
            continue
        limit = getattr(f, "max_length", None) or 254
        if isinstance(f, models.EmailField):
            out.append((f.attname, _email(limit)))
        elif isinstance(f, (models.CharField, models.TextField)):
            out.append((f.attname, lambda name, i, m=limit: name[:m]))
        elif isinstance(f, models.IntegerField):
            out.append((f.attname, lambda name, i: 1_000_000_000 + i))
        else:
            unknown.append(f"{f.name} ({type(f).__name__})")
    return out, unknown


existing = set(User.objects.filter(**{field + "__in": names}).values_list(field, flat=True)) \
    if len(names) <= 5000 else set(User.objects.values_list(field, flat=True))
missing = [name for name in names if name not in existing]
# Progress and summary are JSON lines: doctor words them in the reader's language.
print(json.dumps({"total": len(names), "existing": len(names) - len(missing),
                  "creating": len(missing)}))
sys.stdout.flush()

fill, unknown = fillers()
if unknown:
    fail("required_fields", model=User._meta.label, fields=unknown)
password_hash = make_password(os.environ["DOCTOR_FIX_PASSWORD"])
created = 0
try:
    with transaction.atomic():
        for start in range(0, len(missing), batch):
            chunk = missing[start:start + batch]
            users = []
            for index, name in enumerate(chunk, start):
                user = User(**{field: name})
                user.password = password_hash
                for attname, value in fill:
                    setattr(user, attname, value(name, index))
                if field != "email" and hasattr(user, "email") and "@" in name and not user.email:
                    user.email = name
                users.append(user)
            User.objects.bulk_create(users, batch_size=batch)
            created += len(chunk)
            print(json.dumps({"done": created, "of": len(missing)}))
            sys.stdout.flush()
        # Inside the transaction, default=str: a failing summary keeps nothing half-done.
        print(json.dumps({"created": created, "already_existed": len(names) - len(missing)},
                         default=str))
except Exception as exc:  # IntegrityError and the like: a sentence, not a traceback
    fail("insert_failed", model=User._meta.label, type=type(exc).__name__,
         message=str(exc)[:500], filled=[a for a, _ in fill])
