"""Answer `reserve`: the reservation endpoint exercised in-process, as the load test does,
inside a transaction that is rolled back: nothing is left behind, and a 500 shows its exception
(runserver hides tracebacks when DEBUG is off)."""
import json
import os
import re
import traceback

from doctor_py import frames, url_list
from doctor_py import stock as stock_question


def answer(params):
    """`params`: optional path, username and body of the reservation request."""
    from django.contrib.auth import get_user_model
    from django.test.utils import setup_test_environment

    stock = stock_question.answer()
    if not stock.get("present"):
        return {"applies": False, "code": "no_stock_model"}
    # Django's SQLite backend creates a missing database file on connect: never do that.
    from django.db import connection

    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor == "sqlite" and name != ":memory:" and not os.path.exists(name):
        return {"applies": False, "code": "sqlite_missing", "path": name}
    path = params.get("path")
    if not path:
        candidates = [u for u in url_list.answer() if "reserve" in u["path"].lower()]
        if not candidates:
            return {"applies": False, "code": "no_reserve_url"}
        path = candidates[0]["path"]
    try:
        from rest_framework.test import APIClient
    except ImportError:
        return {"applies": False, "code": "no_rest_framework"}
    try:
        setup_test_environment()  # lets the test client's host pass ALLOWED_HOSTS
    except RuntimeError:
        pass  # already set up
    from django.apps import apps

    Stock = apps.get_model(stock["stock_model"])
    User = get_user_model()
    from doctor_py import replay_lock
    try:
        replay_lock.acquire(os.getcwd())  # another doctor's replay would lock our writes
    except replay_lock.Busy as busy:
        return {"applies": False, **busy.facts()}
    try:
        return _rolled_back(Stock, User, stock, params, path)
    finally:
        replay_lock.release()


def _rolled_back(Stock, User, stock, params, path):
    """The reservation inside a transaction that is always rolled back."""
    from django.db import transaction
    from rest_framework.test import APIClient

    result = {"applies": True, "path_template": path}
    with transaction.atomic():
        # `Product.stock` named otherwise: the field the stock question found.
        available = (stock.get("stock_field") or "available_stock").rsplit(".", 1)[-1]
        stock_row = Stock.objects.filter(**{available + "__gt": 0}).order_by("pk").first() \
            or Stock.objects.order_by("pk").first()
        if stock_row is None:
            result.update({"applies": False, "code": "no_stock_row"})
            return result
        product_id = getattr(stock_row, stock["product_fk_column"]) \
            if stock.get("product_fk_column") else stock_row.pk
        username = params.get("username")
        user = User.objects.filter(**{User.USERNAME_FIELD: username}).first() if username else None
        user = user or User.objects.filter(is_active=True).order_by("pk").first() \
            if hasattr(User, "is_active") else user or User.objects.order_by("pk").first()
        if user is None:
            result.update({"applies": False, "code": "no_user"})
            return result
        url = re.sub(r"<(?:\w+:)?(?:pk|id|product_id)>", str(product_id), path)
        url = re.sub(r"<[^>]+>", str(product_id), url)
        client = APIClient(raise_request_exception=True)
        client.force_authenticate(user=user)
        result.update({"url": url, "product_id": product_id,
                       "as_user": getattr(user, User.USERNAME_FIELD, None)})
        try:
            response = client.post(url, params.get("body") or {"quantity": 1}, format="json")
            body = response.content.decode("utf-8", "replace")
            try:
                json.loads(body)
                is_json = True
            except ValueError:
                is_json = False
            result.update({"status": response.status_code, "body": body[:500], "is_json": is_json})
        except Exception as exc:
            chain = []
            current = exc
            while current is not None and len(chain) < 5:
                chain.append({"type": type(current).__name__, "message": str(current)})
                current = current.__cause__ or current.__context__
            result.update({"status": 500, "exception": {
                "type": type(exc).__name__, "message": str(exc), "chain": chain,
                "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
                "frames": frames.without_doctor(frames.extract(exc.__traceback__))}})
        transaction.set_rollback(True)  # checks never change the project's data
    return result
