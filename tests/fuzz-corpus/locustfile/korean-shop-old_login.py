"""A load test copied from a simplejwt tutorial: it logs in at /api/token/, which this shop has not."""
from locust import HttpUser, between, task


class Shopper(HttpUser):
    wait_time = between(1, 2)

    def on_start(self):
        response = self.client.post("/api/token/", json={"username": "loadtester_3", "password": "load-pass-1"})
        self.token = response.json().get("access") if response.status_code == 200 else None

    @task
    def products(self):
        self.client.get("/api/v1/products/", headers={"Authorization": f"Bearer {self.token}"})
