"""The shop's load test written for simplejwt's answer: it reads "access" at the top level."""
import random

from locust import HttpUser, between, task

PASSWORD = "load-pass-1"


class Shopper(HttpUser):
    wait_time = between(1, 2)

    def on_start(self):
        username = f"loadtester_{random.randint(1, 50)}"
        response = self.client.post("/api/v1/accounts/login/", json={"username": username, "password": PASSWORD})
        self.token = response.json().get("access")

    @task
    def products(self):
        self.client.get("/api/v1/products/", headers={"Authorization": f"Bearer {self.token}"})
