"""The guide's section 1 mistake in a project's own shape: session headers on a FastHttpUser."""
from locust import FastHttpUser, task


class MobileUser(FastHttpUser):
    def on_start(self):
        resp = self.client.post("/api/token/", json={"username": "user3", "password": "testpass123"})
        self.client.headers.update({"Authorization": "Bearer " + resp.json()["access"]})

    @task
    def products(self):
        self.client.headers["X-Trace"] = "1"
        self.client.get("/api/products/")
