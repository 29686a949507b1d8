"""Question `stock`: the stock model (the one with available_stock), its product and the
columns doctor's SQL reads."""


def _concrete_field(model, name):
    for field in model._meta.concrete_fields:
        if field.name == name:
            return field
    return None


# A stock kept on the product itself (`Product.stock`, reserved with select_for_update) is named
# otherwise: an integer field of one of these names, on a model that is not the user model.
STOCK_NAMES = ("stock", "stock_quantity", "stock_count", "quantity", "inventory", "in_stock",
               "available", "available_quantity", "remaining", "qty")
PRODUCT_NAMES = ("Product", "Item", "Goods", "Ticket", "Sku", "Variant")


def _integer_stock_field(model):
    from django.db import models as m
    for name in STOCK_NAMES:
        field = _concrete_field(model, name)
        if field is not None and isinstance(field, m.IntegerField) and not field.primary_key:
            return field
    return None


def _on_product(models):
    """The stock as an integer field of a product-like model, or None."""
    from django.contrib.auth import get_user_model
    try:
        user_model = get_user_model()
    except Exception:
        user_model = None
    found = [(m, f) for m in models if m is not user_model
             for f in [_integer_stock_field(m)] if f is not None]
    if not found:
        return None
    found.sort(key=lambda mf: (mf[0].__name__ not in PRODUCT_NAMES, STOCK_NAMES.index(mf[1].name)))
    model, field = found[0]
    return {
        "present": True,
        "found_by": "integer_field",
        "stock_field": f"{model._meta.label}.{field.name}",
        "product_model": model._meta.label,
        "stock_model": model._meta.label,
        "product_table": model._meta.db_table,
        "stock_table": model._meta.db_table,
        # The row is its own product: the join is on its primary key.
        "product_fk_column": model._meta.pk.column,
        "status_column": None,
        "active_value": None,
        "columns": {"available_stock": field.column},
    }


def answer():
    from django.apps import apps

    models = list(apps.get_models())
    candidates = [m for m in models if _concrete_field(m, "available_stock") is not None]
    if not candidates:
        on_product = _on_product(models)
        if on_product is not None:
            return on_product
        return {"present": False, "code": "no_stock_field", "models": len(models),
                "looked_for": ["available_stock"] + [f"{n} (integer)" for n in STOCK_NAMES]}
    named = [m for m in candidates if m.__name__ == "ProductStock"]
    stock = (named or candidates)[0]

    # The product is what the stock row points at (OneToOne/FK), preferably a model "Product".
    relations = [f for f in stock._meta.concrete_fields
                 if getattr(f, "many_to_one", False) or getattr(f, "one_to_one", False)]
    product_fk = None
    for field in relations:
        if field.related_model is not None and field.related_model.__name__ == "Product":
            product_fk = field
            break
    if product_fk is None and relations:
        product_fk = relations[0]
    product = product_fk.related_model if product_fk is not None else None
    if product is None:
        product = next((m for m in models if m.__name__ == "Product"), None)

    status_column = active_value = None
    if product is not None:
        status = _concrete_field(product, "status")
        if status is not None:
            status_column = status.column
            values = [choice[0] for choice in (status.choices or [])]
            active_value = next((v for v in values if str(v).lower() == "active"), None)
            if active_value is None and isinstance(status.default, str):
                active_value = status.default

    def column(name):
        field = _concrete_field(stock, name)
        return field.column if field is not None else None

    return {
        "present": True,
        "product_model": product._meta.label if product is not None else None,
        "stock_model": stock._meta.label,
        "product_table": product._meta.db_table if product is not None else None,
        "stock_table": stock._meta.db_table,
        "product_fk_column": product_fk.column if product_fk is not None else None,
        "status_column": status_column,
        "active_value": active_value,
        "columns": {name: column(name)
                    for name in ("available_stock", "reserved_stock", "physical_stock")},
    }
