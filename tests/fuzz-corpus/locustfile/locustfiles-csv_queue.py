"""Accounts from a CSV consumed in order from a queue: every user gets the next row."""
import csv
import os
import queue

from locust import FastHttpUser, SequentialTaskSet, constant, events, task

ACCOUNTS = queue.Queue()


@events.test_start.add_listener
def load_accounts(environment, **_kwargs):
    with open(os.path.join(os.path.dirname(__file__), "accounts.csv"), newline="") as f:
        for row in csv.reader(f):
            if row[0] != "username":
                ACCOUNTS.put((row[0], row[1]))


class Journey(SequentialTaskSet):
    def on_start(self):
        self.auth = {"Authorization": f"Bearer {self.user.token}"}

    @task
    def list_products(self):
        self.client.get("/api/products/", headers=self.auth)

    @task
    def reserve(self):
        self.client.post("/api/products/1/reserve/", json={"quantity": 1}, headers=self.auth)


class QueueUser(FastHttpUser):
    wait_time = constant(0)
    tasks = [Journey]

    def on_start(self):
        username, password = ACCOUNTS.get_nowait()
        resp = self.client.post("/api/token/", json={"username": username, "password": password})
        self.token = resp.json()["access"]
