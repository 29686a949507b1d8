"""Load test of the throttled-shop fixture, in the shapes real projects use: TaskSets picked by
a weight dict, `between(3, 15)`, and a login made lazily from the first task that needs it.

    locust -f loadtest/locustfile.py --headless -u 30 -r 5 -t 60s --host http://127.0.0.1:8000
"""
import random

from locust import HttpUser, TaskSet, between, task

POOL = 30
PASSWORD = "shop-pass-1"


class Browse(TaskSet):
    @task(4)
    def list_products(self):
        self.client.get("/api/products/", name="/api/products/")

    @task(1)
    def leave(self):
        self.interrupt()


class Account(TaskSet):
    @task
    def my_products(self):
        self.user.ensure_login()
        self.client.get("/api/products/", name="/api/products/ (signed in)",
                        headers={"Authorization": f"Bearer {self.user.token}"})
        self.interrupt()


class Shopper(HttpUser):
    wait_time = between(3, 15)
    tasks = {Browse: 3, Account: 1}
    token = None

    def ensure_login(self):
        if self.token is not None:
            return
        response = self.client.post(
            "/api/auth/login/", name="/api/auth/login/",
            json={"username": f"shopper{random.randint(1, POOL)}", "password": PASSWORD},
        )
        if response.status_code == 200:
            self.token = response.json()["access"]
