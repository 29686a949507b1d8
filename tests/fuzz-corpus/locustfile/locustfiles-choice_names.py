"""Usernames picked with random.choice from a module list; password from the environment."""
import os
from random import choice

from locust import HttpUser, constant, task

USERS = ["user1", "user2", "user3", "user5", "user8", "user13"]
PASSWORD = os.environ.get("LOADTEST_PASSWORD", "default-pass")


class Shopper(HttpUser):
    wait_time = constant(1)

    def on_start(self):
        name = choice(USERS)
        res = self.client.post("/api/token/", json={"username": name, "password": PASSWORD})
        self.token = res.json().get("access") if res.status_code == 200 else None

    @task(3)
    def browse(self):
        self.client.get("/api/products/", headers={"Authorization": f"Bearer {self.token}"})

    @task(1)
    def health(self):
        self.client.get("/api/health/")
