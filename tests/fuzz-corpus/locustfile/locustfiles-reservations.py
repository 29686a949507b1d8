"""Reservations two ways: the id in the body (a URL this service does not have) and in the path."""
from locust import HttpUser, task


class Reserver(HttpUser):
    def on_start(self):
        token = self.client.post("/api/token/", json={"username": "user2", "password": "testpass123"}).json()["access"]
        self.client.headers["Authorization"] = f"Bearer {token}"
        self.product_id = self.client.get("/api/products/").json()[0]["id"]

    @task
    def reserve_by_body(self):
        self.client.post("/api/reservations/", json={"product_id": self.product_id, "quantity": 1})

    @task
    def reserve_in_path(self):
        self.client.post(f"/api/products/{self.product_id}/reserve/", json={"quantity": 1})

    @task
    def reserve_too_many(self):
        with self.client.post(f"/api/products/{self.product_id}/reserve/",
                              json={"quantity": 999999}, catch_response=True) as r:
            if r.status_code == 400:
                r.success()

    @task
    def products_without_slash(self):
        self.client.get("/api/products")

    @task
    def orders(self):
        self.client.get("/api/orders/?page=2")
