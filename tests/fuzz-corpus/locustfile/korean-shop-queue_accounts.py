"""Accounts handed out in order from a shared list: the first two were never created."""
from locust import HttpUser, between, task

ACCOUNTS = ["guest_1", "guest_2", "loadtester_9", "loadtester_10"]
PASSWORD = "load-pass-1"


class Shopper(HttpUser):
    wait_time = between(1, 2)

    def on_start(self):
        username = ACCOUNTS.pop(0)
        response = self.client.post("/api/v1/accounts/login/", json={"username": username, "password": PASSWORD})
        self.token = response.json().get("token", {}).get("access")

    @task
    def products(self):
        self.client.get("/api/v1/products/", headers={"Authorization": f"Bearer {self.token}"})
