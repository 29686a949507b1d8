"""Answer `password_hash`: a password hashed the way the project's Django stores it."""


def answer(value):
    from django.contrib.auth.hashers import identify_hasher, make_password

    hashed = make_password(value)
    return {"hash": hashed, "hasher": identify_hasher(hashed).algorithm}
