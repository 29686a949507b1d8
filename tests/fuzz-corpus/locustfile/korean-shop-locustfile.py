"""The shop's checkout: list the products, order one, confirm the payment with the order's
final amount."""
import random

from locust import HttpUser, between, task

PASSWORD = "load-pass-1"


class Buyer(HttpUser):
    wait_time = between(1, 2)

    def on_start(self):
        username = f"loadtester_{random.randint(1, 50)}"
        response = self.client.post("/api/v1/accounts/login/", json={"username": username, "password": PASSWORD})
        self.headers = {"Authorization": f"Bearer {response.json()['token']['access']}"}

    @task
    def checkout(self):
        page = self.client.get("/api/v1/products/", headers=self.headers).json()
        products = page.get("results") or [{"id": 1}]
        order = self.client.post("/api/v1/orders/", json={"product_id": products[0]["id"], "quantity": 1},
                                 headers=self.headers).json()
        self.client.post("/api/v1/payments/confirm/", json={"order_id": order["order_id"],
                                                            "amount": order["final_amount"]},
                         headers=self.headers)
