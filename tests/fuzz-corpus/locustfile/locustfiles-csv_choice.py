"""Accounts read from a CSV file beside the locustfile; each user takes a random row."""
import csv
import os
import random

from locust import HttpUser, between, task

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "accounts.csv"), newline="") as f:
    ACCOUNTS = list(csv.DictReader(f))


class CsvUser(HttpUser):
    wait_time = between(0.5, 1)

    def on_start(self):
        account = random.choice(ACCOUNTS)
        with self.client.post("/api/token/", json={"username": account["username"],
                                                   "password": account["password"]},
                              catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"login failed: {response.status_code}")
            else:
                self.headers = {"Authorization": "Bearer " + response.json()["access"]}
                response.success()

    @task
    def products(self):
        self.client.get("/api/products/", headers=self.headers)
