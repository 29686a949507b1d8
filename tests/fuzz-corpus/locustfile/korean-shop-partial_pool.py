"""The shop's load test: 3,000 load-test accounts, of which a fresh database has only 50."""
import random

from locust import HttpUser, between, task

ACCOUNTS = 3000
PASSWORD = "load-pass-1"


class Shopper(HttpUser):
    wait_time = between(1, 2)

    def on_start(self):
        username = f"loadtester_{random.randint(1, ACCOUNTS)}"
        response = self.client.post("/api/v1/accounts/login/", json={"username": username, "password": PASSWORD})
        self.token = response.json()["token"]["access"]
        self.headers = {"Authorization": f"Bearer {self.token}"}

    @task
    def products(self):
        self.client.get("/api/v1/products/", headers=self.headers)
