"""Question `user_model`: the user model's table and columns, for doctor's own SQL."""


def answer():
    from django.contrib.auth import get_user_model
    from django.core.exceptions import FieldDoesNotExist

    model = get_user_model()
    meta = model._meta

    def column(field_name):
        try:
            return meta.get_field(field_name).column
        except (FieldDoesNotExist, AttributeError):
            return None  # AbstractBaseUser.is_active is a plain attribute, not a column

    username_field = getattr(model, "USERNAME_FIELD", "username")
    return {
        "label": meta.label,
        "db_table": meta.db_table,
        "username_field": username_field,
        "username_column": column(username_field),
        "password_column": column("password"),
        "is_active_column": column("is_active"),
    }
