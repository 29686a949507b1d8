"""Catalog browsing: log in once, then list products again and again (request-heavy, login-light)."""
import os
import random

from locust import HttpUser, between, task


class CatalogBrowser(HttpUser):
    wait_time = between(0.05, 0.2)
    POOL = 100

    def on_start(self):
        index = random.randint(0, self.POOL - 1)
        body = {
            "username": f"user{index + 1}",
            "password": os.environ.get("LOAD_PASSWORD", "testpass123"),
        }
        response = self.client.post("/api/token/", json=body, name="login")
        access = response.json().get("access") if response.status_code == 200 else ""
        self.headers = {"Authorization": f"Bearer {access}"}

    @task(5)
    def products(self):
        self.client.get("/api/products/", headers=self.headers, name="products")

    @task(1)
    def health(self):
        self.client.get("/api/health/", name="health")
