"""The shop's checkout as it should be: order, then confirm the payment with the order's amount."""
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
        order = self.client.post("/api/v1/orders/", json={"product_id": 1, "quantity": 1}, headers=self.headers).json()
        self.client.post("/api/v1/payments/confirm/", json={"order_id": order["order_id"], "amount": order["amount"]},
                         headers=self.headers)
