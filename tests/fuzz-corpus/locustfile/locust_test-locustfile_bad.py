"""The guide's error 1 on purpose: FastHttpUser with session headers and no timeouts.

Fails in on_start with
AttributeError: 'FastHttpSession' object has no attribute 'headers'
"""
import random
import time

from locust import FastHttpUser, between, task

USER_POOL_SIZE = 100
PASSWORD = "testpass123"


class StockUser(FastHttpUser):
    wait_time = between(1, 2)

    def on_start(self):
        self.username = f"user{random.randint(1, USER_POOL_SIZE)}"
        self.token = None
        self.token_expires_at = 0.0
        self.authenticate()

    def authenticate(self):
        response = self.client.post(
            "/api/token/", json={"username": self.username, "password": PASSWORD}
        )
        self.token = response.json()["access"]
        self.token_expires_at = time.time() + 240
        # wrong: FastHttpSession has no headers attribute
        self.client.headers.update({"Authorization": f"Bearer {self.token}"})

    @task(3)
    def list_products(self):
        if time.time() >= self.token_expires_at:
            self.authenticate()
        self.client.get("/api/products/")

    @task(1)
    def reserve_stock(self):
        if time.time() >= self.token_expires_at:
            self.authenticate()
        self.client.post("/api/products/1/reserve/", json={"quantity": 1})
