"""A load test that logs in with a demo account the shop's database does not have."""
from locust import HttpUser, between, task


class Guest(HttpUser):
    wait_time = between(1, 2)

    def on_start(self):
        response = self.client.post("/api/v1/accounts/login/", json={"username": "demo_buyer", "password": "demo"})
        self.token = response.json().get("token", {}).get("access")

    @task
    def products(self):
        self.client.get("/api/v1/products/", headers={"Authorization": f"Bearer {self.token}"})
