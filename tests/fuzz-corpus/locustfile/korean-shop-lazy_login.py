"""The shop's load test with the login inside a TaskSet, made lazily and re-made now and then."""
import random

from locust import HttpUser, TaskSet, between, task

PASSWORD = "load-pass-1"


class Browse(TaskSet):
    token = None

    def login(self):
        username = "loadtester_%d" % random.randint(1, 3000)
        response = self.client.post("/api/v1/accounts/login/", json={"username": username, "password": PASSWORD})
        if response.status_code == 200:
            self.token = response.json()["token"]["access"]

    @task
    def products(self):
        # Log in the first time, and again now and then, as real users come back.
        if self.token is None or random.random() < 0.3:
            self.login()
        self.client.get("/api/v1/products/", headers={"Authorization": f"Bearer {self.token}"})


class Shopper(HttpUser):
    wait_time = between(1, 2)
    tasks = [Browse]
