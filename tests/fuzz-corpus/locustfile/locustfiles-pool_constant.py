"""Pool size from a class constant, the username kept on the instance, the body built first."""
import random

from locust import HttpUser, between, task


class ApiUser(HttpUser):
    wait_time = between(1, 3)
    POOL = 10000
    LOGIN_URL = "/api/token/"

    def on_start(self):
        self.quantity = random.randint(1, 3)
        last = self.POOL - 1
        self.username = f"user{random.randint(0, last)}"
        body = {"username": self.username, "password": "testpass123"}
        response = self.client.post(self.LOGIN_URL, json=body, name="login")
        if response.status_code == 200:
            self.client.headers["Authorization"] = "Bearer " + response.json()["access"]

    @task
    def products(self):
        self.client.get("/api/products/", name="products")
